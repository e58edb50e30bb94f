package graph

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

type counts struct {
	recorded map[string]int
	unpaired map[string]int
	dropped  map[string]int
	replaced int
	created  int
	expired  int
}

func newCounts() *counts {
	return &counts{recorded: map[string]int{}, unpaired: map[string]int{}, dropped: map[string]int{}}
}
func (c *counts) Recorded(k string)   { c.recorded[k]++ }
func (c *counts) Unpaired(s string)   { c.unpaired[s]++ }
func (c *counts) Dropped(r string)    { c.dropped[r]++ }
func (c *counts) Replaced()           { c.replaced++ }
func (c *counts) SeriesExpired(n int) { c.expired += n }
func (c *counts) SeriesCreated()      { c.created++ }

var t0 = time.Unix(1_700_000_000, 0)

func key(trace, span uint64) Key {
	var k Key
	binary.BigEndian.PutUint64(k.Trace[8:], trace)
	binary.BigEndian.PutUint64(k.Span[:], span)
	return k
}

var bounds = []float64{0.01, 0.1, 1}

func newGraph(t testing.TB, maxItems, dims int) (*Graph, *counts) {
	t.Helper()
	c := newCounts()
	return New(Config{TTL: 2 * time.Second, MaxItems: maxItems, Bounds: bounds, Dims: dims}, c), c
}

func series(g *Graph) []Series {
	var out []Series
	g.Each(func(s *Series) { out = append(out, *s) })
	return out
}

// A client span and the server span whose parent it is make one edge, in either arrival order;
// the histograms get each side's own latency, and an error on either side fails the request.
func TestPairBothOrders(t *testing.T) {
	g, c := newGraph(t, 10, 0)
	g.Client(key(1, 1), Half{Service: "edge", Seconds: 0.05}, t0)
	g.Server(key(1, 1), Half{Service: "api", Seconds: 0.005, Failed: true}, t0)
	g.Server(key(2, 7), Half{Service: "api", Seconds: 0.5}, t0)
	g.Client(key(2, 7), Half{Service: "edge", Seconds: 2}, t0)
	if c.recorded[KindPaired] != 2 || g.Pending() != 0 {
		t.Fatalf("recorded %v, pending %d; want 2 paired, 0 pending", c.recorded, g.Pending())
	}
	s := series(g)
	if len(s) != 1 {
		t.Fatalf("%d series, want 1: %+v", len(s), s)
	}
	e := s[0]
	if e.Client != "edge" || e.Server != "api" || e.ConnectionType != ConnectionDirect || e.Total != 2 || e.Failed != 1 {
		t.Fatalf("series %+v", e)
	}
	// client latencies 0.05 (bucket 1) and 2 (+Inf); server 0.005 (bucket 0) and 0.5 (bucket 2)
	if got := e.ClientLatency.Counts; got[1] != 1 || got[3] != 1 || e.ClientLatency.Count != 2 || e.ClientLatency.Sum != 2.05 {
		t.Fatalf("client histogram %+v", e.ClientLatency)
	}
	if got := e.ServerLatency.Counts; got[0] != 1 || got[2] != 1 || math.Abs(e.ServerLatency.Sum-0.505) > 1e-12 {
		t.Fatalf("server histogram %+v", e.ServerLatency)
	}
}

// A bucket bound is inclusive (Prometheus le): exactly 0.1 s is counted under le="0.1".
func TestBucketBoundInclusive(t *testing.T) {
	g, _ := newGraph(t, 10, 0)
	g.Database(Half{Service: "api", Seconds: 0.1}, "postgresql", t0)
	if got := series(g)[0].ServerLatency.Counts; got[1] != 1 {
		t.Fatalf("counts %v, want the observation in bucket le=0.1", got)
	}
}

// Producer/consumer spans make a messaging_system edge.
func TestMessaging(t *testing.T) {
	g, _ := newGraph(t, 10, 0)
	g.Client(key(1, 2), Half{Service: "orders", Messaging: true}, t0)
	g.Server(key(1, 2), Half{Service: "mailer", Messaging: true}, t0)
	if s := series(g); len(s) != 1 || s[0].ConnectionType != ConnectionMessaging {
		t.Fatalf("series %+v", s)
	}
}

// A database span is an edge at once; a server span without parent is user -> service.
func TestDatabaseAndRoot(t *testing.T) {
	g, c := newGraph(t, 10, 0)
	g.Database(Half{Service: "api", Seconds: 0.003, Failed: true}, "postgresql", t0)
	g.Server(Key{Trace: key(3, 0).Trace}, Half{Service: "edge", Seconds: 0.2}, t0)
	s := series(g)
	if len(s) != 2 || g.Pending() != 0 {
		t.Fatalf("series %+v, pending %d", s, g.Pending())
	}
	if s[0].Client != "api" || s[0].Server != "postgresql" || s[0].ConnectionType != ConnectionDatabase || s[0].Failed != 1 ||
		s[0].ServerLatency.Sum != 0.003 {
		t.Fatalf("database series %+v", s[0])
	}
	if s[1].Client != UserNode || s[1].Server != "edge" || s[1].ConnectionType != ConnectionVirtualNode {
		t.Fatalf("root series %+v", s[1])
	}
	if c.recorded[KindDatabase] != 1 || c.recorded[KindVirtualUser] != 1 {
		t.Fatalf("recorded %v", c.recorded)
	}
}

// After the ttl, a client half with a peer becomes an edge to the virtual node; one without
// peer and a server half are unpaired. Nothing expires before the ttl.
func TestExpire(t *testing.T) {
	g, c := newGraph(t, 10, 0)
	g.Client(key(1, 1), Half{Service: "api", Seconds: 0.3, Peer: "payments"}, t0)
	g.Client(key(1, 2), Half{Service: "api"}, t0)
	g.Server(key(1, 3), Half{Service: "api"}, t0.Add(time.Second))
	g.Expire(t0.Add(1999*time.Millisecond), t0)
	if g.Pending() != 3 || len(series(g)) != 0 {
		t.Fatalf("expired early: pending %d", g.Pending())
	}
	g.Expire(t0.Add(2*time.Second), t0)
	if g.Pending() != 1 || c.unpaired[SideClient] != 1 || c.recorded[KindVirtualPeer] != 1 {
		t.Fatalf("pending %d, unpaired %v, recorded %v", g.Pending(), c.unpaired, c.recorded)
	}
	s := series(g)
	if len(s) != 1 || s[0].Server != "payments" || s[0].ConnectionType != ConnectionVirtualNode || s[0].ServerLatency.Sum != 0.3 {
		t.Fatalf("series %+v", s)
	}
	g.Drain(t0)
	if g.Pending() != 0 || c.unpaired[SideServer] != 1 {
		t.Fatalf("drain: pending %d unpaired %v", g.Pending(), c.unpaired)
	}
}

// The store never holds more than max_items halves: further ones are dropped and counted;
// pairing a waiting half frees its place.
func TestStoreBounded(t *testing.T) {
	g, c := newGraph(t, 3, 0)
	for i := uint64(1); i <= 5; i++ {
		g.Client(key(i, i), Half{Service: "a"}, t0)
	}
	if g.Pending() != 3 || c.dropped[ReasonStoreFull] != 2 {
		t.Fatalf("pending %d dropped %v", g.Pending(), c.dropped)
	}
	g.Server(key(1, 1), Half{Service: "b"}, t0)
	g.Client(key(9, 9), Half{Service: "a"}, t0)
	if g.Pending() != 3 || c.recorded[KindPaired] != 1 || c.dropped[ReasonStoreFull] != 2 {
		t.Fatalf("pending %d recorded %v dropped %v", g.Pending(), c.recorded, c.dropped)
	}
}

// At MaxSeries series, a request of a new series is dropped and each of its spans counted
// (series_full); requests of existing series are still counted, and a forgotten series
// makes room again.
func TestSeriesBounded(t *testing.T) {
	c := newCounts()
	g := New(Config{TTL: 2 * time.Second, MaxItems: 10, MaxSeries: 2, Bounds: bounds}, c)
	g.Database(Half{Service: "a"}, "db1", t0)
	g.Database(Half{Service: "a"}, "db2", t0)
	g.Database(Half{Service: "a"}, "db3", t0)                     // third series: dropped
	g.Client(key(1, 1), Half{Service: "edge"}, t0)                // paired into a third series:
	g.Server(key(1, 1), Half{Service: "api"}, t0)                 // both spans dropped
	g.Server(Key{Trace: key(2, 0).Trace}, Half{Service: "x"}, t0) // user -> x: dropped
	g.Database(Half{Service: "a"}, "db1", t0.Add(time.Minute))    // existing series: counted
	if g.Series() != 2 || c.dropped[ReasonSeriesFull] != 4 || c.recorded[KindDatabase] != 3 || c.recorded[KindPaired] != 0 {
		t.Fatalf("series %d, dropped %v, recorded %v", g.Series(), c.dropped, c.recorded)
	}
	g.Expire(t0.Add(time.Minute), t0.Add(time.Second)) // db2 idle: forgotten
	g.Database(Half{Service: "a"}, "db3", t0.Add(time.Minute))
	if g.Series() != 2 || c.recorded[KindDatabase] != 4 {
		t.Fatalf("after idle expiry: series %d, recorded %v", g.Series(), c.recorded)
	}
}

// Names and dimension values longer than MaxValueBytes are cut, and the cut value is a copy
// (a slice of a 300 KB name would keep all of it alive); short ones are kept as they are.
func TestLongValuesClipped(t *testing.T) {
	g, _ := newGraph(t, 10, 1)
	long := strings.Repeat("s", 300<<10)
	peer := strings.Repeat("é", 300<<10) // 2 bytes a rune: the cut must not split one
	g.Client(key(1, 1), Half{Service: long, Peer: peer, Dims: []string{long}}, t0)
	g.Database(Half{Service: "api", Dims: []string{"eu"}}, long, t0)
	g.Expire(t0.Add(time.Hour), t0) // the client becomes long -> peer (virtual node)
	for _, s := range series(g) {
		for _, v := range append([]string{s.Client, s.Server}, s.Dims...) {
			if len(v) > MaxValueBytes || !utf8.ValidString(v) {
				t.Fatalf("series %q -> %q keeps a value of %d bytes (valid UTF-8: %v)", s.Client[:8], s.Server[:8], len(v), utf8.ValidString(v))
			}
			if len(v) == MaxValueBytes && unsafe.StringData(v) == unsafe.StringData(long) {
				t.Fatal("the clipped value shares the original's memory")
			}
		}
	}
	if s := series(g); len(s) != 2 || s[0].Client != "api" || s[0].Dims[0] != "eu" || len(s[1].Server) != MaxValueBytes {
		t.Fatalf("series %d: %+v", len(s), s[0])
	}
}

// A half delivered twice replaces the waiting one and the request is counted once.
func TestDuplicateHalf(t *testing.T) {
	g, c := newGraph(t, 10, 0)
	g.Client(key(1, 1), Half{Service: "a"}, t0)
	g.Client(key(1, 1), Half{Service: "a"}, t0)
	g.Server(key(1, 1), Half{Service: "b"}, t0)
	g.Server(key(1, 1), Half{Service: "b"}, t0) // after pairing: waits as a new half
	if c.replaced != 1 || series(g)[0].Total != 1 || g.Pending() != 1 {
		t.Fatalf("replaced %d total %d pending %d", c.replaced, series(g)[0].Total, g.Pending())
	}
}

// Dimensions: client values then server values, one series per combination; idle series
// are forgotten.
func TestDimensionsAndIdle(t *testing.T) {
	g, c := newGraph(t, 10, 1)
	g.Client(key(1, 1), Half{Service: "a", Dims: []string{"eu"}}, t0)
	g.Server(key(1, 1), Half{Service: "b", Dims: []string{"us"}}, t0)
	g.Client(key(1, 2), Half{Service: "a", Dims: []string{"eu"}}, t0.Add(time.Minute))
	g.Server(key(1, 2), Half{Service: "b"}, t0.Add(time.Minute))
	s := series(g)
	if len(s) != 2 || c.created != 2 {
		t.Fatalf("series %+v", s)
	}
	if s[0].Dims[0] != "eu" || s[0].Dims[1] != "" || s[1].Dims[1] != "us" {
		t.Fatalf("dims %v %v", s[0].Dims, s[1].Dims)
	}
	g.Expire(t0.Add(time.Minute), t0.Add(time.Second))
	if g.Series() != 1 || c.expired != 1 {
		t.Fatalf("series %d expired %d", g.Series(), c.expired)
	}
}

// Negative or NaN durations are counted as 0 and never corrupt the histogram.
func TestBadDurations(t *testing.T) {
	g, _ := newGraph(t, 10, 0)
	g.Database(Half{Service: "a", Seconds: -1}, "db", t0)
	g.Database(Half{Service: "a", Seconds: math.NaN()}, "db", t0)
	s := series(g)[0]
	if s.ClientLatency.Counts[0] != 2 || s.ClientLatency.Sum != 0 {
		t.Fatalf("%+v", s.ClientLatency)
	}
}
