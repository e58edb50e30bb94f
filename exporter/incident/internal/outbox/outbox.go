package outbox

import (
	"sort"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
)

// Key names a slot.
type Key struct{ Dest, FP string }

// Outbox holds the slots of every destination.
type Outbox struct {
	slots map[string]map[string]*Slot
	seq   uint64
	dirty map[Key]struct{}
}

// New returns an empty outbox.
func New() *Outbox {
	return &Outbox{slots: map[string]map[string]*Slot{}, dirty: map[Key]struct{}{}}
}

func (o *Outbox) get(k Key, create bool) *Slot {
	m := o.slots[k.Dest]
	if m == nil {
		if !create {
			return nil
		}
		m = map[string]*Slot{}
		o.slots[k.Dest] = m
	}
	s := m[k.FP]
	if s == nil && create {
		s = &Slot{}
		m[k.FP] = s
	}
	return s
}

// Get returns a slot (nil when none); callers must not modify it.
func (o *Outbox) Get(k Key) *Slot { return o.get(k, false) }

func (o *Outbox) touch(k Key, s *Slot) {
	o.dirty[k] = struct{}{}
	if s.Settled() {
		delete(o.slots[k.Dest], k.FP)
	}
}

// Want applies Slot.Want on the slot of k, creating it only when needed.
func (o *Outbox) Want(k Key, st alert.Status, a alert.Alert, group string, now time.Time, repeat time.Duration) Outcome {
	s := o.get(k, false)
	if s == nil {
		if !st.Open() {
			return Nothing // never told: nothing to resolve
		}
		s = o.get(k, true)
	}
	o.seq++
	out := s.Want(st, a, group, o.seq, now, repeat)
	if out != Nothing {
		o.touch(k, s)
	} else if s.Settled() {
		delete(o.slots[k.Dest], k.FP)
	}
	return out
}

// Ready lists the keys of dest whose pending entry may be sent at now, oldest first, and
// the earliest later attempt time (zero when none). Entries older than maxAge (> 0) are
// removed and returned as expired instead.
func (o *Outbox) Ready(dest string, now time.Time, maxAge time.Duration) (ready []Key, expired []Entry, next time.Time) {
	type item struct {
		k   Key
		seq uint64
	}
	var items []item
	for fp, s := range o.slots[dest] {
		p := s.Pending
		if p == nil || s.InFlight != 0 {
			continue
		}
		k := Key{dest, fp}
		if maxAge > 0 && now.Sub(p.EnqueuedAt) > maxAge {
			expired = append(expired, *p)
			s.Pending = nil
			o.touch(k, s)
			continue
		}
		if p.NextAttempt.After(now) {
			if next.IsZero() || p.NextAttempt.Before(next) {
				next = p.NextAttempt
			}
			continue
		}
		items = append(items, item{k, p.Seq})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].seq < items[j].seq })
	for _, it := range items {
		ready = append(ready, it.k)
	}
	return ready, expired, next
}

// Begin marks the slot's entry in flight and returns it.
func (o *Outbox) Begin(k Key) (Entry, bool) {
	s := o.get(k, false)
	if s == nil {
		return Entry{}, false
	}
	return s.Begin()
}

// Finish records a delivery outcome; dropped reports a permanent failure.
func (o *Outbox) Finish(k Key, e Entry, r Result, now, next time.Time, errText string) bool {
	s := o.get(k, false)
	if s == nil {
		return r == Permanent
	}
	dropped := s.Finish(e, r, now, next, errText)
	o.touch(k, s)
	return dropped
}

// Depth is the number of pending notifications of dest.
func (o *Outbox) Depth(dest string) int {
	n := 0
	for _, s := range o.slots[dest] {
		if s.Pending != nil {
			n++
		}
	}
	return n
}

// Forget drops every slot of a fingerprint that is settled (for garbage collection) and
// reports whether none is left.
func (o *Outbox) Forget(fp string) bool {
	clean := true
	for dest, m := range o.slots {
		if s, ok := m[fp]; ok {
			if s.Settled() {
				delete(m, fp)
				o.dirty[Key{dest, fp}] = struct{}{}
			} else {
				clean = false
			}
		}
	}
	return clean
}

// Holds reports whether any slot of fp is not settled (something pending or open).
func (o *Outbox) Holds(fp string) bool {
	for _, m := range o.slots {
		if s, ok := m[fp]; ok && !s.Settled() {
			return true
		}
	}
	return false
}

// Restore puts a slot loaded from storage back (nothing in flight).
func (o *Outbox) Restore(k Key, s *Slot) {
	s.InFlight = 0
	if s.Pending != nil && s.Pending.Seq > o.seq {
		o.seq = s.Pending.Seq
	}
	m := o.slots[k.Dest]
	if m == nil {
		m = map[string]*Slot{}
		o.slots[k.Dest] = m
	}
	m[k.FP] = s
}

// TakeDirty returns the slots changed since the last call (nil value: deleted).
func (o *Outbox) TakeDirty() map[Key]*Slot {
	if len(o.dirty) == 0 {
		return nil
	}
	out := make(map[Key]*Slot, len(o.dirty))
	for k := range o.dirty {
		out[k] = o.get(k, false)
	}
	clear(o.dirty)
	return out
}
