// Package state is the per-fingerprint incident state machine of the incident exporter:
// inactive → pending (for) → firing → resolving (keep_firing_for) → resolved, with
// min_count-in-window for log rules, inactivity/staleness resolves and flap damping. Time
// is always passed in, so scenarios run on a fake clock. The Machine is plain data (JSON)
// so it persists as is.
package state

import "time"

// Phase of an incident.
type Phase uint8

const (
	Inactive Phase = iota
	Pending
	Firing
	Resolving
	Resolved
)

var phaseNames = [...]string{"inactive", "pending", "firing", "resolving", "resolved"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// Open reports a phase in which destinations see the incident as firing.
func (p Phase) Open() bool { return p == Firing || p == Resolving }

// Params are a rule's timings.
type Params struct {
	// For: the condition must hold this long before firing (0 fires at once).
	For time.Duration
	// KeepFiringFor: after the condition clears the incident stays firing this long; a
	// re-activation inside it continues the same episode without a notification.
	KeepFiringFor time.Duration
	// Inactivity: no data (metrics) or no matching record (logs) for this long resolves.
	Inactivity time.Duration
	// MinCount matching records within Window before a log rule activates (<=1: one).
	MinCount int
	Window   time.Duration
	// Flap damping: more than FlapMax episode starts within FlapWindow makes the incident
	// flapping: one notice, then no trigger or resolve until it has been stable (no
	// re-activation, or cleared) for HoldDown. FlapMax 0 disables damping.
	FlapMax    int
	FlapWindow time.Duration
	HoldDown   time.Duration
}

// Signal is one evaluation of a rule for a fingerprint.
type Signal uint8

const (
	// Active: the condition holds (a matching log record, a value past the threshold).
	Active Signal = iota
	// Clear: the condition is explicitly false (a clear match, a value past clear_threshold).
	Clear
	// Seen: data arrived but changes nothing (a value in the hysteresis band); it keeps
	// the incident from going stale.
	Seen
)

// Change describes what an Observe or Tick did.
type Change struct {
	From, To Phase
	// NewEpisode: the incident started firing (not a continuation from resolving).
	NewEpisode bool
	// FlapStart / FlapEnd: flapping began / ended with this change.
	FlapStart, FlapEnd bool
}

// Changed reports whether anything notable happened.
func (c Change) Changed() bool { return c.From != c.To || c.NewEpisode || c.FlapStart || c.FlapEnd }

// Machine is the state of one fingerprint.
type Machine struct {
	Phase        Phase     `json:"phase"`
	Episode      uint64    `json:"episode"`
	PendingSince time.Time `json:"pending_since,omitzero"`
	StartsAt     time.Time `json:"starts_at,omitzero"`
	ClearSince   time.Time `json:"clear_since,omitzero"`
	EndsAt       time.Time `json:"ends_at,omitzero"`
	LastSeen     time.Time `json:"last_seen,omitzero"`
	// LastChange is the time of the last phase change (for garbage collection).
	LastChange time.Time `json:"last_change,omitzero"`
	// Hits: times of matching records inside Window (at most MinCount).
	Hits []time.Time `json:"hits,omitempty"`
	// Starts: episode starts inside FlapWindow (at most FlapMax+1).
	Starts    []time.Time `json:"starts,omitempty"`
	Flapping  bool        `json:"flapping,omitempty"`
	FlapSince time.Time   `json:"flap_since,omitzero"`
	// LastFlip: the last time the incident (re)entered firing.
	LastFlip time.Time `json:"last_flip,omitzero"`
}

func (m *Machine) keepFor(p Params) time.Duration {
	if m.Flapping && p.HoldDown > p.KeepFiringFor {
		return p.HoldDown
	}
	return p.KeepFiringFor
}

func (m *Machine) set(ph Phase, now time.Time) {
	if m.Phase != ph {
		m.Phase = ph
		m.LastChange = now
	}
}

// fire starts a new episode.
func (m *Machine) fire(p Params, now time.Time, c *Change) {
	m.Episode++
	m.StartsAt = now
	m.EndsAt = time.Time{}
	m.ClearSince = time.Time{}
	m.LastFlip = now
	m.set(Firing, now)
	c.NewEpisode = true
	if p.FlapMax <= 0 {
		return
	}
	m.Starts = trim(m.Starts, now.Add(-p.FlapWindow))
	m.Starts = append(m.Starts, now)
	if len(m.Starts) > p.FlapMax+1 {
		m.Starts = m.Starts[len(m.Starts)-(p.FlapMax+1):]
	}
	if !m.Flapping && len(m.Starts) > p.FlapMax {
		m.Flapping = true
		m.FlapSince = now
		c.FlapStart = true
	}
}

func (m *Machine) resolve(now time.Time, c *Change) {
	m.EndsAt = now
	m.set(Resolved, now)
	m.Hits = nil
	if m.Flapping {
		m.Flapping = false
		m.Starts = nil
		c.FlapEnd = true
	}
}

// trim drops times before cut (the slice is in time order).
func trim(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cut) {
		i++
	}
	if i == 0 {
		return ts
	}
	return append(ts[:0], ts[i:]...)
}

// Observe applies one evaluation at now.
func (m *Machine) Observe(p Params, s Signal, now time.Time) Change {
	c := Change{From: m.Phase}
	if now.After(m.LastSeen) {
		m.LastSeen = now
	}
	switch s {
	case Active:
		if p.MinCount > 1 && !m.Phase.Open() {
			m.Hits = trim(m.Hits, now.Add(-p.Window))
			m.Hits = append(m.Hits, now)
			if len(m.Hits) > p.MinCount {
				m.Hits = m.Hits[len(m.Hits)-p.MinCount:]
			}
			if len(m.Hits) < p.MinCount {
				c.To = m.Phase
				return c
			}
		}
		switch m.Phase {
		case Inactive, Resolved:
			m.PendingSince = now
			m.set(Pending, now)
			if p.For <= 0 {
				m.fire(p, now, &c)
			}
		case Pending:
			if now.Sub(m.PendingSince) >= p.For {
				m.fire(p, now, &c)
			}
		case Resolving:
			m.ClearSince = time.Time{}
			m.LastFlip = now
			m.set(Firing, now)
		}
	case Clear:
		m.Hits = nil
		switch m.Phase {
		case Pending:
			m.set(Inactive, now)
		case Firing:
			m.ClearSince = now
			m.set(Resolving, now)
			if m.keepFor(p) <= 0 {
				m.resolve(now, &c)
			}
		}
	}
	c.To = m.Phase
	return c
}

// Tick advances timers at now: pending → firing after For, resolving → resolved after
// keep_firing_for (hold_down while flapping), stale → inactive/resolved after Inactivity,
// and the end of flapping for an incident that kept firing for HoldDown.
func (m *Machine) Tick(p Params, now time.Time) Change {
	c := Change{From: m.Phase}
	stale := p.Inactivity > 0 && !m.LastSeen.IsZero() && now.Sub(m.LastSeen) >= p.Inactivity
	switch m.Phase {
	case Pending:
		if stale {
			m.Hits = nil
			m.set(Inactive, now)
		} else if now.Sub(m.PendingSince) >= p.For {
			m.fire(p, now, &c)
		}
	case Firing:
		if stale {
			m.resolve(now, &c)
		} else if m.Flapping && p.HoldDown > 0 && now.Sub(m.LastFlip) >= p.HoldDown {
			m.Flapping = false
			m.Starts = nil
			c.FlapEnd = true
		}
	case Resolving:
		if stale || now.Sub(m.ClearSince) >= m.keepFor(p) {
			m.resolve(now, &c)
		}
	case Inactive:
		if stale && len(m.Hits) > 0 {
			m.Hits = nil
		}
	}
	c.To = m.Phase
	return c
}

// Idle reports a machine that holds nothing worth keeping after retention: inactive or
// resolved for at least retention, and (when damping is on) past its flap window.
func (m *Machine) Idle(p Params, now time.Time, retention time.Duration) bool {
	switch m.Phase {
	case Inactive:
		last := m.LastSeen
		if last.IsZero() {
			last = m.LastChange
		}
		return now.Sub(last) >= max(p.Window, p.Inactivity, time.Minute) && now.Sub(m.LastChange) >= 0
	case Resolved:
		if now.Sub(m.LastChange) < retention {
			return false
		}
		return p.FlapMax <= 0 || now.Sub(m.LastChange) >= p.FlapWindow
	}
	return false
}
