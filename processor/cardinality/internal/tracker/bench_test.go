package tracker

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkHashSet: the hash of a five-attribute set (the per-point hashing cost).
func BenchmarkHashSet(b *testing.B) {
	h := NewHasher()
	users := make([]string, 1024)
	for i := range users {
		users[i] = "user-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	var sink uint64
	i := 0
	for b.Loop() {
		var s Set
		s.Add(h.AttrStr("user.id", users[i&1023]))
		s.Add(h.AttrStr("http.route", "/api/v1/items/{id}"))
		s.Add(h.AttrStr("http.request.method", "GET"))
		s.Add(h.AttrNum("http.response.status_code", KindInt, 200))
		s.Add(h.AttrStr("region", "eu-west-1"))
		sink += s.Sum()
		i++
	}
	_ = sink
}

// BenchmarkTouch: the admitted-series lookup at several population sizes, random order.
func BenchmarkTouch(b *testing.B) {
	for _, n := range []int{10000, 100000, 1000000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			tr := New(Config{Limits: Limits{PerMetric: 1 << 30}, StaleAfter: time.Hour})
			m := tr.Metric("m", 0, 0)
			keys := make([]uint64, n)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range keys {
				keys[i] = r.Uint64()
				tr.TryAdmit(m, keys[i], 0)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				tr.Touch(keys[i%n], 0)
				i += 7919
			}
		})
	}
}

// BenchmarkTryAdmit: admission of new series (amortised map growth included).
func BenchmarkTryAdmit(b *testing.B) {
	tr := New(Config{Limits: Limits{PerMetric: 1 << 30}, StaleAfter: time.Hour})
	m := tr.Metric("m", 0, 0)
	r := rand.New(rand.NewPCG(3, 4))
	b.ReportAllocs()
	for b.Loop() {
		tr.TryAdmit(m, r.Uint64(), 0)
	}
}

// BenchmarkMemoryPerSeries: heap held per admitted series after GC (the budget is 64 B).
func BenchmarkMemoryPerSeries(b *testing.B) {
	for _, n := range []int{100000, 1000000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var perSeries float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				tr := New(Config{Limits: Limits{PerMetric: 1 << 30}, StaleAfter: time.Hour})
				ms := make([]*Metric, 10)
				for i := range ms {
					ms[i] = tr.Metric("m"+strconv.Itoa(i), 0, 0)
				}
				r := rand.New(rand.NewPCG(5, 6))
				for i := 0; i < n; i++ {
					tr.TryAdmit(ms[i%10], r.Uint64(), 0)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perSeries = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
				runtime.KeepAlive(tr)
			}
			b.ReportMetric(perSeries, "B/series")
		})
	}
}

// BenchmarkSweep: one full eviction pass over 1M series (half of them stale), one shard per
// call; reports the mean time of one Sweep call (the lock hold of one shard).
func BenchmarkSweep(b *testing.B) {
	const n = 1000000
	var total time.Duration
	calls := 0
	for b.Loop() {
		b.StopTimer()
		tr := New(Config{Limits: Limits{PerMetric: 1 << 30}, StaleAfter: time.Second})
		m := tr.Metric("m", 0, 0)
		r := rand.New(rand.NewPCG(7, 8))
		for i := 0; i < n; i++ {
			tr.TryAdmit(m, r.Uint64(), int64(i%2)*int64(time.Hour)) // half stale at the sweep
		}
		runtime.GC()
		b.StartTimer()
		for range tr.Shards() {
			t0 := time.Now()
			tr.Sweep(int64(time.Hour))
			total += time.Since(t0)
			calls++
		}
	}
	b.ReportMetric(float64(total.Microseconds())/float64(calls), "µs/shard")
}
