package graph

import (
	"testing"
	"time"
)

// FuzzGraph drives the graph with an arbitrary sequence of operations and checks its
// invariants after each: the store never exceeds max_items, every series' bucket counts add
// up to its count, failed <= total, and every half is accounted for exactly once (recorded,
// waiting, unpaired, dropped or replaced).
func FuzzGraph(f *testing.F) {
	f.Add([]byte{0, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{2, 0, 0, 5, 9, 3, 200, 1, 0, 0, 0, 4, 4, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const maxItems = 8
		c := newCounts()
		g := New(Config{TTL: time.Second, MaxItems: maxItems, Bounds: []float64{0.001, 0.01}, Dims: 1}, c)
		now := t0
		halves := 0
		for i := 0; i+2 < len(ops); i += 3 {
			op, a, b := ops[i]%6, ops[i+1], ops[i+2]
			h := Half{Service: string('a' + rune(a%3)), Seconds: float64(b) / 1000, Failed: b&1 == 1,
				Dims: []string{string('x' + rune(b%2))}}
			if a&8 != 0 {
				h.Peer = "peer"
			}
			k := key(uint64(a%4), uint64(b%4))
			switch op {
			case 0:
				g.Client(k, h, now)
				halves++
			case 1:
				g.Server(k, h, now)
				halves++
			case 2:
				g.Database(h, "db", now)
				halves++
			case 3:
				now = now.Add(time.Duration(b) * 10 * time.Millisecond)
				g.Expire(now, now.Add(-time.Duration(a)*100*time.Millisecond))
			case 4:
				g.Drain(now)
			case 5:
				h.Messaging = true
				g.Client(k, h, now)
				halves++
			}
			if g.Pending() > maxItems {
				t.Fatalf("pending %d > max_items", g.Pending())
			}
			g.Each(func(s *Series) {
				var n uint64
				for _, x := range s.ServerLatency.Counts {
					n += x
				}
				if n != s.ServerLatency.Count || s.ClientLatency.Count != s.Total || s.Failed > s.Total {
					t.Fatalf("inconsistent series %+v", s)
				}
			})
			rec := 0
			for k, n := range c.recorded {
				if k == KindPaired {
					n *= 2 // two halves per paired request
				}
				rec += n
			}
			acc := rec + g.Pending() + c.unpaired[SideClient] + c.unpaired[SideServer] + c.dropped[ReasonStoreFull] + c.replaced
			if acc != halves {
				t.Fatalf("halves %d, accounted %d (recorded %v pending %d unpaired %v dropped %v replaced %d)",
					halves, acc, c.recorded, g.Pending(), c.unpaired, c.dropped, c.replaced)
			}
		}
	})
}
