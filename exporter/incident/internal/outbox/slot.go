// Package outbox is the incident exporter's durable notification queue without I/O: one
// slot per (destination, fingerprint) holding what the destination was last told and the
// one notification still to deliver. A newer wish replaces an undelivered older one, a
// trigger that never left is cancelled together with its resolve, a resolve goes out only
// for a trigger that was (or may have been) delivered, and one request per slot is in
// flight at a time, so a stale trigger can never overtake its resolve. Slots are plain
// data (JSON) and persist as is; retry timing (backoff, Retry-After) and token buckets
// live here too.
package outbox

import (
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
)

// Entry is a notification to deliver.
type Entry struct {
	Action      alert.Action `json:"action"`
	Alert       alert.Alert  `json:"alert"`
	GroupKey    string       `json:"group,omitempty"`
	Seq         uint64       `json:"seq"`
	EnqueuedAt  time.Time    `json:"enqueued_at"`
	Attempts    int          `json:"attempts,omitempty"`
	NextAttempt time.Time    `json:"next_attempt,omitzero"`
	LastError   string       `json:"last_error,omitempty"`
}

// Slot is the delivery state of one alert at one destination.
type Slot struct {
	// Delivered is what the destination acknowledged (2xx) last, and when.
	Delivered   alert.Status `json:"delivered"`
	DeliveredAt time.Time    `json:"delivered_at,omitzero"`
	// Maybe is the status of an attempt whose outcome is unknown (timeout, 5xx, reset):
	// the destination may have it, so a later resolve must still be sent.
	Maybe   alert.Status `json:"maybe,omitempty"`
	Pending *Entry       `json:"pending,omitempty"`
	// InFlight is the Seq of the request being sent (0: none); not persisted.
	InFlight uint64 `json:"-"`
}

// Outcome of a wish.
type Outcome uint8

const (
	// Nothing changed.
	Nothing Outcome = iota
	// Enqueued a notification (new or replacing an undelivered one).
	Enqueued
	// Cancelled an undelivered notification that was never attempted, with nothing in
	// its place (a trigger and its resolve inside one delivery delay).
	Cancelled
)

func (s *Slot) effective() alert.Status {
	if s.Pending != nil {
		return alert.StatusOf(s.Pending.Action)
	}
	return s.Delivered
}

// mayHaveOpen: the destination may hold an open incident for this alert.
func (s *Slot) mayHaveOpen() bool {
	return s.Delivered.Open() || s.Maybe.Open() || (s.Pending != nil && s.Pending.Attempts > 0 && alert.StatusOf(s.Pending.Action).Open())
}

// neverSent: the pending entry exists, was never attempted and is not in flight.
func (s *Slot) neverSent() bool {
	return s.Pending != nil && s.Pending.Attempts == 0 && s.InFlight != s.Pending.Seq
}

// Want moves the slot toward the status st for alert a. repeat > 0 re-sends an open
// alert (ActionRepeat) once that long has passed since the last delivery (chat).
// seq must grow with every call that may enqueue.
func (s *Slot) Want(st alert.Status, a alert.Alert, group string, seq uint64, now time.Time, repeat time.Duration) Outcome {
	enqueue := func(act alert.Action) Outcome {
		s.Pending = &Entry{Action: act, Alert: a, GroupKey: group, Seq: seq, EnqueuedAt: now}
		return Enqueued
	}
	eff := s.effective()
	switch st {
	case alert.Firing, alert.Flapping:
		if eff == st || (st == alert.Firing && eff == alert.Flapping) {
			if s.Pending != nil && s.InFlight != s.Pending.Seq {
				// Refresh the undelivered notification with the latest texts.
				s.Pending.Alert = a
			}
			if repeat > 0 && s.Pending == nil && !s.DeliveredAt.IsZero() && now.Sub(s.DeliveredAt) >= repeat {
				return enqueue(alert.ActionRepeat)
			}
			return Nothing
		}
		// eff is none/resolved (or firing when a flapping notice is wanted).
		if s.Pending != nil && s.Pending.Action == alert.ActionResolve && s.neverSent() && (s.Delivered == st || (st == alert.Firing && s.Delivered == alert.Flapping)) {
			// The destination still has it open: forget the resolve that never left.
			s.Pending = nil
			return Cancelled
		}
		if st == alert.Flapping {
			return enqueue(alert.ActionFlapping)
		}
		return enqueue(alert.ActionTrigger)
	default: // Resolved or None: the alert is over.
		if !eff.Open() {
			return Nothing
		}
		if s.Pending != nil && s.neverSent() && alert.StatusOf(s.Pending.Action).Open() {
			s.Pending = nil
			if !s.mayHaveOpen() {
				return Cancelled
			}
		}
		if !s.mayHaveOpen() {
			return Nothing
		}
		return enqueue(alert.ActionResolve)
	}
}

// Settled reports a slot with nothing pending and nothing open at the destination, which
// may be forgotten.
func (s *Slot) Settled() bool {
	return s.Pending == nil && s.InFlight == 0 && !s.Delivered.Open() && !s.Maybe.Open()
}

// Result of a delivery attempt.
type Result uint8

const (
	Delivered Result = iota
	// Permanent: the destination rejected it (400, 401, 403, 404, 410, 413, 422): dropped.
	Permanent
	// Transient: retry later (408, 429, 5xx, network, timeout).
	Transient
)

// Begin marks the pending entry as in flight and returns a copy to send.
func (s *Slot) Begin() (Entry, bool) {
	if s.Pending == nil || s.InFlight != 0 {
		return Entry{}, false
	}
	s.InFlight = s.Pending.Seq
	s.Pending.Attempts++
	return *s.Pending, true
}

// Finish records the outcome of sending e. next is when to retry a transient failure.
// It reports whether the entry was dropped (permanent failure).
func (s *Slot) Finish(e Entry, r Result, now, next time.Time, errText string) (dropped bool) {
	if s.InFlight == e.Seq {
		s.InFlight = 0
	}
	current := s.Pending != nil && s.Pending.Seq == e.Seq
	sent := alert.StatusOf(e.Action)
	switch r {
	case Delivered:
		s.Delivered = sent
		s.DeliveredAt = now
		s.Maybe = alert.None
		if current {
			s.Pending = nil
		} else if s.Pending != nil && s.Pending.Action != alert.ActionRepeat && alert.StatusOf(s.Pending.Action) == sent {
			s.Pending = nil // the newer wish is what was just delivered
		}
	case Permanent:
		if current {
			s.Pending = nil
		}
		return true
	case Transient:
		if sent.Open() || sent == alert.Resolved {
			s.Maybe = sent
		}
		// A replacement wished meanwhile stays as is; Maybe records what may have arrived.
		if current {
			s.Pending.NextAttempt = next
			s.Pending.LastError = errText
		}
	}
	return false
}
