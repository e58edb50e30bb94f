package servicegraph

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/otlptranslator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/metadatatest"
)

var t0 = time.Unix(1_700_000_000, 0)

type spanSpec struct {
	service      string
	kind         ptrace.SpanKind
	trace        byte
	id, parent   byte
	ms           int64
	failed       bool
	attrs        map[string]string
	noServiceKey bool
}

func traces(specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, s := range specs {
		rs := td.ResourceSpans().AppendEmpty()
		if !s.noServiceKey {
			rs.Resource().Attributes().PutStr("service.name", s.service)
		}
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetKind(s.kind)
		sp.SetTraceID(pcommon.TraceID{15: s.trace})
		sp.SetSpanID(pcommon.SpanID{7: s.id})
		if s.parent != 0 {
			sp.SetParentSpanID(pcommon.SpanID{7: s.parent})
		}
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(t0))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(t0.Add(time.Duration(s.ms) * time.Millisecond)))
		if s.failed {
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
		for k, v := range s.attrs {
			sp.Attributes().PutStr(k, v)
		}
	}
	return td
}

type harness struct {
	c    *serviceGraph
	sink *consumertest.MetricsSink
	tt   *componenttest.Telemetry
	now  time.Time
}

func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.LatencyHistogramBuckets = []time.Duration{10 * time.Millisecond, 100 * time.Millisecond, time.Second}
	cfg.MetricsFlushInterval = time.Hour // the test flushes
	if mod != nil {
		mod(cfg)
	}
	require.NoError(t, cfg.Validate())
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tt)
	set.Resource.Attributes().PutStr("collector.instance.id", "gw-0")
	sink := new(consumertest.MetricsSink)
	c, err := newConnector(set, cfg, sink)
	require.NoError(t, err)
	h := &harness{c: c, sink: sink, tt: tt, now: t0}
	c.now = func() time.Time { return h.now }
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, c.Shutdown(context.Background())) })
	return h
}

func (h *harness) send(t *testing.T, specs ...spanSpec) {
	t.Helper()
	require.NoError(t, h.c.ConsumeTraces(context.Background(), traces(specs...)))
}

// point finds the data point of metric name with the given client and server in the last flush.
type found struct {
	sum  *pmetric.NumberDataPoint
	hist *pmetric.HistogramDataPoint
	attr map[string]any
}

func (h *harness) flushed(t *testing.T) map[string]map[string]found {
	t.Helper()
	h.sink.Reset()
	h.c.flush(context.Background())
	out := map[string]map[string]found{}
	all := h.sink.AllMetrics()
	if len(all) == 0 {
		return out
	}
	require.Len(t, all, 1)
	ms := all[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		out[m.Name()] = map[string]found{}
		switch m.Type() {
		case pmetric.MetricTypeSum:
			assert.True(t, m.Sum().IsMonotonic())
			assert.Equal(t, pmetric.AggregationTemporalityCumulative, m.Sum().AggregationTemporality())
			for j := 0; j < m.Sum().DataPoints().Len(); j++ {
				dp := m.Sum().DataPoints().At(j)
				a := dp.Attributes().AsRaw()
				out[m.Name()][a["client"].(string)+"->"+a["server"].(string)] = found{sum: &dp, attr: a}
			}
		case pmetric.MetricTypeHistogram:
			for j := 0; j < m.Histogram().DataPoints().Len(); j++ {
				dp := m.Histogram().DataPoints().At(j)
				a := dp.Attributes().AsRaw()
				out[m.Name()][a["client"].(string)+"->"+a["server"].(string)] = found{hist: &dp, attr: a}
			}
		default:
			t.Fatalf("unexpected metric type %v of %s", m.Type(), m.Name())
		}
	}
	return out
}

// The demo's request path: the edge (root server span, then a client span) calls the API
// (server span, child of the edge's client span), which queries PostgreSQL (a client span
// with db.system.name). Three edges come out: user -> edge, edge -> api, api -> postgresql.
func TestEdgesOfARequestPath(t *testing.T) {
	h := newHarness(t, nil)
	h.send(t,
		spanSpec{service: "fraiseql-edge", kind: ptrace.SpanKindServer, trace: 1, id: 1, ms: 60},
		spanSpec{service: "fraiseql-edge", kind: ptrace.SpanKindClient, trace: 1, id: 2, parent: 1, ms: 50},
		spanSpec{service: "fraiseql-api", kind: ptrace.SpanKindServer, trace: 1, id: 3, parent: 2, ms: 40, failed: true},
		spanSpec{service: "fraiseql-api", kind: ptrace.SpanKindClient, trace: 1, id: 4, parent: 3, ms: 5,
			attrs: map[string]string{"db.system.name": "postgresql", "db.namespace": "fraiseql"}},
		spanSpec{service: "fraiseql-api", kind: ptrace.SpanKindInternal, trace: 1, id: 5, parent: 3, ms: 1},
	)
	got := h.flushed(t)

	total := got["traces_service_graph_request_total"]
	require.Len(t, total, 3, "%v", total)
	for edge, ct := range map[string]string{"user->fraiseql-edge": "virtual_node", "fraiseql-edge->fraiseql-api": "", "fraiseql-api->postgresql": "database"} {
		p, ok := total[edge]
		require.True(t, ok, "edge %s missing: %v", edge, total)
		assert.Equal(t, int64(1), p.sum.IntValue(), edge)
		assert.Equal(t, ct, p.attr["connection_type"], edge)
		assert.Equal(t, "gw-0", p.attr["collector.instance.id"], edge)
	}
	failed := got["traces_service_graph_request_failed_total"]
	require.Len(t, failed, 3, "every series has its failed counter, 0 until a failure")
	assert.Equal(t, int64(1), failed["fraiseql-edge->fraiseql-api"].sum.IntValue())
	assert.Equal(t, int64(0), failed["fraiseql-api->postgresql"].sum.IntValue())

	srv := got["traces_service_graph_request_server_seconds"]["fraiseql-edge->fraiseql-api"].hist
	cli := got["traces_service_graph_request_client_seconds"]["fraiseql-edge->fraiseql-api"].hist
	require.NotNil(t, srv)
	require.NotNil(t, cli)
	assert.Equal(t, []float64{0.01, 0.1, 1}, srv.ExplicitBounds().AsRaw())
	assert.Equal(t, []uint64{0, 1, 0, 0}, srv.BucketCounts().AsRaw())
	assert.InDelta(t, 0.040, srv.Sum(), 1e-9)
	assert.InDelta(t, 0.050, cli.Sum(), 1e-9)
	db := got["traces_service_graph_request_server_seconds"]["fraiseql-api->postgresql"].hist
	assert.Equal(t, []uint64{1, 0, 0, 0}, db.BucketCounts().AsRaw())

	// Cumulative: a second identical request doubles the counts; the start time stays.
	start := total["fraiseql-edge->fraiseql-api"].sum.StartTimestamp()
	h.now = t0.Add(time.Minute)
	h.send(t,
		spanSpec{service: "fraiseql-api", kind: ptrace.SpanKindServer, trace: 2, id: 3, parent: 2, ms: 40},
		spanSpec{service: "fraiseql-edge", kind: ptrace.SpanKindClient, trace: 2, id: 2, parent: 1, ms: 50},
	)
	got = h.flushed(t)
	p := got["traces_service_graph_request_total"]["fraiseql-edge->fraiseql-api"]
	assert.Equal(t, int64(2), p.sum.IntValue())
	assert.Equal(t, start, p.sum.StartTimestamp())
	assert.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Minute)), p.sum.Timestamp())
	metadatatest.AssertEqualConnectorServicegraphRequestsRecorded(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("kind", "database"))},
		{Value: 2, Attributes: attribute.NewSet(attribute.String("kind", "paired"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("kind", "virtual_user"))},
	}, metricdatatest.IgnoreTimestamp())
}

// The halves of a request arriving in different batches (different agents, different
// export times) are paired; a client span whose server never shows up becomes an edge to the
// virtual node named by its peer attribute after store.ttl; one without peer is counted unpaired.
func TestAcrossBatchesAndExpiry(t *testing.T) {
	h := newHarness(t, nil)
	h.send(t, spanSpec{service: "a", kind: ptrace.SpanKindProducer, trace: 1, id: 1, ms: 3})
	h.send(t, spanSpec{service: "b", kind: ptrace.SpanKindConsumer, trace: 1, id: 2, parent: 1, ms: 3})
	h.send(t,
		spanSpec{service: "a", kind: ptrace.SpanKindClient, trace: 2, id: 1, ms: 30, attrs: map[string]string{"peer.service": "payments"}},
		spanSpec{service: "a", kind: ptrace.SpanKindClient, trace: 3, id: 1, ms: 30},
		spanSpec{service: "b", kind: ptrace.SpanKindServer, trace: 4, id: 2, parent: 9, ms: 3},
	)
	got := h.flushed(t)
	require.Len(t, got["traces_service_graph_request_total"], 1)
	assert.Equal(t, "messaging_system", got["traces_service_graph_request_total"]["a->b"].attr["connection_type"])
	metadatatest.AssertEqualConnectorServicegraphStoreItems(t, h.tt, []metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp())

	h.now = t0.Add(2 * time.Second)
	h.c.expire()
	got = h.flushed(t)
	p := got["traces_service_graph_request_total"]["a->payments"]
	require.NotNil(t, p.sum, "%v", got)
	assert.Equal(t, "virtual_node", p.attr["connection_type"])
	metadatatest.AssertEqualConnectorServicegraphSpansUnpaired(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("side", "client"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("side", "server"))},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualConnectorServicegraphStoreItems(t, h.tt, []metricdata.DataPoint[int64]{{Value: 0}}, metricdatatest.IgnoreTimestamp())
}

// The store holds at most store.max_items waiting spans; spans beyond are dropped and
// counted, and so are spans without service.name. Nothing is emitted for them.
func TestBoundedStoreAndBadSpans(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Store.MaxItems = 2 })
	h.send(t,
		spanSpec{service: "a", kind: ptrace.SpanKindClient, trace: 1, id: 1},
		spanSpec{service: "a", kind: ptrace.SpanKindClient, trace: 2, id: 1},
		spanSpec{service: "a", kind: ptrace.SpanKindClient, trace: 3, id: 1},
		spanSpec{service: "a", kind: ptrace.SpanKindServer, trace: 4, id: 1, noServiceKey: true},
	)
	assert.Empty(t, h.flushed(t))
	metadatatest.AssertEqualConnectorServicegraphSpansDropped(t, h.tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "no_service_name"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "store_full"))},
	}, metricdatatest.IgnoreTimestamp())
}

// Dimensions become client_<name> / server_<name> labels from each side's span or resource.
func TestDimensions(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Dimensions = []string{"region"} })
	h.send(t,
		spanSpec{service: "a", kind: ptrace.SpanKindClient, trace: 1, id: 1, attrs: map[string]string{"region": "eu"}},
		spanSpec{service: "b", kind: ptrace.SpanKindServer, trace: 1, id: 2, parent: 1, attrs: map[string]string{"region": "us"}},
	)
	p := h.flushed(t)["traces_service_graph_request_total"]["a->b"]
	require.NotNil(t, p.sum)
	assert.Equal(t, "eu", p.attr["client_region"])
	assert.Equal(t, "us", p.attr["server_region"])
}

// metrics_flush_interval: 0 emits after every batch that made an edge.
func TestFlushEachBatch(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MetricsFlushInterval = 0 })
	h.send(t, spanSpec{service: "a", kind: ptrace.SpanKindClient, trace: 1, id: 1, attrs: map[string]string{"db.system": "redis"}})
	require.Len(t, h.sink.AllMetrics(), 1)
	assert.Equal(t, 4, h.sink.AllMetrics()[0].MetricCount())
	h.send(t, spanSpec{service: "a", kind: ptrace.SpanKindInternal, trace: 1, id: 2})
	assert.Len(t, h.sink.AllMetrics(), 2, "every batch flushes the cumulative state")
}

// The Prometheus names (remote write and the prometheus exporter, default translation with
// suffixes) are exactly Tempo's: the OTel names already carry _total and the unit word.
func TestPrometheusNamesAreTempos(t *testing.T) {
	h := newHarness(t, nil)
	h.send(t, spanSpec{service: "a", kind: ptrace.SpanKindClient, trace: 1, id: 1, failed: true, attrs: map[string]string{"db.system.name": "postgresql"}})
	h.c.flush(context.Background())
	ms := h.sink.AllMetrics()[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	namer := otlptranslator.MetricNamer{WithMetricSuffixes: true, UTF8Allowed: false}
	var names []string
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		var typ otlptranslator.MetricType = otlptranslator.MetricTypeHistogram
		if m.Type() == pmetric.MetricTypeSum {
			typ = otlptranslator.MetricTypeMonotonicCounter
		}
		n, err := namer.Build(otlptranslator.Metric{Name: m.Name(), Unit: m.Unit(), Type: typ})
		require.NoError(t, err)
		names = append(names, n)
	}
	assert.ElementsMatch(t, []string{
		"traces_service_graph_request_total", "traces_service_graph_request_failed_total",
		"traces_service_graph_request_server_seconds", "traces_service_graph_request_client_seconds",
	}, names)
}
