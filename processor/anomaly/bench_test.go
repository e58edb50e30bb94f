package anomaly

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/metadata"
)

// BenchmarkProcessorGauges pushes batches of 1000 gauge points (1000 series)
// through the processor built by the factory, against the same batches
// through a pass-through (no selector matches) as the baseline.
func BenchmarkProcessorGauges(b *testing.B) {
	const series = 1000
	mk := func(i int) pmetric.Metrics {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "api")
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("latency")
		m.SetUnit("ms")
		dps := m.SetEmptyGauge().DataPoints()
		for s := 0; s < series; s++ {
			dp := dps.AppendEmpty()
			dp.Attributes().PutStr("route", fmt.Sprintf("/r%d", s))
			dp.SetTimestamp(pcommon.Timestamp(i) * step)
			dp.SetDoubleValue(float64((i*7+s*13)%100) + 0.5)
		}
		return md
	}
	for _, name := range []string{"latency", "unselected"} {
		b.Run("select="+name, func(b *testing.B) {
			cfg := config(Selector{Name: name})
			p, err := NewFactory().CreateMetrics(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			batches := make([]pmetric.Metrics, 64)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if i%len(batches) == 0 {
					for j := range batches {
						batches[j] = mk(i + j)
					}
				}
				md := batches[i%len(batches)]
				b.StartTimer()
				_ = p.ConsumeMetrics(context.Background(), md)
			}
			b.ReportMetric(float64(b.N*series)/b.Elapsed().Seconds(), "points/s")
		})
	}
}
