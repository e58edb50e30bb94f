package rules

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

type rec struct {
	num   int32
	text  string
	body  string
	attrs map[string]string
}

func (r rec) SeverityNumber() int32 { return r.num }
func (r rec) SeverityText() string  { return r.text }
func (r rec) Body() string          { return r.body }
func (r rec) Attr(k string) (string, bool) {
	v, ok := r.attrs[k]
	return v, ok
}

func mustAttr(t *testing.T, k string, op AttrOp, v string) AttrCondition {
	t.Helper()
	c, err := NewAttrCondition(k, op, v)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLogConditionMatch(t *testing.T) {
	cond := LogCondition{
		MinSeverity:  17,
		BodyContains: "timeout",
		Attrs: []AttrCondition{
			mustAttr(t, "event.name", OpEquals, "db.query"),
			mustAttr(t, "service.name", OpRegex, "check.*|api"),
			mustAttr(t, "test", OpNotExists, ""),
		},
	}
	base := rec{num: 17, body: "query timeout after 5s", attrs: map[string]string{"event.name": "db.query", "service.name": "checkout"}}
	if !cond.Match(base) {
		t.Fatal("base record should match")
	}
	cases := map[string]rec{
		"severity below": {num: 13, body: base.body, attrs: base.attrs},
		"body differs":   {num: 17, body: "ok", attrs: base.attrs},
		"attr differs":   {num: 17, body: base.body, attrs: map[string]string{"event.name": "x", "service.name": "checkout"}},
		"regex anchored": {num: 17, body: base.body, attrs: map[string]string{"event.name": "db.query", "service.name": "xapi"}},
		"excluded attr":  {num: 17, body: base.body, attrs: map[string]string{"event.name": "db.query", "service.name": "api", "test": "1"}},
	}
	for name, r := range cases {
		if cond.Match(r) {
			t.Errorf("%s: matched, want no match", name)
		}
	}
	// Severity text is used when the number is unset.
	if !cond.Match(rec{text: "error", body: base.body, attrs: base.attrs}) {
		t.Error("severity text ERROR should satisfy MinSeverity 17")
	}
	if cond.Match(rec{text: "info", body: base.body, attrs: base.attrs}) {
		t.Error("severity text INFO should not satisfy MinSeverity 17")
	}
	re := LogCondition{BodyRegex: regexp.MustCompile(`deadlock detected`)}
	if !re.Match(rec{body: "ERROR: deadlock detected"}) || re.Match(rec{body: "fine"}) {
		t.Error("body regex")
	}
	if !(&LogCondition{}).Empty() || cond.Empty() {
		t.Error("Empty")
	}
}

func TestAttrConditionErrors(t *testing.T) {
	if _, err := NewAttrCondition("", OpEquals, "x"); err == nil {
		t.Error("empty key accepted")
	}
	if _, err := NewAttrCondition("k", "like", "x"); err == nil {
		t.Error("unknown op accepted")
	}
	if _, err := NewAttrCondition("k", OpRegex, "("); err == nil {
		t.Error("bad regex accepted")
	}
	nr := mustAttr(t, "k", OpNotRegex, "a+")
	if nr.Match(rec{attrs: map[string]string{"k": "aa"}}) || !nr.Match(rec{attrs: map[string]string{"k": "b"}}) || !nr.Match(rec{}) {
		t.Error("not_regex")
	}
	ne := mustAttr(t, "k", OpNotEquals, "a")
	if ne.Match(rec{attrs: map[string]string{"k": "a"}}) || !ne.Match(rec{}) {
		t.Error("not_equals")
	}
}

func TestParseSeverity(t *testing.T) {
	ok := map[string]int32{"ERROR": 17, "error": 17, "ERROR3": 19, "warn": 13, "Warning": 13, "FATAL4": 24, "info": 9, "17": 17, " debug ": 5, "TRACE2": 2}
	for in, want := range ok {
		got, err := ParseSeverity(in)
		if err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "25", "LOUD", "ERROR5", "ERROR1"} {
		if n, err := ParseSeverity(in); err == nil {
			t.Errorf("ParseSeverity(%q) = %d, want error", in, n)
		}
	}
}

func TestThresholdHysteresis(t *testing.T) {
	th := Threshold{Op: GT, Threshold: 0.5, Clear: 0.4}
	if err := th.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[float64]Level{0.6: Active, 0.5: Hold, 0.45: Hold, 0.4: Clear, 0.1: Clear, math.NaN(): Invalid, math.Inf(1): Invalid}
	for v, l := range want {
		if got := th.Eval(v); got != l {
			t.Errorf("GT Eval(%v) = %v, want %v", v, got, l)
		}
	}
	lt := Threshold{Op: LT, Threshold: 10, Clear: 20}
	if lt.Eval(5) != Active || lt.Eval(15) != Hold || lt.Eval(20) != Clear {
		t.Error("LT hysteresis")
	}
	ge := Threshold{Op: GE, Threshold: 10, Clear: 10}
	if ge.Eval(10) != Active || ge.Eval(9.99) != Clear {
		t.Error("GE without band")
	}
	le := Threshold{Op: LE, Threshold: 1, Clear: 1}
	if le.Eval(1) != Active || le.Eval(1.01) != Clear {
		t.Error("LE without band")
	}
	for _, bad := range []Threshold{{Op: GT, Threshold: 1, Clear: 2}, {Op: LT, Threshold: 2, Clear: 1}, {Op: "=", Threshold: 1, Clear: 1}, {Op: GT, Threshold: math.NaN()}} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v) accepted", bad)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a := Fingerprint("HighErrors", map[string]string{"service.name": "checkout", "env": "prod"})
	b := Fingerprint("HighErrors", map[string]string{"env": "prod", "service.name": "checkout"})
	if a != b || len(a) != 64 {
		t.Fatalf("order dependence or bad length: %s %s", a, b)
	}
	distinct := []string{
		a,
		Fingerprint("HighErrors2", map[string]string{"service.name": "checkout", "env": "prod"}),
		Fingerprint("HighErrors", map[string]string{"service.name": "checkout"}),
		Fingerprint("HighErrors", map[string]string{"service.name": "checkout", "env": "dev"}),
		Fingerprint("HighErrors", map[string]string{"service.namecheckout": "", "env": "prod"}),
		Fingerprint("HighErrors", map[string]string{"service.name": "checkoutenv", "": "prod"}),
	}
	seen := map[string]int{}
	for i, f := range distinct {
		if j, ok := seen[f]; ok {
			t.Errorf("fingerprint %d equals %d", i, j)
		}
		seen[f] = i
	}
	// An identity key named alertname cannot override the rule.
	if Fingerprint("R", map[string]string{"alertname": "X"}) != Fingerprint("R", nil) {
		t.Error("alertname in identity must be ignored")
	}
}

func TestTemplateRender(t *testing.T) {
	tpl := MustParse("summary", `{{.Rule}} on {{index .Labels "service.name" | default "unknown"}}: {{printf "%.2f" .Value}} > {{.Threshold}} ({{humanize 1234567.0}}) {{.Attributes.missing}}|{{upper .Severity}}`)
	out, err := tpl.Render(&Data{Rule: "Anomaly", Severity: "critical", Value: 0.734, Threshold: 0.5, Labels: map[string]string{}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Anomaly on unknown: 0.73 > 0.5 (1.235M) |CRITICAL"; out != want {
		t.Fatalf("got %q want %q", out, want)
	}
	long := MustParse("d", `{{range $i := .Attributes}}{{$i}}{{end}}`)
	attrs := map[string]string{"a": strings.Repeat("é", 5000)}
	out, err = long.Render(&Data{Attributes: attrs}, 1024)
	if err != nil || utf8.RuneCountInString(out) != 1024 || !strings.HasSuffix(out, "…") {
		t.Fatalf("truncation: %d runes, err %v", utf8.RuneCountInString(out), err)
	}
	// Execution error: the source comes back with the error, never an empty text.
	bad := MustParse("b", `{{index .Labels 3}}`)
	out, err = bad.Render(&Data{Labels: map[string]string{}}, 0)
	if err == nil || out != `{{index .Labels 3}}` {
		t.Fatalf("error path: %q %v", out, err)
	}
	if _, err := ParseTemplate("x", "{{.Rule"); err == nil {
		t.Fatal("unterminated action accepted")
	}
	if _, err := ParseTemplate("x", `{{exec "rm"}}`); err == nil {
		t.Fatal("unknown function accepted")
	}
}

func TestTemplateOutputBounded(t *testing.T) {
	// Nested ranges over a big map would write gigabytes; the writer stops at the limit.
	attrs := map[string]string{}
	for i := 0; i < 200; i++ {
		attrs[strings.Repeat("k", i+1)] = strings.Repeat("v", 100)
	}
	tpl := MustParse("bomb", `{{range .Attributes}}{{range $.Attributes}}{{.}}{{end}}{{end}}`)
	out, err := tpl.Render(&Data{Attributes: attrs}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != MaxRenderBytes {
		t.Fatalf("output %d bytes, want the %d cap", len(out), MaxRenderBytes)
	}
}

func TestTruncateAndHumanize(t *testing.T) {
	if TruncateRunes("abc", 3) != "abc" || TruncateRunes("abcd", 3) != "ab…" || TruncateRunes("ab", 0) != "" || TruncateRunes("ab", 1) != "…" {
		t.Error("TruncateRunes")
	}
	for v, want := range map[float64]string{0: "0", 0.5: "500m", 1500: "1.5k", -2e6: "-2M", 12: "12"} {
		if got := Humanize(v); got != want {
			t.Errorf("Humanize(%v) = %q want %q", v, got, want)
		}
	}
}
