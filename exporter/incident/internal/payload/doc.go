// Package payload builds what each destination of the incident exporter receives, without
// pdata or I/O: PagerDuty Events API v2 events, Slack incoming-webhook messages (text plus
// Block Kit sections), Alertmanager-webhook-shaped JSON with an optional HMAC signature,
// and Alertmanager API v2 alerts with label names sanitised to Alertmanager 0.25's rules.
// Every builder enforces the destination's documented limits by truncating by runes.
package payload

import (
	"net/url"
	"sort"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
)

// Item is one alert change to notify.
type Item struct {
	Action alert.Action
	Alert  alert.Alert
}

// Well-known identity labels used to fill destination fields.
const (
	LabelService     = "service.name"
	LabelEnvironment = "deployment.environment.name"
)

// validLink reports an absolute http(s) URL (what PagerDuty and Slack accept as links).
func validLink(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
