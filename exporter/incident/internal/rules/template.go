package rules

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"
)

// MaxRenderBytes bounds what one template execution may write; a template that writes more
// is cut there (a range over a huge attribute map cannot blow up memory).
const MaxRenderBytes = 64 << 10

// Data is what summary, description and runbook_url templates see.
type Data struct {
	Rule     string
	Severity string
	// Labels are the identity labels (original OTel keys) plus alertname and severity.
	Labels map[string]string
	// Attributes are the triggering record's (or point's) attributes over its resource's.
	Attributes map[string]string
	// Body and SeverityText of the triggering log record (empty for metrics).
	Body         string
	SeverityText string
	// Metric, Value and Threshold of the triggering point (metrics rules).
	Metric    string
	Value     float64
	Threshold float64
	// Count of matching records in the rule's window when it fired (logs rules).
	Count int
}

var funcs = template.FuncMap{
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
	"trim":     strings.TrimSpace,
	"replace":  func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
	"truncate": func(n int, s string) string { return TruncateRunes(s, n) },
	"default": func(def string, s string) string {
		if s == "" {
			return def
		}
		return s
	},
	"humanize": Humanize,
}

// Template is a parsed text/template with the whitelisted functions: upper, lower, trim,
// replace, truncate, default, humanize (plus text/template's builtins such as printf).
type Template struct {
	src string
	t   *template.Template
}

// ParseTemplate parses src; missing map keys render as empty strings.
func ParseTemplate(name, src string) (*Template, error) {
	t, err := template.New(name).Option("missingkey=zero").Funcs(funcs).Parse(src)
	if err != nil {
		return nil, err
	}
	return &Template{src: src, t: t}, nil
}

// MustParse is ParseTemplate for sources known to be valid (defaults, tests).
func MustParse(name, src string) *Template {
	t, err := ParseTemplate(name, src)
	if err != nil {
		panic(err)
	}
	return t
}

// Source is the template text.
func (t *Template) Source() string {
	if t == nil {
		return ""
	}
	return t.src
}

var errFull = errors.New("template output limit reached")

type limitedBuilder struct {
	b strings.Builder
}

func (l *limitedBuilder) Write(p []byte) (int, error) {
	room := MaxRenderBytes - l.b.Len()
	if room <= 0 {
		return 0, errFull
	}
	if len(p) > room {
		l.b.Write(p[:room])
		return room, errFull
	}
	return l.b.Write(p)
}

// Render executes the template and truncates the result to maxRunes runes (0 = no limit).
// On an execution error it returns what was written so far, or the template source when
// nothing was, together with the error, so an alert is never sent with an empty text.
func (t *Template) Render(d *Data, maxRunes int) (string, error) {
	if t == nil {
		return "", nil
	}
	var lb limitedBuilder
	err := t.t.Execute(&lb, d)
	out := lb.b.String()
	if errors.Is(err, errFull) {
		err = nil
	}
	if err != nil && out == "" {
		out = t.src
	}
	if !utf8.ValidString(out) {
		out = strings.ToValidUTF8(out, "\uFFFD")
	}
	if maxRunes > 0 {
		out = TruncateRunes(out, maxRunes)
	}
	return out, err
}

// TruncateRunes cuts s to at most n runes, ending with "…" when it cut. Invalid UTF-8
// counts one rune per bad byte and is replaced.
func TruncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i == n-1 {
			break
		}
		b.WriteRune(r)
		i++
	}
	b.WriteString("…")
	return b.String()
}

// Humanize formats a number with an SI suffix (1234567 → "1.235M"), like Prometheus'
// humanize; small and non-finite values are printed plainly.
func Humanize(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	abs := math.Abs(v)
	if abs >= 1 {
		prefixes := []string{"", "k", "M", "G", "T", "P", "E"}
		i := 0
		for abs >= 1000 && i < len(prefixes)-1 {
			abs /= 1000
			v /= 1000
			i++
		}
		return fmt.Sprintf("%.4g%s", v, prefixes[i])
	}
	prefixes := []string{"", "m", "µ", "n", "p", "f", "a"}
	i := 0
	for abs < 1 && i < len(prefixes)-1 {
		abs *= 1000
		v *= 1000
		i++
	}
	return fmt.Sprintf("%.4g%s", v, prefixes[i])
}
