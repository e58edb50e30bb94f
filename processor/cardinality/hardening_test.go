package cardinality

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/metadatatest"
)

// newObservedHarness is newHarness with the processor's log lines kept for the test.
func newObservedHarness(t *testing.T, mutate func(*Config)) (*harness, *observer.ObservedLogs) {
	t.Helper()
	cfg := createDefaultConfig()
	cfg.Telemetry.WarnInterval = 0
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	core, logs := observer.New(zap.WarnLevel)
	tt := componenttest.NewTelemetry()
	set := metadatatest.NewSettings(tt)
	set.Logger = zap.New(core)
	sink := new(consumertest.MetricsSink)
	p, err := NewFactory().CreateMetrics(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() {
		require.NoError(t, p.Shutdown(context.Background()))
		require.NoError(t, tt.Shutdown(context.Background()))
	})
	return &harness{p: p, sink: sink, tt: tt}, logs
}

// dropLogs counts the "dropped" log lines naming metric and reason.
func dropLogs(logs *observer.ObservedLogs, metric, reason string) int {
	n := 0
	for _, e := range logs.FilterMessageSnippet("dropped").All() {
		c := e.ContextMap()
		if c["metric"] == metric && c["reason"] == reason {
			n++
		}
	}
	return n
}

type expoPt struct {
	scale          int32
	posOff, negOff int32
	pos, neg       []uint64
}

func expoMetric(md pmetric.Metrics, name string, temp pmetric.AggregationTemporality, ts uint64, pts ...expoPt) {
	e := newMetric(md, svcA, name).SetEmptyExponentialHistogram()
	e.SetAggregationTemporality(temp)
	for i, p := range pts {
		dp := e.DataPoints().AppendEmpty()
		_ = dp.Attributes().FromRaw(series(i))
		dp.SetScale(p.scale)
		dp.Positive().SetOffset(p.posOff)
		dp.Positive().BucketCounts().FromRaw(p.pos)
		dp.Negative().SetOffset(p.negOff)
		dp.Negative().BucketCounts().FromRaw(p.neg)
		var n uint64
		for _, c := range append(append([]uint64(nil), p.pos...), p.neg...) {
			n += c
		}
		dp.SetCount(n)
		dp.SetSum(1)
		dp.SetStartTimestamp(1)
		dp.SetTimestamp(pcommon.Timestamp(ts))
	}
}

func ones(n int) []uint64 {
	c := make([]uint64, n)
	for i := range c {
		c[i] = 1
	}
	return c
}

// Once a metric is over its limit, exponential histogram points with extreme (int32)
// bucket offsets reach the overflow merge. Its int32 index arithmetic used to wrap
// (makeslice: len out of range, index out of range) and kill the process. Now such points,
// whose buckets no float64 value falls into, are dropped with reason invalid_buckets and
// logged once per metric; valid points of the same batch still merge exactly.
func TestExpoExtremeOffsetsInOverflow(t *testing.T) {
	for _, temp := range []pmetric.AggregationTemporality{pmetric.AggregationTemporalityDelta, pmetric.AggregationTemporalityCumulative} {
		t.Run(temp.String(), func(t *testing.T) {
			h, logs := newObservedHarness(t, limit(2)) // 1 series + the overflow series
			valid := expoPt{scale: 3, posOff: 8, pos: []uint64{1, 1, 1, 1}}
			for round, ts := range []uint64{10, 20} {
				md := pmetric.NewMetrics()
				expoMetric(md, "e", temp, ts,
					expoPt{scale: 3, pos: []uint64{1}}, // admitted
					valid,                              // overflow
					expoPt{scale: 0, posOff: math.MinInt32, pos: []uint64{1}},
					expoPt{scale: 0, posOff: math.MaxInt32, pos: []uint64{1}},
					expoPt{scale: 20, posOff: math.MaxInt32 - 100, pos: ones(200), negOff: math.MinInt32, neg: ones(200)},
					expoPt{scale: -10, posOff: math.MaxInt32 - 100, pos: ones(200)},
				)
				normal, over := overflowPoints(h.send(t, md), "e")
				require.Len(t, normal, 1)
				require.Len(t, over, 1)
				dp := over[0].expo
				assert.Equal(t, int32(3), dp.Scale())
				assert.Equal(t, int32(8), dp.Positive().Offset())
				assert.Equal(t, []uint64{1, 1, 1, 1}, dp.Positive().BucketCounts().AsRaw(), "round %d: only the valid point merged", round)
				assert.Equal(t, uint64(4), dp.Count())
			}
			assert.Equal(t, int64(8), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=invalid_buckets"))
			assert.Equal(t, 1, dropLogs(logs, "e", "invalid_buckets"), "logged once per metric, not per point")
		})
	}
}

// A valid exponential histogram wider than the bucket bound downscales (as the data model
// allows) instead of being dropped: 200 buckets at the top of the int32-safe index range of
// scale 20 merge into at most 160 buckets, all counts kept.
func TestExpoWideRangeDownscales(t *testing.T) {
	h := newHarness(t, limit(2))
	md := pmetric.NewMetrics()
	expoMetric(md, "e", pmetric.AggregationTemporalityDelta, 10,
		expoPt{scale: 20, pos: []uint64{1}},
		expoPt{scale: 20, posOff: (1 << 30) - 199, pos: ones(200)},
		expoPt{scale: 20, posOff: -(1 << 30), pos: ones(3)})
	_, over := overflowPoints(h.send(t, md), "e")
	require.Len(t, over, 1)
	dp := over[0].expo
	assert.LessOrEqual(t, dp.Positive().BucketCounts().Len(), 160)
	var n uint64
	for _, c := range dp.Positive().BucketCounts().AsRaw() {
		n += c
	}
	assert.Equal(t, uint64(203), n)
	assert.Equal(t, uint64(203), dp.Count())
	assert.Less(t, dp.Scale(), int32(20))
	assert.Equal(t, int64(0), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped"))
}

func countOnlyHist(md pmetric.Metrics, name string, temp pmetric.AggregationTemporality, ts uint64, counts ...uint64) {
	h := newMetric(md, svcA, name).SetEmptyHistogram()
	h.SetAggregationTemporality(temp)
	for i, c := range counts {
		dp := h.DataPoints().AppendEmpty()
		_ = dp.Attributes().FromRaw(series(i))
		dp.SetCount(c)
		dp.SetSum(float64(c))
		dp.SetStartTimestamp(1)
		dp.SetTimestamp(pcommon.Timestamp(ts))
	}
}

// Count-only histograms (no bucket counts, no bounds: valid OTLP) used to be dropped as
// incompatible_buckets when cumulative, even far below the limit, without a log line. They
// pass like any other point, as delta and as cumulative, and over the limit they merge into
// the overflow point as one (-Inf, +Inf) bucket.
func TestCountOnlyHistograms(t *testing.T) {
	for _, temp := range []pmetric.AggregationTemporality{pmetric.AggregationTemporalityDelta, pmetric.AggregationTemporalityCumulative} {
		t.Run(temp.String(), func(t *testing.T) {
			h := newHarness(t, limit(100))
			md := pmetric.NewMetrics()
			countOnlyHist(md, "c", temp, 10, 5, 6, 7)
			out := h.send(t, md)
			assert.Len(t, points(out, "c"), 3, "far below the limit every point passes")
			assert.Equal(t, int64(3), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=passed", "reason=admitted"))
			assert.Equal(t, int64(0), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped"))

			h = newHarness(t, limit(2))
			for round, ts := range []uint64{10, 20} {
				md = pmetric.NewMetrics()
				k := uint64(round + 1) // cumulative counts grow; delta ones are per interval
				countOnlyHist(md, "c", temp, ts, 5*k, 6*k, 7*k)
				normal, over := overflowPoints(h.send(t, md), "c")
				require.Len(t, normal, 1)
				require.Len(t, over, 1, "round %d", round)
				dp := over[0].hist
				// series 1 and 2: this interval's counts (delta), or the running total (cumulative)
				want := 13 * k
				assert.Equal(t, want, dp.Count(), "round %d", round)
				assert.Empty(t, dp.ExplicitBounds().AsRaw())
				assert.Equal(t, []uint64{want}, dp.BucketCounts().AsRaw())
			}
			assert.Equal(t, int64(0), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped"))
		})
	}
}

// A malformed bucket layout (counts that do not match the bounds) is treated the same as
// delta and as cumulative: an admitted series passes through unchanged (the processor limits
// series, it does not rewrite them); a point that has to merge into the overflow point
// cannot, and is dropped with reason invalid_buckets, logged once per metric.
func TestInvalidBucketLayoutSameForDeltaAndCumulative(t *testing.T) {
	for _, temp := range []pmetric.AggregationTemporality{pmetric.AggregationTemporalityDelta, pmetric.AggregationTemporalityCumulative} {
		t.Run(temp.String(), func(t *testing.T) {
			h, logs := newObservedHarness(t, limit(2))
			bad := histPt{bounds: []float64{1, 5}, counts: []uint64{1, 1}, start: 1, ts: 10}
			pts := make([]histPt, 4)
			for i := range pts {
				pts[i] = bad
				pts[i].attrs = series(i)
			}
			md := pmetric.NewMetrics()
			addHist(md, svcA, "lat", temp, pts...)
			normal, over := overflowPoints(h.send(t, md), "lat")
			assert.Len(t, normal, 1, "the admitted series passes unchanged")
			assert.Empty(t, over)
			assert.Equal(t, int64(1), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=passed", "reason=admitted"))
			assert.Equal(t, int64(3), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=invalid_buckets"))
			assert.Equal(t, 1, dropLogs(logs, "lat", "invalid_buckets"))
		})
	}
}

// Bounds that differ from the overflow point's are still incompatible_buckets, logged once.
func TestIncompatibleBoundsLoggedOnce(t *testing.T) {
	h, logs := newObservedHarness(t, limit(2))
	md := pmetric.NewMetrics()
	addHist(md, svcA, "lat", pmetric.AggregationTemporalityDelta,
		histPt{attrs: series(0), bounds: []float64{1}, counts: []uint64{1, 1}, ts: 1},
		histPt{attrs: series(1), bounds: []float64{1}, counts: []uint64{1, 1}, ts: 1},
		histPt{attrs: series(2), bounds: []float64{2}, counts: []uint64{1, 1}, ts: 1},
		histPt{attrs: series(3), bounds: []float64{3}, counts: []uint64{1, 1}, ts: 1})
	h.send(t, md)
	assert.Equal(t, int64(2), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=incompatible_buckets"))
	assert.Equal(t, 1, dropLogs(logs, "lat", "incompatible_buckets"))
}
