package engine

// The Alertmanager batch: Alertmanager destinations are sent the whole set of alerts they
// should hold, not per-incident notifications.

import (
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/payload"
)

// AMChanged reports (and clears) whether an alert changed since the last call, so the
// Alertmanager workers can send at once instead of waiting for their resend interval.
func (e *Engine) AMChanged() bool {
	c := e.amChanged
	e.amChanged = false
	return c
}

// AMBatch lists what Alertmanager destination dest should hold now: open alerts with
// endsAt = now + 4×resend (Prometheus' rule, so a missed re-send does not resolve them),
// and alerts resolved within resolvedFor with their real endsAt. Maintenance windows do
// not apply (Alertmanager has silences; an alert we stopped re-sending would auto-resolve).
func (e *Engine) AMBatch(dest string, now time.Time, resend, resolvedFor time.Duration) []payload.AMItem {
	var out []payload.AMItem
	for _, i := range e.inc {
		if !e.routedTo(i, dest, now) {
			continue
		}
		switch {
		case i.Alert.Status.Open():
			act := alert.ActionTrigger
			if i.Alert.Status == alert.Flapping {
				act = alert.ActionFlapping
			}
			out = append(out, payload.AMItem{Item: payload.Item{Action: act, Alert: i.Alert}, EndsAt: now.Add(4 * resend)})
		case i.Alert.Status == alert.Resolved && now.Sub(i.Alert.EndsAt) <= resolvedFor && i.Alert.Episode > 0:
			out = append(out, payload.AMItem{Item: payload.Item{Action: alert.ActionResolve, Alert: i.Alert}, EndsAt: i.Alert.EndsAt})
		}
	}
	return out
}

func (e *Engine) routedTo(i *Incident, dest string, now time.Time) bool {
	for _, ri := range i.routes {
		r := &e.cfg.Router.Routes[ri]
		for _, d := range r.To {
			if d == dest {
				return true
			}
		}
		for _, s := range r.Escalate {
			if !i.Alert.StartsAt.IsZero() && now.Sub(i.Alert.StartsAt) >= s.After {
				for _, d := range s.To {
					if d == dest {
						return true
					}
				}
			}
		}
	}
	return false
}
