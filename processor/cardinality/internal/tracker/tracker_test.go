package tracker

import (
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"
	"unsafe"
)

const sec = int64(time.Second)

func newT(l Limits) *Tracker {
	return New(Config{Limits: l, StaleAfter: 10 * time.Minute, Shards: 8})
}

func TestPerMetricLimitReservesOverflowSlot(t *testing.T) {
	tr := newT(Limits{PerMetric: 3})
	m := tr.Metric("m", 0, 0)
	for h := uint64(1); h <= 2; h++ {
		if d := tr.TryAdmit(m, h, 0); d != Admitted {
			t.Fatalf("series %d: %v", h, d)
		}
	}
	if d := tr.TryAdmit(m, 3, 0); d != RejectedMetric {
		t.Fatalf("third series of a limit-3 metric: got %v, want RejectedMetric", d)
	}
	if !tr.Touch(1, sec) || tr.Touch(3, sec) {
		t.Fatal("admitted series must stay admitted, rejected ones must not be")
	}
	if d := tr.TryAdmit(m, 2, sec); d != Admitted {
		t.Fatalf("known series re-offered: %v", d)
	}
	if got := tr.Active(); got != 2 {
		t.Fatalf("active = %d, want 2", got)
	}
	if tr.MetricsOverLimit() != 1 {
		t.Fatalf("metrics over limit = %d", tr.MetricsOverLimit())
	}
	// Another metric is unaffected.
	if d := tr.TryAdmit(tr.Metric("other", 0, 0), 4, 0); d != Admitted {
		t.Fatalf("other metric: %v", d)
	}
}

func TestGlobalLimit(t *testing.T) {
	tr := newT(Limits{PerMetric: 100, MaxSeries: 3})
	a, b := tr.Metric("a", 0, 0), tr.Metric("b", 0, 0)
	tr.TryAdmit(a, 1, 0)
	tr.TryAdmit(a, 2, 0)
	tr.TryAdmit(b, 3, 0)
	if d := tr.TryAdmit(b, 4, 0); d != RejectedGlobal {
		t.Fatalf("got %v, want RejectedGlobal", d)
	}
	if a.Admitted() != 2 || b.Admitted() != 1 || tr.Active() != 3 {
		t.Fatalf("counts a=%d b=%d active=%d", a.Admitted(), b.Admitted(), tr.Active())
	}
}

func TestOverridesAndExclusions(t *testing.T) {
	l := Limits{
		PerMetric:       2,
		Exact:           map[string]int{"big": 5},
		Patterns:        []Pattern{{regexp.MustCompile(`^http\.`), 4}, {regexp.MustCompile(`.*`), 3}},
		ExcludeExact:    map[string]bool{"up": true},
		ExcludePatterns: []*regexp.Regexp{regexp.MustCompile(`^target_`)},
		MaxSeries:       1000,
	}
	for name, want := range map[string]int{"big": 4, "http.x": 3, "other": 2} {
		tr := newT(l)
		m := tr.Metric(name, 0, 0)
		n := 0
		for h := uint64(1); h < 20; h++ {
			if tr.TryAdmit(m, h, 0) == Admitted {
				n++
			}
		}
		if n != want {
			t.Errorf("%s admitted %d, want %d", name, n, want)
		}
	}
	tr := newT(l)
	for _, name := range []string{"up", "target_info"} {
		m := tr.Metric(name, 0, 0)
		if !m.Excluded {
			t.Fatalf("%s not excluded", name)
		}
		for h := uint64(0); h < 50; h++ {
			if d := tr.TryAdmit(m, h+uint64(len(name))<<32, 0); d != Admitted {
				t.Fatalf("excluded metric rejected: %v", d)
			}
		}
	}
	if tr.Active() != 100 {
		t.Fatalf("excluded series must be counted: active = %d", tr.Active())
	}
}

func TestExcludedCountsAgainstGlobal(t *testing.T) {
	tr := newT(Limits{PerMetric: 10, MaxSeries: 2, ExcludeExact: map[string]bool{"up": true}})
	up := tr.Metric("up", 0, 0)
	tr.TryAdmit(up, 1, 0)
	tr.TryAdmit(up, 2, 0)
	tr.TryAdmit(up, 3, 0) // never limited
	if d := tr.TryAdmit(tr.Metric("x", 0, 0), 4, 0); d != RejectedGlobal {
		t.Fatalf("got %v, want RejectedGlobal once excluded series fill the cap", d)
	}
}

func TestPartitions(t *testing.T) {
	tr := newT(Limits{PerMetric: 2})
	a, b := tr.Metric("m", 1, 0), tr.Metric("m", 2, 0)
	if a == b {
		t.Fatal("partitions share a state")
	}
	if tr.TryAdmit(a, 1, 0) != Admitted || tr.TryAdmit(b, 2, 0) != Admitted {
		t.Fatal("each partition has its own limit")
	}
	if tr.TryAdmit(a, 3, 0) != RejectedMetric {
		t.Fatal("partition a is full")
	}
}

func TestStaleEvictionIsIncremental(t *testing.T) {
	tr := New(Config{Limits: Limits{PerMetric: 3}, StaleAfter: time.Minute, Shards: 4})
	m := tr.Metric("m", 0, 0)
	tr.TryAdmit(m, 1, 0)
	tr.TryAdmit(m, 2, 0)
	// Series 2 keeps reporting, series 1 goes quiet.
	tr.Touch(2, 50*sec)
	if n := tr.SweepAll(59 * sec); n != 0 {
		t.Fatalf("evicted %d before stale_after", n)
	}
	// One Sweep call only looks at one shard.
	total, calls := 0, 0
	for calls = 1; calls <= tr.Shards(); calls++ {
		total += tr.Sweep(61 * sec)
		if total == 1 {
			break
		}
	}
	if total != 1 || tr.Evicted() != 1 {
		t.Fatalf("evicted %d (counter %d), want 1", total, tr.Evicted())
	}
	if tr.Touch(1, 62*sec) || !tr.Touch(2, 62*sec) {
		t.Fatal("wrong series evicted")
	}
	// The freed slot admits a new series; the limit holds again.
	if tr.TryAdmit(m, 3, 62*sec) != Admitted || tr.TryAdmit(m, 4, 62*sec) != RejectedMetric {
		t.Fatal("freed slot not reusable or limit lost")
	}
	if m.Admitted() != 2 || tr.Active() != 2 {
		t.Fatalf("admitted %d active %d", m.Admitted(), tr.Active())
	}
}

func TestMetricStatesForgotten(t *testing.T) {
	tr := New(Config{Limits: Limits{PerMetric: 3}, StaleAfter: time.Minute, Shards: 2})
	m := tr.Metric("m", 0, 0)
	tr.TryAdmit(m, 1, 0)
	tr.SweepAll(2 * 60 * sec)
	tr.SweepAll(2 * 60 * sec) // the metric pass runs after the last shard
	if m2 := tr.Metric("m", 0, 3*60*sec); m2 == m {
		t.Fatal("idle metric state with no series was kept")
	}
}

func TestManyEvictionsShrink(t *testing.T) {
	tr := New(Config{Limits: Limits{PerMetric: 1 << 20}, StaleAfter: time.Second, Shards: 1})
	m := tr.Metric("m", 0, 0)
	for h := uint64(0); h < 10000; h++ {
		tr.TryAdmit(m, h, 0)
	}
	for h := uint64(0); h < 100; h++ {
		tr.Touch(h, 10*sec)
	}
	if n := tr.Sweep(10 * sec); n != 9900 {
		t.Fatalf("evicted %d", n)
	}
	for h := uint64(0); h < 10000; h++ {
		if tr.Touch(h, 10*sec) != (h < 100) {
			t.Fatalf("series %d wrong after compaction", h)
		}
	}
	if got := len(tr.shards[0].tab.Load().slots); got != slotsFor(100) {
		t.Fatalf("table not rebuilt after a large eviction: %d slots for 100 series", got)
	}
}

func TestConcurrentAdmissionRespectsLimits(t *testing.T) {
	tr := New(Config{Limits: Limits{PerMetric: 101, MaxSeries: 250}, StaleAfter: time.Minute})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				m := tr.Metric(fmt.Sprint("m", i%5), 0, 0)
				tr.TryAdmit(m, uint64(g*100000+i), 0)
			}
		}(g)
	}
	wg.Wait()
	if tr.Active() != 250 {
		t.Fatalf("active = %d, want exactly the global cap", tr.Active())
	}
	for i := 0; i < 5; i++ {
		if a := tr.Metric(fmt.Sprint("m", i), 0, 0).Admitted(); a > 100 {
			t.Fatalf("metric %d admitted %d > 100", i, a)
		}
	}
}

func TestTakeOffenders(t *testing.T) {
	tr := newT(Limits{PerMetric: 2})
	for i, name := range []string{"a", "b", "c"} {
		m := tr.Metric(name, 0, 0)
		for h := 0; h < (i+1)*10; h++ {
			tr.TryAdmit(m, uint64(i<<20+h), 0)
		}
	}
	got := tr.Offenders(2)
	if len(got) != 2 || got[0].Name != "c" || got[0].Rejected != 29 || got[1].Name != "b" || got[1].Rejected != 19 {
		t.Fatalf("offenders %+v", got)
	}
	if again := tr.Offenders(2); len(again) != 2 {
		t.Fatalf("reading must not reset: %+v", again)
	}
	tr.SweepAll(0) // first window ends: counts move to the previous window
	if got := tr.Offenders(1); len(got) != 1 || got[0].Rejected != 29 {
		t.Fatalf("after one pass %+v", got)
	}
	tr.SweepAll(0) // second window ends: nothing rejected since
	if got := tr.Offenders(3); len(got) != 0 {
		t.Fatalf("after two passes %+v", got)
	}
}

func TestMetricStatesCapped(t *testing.T) {
	tr := newT(Limits{PerMetric: 2, MaxSeries: 1})
	n := 0
	for i := 0; i < 5000; i++ {
		if tr.Metric(fmt.Sprint("n", i), 0, 0) != nil {
			n++
		}
	}
	if n != 1025 {
		t.Fatalf("metric states = %d, want 1025", n)
	}
	if tr.TryAdmit(nil, 1, 0) != RejectedGlobal {
		t.Fatal("nil metric must be rejected")
	}
}

func TestShardsDoNotShareCacheLines(t *testing.T) {
	if sz := unsafe.Sizeof(shard{}); sz < 128 {
		t.Fatalf("shard is %d bytes; hot fields of neighbours could share a cache line", sz)
	}
}
