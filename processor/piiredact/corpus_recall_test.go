package piiredact

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/metadatatest"
	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/scan"
)

// gen is a seeded generator of PII values and near misses.
type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func (g *gen) from(alpha string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alpha[g.r.IntN(len(alpha))]
	}
	return string(b)
}

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	lowers = "abcdefghijklmnopqrstuvwxyz"
)

func luhnComplete(prefix string, n int, g *gen) string {
	body := prefix + g.digits(n-len(prefix)-1)
	for d := 0; d < 10; d++ {
		c := body + string(rune('0'+d))
		if scan.IsCardNumber([]byte(c)) {
			return c
		}
	}
	return "" // e.g. a same-digit run: caller retries
}

// card returns a valid PAN of a random brand, contiguous or grouped.
func (g *gen) card() string {
	brands := []struct {
		prefix string
		n      int
	}{{"4", 16}, {"4", 13}, {"4", 19}, {"51", 16}, {"55", 16}, {"2221", 16}, {"34", 15}, {"37", 15},
		{"6011", 16}, {"65", 16}, {"3528", 16}, {"36", 14}, {"62", 16}, {"2200", 16}}
	for {
		b := brands[g.r.IntN(len(brands))]
		c := luhnComplete(b.prefix, b.n, g)
		if c == "" {
			continue
		}
		switch {
		case b.n == 16 && g.r.IntN(2) == 0:
			sep := []string{" ", "-"}[g.r.IntN(2)]
			return c[:4] + sep + c[4:8] + sep + c[8:12] + sep + c[12:]
		case b.n == 15 && g.r.IntN(2) == 0:
			return c[:4] + " " + c[4:10] + " " + c[10:]
		}
		return c
	}
}

// badLuhnCard returns a number of a valid brand and length that fails Luhn.
func (g *gen) badLuhnCard() string {
	for {
		c := g.card()
		c = strings.NewReplacer(" ", "", "-", "").Replace(c)
		last := c[len(c)-1]
		c = c[:len(c)-1] + string(rune('0'+(last-'0'+1+byte(g.r.IntN(8)))%10))
		if !scan.IsCardNumber([]byte(c)) {
			return c
		}
	}
}

func ibanCheck(cc, bban string) string {
	s := bban + cc + "00"
	r := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	return fmt.Sprintf("%02d", 98-r)
}

func (g *gen) iban(valid bool) string {
	countries := []string{"DE", "GB", "FR", "NL", "ES", "IT", "BE", "CH", "PL", "SE", "AT", "IE"}
	cc := countries[g.r.IntN(len(countries))]
	// The BBAN follows the country's structure ("4a14n": 4 letters, 14 digits; c: either).
	var bban string
	f := scan.IBANFormat(cc)
	for n := 0; f != ""; f = f[1:] {
		switch c := f[0]; c {
		case 'n':
			bban += g.digits(n)
			n = 0
		case 'a':
			bban += g.from(upper, n)
			n = 0
		case 'c':
			bban += g.from(upper+"0123456789", n)
			n = 0
		default:
			n = n*10 + int(c-'0')
		}
	}
	cd := ibanCheck(cc, bban)
	if !valid {
		v := (int(cd[0]-'0')*10 + int(cd[1]-'0') + 1 + g.r.IntN(90)) % 97
		if v < 2 {
			v += 2
		}
		cd = fmt.Sprintf("%02d", v)
	}
	s := cc + cd + bban
	if g.r.IntN(2) == 0 {
		var b strings.Builder
		for i := 0; i < len(s); i += 4 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s[i:min(i+4, len(s))])
		}
		return b.String()
	}
	return s
}

func (g *gen) ssn() string {
	for {
		area := 1 + g.r.IntN(899)
		if area == 666 {
			continue
		}
		s := fmt.Sprintf("%03d-%02d-%04d", area, 1+g.r.IntN(99), 1+g.r.IntN(9999))
		if s != "123-45-6789" && s != "078-05-1120" && s != "219-09-9999" {
			return s
		}
	}
}

func (g *gen) email() string {
	tlds := []string{"com", "org", "io", "de", "co.uk", "example"}
	return g.from(lowers, 1+g.r.IntN(8)) + []string{"", ".", "_", "+", "-"}[g.r.IntN(5)] + g.from(lowers+"0123456789", 1+g.r.IntN(6)) +
		"@" + g.from(lowers, 2+g.r.IntN(8)) + "." + tlds[g.r.IntN(len(tlds))]
}

func (g *gen) jwt() string {
	enc := base64.RawURLEncoding.EncodeToString
	h := enc([]byte(fmt.Sprintf(`{"alg":"%s","typ":"JWT"}`, []string{"HS256", "RS256", "ES384"}[g.r.IntN(3)])))
	p := enc([]byte(fmt.Sprintf(`{"sub":"%s","iat":%d}`, g.from(alnum, 10), 1700000000+g.r.IntN(1e8))))
	return h + "." + p + "." + g.from(alnum+"-_", 43)
}

func (g *gen) prefixedSecret() string {
	switch g.r.IntN(9) {
	case 0:
		return "AKIA" + g.from(base32, 16)
	case 1:
		return "ghp_" + g.from(alnum, 36)
	case 2:
		return "github_pat_" + g.from(alnum+"_", 82)
	case 3:
		return "glpat-" + g.from(alnum+"-_", 20)
	case 4:
		return "xoxb-" + g.digits(12) + "-" + g.digits(13) + "-" + g.from(alnum, 24)
	case 5:
		return "sk_live_" + g.from(alnum, 24)
	case 6:
		return "AIza" + g.from(alnum+"-_", 35)
	case 7:
		return "npm_" + g.from(alnum, 36)
	default:
		return "sk-ant-api03-" + g.from(alnum+"-_", 80)
	}
}

func (g *gen) phone() string {
	switch g.r.IntN(3) {
	case 0:
		return "+1" + fmt.Sprint(2+g.r.IntN(8)) + g.digits(9)
	case 1:
		return "+44 20 " + g.digits(4) + " " + g.digits(4)
	default:
		return "+49-30-" + g.digits(7)
	}
}

func (g *gen) ip() string {
	if g.r.IntN(3) == 0 {
		return fmt.Sprintf("2001:db8:%x::%x", g.r.IntN(0xffff), 1+g.r.IntN(0xffff))
	}
	return fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g *gen) urlCreds() (full, secret string) {
	pw := g.from(alnum, 12)
	return "postgres://app:" + pw + "@db" + g.digits(2) + ".internal:5432/app", pw
}

// nearMiss returns a value that must never be redacted.
func (g *gen) nearMiss() (kind, v string) {
	switch g.r.IntN(9) {
	case 0:
		return "bad_luhn", g.badLuhnCard()
	case 1:
		return "bad_iban", g.iban(false)
	case 2:
		return "ssn_666", fmt.Sprintf("666-%02d-%04d", 1+g.r.IntN(99), 1+g.r.IntN(9999))
	case 3:
		return "version", fmt.Sprintf("version %d.%d.%d.%d", g.r.IntN(10), g.r.IntN(10), g.r.IntN(10), g.r.IntN(10))
	case 4:
		return "class_at_line", "QuorumCnxManager$SendWorker@" + fmt.Sprint(g.r.IntN(1000))
	case 5:
		for {
			c := luhnComplete("4", 19, g)
			if c != "" {
				return "hdfs_block", "blk_-" + c
			}
		}
	case 6:
		return "at_ip", "CoarseGrainedScheduler@10.10." + fmt.Sprint(g.r.IntN(256)) + "." + fmt.Sprint(g.r.IntN(256))
	case 7:
		return "ssn_group_00", fmt.Sprintf("%03d-00-%04d", 1+g.r.IntN(600), 1+g.r.IntN(9999))
	default:
		return "short_phone", "+" + g.digits(5)
	}
}

type injected struct {
	kind, value string
	near        bool
	keep        string // for near misses: the part that must survive (default value)
}

// inject puts v into line after a space (or at the end), never right after ':' or '=' so the
// surrounding text does not turn it into a key/value secret.
func inject(g *gen, line, v string) string {
	var spaces []int
	for i := 1; i < len(line); i++ {
		if line[i] == ' ' && line[i-1] != ':' && line[i-1] != '=' && line[i-1] != ' ' {
			spaces = append(spaces, i)
		}
	}
	if len(spaces) == 0 {
		return line + " " + v
	}
	at := spaces[g.r.IntN(len(spaces))]
	return line[:at] + " " + v + line[at:]
}

// TestCorpusRecall injects known PII and near misses into loghub lines (as string bodies),
// synthetic attributes and map bodies, runs the processor, and measures recall per kind and
// the near misses left alone.
func TestCorpusRecall(t *testing.T) {
	files := loghubLines(t)
	var names []string
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	g := newGen(20261126)

	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	var truth [][]injected // per record

	pick := func() (string, string) {
		switch g.r.IntN(9) {
		case 0:
			return "credit_card", g.card()
		case 1:
			return "iban", g.iban(true)
		case 2:
			return "us_ssn", g.ssn()
		case 3:
			return "email", g.email()
		case 4:
			return "jwt", g.jwt()
		case 5:
			return "secret", g.prefixedSecret()
		case 6:
			return "phone", g.phone()
		case 7:
			return "ip", g.ip()
		default:
			full, _ := g.urlCreds()
			return "url", full
		}
	}
	for _, f := range names {
		for i, line := range files[f] {
			if i%4 != 0 {
				continue
			}
			var inj []injected
			lr := lrs.AppendEmpty()
			k, v := pick()
			if k == "url" {
				pw := v[len("postgres://app:"):strings.IndexByte(v, '@')]
				inj = append(inj, injected{kind: k, value: pw})
			} else {
				inj = append(inj, injected{kind: k, value: v})
			}
			nk, nv := g.nearMiss()
			keep := nv
			if nk == "at_ip" {
				keep = "CoarseGrainedScheduler@" // not an e-mail; the address itself is an IP
			}
			inj = append(inj, injected{kind: nk, value: nv, near: true, keep: keep})
			// The near miss goes after a separator so it never touches the injected value.
			body := inject(g, line, v) + " | " + nv
			switch i % 3 {
			case 0: // string body
				lr.Body().SetStr(body)
			case 1: // map body: the line as a leaf, PII in a nested field too
				m := lr.Body().SetEmptyMap()
				m.PutStr("message", body)
				k2, v2 := pick()
				if k2 != "url" {
					m.PutEmptyMap("user").PutStr("note", v2)
					inj = append(inj, injected{kind: k2, value: v2})
				}
			default: // attributes
				lr.Body().SetStr(line)
				lr.Attributes().PutStr("event.detail", body)
				k2, v2 := pick()
				if k2 != "url" {
					lr.Attributes().PutEmptySlice("notes").AppendEmpty().SetStr("see " + v2)
					inj = append(inj, injected{kind: k2, value: v2})
				}
			}
			truth = append(truth, inj)
		}
	}

	tt := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tt.Shutdown(context.Background())) }()
	p, err := newPIIProcessor(defaultCfg(), metadatatest.NewSettings(tt))
	require.NoError(t, err)
	_, err = p.processLogs(context.Background(), ld)
	require.NoError(t, err)

	type tally struct{ n, hit int }
	recall := map[string]*tally{}
	kept := map[string]*tally{}
	for r, inj := range truth {
		text := recordText(lrs.At(r))
		for _, x := range inj {
			m := recall
			if x.near {
				m = kept
			}
			if m[x.kind] == nil {
				m[x.kind] = &tally{}
			}
			m[x.kind].n++
			probe := x.value
			if x.keep != "" {
				probe = x.keep
			}
			present := strings.Contains(text, probe)
			if x.near == present {
				m[x.kind].hit++
			} else if !x.near && testing.Verbose() {
				t.Logf("missed %s %q in %q", x.kind, x.value, text)
			} else if x.near {
				t.Errorf("near miss %s %q was redacted: %q", x.kind, x.value, text)
			}
		}
	}
	for _, k := range []string{"email", "credit_card", "iban", "us_ssn", "jwt", "secret", "url"} {
		require.NotNil(t, recall[k], k)
		assert.Equal(t, recall[k].n, recall[k].hit, "recall of %s must be 1.0 (%d/%d)", k, recall[k].hit, recall[k].n)
	}
	for k, c := range recall {
		t.Logf("recall %-12s %4d/%4d = %.3f", k, c.hit, c.n, float64(c.hit)/float64(c.n))
	}
	for k, c := range kept {
		t.Logf("near miss kept %-14s %4d/%4d", k, c.hit, c.n)
		assert.Equal(t, c.n, c.hit, "near misses %s must never be redacted", k)
	}
}

// recordText flattens a record's body and attributes for the recall check.
func recordText(lr plog.LogRecord) string {
	var b strings.Builder
	var walk func(v pcommon.Value)
	walk = func(v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeMap:
			v.Map().Range(func(_ string, x pcommon.Value) bool { walk(x); return true })
		case pcommon.ValueTypeSlice:
			for i := 0; i < v.Slice().Len(); i++ {
				walk(v.Slice().At(i))
			}
		default:
			b.WriteString(v.AsString())
			b.WriteByte('\n')
		}
	}
	walk(lr.Body())
	lr.Attributes().Range(func(_ string, x pcommon.Value) bool { walk(x); return true })
	return b.String()
}
