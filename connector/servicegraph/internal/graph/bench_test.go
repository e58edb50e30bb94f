package graph

import (
	"testing"
	"time"
)

// BenchmarkPair: one request = a client half stored, then its server half paired and recorded
// into one of 20 edge series, with one dimension.
func BenchmarkPair(b *testing.B) {
	c := newCounts()
	g := New(Config{TTL: 10 * time.Second, MaxItems: 100000, Bounds: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10}, Dims: 1}, c)
	svc := []string{"edge", "api", "auth", "billing", "search"}
	dims := []string{"prod"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := key(uint64(i), uint64(i)+1)
		g.Client(k, Half{Service: svc[i%5], Seconds: 0.02, Dims: dims}, t0)
		g.Server(k, Half{Service: svc[(i/5)%4+1], Seconds: 0.01, Dims: dims}, t0)
	}
}

// BenchmarkExpire: halves that never pair, stored and expired in steady state (store at
// 1,000 halves).
func BenchmarkExpire(b *testing.B) {
	c := newCounts()
	g := New(Config{TTL: time.Second, MaxItems: 100000, Bounds: []float64{0.1, 1}}, c)
	now := t0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		g.Client(key(uint64(i), 1), Half{Service: "api", Peer: "payments"}, now)
		now = now.Add(time.Millisecond)
		g.Expire(now, now.Add(-time.Hour))
	}
}
