package cardinality

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

type histPt struct {
	attrs  map[string]any
	bounds []float64
	counts []uint64
	sum    float64
	start  uint64
	ts     uint64
}

func addHist(md pmetric.Metrics, r res, name string, temp pmetric.AggregationTemporality, pts ...histPt) {
	h := newMetric(md, r, name).SetEmptyHistogram()
	h.SetAggregationTemporality(temp)
	for _, p := range pts {
		dp := h.DataPoints().AppendEmpty()
		_ = dp.Attributes().FromRaw(p.attrs)
		dp.ExplicitBounds().FromRaw(p.bounds)
		dp.BucketCounts().FromRaw(p.counts)
		var n uint64
		for _, c := range p.counts {
			n += c
		}
		dp.SetCount(n)
		dp.SetSum(p.sum)
		dp.SetStartTimestamp(pcommon.Timestamp(p.start))
		dp.SetTimestamp(pcommon.Timestamp(p.ts))
		dp.Exemplars().AppendEmpty().SetIntValue(1)
	}
}

func TestDeltaHistogramOverflow(t *testing.T) {
	h := newHarness(t, limit(2))
	b := []float64{1, 5}
	md := pmetric.NewMetrics()
	addHist(md, svcA, "lat", pmetric.AggregationTemporalityDelta,
		histPt{attrs: series(0), bounds: b, counts: []uint64{1, 0, 0}, sum: 0.5, ts: 1},
		histPt{attrs: series(1), bounds: b, counts: []uint64{1, 2, 3}, sum: 10, ts: 2},
		histPt{attrs: series(2), bounds: b, counts: []uint64{0, 1, 1}, sum: 9, ts: 3},
		histPt{attrs: series(3), bounds: []float64{2}, counts: []uint64{4, 4}, sum: 1, ts: 3})
	normal, over := overflowPoints(h.send(t, md), "lat")
	require.Len(t, normal, 1)
	require.Len(t, over, 1)
	dp := over[0].hist
	assert.Equal(t, pmetric.AggregationTemporalityDelta, over[0].metric.Histogram().AggregationTemporality())
	assert.Equal(t, []float64{1, 5}, dp.ExplicitBounds().AsRaw())
	assert.Equal(t, []uint64{1, 3, 4}, dp.BucketCounts().AsRaw())
	assert.Equal(t, uint64(8), dp.Count())
	assert.Equal(t, 19.0, dp.Sum())
	assert.Equal(t, 0, dp.Exemplars().Len(), "exemplars are dropped on overflow points")
	assert.Equal(t, int64(1), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=incompatible_buckets"))
}

func TestCumulativeHistogramOverflow(t *testing.T) {
	h := newHarness(t, limit(2))
	b := []float64{1, 5}
	cum := pmetric.AggregationTemporalityCumulative
	send := func(ts uint64, c1, c2 []uint64, s2start uint64) pmetric.HistogramDataPoint {
		md := pmetric.NewMetrics()
		addHist(md, svcA, "lat", cum,
			histPt{attrs: series(0), bounds: b, counts: []uint64{1, 1, 1}, start: 1, ts: ts},
			histPt{attrs: series(1), bounds: b, counts: c1, sum: float64(c1[0]), start: 1, ts: ts},
			histPt{attrs: series(2), bounds: b, counts: c2, sum: float64(c2[2]), start: s2start, ts: ts})
		_, over := overflowPoints(h.send(t, md), "lat")
		require.Len(t, over, 1)
		assert.Equal(t, cum, over[0].metric.Histogram().AggregationTemporality())
		return over[0].hist
	}
	dp := send(10, []uint64{1, 0, 0}, []uint64{0, 0, 2}, 1)
	assert.Equal(t, []uint64{1, 0, 2}, dp.BucketCounts().AsRaw())
	dp = send(20, []uint64{3, 1, 0}, []uint64{0, 1, 2}, 1)
	assert.Equal(t, []uint64{3, 2, 2}, dp.BucketCounts().AsRaw())
	assert.Equal(t, uint64(7), dp.Count())
	assert.Equal(t, 3.0+2.0, dp.Sum())
	// Series 2 restarts: its new counts add in full.
	dp = send(30, []uint64{3, 1, 0}, []uint64{1, 0, 0}, 25)
	assert.Equal(t, []uint64{4, 2, 2}, dp.BucketCounts().AsRaw())
	assert.Equal(t, uint64(8), dp.Count())
	assert.Equal(t, uint64(1), uint64(dp.StartTimestamp()))
}

func addExpo(md pmetric.Metrics, r res, name string, temp pmetric.AggregationTemporality, attrs map[string]any, scale int32, offset int32, counts []uint64, start, ts uint64) {
	m := md.ResourceMetrics()
	var e pmetric.ExponentialHistogram
	if m.Len() > 0 {
		ms := m.At(m.Len() - 1).ScopeMetrics().At(0).Metrics()
		e = ms.At(ms.Len() - 1).ExponentialHistogram()
	} else {
		e = newMetric(md, r, name).SetEmptyExponentialHistogram()
		e.SetAggregationTemporality(temp)
	}
	dp := e.DataPoints().AppendEmpty()
	_ = dp.Attributes().FromRaw(attrs)
	dp.SetScale(scale)
	dp.Positive().SetOffset(offset)
	dp.Positive().BucketCounts().FromRaw(counts)
	var n uint64
	for _, c := range counts {
		n += c
	}
	dp.SetCount(n)
	dp.SetSum(float64(n))
	dp.SetStartTimestamp(pcommon.Timestamp(start))
	dp.SetTimestamp(pcommon.Timestamp(ts))
}

func TestExponentialHistogramOverflow(t *testing.T) {
	for _, temp := range []pmetric.AggregationTemporality{pmetric.AggregationTemporalityDelta, pmetric.AggregationTemporalityCumulative} {
		t.Run(temp.String(), func(t *testing.T) {
			h := newHarness(t, limit(2))
			md := pmetric.NewMetrics()
			addExpo(md, svcA, "e", temp, series(0), 3, 0, []uint64{1}, 1, 10)
			addExpo(md, svcA, "e", temp, series(1), 3, 8, []uint64{1, 1, 1, 1}, 1, 10) // idx 8..11 at scale 3
			addExpo(md, svcA, "e", temp, series(2), 1, 2, []uint64{7}, 1, 10)          // idx 2 at scale 1
			normal, over := overflowPoints(h.send(t, md), "e")
			require.Len(t, normal, 1)
			require.Len(t, over, 1)
			dp := over[0].expo
			assert.Equal(t, temp, over[0].metric.ExponentialHistogram().AggregationTemporality())
			assert.Equal(t, int32(1), dp.Scale(), "downscaled to the coarser scale")
			assert.Equal(t, int32(2), dp.Positive().Offset())
			assert.Equal(t, []uint64{11}, dp.Positive().BucketCounts().AsRaw())
			assert.Equal(t, uint64(11), dp.Count())
			if temp == pmetric.AggregationTemporalityCumulative {
				md = pmetric.NewMetrics()
				addExpo(md, svcA, "e", temp, series(1), 3, 8, []uint64{2, 1, 1, 1}, 1, 20)
				_, over = overflowPoints(h.send(t, md), "e")
				require.Len(t, over, 1)
				assert.Equal(t, uint64(12), over[0].expo.Count(), "cumulative increase of one")
			}
		})
	}
}

func TestGaugesAndSummaries(t *testing.T) {
	for _, mode := range []string{GaugesDrop, GaugesLastValue} {
		t.Run(mode, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Limits.MaxSeriesPerMetric = 2; c.Overflow.Gauges = mode })
			md := pmetric.NewMetrics()
			g := newMetric(md, svcA, "temp").SetEmptyGauge()
			for i, v := range []int64{1, 2, 3} {
				fillNum(g.DataPoints().AppendEmpty(), numPt{attrs: series(i), i: v, ts: uint64(10 - i)})
			}
			s := newMetric(md, svcA, "rpc").SetEmptySummary()
			for i := 0; i < 3; i++ {
				dp := s.DataPoints().AppendEmpty()
				_ = dp.Attributes().FromRaw(series(i))
				dp.SetCount(1)
			}
			out := h.send(t, md)
			normal, over := overflowPoints(out, "temp")
			require.Len(t, normal, 1)
			if mode == GaugesDrop {
				assert.Empty(t, over)
				assert.Equal(t, int64(2+2), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=unsupported_type"))
			} else {
				require.Len(t, over, 1)
				assert.Equal(t, int64(2), over[0].num.IntValue(), "the latest timestamp wins")
				assert.Equal(t, int64(2), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=dropped", "reason=unsupported_type"))
			}
			assert.Len(t, points(out, "rpc"), 1, "summaries over the limit are dropped")
		})
	}
}

func TestOverflowIdentity(t *testing.T) {
	h := newHarness(t, limit(2))
	md := pmetric.NewMetrics()
	hostB := res{"service.name": "api", "service.namespace": "shop", "service.instance.id": "i-1", "host.name": "h2"}
	inst2 := res{"service.name": "api", "service.namespace": "shop", "service.instance.id": "i-2", "host.name": "h1"}
	for _, r := range []res{svcA, hostB, inst2} {
		addSum(md, r, "d", pmetric.AggregationTemporalityDelta, true,
			numPt{attrs: series(0), i: 1, ts: 1}, numPt{attrs: series(1), i: 10, ts: 1}, numPt{attrs: series(2), i: 100, ts: 1})
	}
	normal, over := overflowPoints(h.send(t, md), "d")
	// Each resource is its own series set: 3 × 1 admitted (series(0) under three resources).
	assert.Len(t, normal, 1, "limit is per metric: one admitted series in total")
	require.Len(t, over, 2, "one overflow point per kept-attribute set (instance i-1, i-2)")
	byInst := map[any]int64{}
	for _, o := range over {
		assert.NotContains(t, o.res, "host.name")
		byInst[o.res["service.instance.id"]] = o.num.IntValue()
	}
	assert.Equal(t, map[any]int64{"i-1": 10 + 100 + 1 + 10 + 100, "i-2": 1 + 10 + 100}, byInst)
}

func TestPartitionByResource(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Limits.MaxSeriesPerMetric = 2
		c.Limits.PartitionByResource = []string{"service.name"}
		c.Overflow.KeepResourceAttributes = []string{"service.namespace"}
	})
	md := pmetric.NewMetrics()
	for _, svc := range []string{"a", "b"} {
		addSum(md, res{"service.name": svc, "service.namespace": "n"}, "d", pmetric.AggregationTemporalityDelta, true,
			numPt{attrs: series(0), i: 1, ts: 1}, numPt{attrs: series(1), i: 2, ts: 1})
	}
	normal, over := overflowPoints(h.send(t, md), "d")
	assert.Len(t, normal, 2, "one admitted series per service")
	require.Len(t, over, 2, "one overflow point per service")
	for _, o := range over {
		assert.Equal(t, int64(2), o.num.IntValue())
		assert.Contains(t, o.res, "service.name", "partition attributes are kept on overflow points")
	}
}

func TestExcludedMetricsCountedNotLimited(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Limits.MaxSeriesPerMetric = 2
		c.ExcludeMetrics = []string{"up"}
	})
	md := pmetric.NewMetrics()
	var pts []numPt
	for i := 0; i < 20; i++ {
		pts = append(pts, numPt{attrs: series(i), i: 1, ts: 1})
	}
	addSum(md, svcA, "up", pmetric.AggregationTemporalityDelta, false, pts...)
	normal, over := overflowPoints(h.send(t, md), "up")
	assert.Len(t, normal, 20)
	assert.Empty(t, over)
	assert.Equal(t, int64(20), h.telemetry(t, "otelcol_processor_cardinality_series_active"))
	assert.Equal(t, int64(20), h.telemetry(t, "otelcol_processor_cardinality_datapoints", "outcome=passed", "reason=excluded"))
}

func TestAttributeOrderAndTypes(t *testing.T) {
	h := newHarness(t, limit(3))
	md := pmetric.NewMetrics()
	m := newMetric(md, svcA, "d").SetEmptySum()
	m.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	a := m.DataPoints().AppendEmpty()
	a.Attributes().PutStr("x", "1")
	a.Attributes().PutInt("y", 2)
	a.Attributes().PutEmptySlice("s").AppendEmpty().SetStr("q")
	a.Attributes().PutEmptyMap("m").PutDouble("f", 1.5)
	a.Attributes().PutEmptyBytes("b").FromRaw([]byte{1})
	b := m.DataPoints().AppendEmpty() // same set, other insertion order
	b.Attributes().PutEmptyBytes("b").FromRaw([]byte{1})
	b.Attributes().PutEmptyMap("m").PutDouble("f", 1.5)
	b.Attributes().PutEmptySlice("s").AppendEmpty().SetStr("q")
	b.Attributes().PutInt("y", 2)
	b.Attributes().PutStr("x", "1")
	c := m.DataPoints().AppendEmpty() // "2" is not 2
	c.Attributes().PutStr("x", "1")
	c.Attributes().PutStr("y", "2")
	d := m.DataPoints().AppendEmpty() // a third distinct series: over the limit of 3
	d.Attributes().PutStr("x", "2")
	for _, dp := range []pmetric.NumberDataPoint{a, b, c, d} {
		dp.SetIntValue(1)
	}
	normal, over := overflowPoints(h.send(t, md), "d")
	assert.Len(t, normal, 3, "a and b are one series, c another")
	assert.Len(t, over, 1)
	assert.Equal(t, int64(2), h.telemetry(t, "otelcol_processor_cardinality_series_active"))
}
