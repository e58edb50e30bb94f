package graph

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzGraph drives the graph with an arbitrary sequence of operations and checks its
// invariants after each: the store never exceeds max_items nor the series MaxSeries, every
// series' bucket counts add up to its count, failed <= total, and every half is accounted for
// exactly once (recorded, waiting, unpaired, dropped or replaced).
func FuzzGraph(f *testing.F) {
	f.Add([]byte{0, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{2, 0, 0, 5, 9, 3, 200, 1, 0, 0, 0, 4, 4, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const maxItems, maxSeries = 8, 5
		c := newCounts()
		g := New(Config{TTL: time.Second, MaxItems: maxItems, MaxSeries: maxSeries, Bounds: []float64{0.001, 0.01}, Dims: 1}, c)
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
			if g.Pending() > maxItems || g.Series() > maxSeries {
				t.Fatalf("pending %d, series %d: over max_items %d or max series %d", g.Pending(), g.Series(), maxItems, maxSeries)
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
			acc := rec + g.Pending() + c.unpaired[SideClient] + c.unpaired[SideServer] + c.dropped[ReasonStoreFull] + c.dropped[ReasonSeriesFull] + c.replaced
			if acc != halves {
				t.Fatalf("halves %d, accounted %d (recorded %v pending %d unpaired %v dropped %v replaced %d)",
					halves, acc, c.recorded, g.Pending(), c.unpaired, c.dropped, c.replaced)
			}
		}
	})
}

// FuzzClip: a clipped value is at most MaxValueBytes, a prefix of the input, valid UTF-8
// when the input is, and the input itself when it is short enough.
func FuzzClip(f *testing.F) {
	f.Add(strings.Repeat("é", 200))
	f.Add(strings.Repeat("a", 255) + "€")
	f.Fuzz(func(t *testing.T, s string) {
		c := Clip(s)
		if len(c) > MaxValueBytes || !strings.HasPrefix(s, c) {
			t.Fatalf("Clip(%d bytes) = %d bytes, not a prefix of at most %d", len(s), len(c), MaxValueBytes)
		}
		if len(s) <= MaxValueBytes && c != s {
			t.Fatalf("a short value was changed")
		}
		if utf8.ValidString(s) && !utf8.ValidString(c) {
			t.Fatalf("cut inside a rune: %q", c[len(c)-4:])
		}
		if len(s) > MaxValueBytes && len(c) < MaxValueBytes-utf8.UTFMax+1 {
			t.Fatalf("cut %d bytes, more than needed", len(s)-len(c))
		}
	})
}
