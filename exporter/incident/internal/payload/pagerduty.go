package payload

import (
	"encoding/json"
	"strings"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
)

// PagerDuty Events API v2 limits.
const (
	PDRoutingKeyLen = 32
	PDSummaryMax    = 1024
	PDDedupKeyMax   = 255
	PDBodyMax       = 512 * 1000
)

// PDSeverities are the accepted payload.severity values.
var PDSeverities = []string{"critical", "error", "warning", "info"}

// PDConfig is the per-destination part of a PagerDuty event.
type PDConfig struct {
	RoutingKey  string
	Source      string
	Client      string
	ClientURL   string
	DedupPrefix string
}

// PDEvent is an Events API v2 event.
type PDEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key,omitempty"`
	Payload     *PDPayload `json:"payload,omitempty"`
	Links       []PDLink   `json:"links,omitempty"`
	Client      string     `json:"client,omitempty"`
	ClientURL   string     `json:"client_url,omitempty"`
}

// PDPayload is the payload of a trigger.
type PDPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// PDLink is a link shown on the alert.
type PDLink struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// PDDedupKey is "<prefix>:<fingerprint>", cut to 255 characters (a fingerprint is 64 hex
// characters, so only an absurd prefix is cut, and the cut keeps the fingerprint's end).
func PDDedupKey(prefix, fp string) string {
	k := fp
	if prefix != "" {
		k = prefix + ":" + fp
	}
	if len(k) > PDDedupKeyMax {
		k = k[len(k)-PDDedupKeyMax:]
	}
	return k
}

// PDSeverity maps a rule severity to PagerDuty's enum ("error" for anything else).
func PDSeverity(s string) string {
	for _, v := range PDSeverities {
		if s == v {
			return s
		}
	}
	return "error"
}

// PagerDuty builds the event for one alert change. A resolve carries only the key; a
// trigger (or flapping notice) carries the payload, the runbook link and custom details.
func PagerDuty(cfg PDConfig, it Item) ([]byte, error) {
	a := it.Alert
	ev := PDEvent{RoutingKey: cfg.RoutingKey, DedupKey: PDDedupKey(cfg.DedupPrefix, a.Fingerprint)}
	if it.Action == alert.ActionResolve {
		ev.EventAction = "resolve"
		return json.Marshal(ev)
	}
	ev.EventAction = "trigger"
	ev.Client, ev.ClientURL = cfg.Client, cfg.ClientURL
	summary := a.Summary
	if summary == "" {
		summary = a.Rule
	}
	if it.Action == alert.ActionFlapping {
		summary = "[FLAPPING] " + summary
	}
	source := cfg.Source
	if source == "" {
		source = a.Labels[LabelService]
	}
	if source == "" {
		source = "otelcol-fraiseql"
	}
	details := map[string]any{
		"fingerprint": a.Fingerprint,
		"episode":     a.Episode,
		"labels":      a.Labels,
		"starts_at":   rfc3339(a.StartsAt),
	}
	if a.Description != "" {
		details["description"] = a.Description
	}
	if a.HasValue {
		details["value"] = a.Value
	}
	if it.Action == alert.ActionFlapping {
		details["flapping"] = true
	}
	ev.Payload = &PDPayload{
		Summary:       rules.TruncateRunes(summary, PDSummaryMax),
		Source:        rules.TruncateRunes(source, PDSummaryMax),
		Severity:      PDSeverity(a.Severity),
		Timestamp:     rfc3339(a.StartsAt),
		Component:     a.Labels[LabelService],
		Group:         a.Labels[LabelEnvironment],
		Class:         a.Rule,
		CustomDetails: details,
	}
	if a.RunbookURL != "" && validLink(a.RunbookURL) {
		ev.Links = []PDLink{{Href: a.RunbookURL, Text: "Runbook"}}
	}
	b, err := json.Marshal(ev)
	if err != nil || len(b) <= PDBodyMax {
		return b, err
	}
	// Over PagerDuty's body limit: keep the essentials, cut the free text.
	ev.Payload.CustomDetails = map[string]any{
		"fingerprint": a.Fingerprint,
		"episode":     a.Episode,
		"description": rules.TruncateRunes(a.Description, 4096),
		"truncated":   true,
	}
	for k, v := range a.Labels {
		if len(v) > 1024 {
			v = rules.TruncateRunes(v, 1024)
		}
		ev.Payload.CustomDetails["label."+strings.ToLower(k)] = v
		if len(ev.Payload.CustomDetails) > 64 {
			break
		}
	}
	return json.Marshal(ev)
}
