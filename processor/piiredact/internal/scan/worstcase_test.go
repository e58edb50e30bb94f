package scan

import (
	"fmt"
	"strings"
	"testing"
)

// Worst-case inputs: for each detector, units that, repeated, put a gate at every few bytes
// and make the detector behind it look as far as it can. Each is repeated to the wanted size.
var worstCases = []struct {
	name  string
	units []string
}{
	{"credit_card", []string{"4111 ", "4111-", "4111 1111 1111 1111 1111 ", "4111111111111111 ", "5500 000000 ", "4111", "AB12 4111 "}},
	{"email", []string{"a@", "@a.", "a.a@a.", "jane.doe\xff@", "a@a.a@", "é@é.", "a-", "@" + strings.Repeat("a.", 40)}},
	{"iban", []string{"DE89 ", "DE89 3704 0044 0532 0130 00 ", "DE89370400440532013000 ", "GB82", "PL28 0711 "}},
	{"us_ssn", []string{"536-22-", "536-22-1234-", "1-"}},
	{"phone", []string{"+1 ", "+1 2 ", "+1 (415) 555-", "(415) ", "phone 415-555-", "+14155552671+", "tel (", "1 "}},
	{"ip", []string{"1.1.1.", "a:", "1:", "::1:", "1.2.3.4 version ", "1:2:3:4:5:6:7:8:", "fe80::", "v1.1.1.1."}},
	{"jwt", []string{"eyJhbGciOiJIUzI1NiJ9-", "eyJhbGciOiJIUzI1NiJ9.", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0-", "eyJ", "eyJa-"}},
	{"secret", []string{"AKIA", "ghp_", "password=", "password ", "Bearer ", "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN ", "sk-ant-", "xoxb-", "a ", "token: x1"}},
	{"url", []string{"a://", "a://a@", "?token=", "&token=a", "x://x:", "a.", "https://u:p@"}},
	{"markers", []string{"[HMAC:", "[", "[R", "[REDACTED:", "[REDACTED:email", "[REDACTED:email]", "[HMAC:email:0123456789abcdef]"}},
	{"mixed", fuzzSeeds},
}

// repeatTo repeats u until the result holds at least n bytes.
func repeatTo(u string, n int) string {
	if u == "" {
		return ""
	}
	return strings.Repeat(u, (n+len(u)-1)/len(u))
}

// worstScanner has every detector on, national phone numbers, and the markers of both the
// mask and the hash outputs.
func worstScanner() *Scanner {
	o := Options{PhoneNational: true}
	for k := Kind(0); k < NumBuiltin; k++ {
		o.Enabled[k] = true
	}
	r := NewRedactor(RedactorOptions{Policies: policies("[REDACTED:{type}]", ActionMask)})
	o.Markers, o.MarkerPrefixes = r.Markers()
	return New(o)
}

func scanWork(sc *Scanner, s string, ctx Context) int {
	buf := make([]Finding, 0, 64)
	return countWork(func() { sc.Scan(s, ctx, buf) })
}

// linearWork measures work(s) for s = the unit repeated k, 2k, 16k and 17k times and checks
// (1) the marginal work of k more units at 16k is at most twice the marginal work at k (plus
// 8 steps per byte): linear work gives equal margins whatever the edge effects (the last
// window of a run is often cheaper), quadratic work gives 16 times more; (2) the work stays
// under the stated bound MaxWorkPerByte*len + MaxWorkConst.
func linearWork(measure func(string) int, unit string, k int) (perByte float64, err string) {
	w := func(reps int) (int, int) {
		s := strings.Repeat(unit, reps)
		return measure(s), len(s)
	}
	w1, n1 := w(k)
	w2, n2 := w(2 * k)
	w16, n16 := w(16 * k)
	w17, n17 := w(17 * k)
	m1, m16 := w2-w1, w17-w16
	nk := n2 - n1
	perByte = float64(w17) / float64(n17)
	if m16 > 2*m1+8*nk {
		return perByte, fmt.Sprintf("superlinear: work %d, %d, %d, %d at %d, %d, %d, %d bytes", w1, w2, w16, w17, n1, n2, n16, n17)
	}
	if w17 > MaxWorkPerByte*n17+MaxWorkConst {
		return perByte, fmt.Sprintf("work %d at %d bytes exceeds %d per byte", w17, n17, MaxWorkPerByte)
	}
	return perByte, ""
}

// unitsFor returns how many units make about n bytes.
func unitsFor(unit string, n int) int { return (n + len(unit) - 1) / len(unit) }

// TestScanWorkIsLinear checks, without timing anything, that the work of the scanner (bytes
// examined, counted by every loop) is linear in its input on every worst-case input, under
// both key contexts, within the stated bound.
func TestScanWorkIsLinear(t *testing.T) {
	sc := worstScanner()
	for _, wc := range worstCases {
		units := wc.units
		if wc.name == "mixed" {
			units = []string{strings.Join(fuzzSeeds, " ")}
		}
		for _, u := range units {
			for _, ctx := range []Context{0, CtxQuery | CtxPhone} {
				perByte, err := linearWork(func(s string) int { return scanWork(sc, s, ctx) }, u, unitsFor(u, 4<<10))
				t.Logf("%-12s %-40q ctx=%d work/byte %5.2f", wc.name, u, ctx, perByte)
				if err != "" {
					t.Errorf("%s %q ctx=%d: %s", wc.name, u, ctx, err)
				}
			}
		}
	}
}

// worstSQL are worst-case units for RedactSQL.
var worstSQL = []string{"'", "''", "$a", "$a$", "$1", "--", "/*", "E'\\", "1e", "0x", "\"", "a.1", ":1 ", "$$"}

func sqlWork(s string) int { return countWork(func() { RedactSQL(s) }) }

func TestRedactSQLWorkIsLinear(t *testing.T) {
	for _, u := range worstSQL {
		if _, err := linearWork(sqlWork, u, unitsFor(u, 4<<10)); err != "" {
			t.Errorf("%q: %s", u, err)
		}
	}
}

// checkWork is the worst-case-time property of the fuzz targets: s repeated (about 1 KiB per
// step) costs linear work within the stated bound.
func checkWork(t *testing.T, sc *Scanner, s string) {
	if s == "" {
		return
	}
	for _, ctx := range []Context{0, CtxQuery | CtxPhone} {
		if _, err := linearWork(func(x string) int { return scanWork(sc, x, ctx) }, s, unitsFor(s, 1<<10)); err != "" {
			t.Fatalf("%q ctx=%d: %s", s, ctx, err)
		}
	}
}

// FuzzScanWork searches for inputs on which the scanner is not linear.
func FuzzScanWork(f *testing.F) {
	for _, wc := range worstCases {
		for _, u := range wc.units {
			f.Add(u)
		}
	}
	sc := worstScanner()
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			s = s[:256]
		}
		checkWork(t, sc, s)
	})
}

// FuzzRedactSQLWork searches for statements on which RedactSQL is not linear.
func FuzzRedactSQLWork(f *testing.F) {
	for _, u := range worstSQL {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		if len(s) > 256 {
			s = s[:256]
		}
		if _, err := linearWork(sqlWork, s, unitsFor(s, 1<<10)); err != "" {
			t.Fatalf("%q: %s", s, err)
		}
	})
}

// BenchmarkWorstCase reports the throughput of the scanner on each worst-case input at 16 KiB
// and at 1 MiB, side by side: a linear scanner shows the same MB/s at both sizes.
func BenchmarkWorstCase(b *testing.B) {
	sc := worstScanner()
	for _, wc := range worstCases {
		unit := wc.units[0]
		if wc.name == "mixed" {
			unit = strings.Join(fuzzSeeds, " ")
		}
		for _, size := range []struct {
			name string
			n    int
		}{{"16KiB", 16 << 10}, {"1MiB", 1 << 20}} {
			s := repeatTo(unit, size.n)
			b.Run(wc.name+"/"+size.name, func(b *testing.B) {
				buf := make([]Finding, 0, 1024)
				b.SetBytes(int64(len(s)))
				for b.Loop() {
					buf = sc.Scan(s, 0, buf[:0])
				}
			})
		}
	}
	for _, size := range []int{16 << 10, 1 << 20} {
		s := repeatTo("$a'x' 1e5 ", size)
		b.Run("db_statement/"+map[int]string{16 << 10: "16KiB", 1 << 20: "1MiB"}[size], func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				RedactSQL(s)
			}
		})
	}
}
