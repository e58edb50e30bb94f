package payload

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
)

// Webhook signature headers: the Unix timestamp and "sha256=" + hex(HMAC-SHA256(secret,
// timestamp + "." + body)); receivers recompute it and reject stale timestamps.
const (
	HeaderTimestamp = "X-Incident-Timestamp"
	HeaderSignature = "X-Incident-Signature"
)

// WebhookMessage has the shape of Alertmanager's webhook payload (version 4), so existing
// Alertmanager webhook receivers understand it.
type WebhookMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []WebhookAlert    `json:"alerts"`
}

// WebhookAlert is one alert of a webhook message.
type WebhookAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// zeroTime is how Alertmanager writes the endsAt of a firing alert.
const zeroTime = "0001-01-01T00:00:00Z"

// Annotations of an alert change (summary, description, runbook_url, action).
func Annotations(it Item) map[string]string {
	a := it.Alert
	an := map[string]string{}
	if a.Summary != "" {
		an["summary"] = a.Summary
	}
	if a.Description != "" {
		an["description"] = a.Description
	}
	if a.RunbookURL != "" {
		an["runbook_url"] = a.RunbookURL
	}
	if it.Action == alert.ActionFlapping {
		an["flapping"] = "true"
	}
	if it.Action == alert.ActionRepeat {
		an["repeat"] = "true"
	}
	if a.HasValue {
		an["value"] = strconv.FormatFloat(a.Value, 'g', -1, 64)
	}
	return an
}

func common(maps []map[string]string) map[string]string {
	out := map[string]string{}
	if len(maps) == 0 {
		return out
	}
	for k, v := range maps[0] {
		all := true
		for _, m := range maps[1:] {
			if w, ok := m[k]; !ok || w != v {
				all = false
				break
			}
		}
		if all {
			out[k] = v
		}
	}
	return out
}

// Webhook builds the message for one group's changes.
func Webhook(receiver, groupKey string, groupLabels map[string]string, externalURL string, items []Item) ([]byte, error) {
	msg := WebhookMessage{Version: "4", GroupKey: groupKey, Status: "resolved", Receiver: receiver, GroupLabels: groupLabels, ExternalURL: externalURL}
	if msg.GroupLabels == nil {
		msg.GroupLabels = map[string]string{}
	}
	var ls, as []map[string]string
	for _, it := range items {
		a := it.Alert
		wa := WebhookAlert{Status: "firing", Labels: a.Labels, Annotations: Annotations(it), StartsAt: rfc3339(a.StartsAt), EndsAt: zeroTime, Fingerprint: a.Fingerprint}
		if it.Action == alert.ActionResolve {
			wa.Status = "resolved"
			wa.EndsAt = rfc3339(a.EndsAt)
			if wa.EndsAt == "" {
				wa.EndsAt = rfc3339(time.Now())
			}
		} else {
			msg.Status = "firing"
		}
		if wa.Labels == nil {
			wa.Labels = map[string]string{}
		}
		msg.Alerts = append(msg.Alerts, wa)
		ls = append(ls, wa.Labels)
		as = append(as, wa.Annotations)
	}
	msg.CommonLabels = common(ls)
	msg.CommonAnnotations = common(as)
	return json.Marshal(msg)
}

// Sign returns the signature header value for body at the Unix time ts.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature and that the timestamp is within tolerance of now.
func Verify(secret []byte, tsHeader, sigHeader string, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want := Sign(secret, ts, body)
	return strings.HasPrefix(sigHeader, "sha256=") && hmac.Equal([]byte(want), []byte(sigHeader))
}
