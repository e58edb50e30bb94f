package rules

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTemplate: any template source either fails to parse or renders without panicking,
// within the byte cap, as valid UTF-8, truncated to the rune limit.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		`{{.Rule}} {{.Value}}`, `{{range .Attributes}}{{.}}{{end}}`, `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`,
		`{{truncate 3 .Body}}`, `{{humanize .Value}}`, `{{index .Labels "x"}}`, "\xff{{.Body}}", `{{printf "%s" .Labels}}`,
	} {
		f.Add(s, "body \xfe text", 12.5, 100)
	}
	f.Fuzz(func(t *testing.T, src, body string, v float64, max int) {
		tpl, err := ParseTemplate("f", src)
		if err != nil {
			return
		}
		if max < 0 {
			max = -max
		}
		max %= 5000
		d := &Data{Rule: "r", Body: body, Value: v, Labels: map[string]string{"x": body}, Attributes: map[string]string{"a": body, "b": src}}
		out, _ := tpl.Render(d, max)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 output %q", out)
		}
		if len(out) > MaxRenderBytes+4 {
			t.Fatalf("output %d bytes beyond cap", len(out))
		}
		if max > 0 && utf8.RuneCountInString(out) > max {
			t.Fatalf("output %d runes > %d", utf8.RuneCountInString(out), max)
		}
	})
}

// FuzzFingerprint: stable under map order, distinct when a value changes.
func FuzzFingerprint(f *testing.F) {
	f.Add("rule", "service.name", "a", "env", "b")
	f.Add("", "", "", "k", "\xff")
	f.Fuzz(func(t *testing.T, rule, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		a := Fingerprint(rule, m)
		if a != Fingerprint(rule, map[string]string{k2: m[k2], k1: m[k1]}) {
			t.Fatal("order dependent")
		}
		if len(a) != 64 {
			t.Fatal("length")
		}
		if k1 != AlertNameLabel {
			m2 := map[string]string{k1: m[k1] + "x", k2: m[k2]}
			if k1 == k2 {
				m2 = map[string]string{k1: m[k1] + "x"}
			}
			if Fingerprint(rule, m2) == a {
				t.Fatal("value change did not change the fingerprint")
			}
		}
	})
}

// FuzzThreshold: Eval agrees with the comparison it names; Active wins over Clear
// (they cannot both hold once Validate passed).
func FuzzThreshold(f *testing.F) {
	f.Add(">", 0.5, 0.4, 0.45)
	f.Add("<=", 1.0, 2.0, 1.5)
	f.Fuzz(func(t *testing.T, op string, th, cl, v float64) {
		x := Threshold{Op: Compare(op), Threshold: th, Clear: cl}
		if x.Validate() != nil {
			return
		}
		l := x.Eval(v)
		if v != v || v > 1e308 || v < -1e308 {
			if l != Invalid {
				t.Fatalf("non-finite %v gave %v", v, l)
			}
			return
		}
		var active, clear bool
		switch x.Op {
		case GT:
			active, clear = v > th, v <= cl
		case GE:
			active, clear = v >= th, v < cl
		case LT:
			active, clear = v < th, v >= cl
		case LE:
			active, clear = v <= th, v > cl
		}
		want := Hold
		if active {
			want = Active
		} else if clear {
			want = Clear
		}
		if l != want {
			t.Fatalf("%s th=%v clear=%v v=%v: got %v want %v", op, th, cl, v, l, want)
		}
	})
}

// FuzzLogCondition: arbitrary regexes and records never panic.
func FuzzLogCondition(f *testing.F) {
	f.Add("k", "a.*", "ERROR", "body", "a1")
	f.Fuzz(func(t *testing.T, key, re, sev, body, val string) {
		c, err := NewAttrCondition(key, OpRegex, re)
		if err != nil {
			return
		}
		n, _ := ParseSeverity(sev)
		lc := LogCondition{MinSeverity: n, BodyContains: strings.TrimSpace(body), Attrs: []AttrCondition{c}}
		_ = lc.Match(rec{text: sev, body: body, attrs: map[string]string{key: val}})
	})
}
