package engine

import (
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/state"
)

// track starts tracking a new incident as the most recently observed one.
func (e *Engine) track(i *Incident) {
	fp := i.Alert.Fingerprint
	e.inc[fp] = i
	i.lru = e.lru.PushBack(i)
	e.dirty[fp] = struct{}{}
}

// untrack forgets an incident (the deletion is persisted with the next TakeDirty).
func (e *Engine) untrack(i *Incident) {
	fp := i.Alert.Fingerprint
	delete(e.inc, fp)
	if i.lru != nil {
		e.lru.Remove(i.lru)
		i.lru = nil
	}
	e.dirty[fp] = struct{}{}
}

// evictOne makes room for one new fingerprint at max_incidents. Entries that never fired
// must not crowd out ones that do: the least recently observed inactive or pending entry
// goes first (a noise source seen once), then the least recently observed resolved entry
// that no group and no destination still holds. Open incidents and anything still owed to
// a destination are never evicted. It reports whether an entry was evicted.
//
// The scan walks from the oldest entry and stops at the first candidate, so in the usual
// case (old noise at the front) it costs O(1); only a table full of open incidents is
// walked whole.
func (e *Engine) evictOne() bool {
	var resolved *Incident
	for el := e.lru.Front(); el != nil; el = el.Next() {
		i := el.Value.(*Incident)
		switch i.M.Phase {
		case state.Inactive, state.Pending:
			if e.evictable(i) {
				e.evict(i)
				return true
			}
		case state.Resolved:
			if resolved == nil && e.evictable(i) {
				resolved = i
			}
		}
	}
	if resolved != nil {
		e.evict(resolved)
		return true
	}
	return false
}

// evictable: no group lists it and the outbox holds nothing for it (an inactive entry may
// be a resolved incident that re-armed; its resolve may still be on its way).
func (e *Engine) evictable(i *Incident) bool {
	fp := i.Alert.Fingerprint
	return !e.member(fp) && !e.out.Holds(fp)
}

func (e *Engine) evict(i *Incident) {
	e.out.Forget(i.Alert.Fingerprint)
	e.untrack(i)
	e.rec.Evicted(i.M.Phase.String())
}
