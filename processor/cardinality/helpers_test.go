package cardinality

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/metadatatest"
)

// fakeClock replaces the processor clock for a test.
type fakeClock struct{ ns atomic.Int64 }

func useFakeClock(t *testing.T) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	old := clock
	clock = func() time.Time { return time.Unix(0, c.ns.Load()) }
	t.Cleanup(func() { clock = old })
	return c
}

func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

type harness struct {
	p    processor.Metrics
	sink *consumertest.MetricsSink
	tt   *componenttest.Telemetry
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	cfg := createDefaultConfig()
	cfg.Telemetry.WarnInterval = 0
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	tt := componenttest.NewTelemetry()
	sink := new(consumertest.MetricsSink)
	p, err := NewFactory().CreateMetrics(context.Background(), metadatatest.NewSettings(tt), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() {
		require.NoError(t, p.Shutdown(context.Background()))
		require.NoError(t, tt.Shutdown(context.Background()))
	})
	return &harness{p: p, sink: sink, tt: tt}
}

func (h *harness) send(t *testing.T, md pmetric.Metrics) pmetric.Metrics {
	t.Helper()
	n := len(h.sink.AllMetrics())
	require.NoError(t, h.p.ConsumeMetrics(context.Background(), md))
	all := h.sink.AllMetrics()
	require.Len(t, all, n+1)
	return all[n]
}

// gaugeValue reads one int64 gauge or counter point of the processor's own telemetry,
// selected by its attributes ("k=v" pairs).
func (h *harness) telemetry(t *testing.T, name string, attrs ...string) int64 {
	t.Helper()
	m, err := h.tt.GetMetric(name)
	if err != nil {
		return 0
	}
	var total int64
	for _, dp := range dataPointsInt64(m.Data) {
		ok := true
		for _, a := range attrs {
			found := false
			for _, kv := range dp.Attributes.ToSlice() {
				if string(kv.Key)+"="+kv.Value.String() == a {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			total += dp.Value
		}
	}
	return total
}

// --- building input ---

type res map[string]any

type numPt struct {
	attrs map[string]any
	i     int64
	f     float64
	float bool
	start uint64
	ts    uint64
}

func newMetric(md pmetric.Metrics, r res, name string) pmetric.Metric {
	rm := md.ResourceMetrics().AppendEmpty()
	if err := rm.Resource().Attributes().FromRaw(r); err != nil {
		panic(err)
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("test/lib")
	sm.Scope().SetVersion("1.0")
	m := sm.Metrics().AppendEmpty()
	m.SetName(name)
	m.SetUnit("1")
	return m
}

func fillNum(dp pmetric.NumberDataPoint, p numPt) {
	if err := dp.Attributes().FromRaw(p.attrs); err != nil {
		panic(err)
	}
	if p.float {
		dp.SetDoubleValue(p.f)
	} else {
		dp.SetIntValue(p.i)
	}
	dp.SetStartTimestamp(pcommon.Timestamp(p.start))
	dp.SetTimestamp(pcommon.Timestamp(p.ts))
}

func addSum(md pmetric.Metrics, r res, name string, temp pmetric.AggregationTemporality, mono bool, pts ...numPt) {
	m := newMetric(md, r, name)
	s := m.SetEmptySum()
	s.SetAggregationTemporality(temp)
	s.SetIsMonotonic(mono)
	for _, p := range pts {
		fillNum(s.DataPoints().AppendEmpty(), p)
	}
}

func series(i int) map[string]any {
	return map[string]any{"user": fmt.Sprint("u", i), "a": "x", "b": "y", "c": int64(3), "d": true}
}

// --- reading output ---

type outPt struct {
	res    map[string]any
	scope  string
	attrs  map[string]any
	metric pmetric.Metric
	num    pmetric.NumberDataPoint
	hist   pmetric.HistogramDataPoint
	expo   pmetric.ExponentialHistogramDataPoint
}

func (o outPt) isOverflow() bool {
	v, ok := o.attrs[OverflowAttribute]
	return ok && v == true
}

func (o outPt) key() string { return fmt.Sprint(o.res, o.attrs) }

func numValueOf(dp pmetric.NumberDataPoint) float64 {
	if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(dp.IntValue())
	}
	return dp.DoubleValue()
}

func points(md pmetric.Metrics, name string) []outPt {
	var out []outPt
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if m.Name() != name {
					continue
				}
				base := outPt{res: rm.Resource().Attributes().AsRaw(), scope: sm.Scope().Name(), metric: m}
				switch m.Type() {
				case pmetric.MetricTypeSum:
					for _, dp := range m.Sum().DataPoints().All() {
						o := base
						o.attrs, o.num = dp.Attributes().AsRaw(), dp
						out = append(out, o)
					}
				case pmetric.MetricTypeGauge:
					for _, dp := range m.Gauge().DataPoints().All() {
						o := base
						o.attrs, o.num = dp.Attributes().AsRaw(), dp
						out = append(out, o)
					}
				case pmetric.MetricTypeHistogram:
					for _, dp := range m.Histogram().DataPoints().All() {
						o := base
						o.attrs, o.hist = dp.Attributes().AsRaw(), dp
						out = append(out, o)
					}
				case pmetric.MetricTypeExponentialHistogram:
					for _, dp := range m.ExponentialHistogram().DataPoints().All() {
						o := base
						o.attrs, o.expo = dp.Attributes().AsRaw(), dp
						out = append(out, o)
					}
				case pmetric.MetricTypeSummary:
					for _, dp := range m.Summary().DataPoints().All() {
						o := base
						o.attrs = dp.Attributes().AsRaw()
						out = append(out, o)
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func overflowPoints(md pmetric.Metrics, name string) (normal, over []outPt) {
	for _, p := range points(md, name) {
		if p.isOverflow() {
			over = append(over, p)
		} else {
			normal = append(normal, p)
		}
	}
	return normal, over
}

// increase is what a Prometheus-style consumer derives from a cumulative series: the sum
// of increases, where a new start time or a decrease starts a new segment counted in full.
type cumSeries struct {
	last    float64
	start   uint64
	started bool
	total   float64
}

func (c *cumSeries) add(v float64, start uint64) {
	if !c.started || start != c.start || v < c.last {
		c.total += v
	} else {
		c.total += v - c.last
	}
	c.last, c.start, c.started = v, start, true
}

func dataPointsInt64(d any) []metricdata.DataPoint[int64] {
	switch v := d.(type) {
	case metricdata.Sum[int64]:
		return v.DataPoints
	case metricdata.Gauge[int64]:
		return v.DataPoints
	}
	return nil
}
