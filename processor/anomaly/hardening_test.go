package anomaly

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/metadatatest"
)

// countOnly is one histogram point with no explicit bounds and one bucket holding every
// observation: what OTLP count-only histograms look like.
func countOnly(ts pcommon.Timestamp, temporality pmetric.AggregationTemporality, count uint64) pmetric.Metrics {
	return batch("duration", "s", func(m pmetric.Metric) {
		h := m.SetEmptyHistogram()
		h.SetAggregationTemporality(temporality)
		dp := h.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(1)
		dp.SetTimestamp(ts)
		dp.SetCount(count)
		dp.SetSum(0.1 * float64(count))
		dp.BucketCounts().FromRaw([]uint64{count})
	})
}

// The quantile of a count-only histogram is unknown: its points pass through unscored and
// are counted as skipped with reason no_quantile, as delta and as cumulative (whose first
// point is only remembered). Before, bucketQuantile indexed bounds[-1] and panicked.
func TestQuantileOfCountOnlyHistogramSkipped(t *testing.T) {
	for _, temporality := range []pmetric.AggregationTemporality{
		pmetric.AggregationTemporalityDelta, pmetric.AggregationTemporalityCumulative,
	} {
		t.Run(temporality.String(), func(t *testing.T) {
			tt := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
			cfg := config(Selector{Name: "duration"})
			cfg.WarmupPoints = 1
			cfg.Histogram = HistogramConfig{Statistic: StatQuantile, Quantile: 0.95}
			p, sink := newProc(t, cfg, metadatatest.NewSettings(tt))
			for i := 1; i <= 3; i++ {
				md := countOnly(pcommon.Timestamp(i)*step, temporality, uint64(10*i))
				require.NoError(t, p.ConsumeMetrics(context.Background(), md))
			}
			require.Len(t, sink.AllMetrics(), 3)
			for _, md := range sink.AllMetrics() {
				assert.Empty(t, emitted(md, MetricScore))
				assert.Equal(t, 1, md.MetricCount(), "the input passes through unchanged, nothing added")
			}
			want := []metricdata.DataPoint[int64]{{Value: 3, Attributes: attribute.NewSet(attribute.String("reason", "no_quantile"))}}
			if temporality == pmetric.AggregationTemporalityCumulative {
				want = []metricdata.DataPoint[int64]{
					{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "no_interval"))},
					{Value: 2, Attributes: attribute.NewSet(attribute.String("reason", "no_quantile"))},
				}
			}
			metadatatest.AssertEqualProcessorAnomalyPointsSkipped(t, tt, want, metricdatatestIgnore...)
		})
	}
}

func TestBucketQuantileDegenerate(t *testing.T) {
	for name, tc := range map[string]struct {
		bounds []float64
		counts []uint64
	}{
		"count-only":            {nil, []uint64{7}},
		"no buckets":            {nil, nil},
		"bounds without counts": {[]float64{1, 2}, nil},
		"one count short":       {[]float64{1, 2}, []uint64{1, 1}},
		"one count too many":    {[]float64{1}, []uint64{1, 1, 1}},
		"empty":                 {[]float64{1}, []uint64{0, 0}},
	} {
		_, ok := bucketQuantile(0.95, tc.bounds, tc.counts)
		assert.False(t, ok, name)
	}
	// Everything in the +Inf bucket of a one-bound histogram: the last finite bound.
	v, ok := bucketQuantile(0.95, []float64{0.5}, []uint64{0, 4})
	assert.True(t, ok)
	assert.Equal(t, 0.5, v)
}

// A batch that panics inside the processor (here: a zero pmetric.Metrics, whose accessors
// dereference nil) must not leave the lock held: net/http recovers a panicking handler, and
// the next batch would then block for ever.
func TestPanicReleasesLock(t *testing.T) {
	p, err := newAnomalyProcessor(metadatatest.NewSettings(componenttest.NewTelemetry()), config(Selector{Name: "duration"}))
	require.NoError(t, err)
	require.Panics(t, func() { _, _ = p.processMetrics(context.Background(), pmetric.Metrics{}) })
	require.True(t, p.mu.TryLock(), "lock still held after a panic")
	p.mu.Unlock()
	_, err = p.processMetrics(context.Background(), countOnly(step, pmetric.AggregationTemporalityDelta, 1))
	require.NoError(t, err)
}
