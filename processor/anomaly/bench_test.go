package anomaly

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/metadata"
)

const benchBatch = 1000 // points per batch

// benchTemplates builds series/benchBatch gauge batches of benchBatch
// points each; batch k holds series k*benchBatch … (k+1)*benchBatch-1, each
// with two attributes, under one resource with two attributes.
func benchTemplates(series int) []pmetric.Metrics {
	out := make([]pmetric.Metrics, series/benchBatch)
	for k := range out {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "api")
		rm.Resource().Attributes().PutStr("host.name", "node-1")
		sm := rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName("fraiseql")
		m := sm.Metrics().AppendEmpty()
		m.SetName("http.server.duration")
		m.SetUnit("ms")
		dps := m.SetEmptyGauge().DataPoints()
		for i := 0; i < benchBatch; i++ {
			s := k*benchBatch + i
			dp := dps.AppendEmpty()
			dp.Attributes().PutStr("http.route", fmt.Sprintf("/r%d", s))
			dp.Attributes().PutInt("http.status_code", 200)
		}
		out[k] = md
	}
	return out
}

// benchBatchAt copies template k and stamps it for round r (every series
// gets one point per round, timestamps increase by step).
func benchBatchAt(tpl []pmetric.Metrics, op int) pmetric.Metrics {
	k, r := op%len(tpl), op/len(tpl)
	md := pmetric.NewMetrics()
	tpl[k].CopyTo(md)
	dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		dp.SetTimestamp(pcommon.Timestamp(r+1) * step)
		dp.SetDoubleValue(float64((r*7+i*13)%100) + 0.5)
	}
	return md
}

// BenchmarkProcessorThroughput pushes 1,000-point gauge batches through the
// processor built by the factory, for 1k and 10k series. Every op copies a
// template batch and stamps it (the cost a pipeline pays anyway), then:
//   - none: hands it to a no-op consumer (no processor: the floor);
//   - unselected: through the processor, no selector matches;
//   - scored: exact-name selector, series warm (past warm-up), every point
//     scored and emitted with bands;
//   - scored_regex: the same with a regular-expression selector.
//
// The processor's own cost per point is (ns/op − none ns/op) / 1000.
func BenchmarkProcessorThroughput(b *testing.B) {
	for _, series := range []int{1000, 10000} {
		tpl := benchTemplates(series)
		for _, mode := range []string{"none", "unselected", "scored", "scored_regex"} {
			b.Run(fmt.Sprintf("series=%d/%s", series, mode), func(b *testing.B) {
				// last counts the anomaly.score points of the latest batch.
				last, count := 0, true
				sink, _ := consumer.NewMetrics(func(_ context.Context, md pmetric.Metrics) error {
					if count {
						last = len(emitted(md, MetricScore))
					}
					return nil
				})
				var next consumer.Metrics = sink
				if mode != "none" {
					sel := Selector{Name: "http.server.duration"}
					switch mode {
					case "unselected":
						sel = Selector{Name: "other"}
					case "scored_regex":
						sel = Selector{Regex: `^http\.server\..*`}
					}
					cfg := config(sel)
					cfg.MaxSeries = series
					p, err := NewFactory().CreateMetrics(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
					if err != nil {
						b.Fatal(err)
					}
					next = p
				}
				// Warm every series past its warm-up so all timed points are scored.
				op := 0
				for ; op < (cfg0().WarmupPoints+1)*len(tpl); op++ {
					if err := next.ConsumeMetrics(context.Background(), benchBatchAt(tpl, op)); err != nil {
						b.Fatal(err)
					}
				}
				if want := map[bool]int{true: benchBatch}[mode == "scored" || mode == "scored_regex"]; last != want {
					b.Fatalf("warm batch: %d points scored, want %d", last, want)
				}
				count = false // the timed loop only hands batches on
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					_ = next.ConsumeMetrics(context.Background(), benchBatchAt(tpl, op))
					op++
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/point")
			})
		}
	}
}

func cfg0() *Config { return createDefaultConfig().(*Config) }

// BenchmarkProcessorMemoryPerSeries reports the heap kept per tracked series
// by the processor (detector, series state, identity and map entry): 10,000
// series fed one point each, batches dropped, heap measured after GC.
func BenchmarkProcessorMemoryPerSeries(b *testing.B) {
	const series = 10000
	tpl := benchTemplates(series)
	b.ReportAllocs()
	var perSeries float64
	for i := 0; i < b.N; i++ {
		cfg := config(Selector{Name: "http.server.duration"})
		cfg.MaxSeries = series
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		p, err := NewFactory().CreateMetrics(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		for op := range tpl {
			if err := p.ConsumeMetrics(context.Background(), benchBatchAt(tpl, op)); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perSeries = float64(after.HeapAlloc-before.HeapAlloc) / series
		runtime.KeepAlive(p)
	}
	b.ReportMetric(perSeries, "bytes/series")
}
