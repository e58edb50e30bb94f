package cardinality

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/metadata"
)

const batchSize = 1000

// benchBatch builds one batch of batchSize points of metric name, series first..first+999,
// five attributes each (one of them high-cardinality), under one resource.
func benchBatch(name string, temp pmetric.AggregationTemporality, hist bool, first int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "api")
	rm.Resource().Attributes().PutStr("service.instance.id", "i-1")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("bench")
	m := sm.Metrics().AppendEmpty()
	m.SetName(name)
	fill := func(attrs pcommon.Map, i int) {
		attrs.PutStr("user.id", "user-"+strconv.Itoa(i))
		attrs.PutStr("http.route", "/api/v1/items/{id}")
		attrs.PutStr("http.request.method", "GET")
		attrs.PutInt("http.response.status_code", 200)
		attrs.PutStr("region", "eu-west-1")
	}
	if hist {
		h := m.SetEmptyHistogram()
		h.SetAggregationTemporality(temp)
		for i := first; i < first+batchSize; i++ {
			dp := h.DataPoints().AppendEmpty()
			fill(dp.Attributes(), i)
			dp.ExplicitBounds().FromRaw([]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
			dp.BucketCounts().FromRaw([]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
			dp.SetCount(78)
			dp.SetSum(12.5)
			dp.SetStartTimestamp(1)
			dp.SetTimestamp(2)
		}
		return md
	}
	s := m.SetEmptySum()
	s.SetAggregationTemporality(temp)
	s.SetIsMonotonic(true)
	for i := first; i < first+batchSize; i++ {
		dp := s.DataPoints().AppendEmpty()
		fill(dp.Attributes(), i)
		dp.SetIntValue(int64(i))
		dp.SetStartTimestamp(1)
		dp.SetTimestamp(2)
	}
	return md
}

func benchProcessor(b *testing.B, mutate func(*Config)) consumer.Metrics {
	cfg := createDefaultConfig()
	cfg.Telemetry.WarnInterval = 0
	cfg.Limits.MaxSeries = 0
	cfg.Limits.MaxSeriesPerMetric = 1 << 30
	if mutate != nil {
		mutate(cfg)
	}
	p, err := NewFactory().CreateMetrics(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

func reportPerPoint(b *testing.B, points int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(points), "ns/dp")
}

// BenchmarkPassThrough: every series is already admitted (the steady state). The baseline
// hands the same batches straight to the next consumer (no processor).
func BenchmarkPassThrough(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		batches := make([]pmetric.Metrics, n/batchSize)
		for i := range batches {
			batches[i] = benchBatch("http.server.requests", pmetric.AggregationTemporalityCumulative, false, i*batchSize)
		}
		for _, variant := range []string{"baseline", "cardinality"} {
			b.Run(fmt.Sprintf("series=%d/%s", n, variant), func(b *testing.B) {
				var next consumer.Metrics = consumertest.NewNop()
				if variant == "cardinality" {
					next = benchProcessor(b, nil)
					for _, md := range batches { // admit every series first
						_ = next.ConsumeMetrics(context.Background(), md)
					}
				}
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				i := 0
				for b.Loop() {
					_ = next.ConsumeMetrics(ctx, batches[i%len(batches)])
					i++
				}
				reportPerPoint(b, batchSize)
			})
		}
	}
}

// BenchmarkAdmitNew: every point is a new series, admitted until the limit: each iteration
// takes a fresh processor from empty to 100,000 admitted series (100 batches).
func BenchmarkAdmitNew(b *testing.B) {
	const n = 100000
	batches := make([]pmetric.Metrics, n/batchSize)
	for i := range batches {
		batches[i] = benchBatch("http.server.requests", pmetric.AggregationTemporalityCumulative, false, i*batchSize)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		p := benchProcessor(b, func(c *Config) { c.Limits.MaxSeries = n; c.Limits.MaxSeriesPerMetric = n + 1 })
		b.StartTimer()
		for _, md := range batches {
			_ = p.ConsumeMetrics(ctx, md)
		}
	}
	reportPerPoint(b, n)
}

// BenchmarkProcessMetricsCore: the pass-through walk without processorhelper (whose
// obsreport allocates 5 times per batch), to show the processor's own code is alloc-free.
func BenchmarkProcessMetricsCore(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			cfg := createDefaultConfig()
			cfg.Limits.MaxSeries, cfg.Limits.MaxSeriesPerMetric = 0, 1<<30
			p, err := newProcessor(processortest.NewNopSettings(metadata.Type), cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = p.shutdown(context.Background()) })
			batches := make([]pmetric.Metrics, n/batchSize)
			ctx := context.Background()
			for i := range batches {
				batches[i] = benchBatch("http.server.requests", pmetric.AggregationTemporalityCumulative, false, i*batchSize)
				_, _ = p.processMetrics(ctx, batches[i])
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_, _ = p.processMetrics(ctx, batches[i%len(batches)])
				i++
			}
			if got := p.tr.Active(); got != int64(n) {
				b.Fatalf("%d series admitted, want %d", got, n)
			}
			reportPerPoint(b, batchSize)
		})
	}
}

// BenchmarkOverflow: every point belongs to a series over the limit. Delta sums merge
// statelessly; cumulative sums and histograms update per-stream state (all streams already
// tracked: the steady state of an explosion).
func BenchmarkOverflow(b *testing.B) {
	cases := []struct {
		name string
		temp pmetric.AggregationTemporality
		hist bool
	}{
		{"DeltaSum", pmetric.AggregationTemporalityDelta, false},
		{"CumulativeSum", pmetric.AggregationTemporalityCumulative, false},
		{"DeltaHistogram", pmetric.AggregationTemporalityDelta, true},
		{"CumulativeHistogram", pmetric.AggregationTemporalityCumulative, true},
	}
	for _, c := range cases {
		const streams = 100000
		src := make([]pmetric.Metrics, streams/batchSize)
		for i := range src {
			src[i] = benchBatch("m", c.temp, c.hist, i*batchSize)
		}
		for _, variant := range []string{"baseline", "cardinality"} {
			b.Run(c.name+"/"+variant, func(b *testing.B) {
				var next consumer.Metrics = consumertest.NewNop()
				if variant == "cardinality" {
					next = benchProcessor(b, func(cfg *Config) { cfg.Limits.MaxSeriesPerMetric = 2 })
					adm := benchBatch("m", c.temp, c.hist, -1) // takes the one slot
					_ = next.ConsumeMetrics(context.Background(), adm)
					for _, md := range src { // create the overflow stream states
						cp := pmetric.NewMetrics()
						md.CopyTo(cp)
						_ = next.ConsumeMetrics(context.Background(), cp)
					}
				}
				ctx := context.Background()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					b.StopTimer()
					work := pmetric.NewMetrics()
					src[i%len(src)].CopyTo(work) // the processor removes overflowed points
					i++
					b.StartTimer()
					_ = next.ConsumeMetrics(ctx, work)
				}
				reportPerPoint(b, batchSize)
			})
		}
	}
}

// BenchmarkParallel: pass-through on one shared processor from all cores; each goroutine
// sends its own batches (disjoint series). The "independent" control gives every goroutine
// its own processor (no shared state at all): the speed-up it gets from more cores is what
// the machine allows, the ceiling for the shared processor.
func BenchmarkParallel(b *testing.B) {
	for _, variant := range []string{"baseline", "cardinality", "independent"} {
		b.Run(variant, func(b *testing.B) {
			per := runtime.GOMAXPROCS(0)
			nexts := make([]consumer.Metrics, per)
			for g := range nexts {
				switch {
				case variant == "baseline":
					nexts[g] = consumertest.NewNop()
				case variant == "independent" || g == 0:
					nexts[g] = benchProcessor(b, nil)
				default:
					nexts[g] = nexts[0]
				}
			}
			all := make([][]pmetric.Metrics, per)
			for g := range all {
				for k := 0; k < 10; k++ {
					md := benchBatch("http.server.requests", pmetric.AggregationTemporalityCumulative, false, (g*10+k)*batchSize)
					_ = nexts[g].ConsumeMetrics(context.Background(), md)
					all[g] = append(all[g], md)
				}
			}
			var gid atomicCounter
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				g := gid.next() % len(all)
				mine, next := all[g], nexts[g]
				ctx := context.Background()
				i := 0
				for pb.Next() {
					_ = next.ConsumeMetrics(ctx, mine[i%len(mine)])
					i++
				}
			})
			reportPerPoint(b, batchSize)
		})
	}
}
