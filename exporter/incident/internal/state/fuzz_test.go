package state

import (
	"testing"
	"time"
)

// FuzzMachine drives random signals and ticks through a machine and checks invariants:
// episodes never go back, resolved incidents have an end, open ones none, the bounded
// slices stay bounded, and a new episode only starts from a non-open phase.
func FuzzMachine(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0, 1, 0, 1, 0, 1, 0, 1}, uint8(2), uint8(3))
	f.Add([]byte{0, 0, 0, 3, 3, 3, 1, 3}, uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, ops []byte, minCount, flapMax uint8) {
		p := Params{
			For: 2 * time.Second, KeepFiringFor: 3 * time.Second, Inactivity: 20 * time.Second,
			MinCount: int(minCount % 5), Window: 10 * time.Second,
			FlapMax: int(flapMax % 4), FlapWindow: time.Minute, HoldDown: 30 * time.Second,
		}
		var m Machine
		now := t0
		var episode uint64
		for _, op := range ops {
			now = now.Add(time.Duration(op>>2) * time.Second)
			before := m.Phase
			var c Change
			switch op & 3 {
			case 0:
				c = m.Observe(p, Active, now)
			case 1:
				c = m.Observe(p, Clear, now)
			case 2:
				c = m.Observe(p, Seen, now)
			default:
				c = m.Tick(p, now)
			}
			if c.From != before || c.To != m.Phase {
				t.Fatalf("change %+v does not describe %v→%v", c, before, m.Phase)
			}
			if m.Episode < episode {
				t.Fatal("episode went back")
			}
			if c.NewEpisode && (before == Firing || before == Resolving) {
				t.Fatalf("new episode from %v", before)
			}
			if c.NewEpisode != (m.Episode > episode) {
				t.Fatal("NewEpisode flag disagrees with the counter")
			}
			episode = m.Episode
			if m.Phase == Resolved && m.EndsAt.IsZero() {
				t.Fatal("resolved without EndsAt")
			}
			if m.Phase.Open() && !m.EndsAt.IsZero() {
				t.Fatal("open with EndsAt")
			}
			if p.MinCount > 1 && len(m.Hits) > p.MinCount {
				t.Fatalf("hits %d > %d", len(m.Hits), p.MinCount)
			}
			if len(m.Starts) > p.FlapMax+1 {
				t.Fatalf("starts %d", len(m.Starts))
			}
			if m.Flapping && p.FlapMax == 0 {
				t.Fatal("flapping with damping off")
			}
		}
	})
}
