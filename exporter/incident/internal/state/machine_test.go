package state

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func TestForAndKeepFiringFor(t *testing.T) {
	p := Params{For: 30 * time.Second, KeepFiringFor: time.Minute, Inactivity: 15 * time.Minute}
	var m Machine
	if c := m.Observe(p, Active, at(0)); c.To != Pending || c.NewEpisode {
		t.Fatalf("first active: %+v", c)
	}
	if c := m.Tick(p, at(29)); c.To != Pending {
		t.Fatalf("before for: %+v", c)
	}
	c := m.Tick(p, at(30))
	if c.To != Firing || !c.NewEpisode || m.Episode != 1 || !m.StartsAt.Equal(at(30)) {
		t.Fatalf("after for: %+v %+v", c, m)
	}
	if c := m.Observe(p, Clear, at(40)); c.To != Resolving {
		t.Fatalf("clear: %+v", c)
	}
	// Re-activation inside keep_firing_for: same episode, no new-episode flag.
	if c := m.Observe(p, Active, at(70)); c.To != Firing || c.NewEpisode || m.Episode != 1 {
		t.Fatalf("flap inside keep_firing_for: %+v", c)
	}
	m.Observe(p, Clear, at(80))
	if c := m.Tick(p, at(139)); c.To != Resolving {
		t.Fatalf("keep_firing_for not over: %+v", c)
	}
	if c := m.Tick(p, at(140)); c.To != Resolved || !m.EndsAt.Equal(at(140)) {
		t.Fatalf("resolve: %+v", c)
	}
	// A new activation after resolve is a new episode (after For again).
	m.Observe(p, Active, at(200))
	m.Tick(p, at(230))
	if m.Phase != Firing || m.Episode != 2 || !m.EndsAt.IsZero() {
		t.Fatalf("second episode: %+v", m)
	}
}

func TestPendingClearSendsNothing(t *testing.T) {
	p := Params{For: time.Minute, Inactivity: time.Hour}
	var m Machine
	m.Observe(p, Active, at(0))
	c := m.Observe(p, Clear, at(10))
	if c.To != Inactive || c.NewEpisode || m.Episode != 0 {
		t.Fatalf("%+v", c)
	}
}

func TestMinCountWindow(t *testing.T) {
	p := Params{MinCount: 3, Window: time.Minute, Inactivity: 15 * time.Minute}
	var m Machine
	m.Observe(p, Active, at(0))
	m.Observe(p, Active, at(30))
	// The first hit left the window: still two.
	if c := m.Observe(p, Active, at(61)); c.To != Inactive {
		t.Fatalf("3 hits over 61s fired: %+v", c)
	}
	if c := m.Observe(p, Active, at(62)); c.To != Firing || !c.NewEpisode {
		t.Fatalf("3 hits in 32s did not fire: %+v", c)
	}
	if len(m.Hits) != 0 && len(m.Hits) > 3 {
		t.Fatalf("hits unbounded: %d", len(m.Hits))
	}
	// Once firing, each hit keeps it alive; inactivity resolves it.
	m.Observe(p, Active, at(100))
	if c := m.Tick(p, at(100+899)); c.To != Firing {
		t.Fatalf("resolved before inactivity: %+v", c)
	}
	if c := m.Tick(p, at(100+900)); c.To != Resolved {
		t.Fatalf("inactivity did not resolve: %+v", c)
	}
}

func TestStalenessAndSeen(t *testing.T) {
	p := Params{Inactivity: 5 * time.Minute}
	var m Machine
	m.Observe(p, Active, at(0))
	// Values inside the hysteresis band keep it firing and fresh.
	for s := 60.0; s <= 600; s += 60 {
		m.Observe(p, Seen, at(s))
		if c := m.Tick(p, at(s)); c.To != Firing {
			t.Fatalf("t=%v: %+v", s, c)
		}
	}
	if c := m.Tick(p, at(600+300)); c.To != Resolved {
		t.Fatalf("stale not resolved: %+v", c)
	}
	// Pending goes inactive when stale.
	var q Machine
	pp := Params{For: time.Hour, Inactivity: time.Minute}
	q.Observe(pp, Active, at(0))
	if c := q.Tick(pp, at(60)); c.To != Inactive {
		t.Fatalf("stale pending: %+v", c)
	}
}

func TestFlapDamping(t *testing.T) {
	p := Params{Inactivity: time.Hour, FlapMax: 3, FlapWindow: 10 * time.Minute, HoldDown: 10 * time.Minute}
	var m Machine
	episodes, flapStarts, resolves := 0, 0, 0
	count := func(c Change) {
		if c.NewEpisode {
			episodes++
		}
		if c.FlapStart {
			flapStarts++
		}
		if c.To == Resolved && c.From != Resolved {
			resolves++
		}
	}
	// 10 flaps per minute for 5 minutes: active 3 s, clear 3 s.
	for s := 0.0; s < 300; s += 6 {
		count(m.Observe(p, Active, at(s)))
		count(m.Tick(p, at(s+1)))
		count(m.Observe(p, Clear, at(s+3)))
		count(m.Tick(p, at(s+4)))
	}
	if episodes != 4 || flapStarts != 1 || resolves != 3 {
		t.Fatalf("episodes %d flapStarts %d resolves %d; want 4, 1, 3", episodes, flapStarts, resolves)
	}
	if !m.Flapping || m.Phase != Resolving {
		t.Fatalf("should be held in resolving while flapping: %+v", m)
	}
	// Stable clear for hold_down resolves and ends flapping.
	if c := m.Tick(p, at(297+599)); c.To != Resolving {
		t.Fatalf("resolved before hold_down: %+v", c)
	}
	c := m.Tick(p, at(297+600))
	if c.To != Resolved || !c.FlapEnd || m.Flapping {
		t.Fatalf("after hold_down: %+v %+v", c, m)
	}
	// Flapping that settles into firing ends quietly after hold_down.
	var f Machine
	for s := 0.0; s < 60; s += 6 {
		f.Observe(p, Active, at(s))
		f.Observe(p, Clear, at(s+3))
	}
	f.Observe(p, Active, at(60))
	if !f.Flapping || f.Phase != Firing {
		t.Fatalf("%+v", f)
	}
	if c := f.Tick(p, at(60+600)); !c.FlapEnd || c.To != Firing || f.Flapping {
		t.Fatalf("stable firing did not end flapping: %+v", c)
	}
}

func TestIdle(t *testing.T) {
	p := Params{Inactivity: time.Minute}
	var m Machine
	m.Observe(p, Active, at(0))
	m.Observe(p, Clear, at(1))
	if m.Idle(p, at(2), time.Hour) {
		t.Fatal("resolved incident idle before retention")
	}
	if !m.Idle(p, at(1+3600), time.Hour) {
		t.Fatal("resolved incident not idle after retention")
	}
	var f Machine
	f.Observe(p, Active, at(0))
	if f.Idle(p, at(1e6), 0) {
		t.Fatal("firing incident idle")
	}
}
