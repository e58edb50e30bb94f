package payload

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
)

// SanitizeName maps a key to Alertmanager 0.25's classic name rule ^[a-zA-Z_][a-zA-Z0-9_]*$:
// every other byte becomes "_", a leading digit gets a "_" prefix, "" becomes "_".
func SanitizeName(k string) string {
	if k == "" {
		return "_"
	}
	b := []byte(k)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	if b[0] >= '0' && b[0] <= '9' {
		return "_" + string(b)
	}
	return string(b)
}

// ValidName reports whether Alertmanager 0.25 accepts the name.
func ValidName(k string) bool { return k != "" && SanitizeName(k) == k }

// SanitizeLabels renames keys to valid names. Collisions are resolved deterministically:
// keys are taken in sorted order and a later one gets "_2", "_3", ...; names in reserved
// are never produced. renamed maps each new name to its original key when they differ.
func SanitizeLabels(in map[string]string, reserved ...string) (out, renamed map[string]string) {
	out = make(map[string]string, len(in))
	used := map[string]bool{}
	for _, r := range reserved {
		used[r] = true
	}
	for _, k := range sortedKeys(in) {
		n := SanitizeName(k)
		if used[n] {
			base := n
			for i := 2; used[n]; i++ {
				n = base + "_" + strconv.Itoa(i)
			}
		}
		used[n] = true
		out[n] = strings.ToValidUTF8(in[k], "\uFFFD")
		if n != k {
			if renamed == nil {
				renamed = map[string]string{}
			}
			renamed[n] = k
		}
	}
	return out, renamed
}

// AMAlert is an Alertmanager API v2 postable alert.
type AMAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     string            `json:"startsAt,omitempty"`
	EndsAt       string            `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// AMItem is an alert to (re-)send with the endsAt to announce: now + a few resend
// intervals while firing (Prometheus' 4×), the real end once resolved.
type AMItem struct {
	Item   Item
	EndsAt time.Time
}

// AMLabels are the labels of an alert in Alertmanager: alertname (the rule), severity and
// the identity labels with sanitised names; renamed keys are listed in the
// "otel_label_names" annotation as sanitised=original pairs.
func AMLabels(a alert.Alert) (map[string]string, string) {
	ident := map[string]string{}
	for k, v := range a.Labels {
		if k == rules.AlertNameLabel || k == "severity" {
			continue
		}
		if v == "" {
			continue // Alertmanager drops empty labels; keep identity visible only when set
		}
		ident[k] = v
	}
	out, renamed := SanitizeLabels(ident, rules.AlertNameLabel, "severity")
	out[rules.AlertNameLabel] = strings.ToValidUTF8(a.Rule, "\uFFFD")
	if a.Severity != "" {
		out["severity"] = a.Severity
	}
	var pairs []string
	for _, n := range sortedKeys(renamed) {
		pairs = append(pairs, n+"="+renamed[n])
	}
	return out, strings.Join(pairs, ",")
}

// Alertmanager builds the POST /api/v2/alerts body (a JSON array).
func Alertmanager(items []AMItem, generatorURL string) ([]byte, error) {
	out := make([]AMAlert, 0, len(items))
	for _, x := range items {
		labels, renamed := AMLabels(x.Item.Alert)
		ann, _ := SanitizeLabels(Annotations(x.Item))
		if renamed != "" {
			ann["otel_label_names"] = renamed
		}
		am := AMAlert{Labels: labels, Annotations: ann, StartsAt: rfc3339(x.Item.Alert.StartsAt), EndsAt: rfc3339(x.EndsAt), GeneratorURL: generatorURL}
		if am.EndsAt != "" && am.StartsAt != "" && x.EndsAt.Before(x.Item.Alert.StartsAt) {
			am.EndsAt = am.StartsAt // Alertmanager rejects endsAt before startsAt
		}
		out = append(out, am)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Labels[rules.AlertNameLabel] < out[j].Labels[rules.AlertNameLabel] })
	return json.Marshal(out)
}
