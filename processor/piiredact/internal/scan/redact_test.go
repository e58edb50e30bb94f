package scan

import (
	"regexp"
	"strings"
	"testing"
)

func policies(tmpl string, action Action) []Policy {
	ps := make([]Policy, NumBuiltin)
	for k := Kind(0); k < NumBuiltin; k++ {
		ps[k] = Policy{Action: action, Name: k.String(), Mask: RenderMask(tmpl, k.String())}
	}
	return ps
}

// pipeline builds a scanner with every detector and a redactor with the given options; the
// scanner skips the redactor's markers as the processor wires them.
func pipeline(ro RedactorOptions, o Options) (*Scanner, *Redactor) {
	r := NewRedactor(ro)
	for k := Kind(0); k < NumBuiltin; k++ {
		o.Enabled[k] = true
	}
	o.Markers, o.MarkerPrefixes = r.Markers()
	return New(o), r
}

func redact(sc *Scanner, r *Redactor, s string) string {
	out, _ := r.Apply(s, sc.Scan(s, 0, nil))
	return out
}

func TestRedactMask(t *testing.T) {
	sc, r := pipeline(RedactorOptions{Policies: policies("[REDACTED:{type}]", ActionMask)}, Options{})
	in := "user john@example.com paid with 4111 1111 1111 1111 from 8.8.8.8"
	want := "user [REDACTED:email] paid with [REDACTED:credit_card] from [REDACTED:ip]"
	if got := redact(sc, r, in); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestRedactPartialReveal(t *testing.T) {
	sc, r := pipeline(RedactorOptions{
		Policies:        policies("****", ActionMask),
		EmailKeepDomain: true,
		CardLast4:       true,
	}, Options{})
	// A Luhn-valid card number (4111-1111-1111-1234 would fail Luhn and stay as it is).
	in := "john@example.com 4111-1111-1111-1111"
	want := "****@example.com ****1111"
	got := redact(sc, r, in)
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if again := redact(sc, r, got); again != got {
		t.Fatalf("not idempotent: %q", again)
	}
}

func TestRedactHashIsKeyedAndStable(t *testing.T) {
	mk := func(key string) (*Scanner, *Redactor) {
		return pipeline(RedactorOptions{Policies: policies("[REDACTED:{type}]", ActionHash), HMACKey: []byte(key)}, Options{})
	}
	sc, r := mk(strings.Repeat("k", 32))
	a := redact(sc, r, "from alice@example.com")
	b := redact(sc, r, "to alice@example.com")
	c := redact(sc, r, "to bob@example.com")
	if !strings.HasPrefix(a, "from [HMAC:email:") || len(a) != len("from [HMAC:email:")+17 {
		t.Fatalf("hash form: %q", a)
	}
	if a[5:] != b[3:] {
		t.Fatalf("same value, different pseudonyms: %q %q", a, b)
	}
	if b == c {
		t.Fatalf("different values, same pseudonym: %q", b)
	}
	sc2, r2 := mk(strings.Repeat("z", 32))
	if redact(sc2, r2, "to alice@example.com") == b {
		t.Fatal("pseudonym does not depend on the key")
	}
	if again := redact(sc, r, a); again != a {
		t.Fatalf("hash output rescanned: %q -> %q", a, again)
	}
}

func TestRedactDrop(t *testing.T) {
	ps := policies("x", ActionMask)
	ps[USSSN].Action = ActionDrop
	sc, r := pipeline(RedactorOptions{Policies: ps}, Options{})
	if _, drop := r.Apply("ssn 536-22-1234", sc.Scan("ssn 536-22-1234", 0, nil)); !drop {
		t.Fatal("drop not reported")
	}
	if out, drop := r.Apply("mail a@b.io", sc.Scan("mail a@b.io", 0, nil)); drop || out != "mail x" {
		t.Fatalf("got %q %v", out, drop)
	}
}

func TestPatternsAndAllowValues(t *testing.T) {
	ps := append(policies("[REDACTED:{type}]", ActionMask), Policy{Action: ActionMask, Name: "employee_id", Mask: "[REDACTED:employee_id]"})
	sc, r := pipeline(RedactorOptions{Policies: ps}, Options{
		Patterns:    []Pattern{{Name: "employee_id", Regexp: regexp.MustCompile(`EMP-\d{6}`)}},
		AllowValues: []*regexp.Regexp{regexp.MustCompile(`[a-z]+@example\.com`)},
	})
	in := "EMP-123456 mailed ops@example.com and eve@evil.io"
	want := "[REDACTED:employee_id] mailed ops@example.com and [REDACTED:email]"
	if got := redact(sc, r, in); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if sc.PatternName(NumBuiltin) != "employee_id" {
		t.Fatal(sc.PatternName(NumBuiltin))
	}
	// Keyword-gated pattern without a literal prefix.
	sc2 := New(Options{Patterns: []Pattern{{Name: "p", Regexp: regexp.MustCompile(`(?i)(?:user|uid)=\w+`), Keywords: []string{"user=", "uid="}}}})
	if fs := sc2.Scan("a uid=42 b", 0, nil); len(fs) != 1 {
		t.Fatalf("keyword pattern: %v", fs)
	}
	if fs := sc2.Scan("a UID=42 b", 0, nil); len(fs) != 0 {
		t.Fatalf("keyword gate should skip: %v", fs)
	}
}

func TestSQL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT * FROM users WHERE email = 'a@b.io' AND id = 42", "SELECT * FROM users WHERE email = ? AND id = ?"},
		{"INSERT INTO t (a, b) VALUES ('it''s', -3.5e10)", "INSERT INTO t (a, b) VALUES (?, -?)"},
		{`SELECT "Col1", t2.x FROM t2 WHERE x = $1 AND y = :name`, `SELECT "Col1", t2.x FROM t2 WHERE x = $1 AND y = :name`},
		{"SELECT $$secret body$$, $fn$ x $fn$", "SELECT ?, ?"},
		{`SELECT E'a\'b', 0xFF, x'0A'`, "SELECT ?, ?, ?"},
		{"SELECT 1 -- note 'x'\nFROM t", "SELECT ? -- note 'x'\nFROM t"},
		{"SELECT /* 'c' */ 2", "SELECT /* 'c' */ ?"},
		{"SELECT 'open", "SELECT ?"},
		{"SELECT a1, b_2 FROM t3", "SELECT a1, b_2 FROM t3"},
	}
	for _, c := range cases {
		got, changed := RedactSQL(c.in)
		if got != c.want || changed != (c.in != c.want) {
			t.Errorf("%q: got %q (%v), want %q", c.in, got, changed, c.want)
		}
		if again, ch := RedactSQL(got); again != got || ch {
			t.Errorf("%q: not idempotent: %q", got, again)
		}
	}
}

func TestSensitiveKeys(t *testing.T) {
	m := NewKeyMatcher([]string{"pin"})
	for _, k := range []string{"password", "user.password", "db_password", "http.request.header.authorization",
		"http.response.header.set-cookie", "Cookie", "X-Api-Key", "access_token", "ssn", "card.pin"} {
		if !m.Sensitive(k) {
			t.Errorf("%q not sensitive", k)
		}
	}
	for _, k := range []string{"gen_ai.usage.input_tokens", "token_count", "session.id", "passwordless", "spin", "user.email"} {
		if m.Sensitive(k) {
			t.Errorf("%q sensitive", k)
		}
	}
	if !IsPhoneKey("user.phone_number") || !IsPhoneKey("contact.tel") || IsPhoneKey("hotel.name") {
		t.Error("IsPhoneKey")
	}
}

func TestKindNames(t *testing.T) {
	for k := Kind(0); k < NumBuiltin; k++ {
		got, ok := KindByName(k.String())
		if !ok || got != k {
			t.Errorf("%v", k)
		}
	}
	if _, ok := KindByName("nope"); ok {
		t.Error("unknown name found")
	}
}
