package anomaly

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/metadatatest"
)

const step = pcommon.Timestamp(10 * time.Second)

func newProc(t *testing.T, cfg *Config, set processor.Settings) (processor.Metrics, *consumertest.MetricsSink) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	sink := new(consumertest.MetricsSink)
	p, err := NewFactory().CreateMetrics(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	return p, sink
}

func config(sel ...Selector) *Config {
	c := createDefaultConfig().(*Config)
	c.Include = sel
	return c
}

// batch builds one resource with one metric holding one point built by fill.
func batch(name, unit string, fill func(m pmetric.Metric)) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "api")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	fill(m)
	return md
}

func gauge(name string, ts pcommon.Timestamp, v float64, route string) pmetric.Metrics {
	return batch(name, "ms", func(m pmetric.Metric) {
		dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetTimestamp(ts)
		dp.SetDoubleValue(v)
		dp.Attributes().PutStr("route", route)
	})
}

// emitted returns the points of the named emitted metric in one output batch.
func emitted(md pmetric.Metrics, name string) []pmetric.NumberDataPoint {
	var out []pmetric.NumberDataPoint
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				if m := ms.At(k); m.Name() == name {
					for l := 0; l < m.Gauge().DataPoints().Len(); l++ {
						out = append(out, m.Gauge().DataPoints().At(l))
					}
				}
			}
		}
	}
	return out
}

func TestGaugeSpikeScoredWithBands(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	p, sink := newProc(t, config(Selector{Name: "latency"}), metadatatest.NewSettings(tt))
	r := rand.New(rand.NewPCG(1, 2))
	const n = 500
	for i := 0; i < n; i++ {
		v := 100 + 5*r.NormFloat64()
		if i == n-1 {
			v = 400
		}
		require.NoError(t, p.ConsumeMetrics(context.Background(), gauge("latency", pcommon.Timestamp(i)*step, v, "/q")))
		require.NoError(t, p.ConsumeMetrics(context.Background(), gauge("other", pcommon.Timestamp(i)*step, v, "/q")))
	}
	all := sink.AllMetrics()
	require.Len(t, all, 2*n)
	last := all[2*n-2]
	// The original data passes unchanged, first.
	orig := last.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
	assert.Equal(t, "latency", orig.Name())
	assert.Equal(t, 400.0, orig.Gauge().DataPoints().At(0).DoubleValue())

	scores := emitted(last, MetricScore)
	require.Len(t, scores, 1)
	s := scores[0]
	assert.GreaterOrEqual(t, s.DoubleValue(), DefaultThreshold)
	name, _ := s.Attributes().Get(AttrMetric)
	assert.Equal(t, "latency", name.Str())
	route, _ := s.Attributes().Get("route")
	assert.Equal(t, "/q", route.Str())
	assert.Equal(t, pcommon.Timestamp(n-1)*step, s.Timestamp())
	sm := last.ResourceMetrics().At(0).ScopeMetrics().At(1)
	assert.Equal(t, metadata.ScopeName, sm.Scope().Name())
	exp, lo, hi := emitted(last, MetricExpected), emitted(last, MetricLower), emitted(last, MetricUpper)
	require.Len(t, exp, 1)
	require.Len(t, lo, 1)
	require.Len(t, hi, 1)
	assert.InDelta(t, 100, exp[0].DoubleValue(), 10)
	assert.Less(t, hi[0].DoubleValue(), 400.0)
	assert.Greater(t, lo[0].DoubleValue(), 0.0)
	for k := 0; k < sm.Metrics().Len(); k++ {
		if m := sm.Metrics().At(k); m.Name() == MetricExpected {
			assert.Equal(t, "ms", m.Unit())
		} else if m.Name() == MetricScore {
			assert.Equal(t, "1", m.Unit())
		}
	}
	// Unselected metrics are untouched: no scope added.
	assert.Equal(t, 1, all[2*n-1].ResourceMetrics().At(0).ScopeMetrics().Len())

	warm := int64(createDefaultConfig().(*Config).WarmupPoints)
	metadatatest.AssertEqualProcessorAnomalyPointsScored(t, tt, []metricdata.DataPoint[int64]{{Value: n - warm}}, metricdatatestIgnore...)
	metadatatest.AssertEqualProcessorAnomalyPointsSkipped(t, tt, []metricdata.DataPoint[int64]{{Value: warm, Attributes: attribute.NewSet(attribute.String("reason", "warmup"))}}, metricdatatestIgnore...)
	metadatatest.AssertEqualProcessorAnomalySeriesTracked(t, tt, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatestIgnore...)
}

func cumulativeSum(ts pcommon.Timestamp, v int64) pmetric.Metrics {
	return batch("requests", "{request}", func(m pmetric.Metric) {
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		dp := s.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(1)
		dp.SetTimestamp(ts)
		dp.SetIntValue(v)
	})
}

func TestCumulativeSumScoresRate(t *testing.T) {
	cfg := config(Selector{Regex: "^req"})
	cfg.WarmupPoints = 1
	p, sink := newProc(t, cfg, processortest.NewNopSettings(metadata.Type))
	var total int64
	for i := 1; i <= 50; i++ {
		total += 30 // 3 req/s over 10 s
		require.NoError(t, p.ConsumeMetrics(context.Background(), cumulativeSum(pcommon.Timestamp(i)*step, total)))
	}
	// A repeated timestamp is not an interval and is not scored.
	require.NoError(t, p.ConsumeMetrics(context.Background(), cumulativeSum(50*step, total)))
	all := sink.AllMetrics()
	assert.Empty(t, emitted(all[0], MetricScore), "first cumulative point has no rate")
	exp := emitted(all[49], MetricExpected)
	require.Len(t, exp, 1)
	assert.InDelta(t, 3.0, exp[0].DoubleValue(), 1e-9, "expected level is the per-second rate")
	assert.Empty(t, emitted(all[50], MetricScore))
	sm := all[49].ResourceMetrics().At(0).ScopeMetrics().At(1)
	for k := 0; k < sm.Metrics().Len(); k++ {
		if m := sm.Metrics().At(k); m.Name() == MetricUpper {
			assert.Equal(t, "{request}/s", m.Unit())
		}
	}
}

func TestDeltaSumScoresDelta(t *testing.T) {
	cfg := config(Selector{Name: "requests"})
	cfg.WarmupPoints = 1
	p, sink := newProc(t, cfg, processortest.NewNopSettings(metadata.Type))
	for i := 1; i <= 20; i++ {
		require.NoError(t, p.ConsumeMetrics(context.Background(), batch("requests", "1", func(m pmetric.Metric) {
			s := m.SetEmptySum()
			s.SetIsMonotonic(true)
			s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			dp := s.DataPoints().AppendEmpty()
			dp.SetTimestamp(pcommon.Timestamp(i) * step)
			dp.SetIntValue(7)
		})))
	}
	exp := emitted(sink.AllMetrics()[19], MetricExpected)
	require.Len(t, exp, 1)
	assert.Equal(t, 7.0, exp[0].DoubleValue())
}

func histogram(ts pcommon.Timestamp, temporality pmetric.AggregationTemporality, counts []uint64, sum float64) pmetric.Metrics {
	return batch("duration", "s", func(m pmetric.Metric) {
		h := m.SetEmptyHistogram()
		h.SetAggregationTemporality(temporality)
		dp := h.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(1)
		dp.SetTimestamp(ts)
		dp.ExplicitBounds().FromRaw([]float64{0.1, 0.2, 0.4})
		dp.BucketCounts().FromRaw(counts)
		var c uint64
		for _, x := range counts {
			c += x
		}
		dp.SetCount(c)
		dp.SetSum(sum)
	})
}

func TestHistogramStatistics(t *testing.T) {
	for _, tc := range []struct {
		stat string
		want float64
	}{
		{StatMean, 0.15},     // each interval: 10 observations summing to 1.5
		{StatCountRate, 1.0}, // 10 observations per 10 s
		{StatQuantile, 0.18}, // p90 of 2,8,0,0 across [0,.1,.2]: 0.1 + 0.1*(9-2)/8 = 0.1875
	} {
		t.Run(tc.stat, func(t *testing.T) {
			cfg := config(Selector{Name: "duration"})
			cfg.WarmupPoints = 1
			cfg.Histogram = HistogramConfig{Statistic: tc.stat, Quantile: 0.9}
			p, sink := newProc(t, cfg, processortest.NewNopSettings(metadata.Type))
			for i := 1; i <= 10; i++ {
				k := uint64(i)
				md := histogram(pcommon.Timestamp(i)*step, pmetric.AggregationTemporalityCumulative, []uint64{2 * k, 8 * k, 0, 0}, 1.5*float64(i))
				require.NoError(t, p.ConsumeMetrics(context.Background(), md))
			}
			exp := emitted(sink.AllMetrics()[9], MetricExpected)
			require.Len(t, exp, 1)
			assert.InDelta(t, tc.want, exp[0].DoubleValue(), 0.01)
		})
	}
	// Delta histograms use the point itself.
	cfg := config(Selector{Name: "duration"})
	cfg.WarmupPoints = 1
	p, sink := newProc(t, cfg, processortest.NewNopSettings(metadata.Type))
	for i := 1; i <= 5; i++ {
		require.NoError(t, p.ConsumeMetrics(context.Background(), histogram(pcommon.Timestamp(i)*step, pmetric.AggregationTemporalityDelta, []uint64{1, 1, 0, 0}, 0.3)))
	}
	exp := emitted(sink.AllMetrics()[4], MetricExpected)
	require.Len(t, exp, 1)
	assert.InDelta(t, 0.15, exp[0].DoubleValue(), 1e-9)
}

func TestBucketQuantile(t *testing.T) {
	b := []float64{1, 2, 4}
	v, ok := bucketQuantile(0.5, b, []uint64{0, 10, 0, 0})
	assert.True(t, ok)
	assert.InDelta(t, 1.5, v, 1e-9)
	v, _ = bucketQuantile(0.99, b, []uint64{0, 0, 0, 5})
	assert.Equal(t, 4.0, v, "+Inf bucket returns the last bound")
	_, ok = bucketQuantile(0.5, b, []uint64{0, 0, 0, 0})
	assert.False(t, ok)
	_, ok = bucketQuantile(0.5, b, []uint64{1, 2})
	assert.False(t, ok)
}

func TestMaxSeriesAndEviction(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	cfg := config(Selector{Name: "latency", Attributes: map[string]string{"service.name": "api"}})
	cfg.MaxSeries = 2
	cfg.StaleAfter = time.Minute
	set := metadatatest.NewSettings(tt)
	p, err := newAnomalyProcessor(set, cfg)
	require.NoError(t, err)
	clock := time.Unix(1000, 0)
	p.now = func() time.Time { return clock }
	ctx := context.Background()
	for _, r := range []string{"/a", "/b", "/c", "/c"} {
		_, err := p.processMetrics(ctx, gauge("latency", step, 1, r))
		require.NoError(t, err)
	}
	assert.Len(t, p.series, 2)
	metadatatest.AssertEqualProcessorAnomalySeriesRejected(t, tt, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatestIgnore...)

	clock = clock.Add(2 * time.Minute)
	_, err = p.processMetrics(ctx, gauge("latency", 2*step, 1, "/c"))
	require.NoError(t, err)
	assert.Len(t, p.series, 1, "idle series evicted, /c admitted")
	metadatatest.AssertEqualProcessorAnomalySeriesEvicted(t, tt, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatestIgnore...)
	metadatatest.AssertEqualProcessorAnomalySeriesTracked(t, tt, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatestIgnore...)

	// Attribute selectors: a different service is not selected at all.
	md := gauge("latency", 3*step, 1, "/a")
	md.ResourceMetrics().At(0).Resource().Attributes().PutStr("service.name", "worker")
	_, err = p.processMetrics(ctx, md)
	require.NoError(t, err)
	assert.Len(t, p.series, 1)
}

func TestBadValuesCountedNotScored(t *testing.T) {
	cfg := config(Selector{Name: "latency"})
	cfg.WarmupPoints = 1
	p, sink := newProc(t, cfg, processortest.NewNopSettings(metadata.Type))
	for i, v := range []float64{1, 2, math.NaN(), math.Inf(1), 3} {
		require.NoError(t, p.ConsumeMetrics(context.Background(), gauge("latency", pcommon.Timestamp(i)*step, v, "/")))
	}
	all := sink.AllMetrics()
	assert.Len(t, emitted(all[2], MetricScore), 0)
	assert.Len(t, emitted(all[3], MetricScore), 0)
	assert.Len(t, emitted(all[4], MetricScore), 1)
}

func TestSeriesDetectorMatchesProcessorPath(t *testing.T) {
	// tools/nabbench relies on NewSeriesDetector being the processor's path.
	cfg := config(Selector{Name: "latency"})
	p, sink := newProc(t, cfg, processortest.NewNopSettings(metadata.Type))
	d := NewSeriesDetector(cfg)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 300; i++ {
		v := r.Float64() * 10
		if i == 250 {
			v = 50
		}
		ts := pcommon.Timestamp(i) * step
		require.NoError(t, p.ConsumeMetrics(context.Background(), gauge("latency", ts, v, "/")))
		want := d.Update(int64(ts), v)
		got := emitted(sink.AllMetrics()[i], MetricScore)
		if !want.Scored {
			assert.Empty(t, got)
			continue
		}
		require.Len(t, got, 1)
		require.Equal(t, want.Score, got[0].DoubleValue(), "point %d", i)
	}
}
