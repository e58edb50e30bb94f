package scan

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Each fuzz target checks, for one detector (and all of them together): no panic; findings
// are in bounds, sorted and disjoint; valid UTF-8 in gives valid UTF-8 out; redacting twice
// equals redacting once.

var fuzzSeeds = []string{
	"john.doe@example.com", "QuorumPeer@774 x@10.10.34.11", "4111 1111 1111 1111", "blk_-1608999687919862906",
	"DE89 3704 0044 0532 0130 00", "DE54ABCDEF0123456789XY", "IT60X0542811101000000123456", "536-22-1234", "+1 (415) 555-2671", "10.0.0.1 2001:db8::1 0:0:0:0:0:0:0:0:2181",
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "AKIAIOSFODNN7EXAMPLE ghp_aB3dE5aB3dE5aB3dE5aB3dE5aB3dE5aB3dE5",
	"api_key=Zx9Lq2Vb7Rt4Yp1Wm8Kd", `"password": "Tr0ub4dor&3xQ9zLk"`, "Bearer abc123XYZ456def789GHI",
	"postgres://app:s3cr3t@db/x?token=abc&code=1", "-----BEGIN PRIVATE KEY-----\nMII", "é@é.é ü+12345678901",
	"[REDACTED:email]@example.com", "[HMAC:email:0123456789abcdef]", "",
}

func fuzzDetector(f *testing.F, kinds ...Kind) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	var o Options
	for _, k := range kinds {
		o.Enabled[k] = true
	}
	r := NewRedactor(RedactorOptions{Policies: policies("[REDACTED:{type}]", ActionMask)})
	o.Markers, o.MarkerPrefixes = r.Markers()
	sc := New(o)
	rh := NewRedactor(RedactorOptions{Policies: policies("[REDACTED:{type}]", ActionHash), HMACKey: []byte(strings.Repeat("k", 32)), EmailKeepDomain: true, CardLast4: true})
	oh := o
	oh.Markers, oh.MarkerPrefixes = rh.Markers()
	sch := New(oh)
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []struct {
			sc *Scanner
			r  *Redactor
		}{{sc, r}, {sch, rh}} {
			fs := p.sc.Scan(s, 0, nil)
			for i, x := range fs {
				if x.Start < 0 || x.End > len(s) || x.Start >= x.End {
					t.Fatalf("bad finding %v in %q", x, s)
				}
				if i > 0 && fs[i-1].End > x.Start {
					t.Fatalf("overlap %v %v in %q", fs[i-1], x, s)
				}
			}
			once, _ := p.r.Apply(s, fs)
			if utf8.ValidString(s) && !utf8.ValidString(once) {
				t.Fatalf("invalid UTF-8 out of %q: %q", s, once)
			}
			twice, _ := p.r.Apply(once, p.sc.Scan(once, 0, nil))
			if twice != once {
				t.Fatalf("not idempotent:\n in    %q\n once  %q\n twice %q", s, once, twice)
			}
		}
	})
}

func FuzzEmail(f *testing.F)      { fuzzDetector(f, Email) }
func FuzzCreditCard(f *testing.F) { fuzzDetector(f, CreditCard) }
func FuzzIBAN(f *testing.F)       { fuzzDetector(f, IBAN) }
func FuzzUSSSN(f *testing.F)      { fuzzDetector(f, USSSN) }
func FuzzPhone(f *testing.F)      { fuzzDetector(f, Phone) }
func FuzzIP(f *testing.F)         { fuzzDetector(f, IP) }
func FuzzJWT(f *testing.F)        { fuzzDetector(f, JWT) }
func FuzzSecret(f *testing.F)     { fuzzDetector(f, Secret) }
func FuzzURL(f *testing.F)        { fuzzDetector(f, URL) }
func FuzzAll(f *testing.F) {
	all := make([]Kind, 0, NumBuiltin)
	for k := Kind(0); k < NumBuiltin; k++ {
		all = append(all, k)
	}
	fuzzDetector(f, all...)
}

func FuzzSQL(f *testing.F) {
	for _, s := range []string{"SELECT * FROM t WHERE a = 'x' AND b = 1.5e3", "SELECT $$a$$, $t$b$t$, E'\\'', 0xFF", "--\n/* */'", "$1 :a ?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once, _ := RedactSQL(s)
		if utf8.ValidString(s) && !utf8.ValidString(once) {
			t.Fatalf("invalid UTF-8 out of %q: %q", s, once)
		}
		if twice, _ := RedactSQL(once); twice != once {
			t.Fatalf("not idempotent:\n in    %q\n once  %q\n twice %q", s, once, twice)
		}
	})
}

// FuzzMayMatch checks the prefilter's claim: when it says no, no detector finds anything.
func FuzzMayMatch(f *testing.F) {
	for _, s := range append(fuzzSeeds, "http.request.method", "xoxb-abcdefghij", "glpat-a.b.c.d.e.f.g.h.i.j.k", "sk_live_abcdefghij", "gen_ai.usage.input_tokens") {
		f.Add(s)
	}
	sc := worstScanner()
	f.Fuzz(func(t *testing.T, s string) {
		if !sc.MayMatch(s) {
			if fs := sc.Scan(s, 0, nil); len(fs) > 0 {
				t.Fatalf("MayMatch(%q) = false, Scan finds %v", s, fs)
			}
		}
	})
}

func TestMayMatch(t *testing.T) {
	sc := worstScanner()
	for s, want := range map[string]bool{
		"http.request.method": false, "service.name": false, "gen_ai.usage.input_tokens": false,
		"jane@example.com": true, "4111111111111111": true, "k8s.pod.name": true, "DE89": true,
		"xoxb-abcdefghij": true, "x.glpat-a.b": true, "": false,
	} {
		if got := sc.MayMatch(s); got != want {
			t.Errorf("MayMatch(%q) = %v, want %v", s, got, want)
		}
	}
	// A user pattern can match anything.
	o := Options{Patterns: []Pattern{{Name: "p", Regexp: regexp.MustCompile(`method`)}}}
	if !New(o).MayMatch("http.request.method") {
		t.Error("MayMatch with a user pattern must be true")
	}
}
