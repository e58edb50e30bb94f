package anomaly

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/metadata"
)

func mapOf(t *testing.T, raw map[string]any) pcommon.Map {
	t.Helper()
	m := pcommon.NewMap()
	require.NoError(t, m.FromRaw(raw))
	return m
}

func TestMapHashOrderIndependent(t *testing.T) {
	hs := newHasher()
	a := pcommon.NewMap()
	a.PutStr("route", "/q")
	a.PutInt("code", 200)
	if err := a.PutEmptyMap("nested").FromRaw(map[string]any{"x": 1, "y": "z"}); err != nil {
		t.Fatal(err)
	}
	b := pcommon.NewMap()
	if err := b.PutEmptyMap("nested").FromRaw(map[string]any{"y": "z", "x": 1}); err != nil {
		t.Fatal(err)
	}
	b.PutInt("code", 200)
	b.PutStr("route", "/q")
	assert.Equal(t, hs.mapHash(a), hs.mapHash(b))
	assert.Equal(t, uint64(0), hs.mapHash(pcommon.NewMap()))
}

func TestMapHashDistinguishes(t *testing.T) {
	hs := newHasher()
	cases := []map[string]any{
		{},
		{"a": "b"},
		{"b": "a"},
		{"a": "bc"},
		{"ab": "c"},
		{"a": ""},
		{"a": nil},
		{"a": "200"},
		{"a": 200},
		{"a": 200.0},
		{"a": true},
		{"a": "true"},
		{"a": []byte("200")},
		{"a": []any{1, 2}},
		{"a": []any{2, 1}},
		{"a": []any{1}},
		{"a": map[string]any{"x": 1}},
		{"a": map[string]any{"x": "1"}},
		{"a": "b", "c": "d"},
		{"a": "d", "c": "b"},
		{"a": "b", "c": "d", "e": "f"},
	}
	seen := map[uint64]int{}
	for i, raw := range cases {
		h := hs.mapHash(mapOf(t, raw))
		if j, dup := seen[h]; dup {
			t.Errorf("%v and %v hash the same", cases[j], raw)
		}
		seen[h] = i
	}
	// The seed is per processor: another hasher gives other values.
	assert.NotEqual(t, hs.mapHash(mapOf(t, cases[1])), newHasher().mapHash(mapOf(t, cases[1])))
}

func TestSeriesIDFieldsDoNotMix(t *testing.T) {
	hs := newHasher()
	n, r, a := hs.nameHash("m"), hs.mapHash(mapOf(t, map[string]any{"k": "v"})), uint64(0)
	ids := map[uint64]bool{
		hs.seriesID(n, r, a):                true,
		hs.seriesID(n, a, r):                true, // same attribute on the point instead of the resource
		hs.seriesID(hs.nameHash("n"), r, a): true,
	}
	assert.Len(t, ids, 3)
}

// twoMetrics builds one batch: metrics a and b with the same point
// attributes, the point attributes put in the given order.
func twoMetrics(ts pcommon.Timestamp, keys ...string) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "api")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	for _, name := range []string{"a", "b"} {
		m := ms.AppendEmpty()
		m.SetName(name)
		dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetTimestamp(ts)
		dp.SetDoubleValue(1)
		for _, k := range keys {
			dp.Attributes().PutStr(k, "v-"+k)
		}
	}
	return md
}

func TestSeriesIdentityThroughProcessor(t *testing.T) {
	p, err := newAnomalyProcessor(processortest.NewNopSettings(metadata.Type), config(Selector{Regex: "^[ab]$"}))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = p.processMetrics(ctx, twoMetrics(step, "x", "y", "z"))
	require.NoError(t, err)
	assert.Len(t, p.series, 2, "two metrics with the same attributes are two series")
	_, err = p.processMetrics(ctx, twoMetrics(2*step, "z", "x", "y"))
	require.NoError(t, err)
	assert.Len(t, p.series, 2, "attribute order does not make a new series")
	_, err = p.processMetrics(ctx, twoMetrics(3*step, "x", "y"))
	require.NoError(t, err)
	assert.Len(t, p.series, 4, "a missing attribute is another series")

	// The same point attributes moved to the resource: another series.
	md := gauge("a", 4*step, 1, "/q")
	_, err = p.processMetrics(ctx, md)
	require.NoError(t, err)
	md = gauge("a", 4*step, 1, "/q")
	rm := md.ResourceMetrics().At(0)
	rm.Resource().Attributes().PutStr("route", "/q")
	rm.ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().At(0).Attributes().Clear()
	_, err = p.processMetrics(ctx, md)
	require.NoError(t, err)
	assert.Len(t, p.series, 6)

	for _, s := range p.series {
		assert.Positive(t, s.det.d.Points(), "every tracked series was fed")
	}
}

func TestSelectorCache(t *testing.T) {
	include := []Selector{
		{Regex: "^http\\."},
		{Name: "db.ops", Attributes: map[string]string{"op": "select"}},
		{Regex: "^db\\.", Attributes: map[string]string{"code": "200"}},
	}
	cfg := config(include...)
	cfg.compile()
	c := newSelectorCache(cfg.Include)

	assert.Equal(t, nameSelection{any: true, all: true}, c.forName("http.server.duration"))
	assert.False(t, c.forName("grpc.calls").any)
	db := c.forName("db.ops")
	require.True(t, db.any)
	require.False(t, db.all)
	require.Len(t, db.attrs, 2)

	res := pcommon.NewMap()
	pt := func(raw map[string]any) pcommon.Map { return mapOf(t, raw) }
	assert.True(t, db.selects(pt(map[string]any{"op": "select"}), res))
	assert.True(t, db.selects(pt(map[string]any{"code": 200}), res), "non-string values compare as strings")
	assert.False(t, db.selects(pt(map[string]any{"op": "insert"}), res))
	res.PutStr("op", "select")
	assert.True(t, db.selects(pt(map[string]any{}), res), "resource attributes count too")

	// Cached: the same answer, and bounded.
	assert.Equal(t, db, c.forName("db.ops"))
	for i := 0; i < 2*maxCachedNames; i++ {
		ns := c.forName(fmt.Sprintf("m%d", i))
		require.False(t, ns.any)
		require.LessOrEqual(t, len(c.names), maxCachedNames)
	}
	assert.True(t, c.forName("http.client.duration").all, "answers stay right after the cache is cleared")
}

// TestEmittedLayout: one anomaly scope per resource with one anomaly.score
// metric holding every source metric's scores, then expected/lower/upper
// per source metric in source order with the scored unit.
func TestEmittedLayout(t *testing.T) {
	cfg := config(Selector{Name: "lat"}, Selector{Name: "req"})
	cfg.WarmupPoints = 1
	p, sink := newProc(t, cfg, processortest.NewNopSettings(metadata.Type))
	mk := func(r int) pmetric.Metrics {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		lat := ms.AppendEmpty()
		lat.SetName("lat")
		lat.SetUnit("ms")
		g := lat.SetEmptyGauge()
		for i, route := range []string{"/a", "/b"} {
			dp := g.DataPoints().AppendEmpty()
			dp.Attributes().PutStr("route", route)
			dp.SetTimestamp(pcommon.Timestamp(r) * step)
			dp.SetDoubleValue(float64(r + i))
		}
		skip := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		skip.SetName("skip")
		skip.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(1)
		req := rm.ScopeMetrics().At(1).Metrics().AppendEmpty()
		req.SetName("req")
		req.SetUnit("{request}")
		sum := req.SetEmptySum()
		sum.SetIsMonotonic(true)
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		dp := sum.DataPoints().AppendEmpty()
		dp.Attributes().PutStr("route", "/a")
		dp.SetStartTimestamp(1)
		dp.SetTimestamp(pcommon.Timestamp(r) * step)
		dp.SetIntValue(int64(10 * r * r))
		return md
	}
	for r := 1; r <= 4; r++ {
		require.NoError(t, p.ConsumeMetrics(context.Background(), mk(r)))
	}
	out := sink.AllMetrics()[3]
	sms := out.ResourceMetrics().At(0).ScopeMetrics()
	require.Equal(t, 3, sms.Len())
	want := mk(4).ResourceMetrics().At(0).ScopeMetrics()
	for i := 0; i < 2; i++ {
		assert.Equal(t, want.At(i), sms.At(i), "source data unchanged")
	}
	an := sms.At(2)
	assert.Equal(t, metadata.ScopeName, an.Scope().Name())
	var names, units []string
	for i := 0; i < an.Metrics().Len(); i++ {
		names = append(names, an.Metrics().At(i).Name())
		units = append(units, an.Metrics().At(i).Unit())
	}
	assert.Equal(t, []string{MetricScore, MetricExpected, MetricLower, MetricUpper, MetricExpected, MetricLower, MetricUpper}, names)
	assert.Equal(t, []string{"1", "ms", "ms", "ms", "{request}/s", "{request}/s", "{request}/s"}, units)
	score := an.Metrics().At(0).Gauge().DataPoints()
	require.Equal(t, 3, score.Len())
	for i, w := range [][2]string{{"lat", "/a"}, {"lat", "/b"}, {"req", "/a"}} {
		dp := score.At(i)
		assert.Equal(t, map[string]any{AttrMetric: w[0], "route": w[1]}, dp.Attributes().AsRaw())
		assert.Equal(t, 4*step, dp.Timestamp())
		for k := 1; k < an.Metrics().Len(); k++ {
			m := an.Metrics().At(k)
			if (k <= 3) == (w[0] == "lat") {
				bdp := m.Gauge().DataPoints().At(i % 2)
				assert.Equal(t, dp.Attributes().AsRaw(), bdp.Attributes().AsRaw())
				assert.Equal(t, dp.Timestamp(), bdp.Timestamp())
			}
		}
	}
	assert.Equal(t, 2, an.Metrics().At(1).Gauge().DataPoints().Len())
	assert.Equal(t, 1, an.Metrics().At(4).Gauge().DataPoints().Len())
}
