package engine

// Persistence: what changed since the last write, and loading it back at start.

import (
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/outbox"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/state"
)

// TakeDirty returns incidents changed since the last call (nil: deleted) and dirty slots.
func (e *Engine) TakeDirty() (map[string]*Incident, map[outbox.Key]*outbox.Slot) {
	var incs map[string]*Incident
	if len(e.dirty) > 0 {
		incs = make(map[string]*Incident, len(e.dirty))
		for fp := range e.dirty {
			i := e.inc[fp]
			if i != nil {
				i.savedSeen = i.M.LastSeen
			}
			incs[fp] = i
		}
		clear(e.dirty)
	}
	return incs, e.out.TakeDirty()
}

// Restore loads an incident read from storage. An incident whose rule no longer exists is
// resolved (so destinations that were told get a resolve). Open incidents restart their
// inactivity clock at now: the collector saw nothing while it was down, which is not
// evidence that the problem went away.
func (e *Engine) Restore(i *Incident, now time.Time) {
	r := e.byName[i.Alert.Rule]
	if r == nil {
		r = &Rule{Name: i.Alert.Rule, Severity: i.Alert.Severity, Params: state.Params{Inactivity: time.Minute}}
		if i.M.Phase.Open() || i.M.Phase == state.Pending {
			i.M.Phase, i.M.EndsAt, i.M.LastChange, i.M.Flapping = state.Resolved, now, now, false
			i.Alert.EndsAt, i.Alert.Status = now, alert.Resolved
			e.dirty[i.Alert.Fingerprint] = struct{}{}
		}
	}
	i.rule = r
	if i.Alert.Labels == nil {
		i.Alert.Labels = map[string]string{}
	}
	// Static labels follow the current configuration (a restart may add a team label).
	for k, v := range r.Labels {
		i.Alert.Labels[k] = v
	}
	i.routes = e.cfg.Router.Match(i.Alert.Labels)
	if i.M.Phase.Open() && i.M.LastSeen.Before(now) {
		i.M.LastSeen = now
	}
	i.savedSeen = i.M.LastSeen
	if old := e.inc[i.Alert.Fingerprint]; old != nil {
		e.lru.Remove(old.lru)
	}
	e.inc[i.Alert.Fingerprint] = i
	i.lru = e.lru.PushBack(i)
	// Rejoin groups when destinations may need to hear about it: open, or resolved while
	// some destination still holds it open (slots are restored first).
	if i.Alert.Status.Open() || (i.Alert.Status == alert.Resolved && e.out.Holds(i.Alert.Fingerprint)) {
		e.join(i, now)
	}
	e.amChanged = true
}

// RestoreSlot loads an outbox slot read from storage.
func (e *Engine) RestoreSlot(k outbox.Key, s *outbox.Slot) { e.out.Restore(k, s) }
