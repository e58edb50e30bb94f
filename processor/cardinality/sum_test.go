package cardinality

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

var svcA = res{"service.name": "api", "service.namespace": "shop", "service.instance.id": "i-1", "host.name": "h1"}

func limit(n int) func(*Config) {
	return func(c *Config) { c.Limits.MaxSeriesPerMetric = n }
}

func TestDeltaSumOverflow(t *testing.T) {
	h := newHarness(t, limit(4)) // 3 series + the overflow series
	for round := 0; round < 2; round++ {
		md := pmetric.NewMetrics()
		var pts []numPt
		for i := 0; i < 10; i++ {
			pts = append(pts, numPt{attrs: series(i), i: int64(i + 1), start: 100, ts: uint64(200 + i)})
		}
		addSum(md, svcA, "requests", pmetric.AggregationTemporalityDelta, true, pts...)
		out := h.send(t, md)

		normal, over := overflowPoints(out, "requests")
		require.Len(t, normal, 3)
		for i, p := range normal {
			// First come, first served, and the same three in every round.
			assert.Equal(t, series(i)["user"], p.attrs["user"])
			assert.Equal(t, float64(i+1), numValueOf(p.num))
			assert.Equal(t, map[string]any(svcA), p.res, "admitted points keep their resource")
		}
		require.Len(t, over, 1)
		o := over[0]
		assert.Equal(t, map[string]any{OverflowAttribute: true}, o.attrs, "overflow points carry only the overflow attribute")
		assert.Equal(t, map[string]any{"service.name": "api", "service.namespace": "shop", "service.instance.id": "i-1"}, o.res)
		assert.Equal(t, "test/lib", o.scope)
		assert.Equal(t, pmetric.AggregationTemporalityDelta, o.metric.Sum().AggregationTemporality())
		assert.True(t, o.metric.Sum().IsMonotonic())
		assert.Equal(t, "1", o.metric.Unit())
		assert.Equal(t, int64(4+5+6+7+8+9+10), o.num.IntValue())
		assert.Equal(t, uint64(100), uint64(o.num.StartTimestamp()))
		assert.Equal(t, uint64(209), uint64(o.num.Timestamp()))
	}
	assert.Equal(t, int64(6), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=passed", "reason=admitted"))
	assert.Equal(t, int64(14), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=overflowed", "reason=metric_limit"))
	assert.Equal(t, int64(3), h.telemetry(t, "otelcol_processor_cardinality_series_active"))
	assert.Equal(t, int64(1), h.telemetry(t, "otelcol_processor_cardinality_metrics_over_limit"))
	assert.Equal(t, int64(14), h.telemetry(t, "otelcol_processor_cardinality_top_offender_datapoints", "metric_name=requests"))
}

func TestDeltaSumMixedIntFloat(t *testing.T) {
	h := newHarness(t, limit(2))
	md := pmetric.NewMetrics()
	addSum(md, svcA, "m", pmetric.AggregationTemporalityDelta, false,
		numPt{attrs: series(0), i: 1, ts: 1},
		numPt{attrs: series(1), i: 2, ts: 1},
		numPt{attrs: series(2), f: 0.5, float: true, ts: 1})
	_, over := overflowPoints(h.send(t, md), "m")
	require.Len(t, over, 1)
	assert.Equal(t, 2.5, over[0].num.DoubleValue())
	assert.False(t, over[0].metric.Sum().IsMonotonic())
}

// TestCumulativeSumOverflow: the overflow point is cumulative (Prometheus remote write drops
// delta sums), starts once and keeps the overflowed streams' total exact through increases,
// counter resets and source restarts.
func TestCumulativeSumOverflow(t *testing.T) {
	h := newHarness(t, limit(2)) // 1 series + overflow
	cum := pmetric.AggregationTemporalityCumulative
	send := func(ts uint64, vals ...[2]int64) []outPt { // {value, start} for series 0..n
		md := pmetric.NewMetrics()
		var pts []numPt
		for i, v := range vals {
			pts = append(pts, numPt{attrs: series(i), i: v[0], start: uint64(v[1]), ts: ts})
		}
		addSum(md, svcA, "c", cum, true, pts...)
		normal, over := overflowPoints(h.send(t, md), "c")
		require.Len(t, normal, 1)
		assert.Equal(t, vals[0][0], normal[0].num.IntValue(), "the admitted series passes unchanged")
		require.Len(t, over, 1)
		assert.Equal(t, pmetric.AggregationTemporalityCumulative, over[0].metric.Sum().AggregationTemporality())
		return over
	}
	o := send(1000, [2]int64{5, 10}, [2]int64{10, 10}, [2]int64{20, 10})
	assert.Equal(t, int64(30), o[0].num.IntValue(), "new overflowed streams count in full")
	start := o[0].num.StartTimestamp()
	assert.Equal(t, uint64(10), uint64(start))

	o = send(2000, [2]int64{6, 10}, [2]int64{15, 10}, [2]int64{21, 10})
	assert.Equal(t, int64(36), o[0].num.IntValue(), "increases add")

	// Series 1 resets (value drops, same start); series 2's process restarts (new start).
	o = send(3000, [2]int64{7, 10}, [2]int64{4, 10}, [2]int64{2, 2500})
	assert.Equal(t, int64(36+4+2), o[0].num.IntValue())
	assert.Equal(t, start, o[0].num.StartTimestamp(), "the overflow series never restarts while fed")
	assert.Equal(t, uint64(3000), uint64(o[0].num.Timestamp()))

	assert.Equal(t, int64(2), h.telemetry(t, "otelcol_processor_cardinality_overflow_streams_tracked"))
	assert.Equal(t, int64(2), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=overflowed", "reason=metric_limit"))
	assert.Equal(t, int64(4), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=overflowed", "reason=in_overflow"))
}

// TestStickyUntilStale: a stream in overflow stays there while it reports, even when a slot
// frees up; once stale it is forgotten and may be admitted.
func TestStickyUntilStale(t *testing.T) {
	clk := useFakeClock(t)
	h := newHarness(t, func(c *Config) {
		c.Limits.MaxSeriesPerMetric = 2
		c.StaleAfter = time.Second // sweeps every 10ms (one shard each)
	})
	cum := pmetric.AggregationTemporalityCumulative
	sendOne := func(i int, v int64) (normal, over []outPt) {
		md := pmetric.NewMetrics()
		addSum(md, svcA, "c", cum, true, numPt{attrs: series(i), i: v, start: 1, ts: uint64(clk.ns.Load())})
		return overflowPoints(h.send(t, md), "c")
	}
	n, _ := sendOne(0, 1) // A admitted
	require.Len(t, n, 1)
	_, o := sendOne(1, 5) // B to overflow
	require.Len(t, o, 1)

	// A goes quiet for longer than stale_after while B keeps reporting.
	for step := 0; step < 4; step++ {
		clk.advance(500 * time.Millisecond)
		_, o = sendOne(1, 6+int64(step))
		require.Len(t, o, 1, "B must stay in overflow while it reports")
	}
	require.Eventually(t, func() bool {
		return h.telemetry(t, "otelcol_processor_cardinality_series_evicted", "kind=admitted") == 1
	}, 10*time.Second, 10*time.Millisecond, "A is evicted by the background sweep")
	assert.Equal(t, int64(0), h.telemetry(t, "otelcol_processor_cardinality_series_active"))
	_, o = sendOne(1, 10)
	require.Len(t, o, 1, "B still in overflow although a slot is free")
	assert.Equal(t, int64(10), o[0].num.IntValue())
	n, _ = sendOne(2, 3) // C takes the free slot
	require.Len(t, n, 1)

	// B goes quiet too: its state is evicted, the accumulator with it.
	clk.advance(2 * time.Second)
	require.Eventually(t, func() bool {
		return h.telemetry(t, "otelcol_processor_cardinality_series_evicted", "kind=overflow_stream") == 1
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, int64(0), h.telemetry(t, "otelcol_processor_cardinality_overflow_streams_tracked"))
}

func TestActionDrop(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Limits.MaxSeriesPerMetric = 3; c.Action = ActionDrop })
	md := pmetric.NewMetrics()
	var pts []numPt
	for i := 0; i < 5; i++ {
		pts = append(pts, numPt{attrs: series(i), i: 1, start: 1, ts: 2})
	}
	addSum(md, svcA, "c", pmetric.AggregationTemporalityCumulative, true, pts...)
	normal, over := overflowPoints(h.send(t, md), "c")
	assert.Len(t, normal, 2)
	assert.Empty(t, over)
	assert.Equal(t, int64(3), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=metric_limit"))
	assert.Equal(t, int64(0), h.telemetry(t, "otelcol_processor_cardinality_overflow_streams_tracked"), "drop keeps no overflow state")
}

func TestGlobalLimitAndStateFull(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Limits.MaxSeries = 2
		c.Overflow.MaxTrackedStreams = 1
	})
	md := pmetric.NewMetrics()
	var pts []numPt
	for i := 0; i < 4; i++ {
		pts = append(pts, numPt{attrs: series(i), i: 10, start: 1, ts: 2})
	}
	addSum(md, svcA, "c", pmetric.AggregationTemporalityCumulative, true, pts...)
	normal, over := overflowPoints(h.send(t, md), "c")
	assert.Len(t, normal, 2)
	require.Len(t, over, 1)
	assert.Equal(t, int64(10), over[0].num.IntValue(), "only the tracked stream is merged")
	assert.Equal(t, int64(1), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=overflowed", "reason=global_limit"))
	assert.Equal(t, int64(1), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=overflow_state_full"))
	assert.Equal(t, int64(2), h.telemetry(t, "otelcol_processor_cardinality_series_limit"))
}

func TestNoRecordedValueOfOverflowedStream(t *testing.T) {
	h := newHarness(t, limit(2))
	md := pmetric.NewMetrics()
	addSum(md, svcA, "c", pmetric.AggregationTemporalityCumulative, true,
		numPt{attrs: series(0), i: 1, start: 1, ts: 2}, numPt{attrs: series(1), i: 7, start: 1, ts: 2})
	h.send(t, md)
	md = pmetric.NewMetrics()
	addSum(md, svcA, "c", pmetric.AggregationTemporalityCumulative, true, numPt{attrs: series(1), start: 1, ts: 3})
	dp := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0)
	dp.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
	out := h.send(t, md)
	assert.Empty(t, points(out, "c"))
	md = pmetric.NewMetrics()
	addSum(md, svcA, "c", pmetric.AggregationTemporalityCumulative, true, numPt{attrs: series(1), i: 8, start: 1, ts: 4})
	_, over := overflowPoints(h.send(t, md), "c")
	require.Len(t, over, 1)
	assert.Equal(t, int64(8), over[0].num.IntValue(), "a staleness marker is not a reset")
	assert.Equal(t, int64(1), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=no_recorded_value"))
}

// TestNoRecordedValueNeverAdmits: points without a recorded value pass when their series is
// admitted, and are dropped without taking a slot when it is not, for every temporality
// (the delta path otherwise admits with a single lookup).
func TestNoRecordedValueNeverAdmits(t *testing.T) {
	for _, temp := range []pmetric.AggregationTemporality{pmetric.AggregationTemporalityDelta, pmetric.AggregationTemporalityCumulative} {
		t.Run(temp.String(), func(t *testing.T) {
			h := newHarness(t, limit(3))
			md := pmetric.NewMetrics()
			addSum(md, svcA, "c", temp, true, numPt{attrs: series(0), i: 1, start: 1, ts: 2})
			h.send(t, md)
			md = pmetric.NewMetrics()
			addSum(md, svcA, "c", temp, true, numPt{attrs: series(0), start: 1, ts: 3}, numPt{attrs: series(1), start: 1, ts: 3})
			dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
			for i := 0; i < dps.Len(); i++ {
				dps.At(i).SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
			}
			out := points(h.send(t, md), "c")
			require.Len(t, out, 1, "the admitted series' marker passes, the other is dropped")
			assert.Equal(t, series(0)["user"], out[0].attrs["user"])
			assert.Equal(t, int64(1), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=no_recorded_value"))
			assert.Equal(t, int64(1), h.telemetry(t, "otelcol_processor_cardinality_series_active"), "a marker takes no slot")
			// The slot is still free for a real point of series 1.
			md = pmetric.NewMetrics()
			addSum(md, svcA, "c", temp, true, numPt{attrs: series(1), i: 5, start: 1, ts: 4})
			normal, over := overflowPoints(h.send(t, md), "c")
			assert.Len(t, normal, 1)
			assert.Empty(t, over)
		})
	}
}
