package piiredact

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/metadatatest"
)

// Every OTLP field that can carry text (or a number that can be a card), with each kind of
// PII placed in it: nothing of it may reach the consumer. The whole output is marshalled to
// protobuf and searched, so a field missing from the walk cannot hide.

const (
	iban    = "DE89370400440532013000"
	emailFF = "jane.doe\xff@example.com"
)

type piiKind struct {
	name  string
	value string
	// leaks are the byte strings that must not occur in the output.
	leaks []string
}

var piiKinds = []piiKind{
	{"card", card, []string{card}},
	{"email", email, []string{email, "jane.doe"}},
	{"iban", iban, []string{iban}},
	{"jwt", jwt, []string{jwt[:40]}},
	{"email_invalid_utf8", emailFF, []string{"jane.doe", "example.com"}},
}

// numericLeaks adds the protobuf encodings of a card number as an int (varint) and as a double
// (fixed64).
func numericLeaks() [][]byte {
	var v [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(v[:], 4111111111111111)
	var d [8]byte
	binary.LittleEndian.PutUint64(d[:], math.Float64bits(4111111111111111))
	return [][]byte{v[:n], d[:]}
}

// Clean batches: every field set to realistic values without PII. Each case modifies one field.

func cleanAttrs(m pcommon.Map) {
	m.PutStr("service.name", "checkout")
	m.PutStr("http.request.method", "GET")
	m.PutInt("http.response.status_code", 200)
	m.PutDouble("latency.ratio", 0.25)
	m.PutDouble("orders.total", 1234567.0)
	m.PutBool("retry", true)
	m.PutEmptyBytes("trace.blob").FromRaw([]byte{0x00, 0x01, 0xfe, 0xff})
	m.PutEmptyBytes("note.bytes").FromRaw([]byte("plain text note"))
	nested := m.PutEmptyMap("k8s")
	nested.PutStr("pod.name", "checkout-7d9f")
	nested.PutEmptySlice("labels").AppendEmpty().SetStr("tier=web")
}

func cleanTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	cleanAttrs(rs.Resource().Attributes())
	ss := rs.ScopeSpans().AppendEmpty()
	ss.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	ss.Scope().SetName("io.opentelemetry.contrib.pgx")
	ss.Scope().SetVersion("1.2.0")
	cleanAttrs(ss.Scope().Attributes())
	span := ss.Spans().AppendEmpty()
	span.SetTraceID(pcommon.TraceID{1, 2, 3})
	span.SetSpanID(pcommon.SpanID{4, 5, 6})
	span.SetName("GET /orders")
	span.TraceState().FromRaw("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	span.Status().SetMessage("ok")
	cleanAttrs(span.Attributes())
	ev := span.Events().AppendEmpty()
	ev.SetName("exception")
	cleanAttrs(ev.Attributes())
	link := span.Links().AppendEmpty()
	link.TraceState().FromRaw("rojo=00f067aa0ba902b7")
	cleanAttrs(link.Attributes())
	return td
}

func cleanMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	cleanAttrs(rm.Resource().Attributes())
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	sm.Scope().SetName("io.opentelemetry.runtime")
	sm.Scope().SetVersion("1.2.0")
	cleanAttrs(sm.Scope().Attributes())
	g := sm.Metrics().AppendEmpty()
	g.SetName("process.memory.usage")
	g.SetDescription("Resident memory")
	g.SetUnit("By")
	cleanAttrs(g.Metadata())
	dp := g.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetDoubleValue(1.5)
	cleanAttrs(dp.Attributes())
	cleanAttrs(dp.Exemplars().AppendEmpty().FilteredAttributes())
	s := sm.Metrics().AppendEmpty()
	s.SetName("http.server.requests")
	cleanAttrs(s.SetEmptySum().DataPoints().AppendEmpty().Attributes())
	h := sm.Metrics().AppendEmpty()
	h.SetName("http.server.duration")
	cleanAttrs(h.SetEmptyHistogram().DataPoints().AppendEmpty().Attributes())
	e := sm.Metrics().AppendEmpty()
	e.SetName("http.server.duration.exp")
	cleanAttrs(e.SetEmptyExponentialHistogram().DataPoints().AppendEmpty().Attributes())
	q := sm.Metrics().AppendEmpty()
	q.SetName("rpc.latency")
	cleanAttrs(q.SetEmptySummary().DataPoints().AppendEmpty().Attributes())
	return md
}

func cleanLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	cleanAttrs(rl.Resource().Attributes())
	sl := rl.ScopeLogs().AppendEmpty()
	sl.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	sl.Scope().SetName("checkout.logger")
	sl.Scope().SetVersion("2.0.1")
	cleanAttrs(sl.Scope().Attributes())
	lr := sl.LogRecords().AppendEmpty()
	lr.SetSeverityText("ERROR")
	lr.SetEventName("order.failed")
	cleanAttrs(lr.Attributes())
	body := lr.Body().SetEmptyMap()
	body.PutStr("msg", "order failed")
	cleanAttrs(body)
	return ld
}

func span0(td ptrace.Traces) ptrace.Span {
	return td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
}

func metrics0(md pmetric.Metrics) pmetric.MetricSlice {
	return md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
}

func log0(ld plog.Logs) plog.LogRecord {
	return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
}

type fieldCase struct {
	name    string
	numeric bool // the field holds a number: only the card kind applies
	traces  func(td ptrace.Traces, pii string)
	metrics func(md pmetric.Metrics, pii string)
	logs    func(ld plog.Logs, pii string)
}

func withURL(pii string) string  { return "https://example.org/schemas/" + pii }
func withText(pii string) string { return "id " + pii + " seen" }

var fieldCases = []fieldCase{
	// traces
	{name: "traces/resource attribute key", traces: func(td ptrace.Traces, p string) {
		td.ResourceSpans().At(0).Resource().Attributes().PutStr(p, "x")
	}},
	{name: "traces/resource attribute value", traces: func(td ptrace.Traces, p string) {
		td.ResourceSpans().At(0).Resource().Attributes().PutStr("owner", withText(p))
	}},
	{name: "traces/resource schema_url", traces: func(td ptrace.Traces, p string) { td.ResourceSpans().At(0).SetSchemaUrl(withURL(p)) }},
	{name: "traces/scope schema_url", traces: func(td ptrace.Traces, p string) {
		td.ResourceSpans().At(0).ScopeSpans().At(0).SetSchemaUrl(withURL(p))
	}},
	{name: "traces/scope name", traces: func(td ptrace.Traces, p string) {
		td.ResourceSpans().At(0).ScopeSpans().At(0).Scope().SetName(withText(p))
	}},
	{name: "traces/scope version", traces: func(td ptrace.Traces, p string) {
		td.ResourceSpans().At(0).ScopeSpans().At(0).Scope().SetVersion(withText(p))
	}},
	{name: "traces/scope attribute key", traces: func(td ptrace.Traces, p string) {
		td.ResourceSpans().At(0).ScopeSpans().At(0).Scope().Attributes().PutStr(p, "x")
	}},
	{name: "traces/span attribute key", traces: func(td ptrace.Traces, p string) { span0(td).Attributes().PutInt(p, 1) }},
	{name: "traces/span nested map key", traces: func(td ptrace.Traces, p string) {
		m, _ := span0(td).Attributes().Get("k8s")
		m.Map().PutStr(p, "x")
	}},
	{name: "traces/span slice of maps key", traces: func(td ptrace.Traces, p string) {
		span0(td).Attributes().PutEmptySlice("items").AppendEmpty().SetEmptyMap().PutStr(p, "x")
	}},
	{name: "traces/span attribute bytes", traces: func(td ptrace.Traces, p string) {
		span0(td).Attributes().PutEmptyBytes("payload").FromRaw([]byte(withText(p)))
	}},
	{name: "traces/span attribute double", numeric: true, traces: func(td ptrace.Traces, _ string) {
		span0(td).Attributes().PutDouble("payment.card", 4111111111111111)
	}},
	{name: "traces/span attribute int", numeric: true, traces: func(td ptrace.Traces, _ string) {
		span0(td).Attributes().PutInt("payment.card", 4111111111111111)
	}},
	{name: "traces/span name", traces: func(td ptrace.Traces, p string) { span0(td).SetName(withText(p)) }},
	{name: "traces/span status message", traces: func(td ptrace.Traces, p string) { span0(td).Status().SetMessage(withText(p)) }},
	{name: "traces/span trace_state", traces: func(td ptrace.Traces, p string) {
		span0(td).TraceState().FromRaw("rojo=00f067aa0ba902b7,congo=" + p)
	}},
	{name: "traces/event name", traces: func(td ptrace.Traces, p string) { span0(td).Events().At(0).SetName(withText(p)) }},
	{name: "traces/event attribute key", traces: func(td ptrace.Traces, p string) { span0(td).Events().At(0).Attributes().PutStr(p, "x") }},
	{name: "traces/link attribute key", traces: func(td ptrace.Traces, p string) { span0(td).Links().At(0).Attributes().PutStr(p, "x") }},
	{name: "traces/link trace_state", traces: func(td ptrace.Traces, p string) {
		span0(td).Links().At(0).TraceState().FromRaw("congo=" + p + ",rojo=00f067aa0ba902b7")
	}},
	// metrics
	{name: "metrics/resource attribute key", metrics: func(md pmetric.Metrics, p string) {
		md.ResourceMetrics().At(0).Resource().Attributes().PutStr(p, "x")
	}},
	{name: "metrics/resource schema_url", metrics: func(md pmetric.Metrics, p string) { md.ResourceMetrics().At(0).SetSchemaUrl(withURL(p)) }},
	{name: "metrics/scope schema_url", metrics: func(md pmetric.Metrics, p string) {
		md.ResourceMetrics().At(0).ScopeMetrics().At(0).SetSchemaUrl(withURL(p))
	}},
	{name: "metrics/scope name", metrics: func(md pmetric.Metrics, p string) {
		md.ResourceMetrics().At(0).ScopeMetrics().At(0).Scope().SetName(withText(p))
	}},
	{name: "metrics/scope version", metrics: func(md pmetric.Metrics, p string) {
		md.ResourceMetrics().At(0).ScopeMetrics().At(0).Scope().SetVersion(withText(p))
	}},
	{name: "metrics/scope attribute key", metrics: func(md pmetric.Metrics, p string) {
		md.ResourceMetrics().At(0).ScopeMetrics().At(0).Scope().Attributes().PutStr(p, "x")
	}},
	{name: "metrics/metric name", metrics: func(md pmetric.Metrics, p string) { metrics0(md).At(1).SetName("orders/" + p) }},
	{name: "metrics/metric description", metrics: func(md pmetric.Metrics, p string) { metrics0(md).At(0).SetDescription(withText(p)) }},
	{name: "metrics/metric unit", metrics: func(md pmetric.Metrics, p string) { metrics0(md).At(0).SetUnit(p) }},
	{name: "metrics/metric metadata key", metrics: func(md pmetric.Metrics, p string) { metrics0(md).At(0).Metadata().PutStr(p, "x") }},
	{name: "metrics/metric metadata value", metrics: func(md pmetric.Metrics, p string) {
		metrics0(md).At(0).Metadata().PutStr("owner", withText(p))
	}},
	{name: "metrics/gauge point attribute key", metrics: func(md pmetric.Metrics, p string) {
		metrics0(md).At(0).Gauge().DataPoints().At(0).Attributes().PutStr(p, "x")
	}},
	{name: "metrics/exemplar attribute key", metrics: func(md pmetric.Metrics, p string) {
		metrics0(md).At(0).Gauge().DataPoints().At(0).Exemplars().At(0).FilteredAttributes().PutStr(p, "x")
	}},
	{name: "metrics/sum point attribute key", metrics: func(md pmetric.Metrics, p string) {
		metrics0(md).At(1).Sum().DataPoints().At(0).Attributes().PutStr(p, "x")
	}},
	{name: "metrics/histogram point attribute key", metrics: func(md pmetric.Metrics, p string) {
		metrics0(md).At(2).Histogram().DataPoints().At(0).Attributes().PutStr(p, "x")
	}},
	{name: "metrics/exponential histogram point attribute key", metrics: func(md pmetric.Metrics, p string) {
		metrics0(md).At(3).ExponentialHistogram().DataPoints().At(0).Attributes().PutStr(p, "x")
	}},
	{name: "metrics/summary point attribute key", metrics: func(md pmetric.Metrics, p string) {
		metrics0(md).At(4).Summary().DataPoints().At(0).Attributes().PutStr(p, "x")
	}},
	{name: "metrics/point attribute bytes", metrics: func(md pmetric.Metrics, p string) {
		metrics0(md).At(1).Sum().DataPoints().At(0).Attributes().PutEmptyBytes("payload").FromRaw([]byte(withText(p)))
	}},
	{name: "metrics/point attribute double", numeric: true, metrics: func(md pmetric.Metrics, _ string) {
		metrics0(md).At(1).Sum().DataPoints().At(0).Attributes().PutDouble("payment.card", 4111111111111111)
	}},
	// logs
	{name: "logs/resource attribute key", logs: func(ld plog.Logs, p string) { ld.ResourceLogs().At(0).Resource().Attributes().PutStr(p, "x") }},
	{name: "logs/resource schema_url", logs: func(ld plog.Logs, p string) { ld.ResourceLogs().At(0).SetSchemaUrl(withURL(p)) }},
	{name: "logs/scope schema_url", logs: func(ld plog.Logs, p string) { ld.ResourceLogs().At(0).ScopeLogs().At(0).SetSchemaUrl(withURL(p)) }},
	{name: "logs/scope name", logs: func(ld plog.Logs, p string) { ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().SetName(withText(p)) }},
	{name: "logs/scope version", logs: func(ld plog.Logs, p string) {
		ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().SetVersion(withText(p))
	}},
	{name: "logs/scope attribute key", logs: func(ld plog.Logs, p string) {
		ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Attributes().PutStr(p, "x")
	}},
	{name: "logs/record attribute key", logs: func(ld plog.Logs, p string) { log0(ld).Attributes().PutStr(p, "x") }},
	{name: "logs/record attribute bytes", logs: func(ld plog.Logs, p string) {
		log0(ld).Attributes().PutEmptyBytes("payload").FromRaw([]byte(withText(p)))
	}},
	{name: "logs/record attribute double", numeric: true, logs: func(ld plog.Logs, _ string) {
		log0(ld).Attributes().PutDouble("payment.card", 4111111111111111)
	}},
	{name: "logs/severity text", logs: func(ld plog.Logs, p string) { log0(ld).SetSeverityText(withText(p)) }},
	{name: "logs/event name", logs: func(ld plog.Logs, p string) { log0(ld).SetEventName(withText(p)) }},
	{name: "logs/body map key", logs: func(ld plog.Logs, p string) { log0(ld).Body().Map().PutStr(p, "x") }},
	{name: "logs/body nested map key", logs: func(ld plog.Logs, p string) {
		m, _ := log0(ld).Body().Map().Get("k8s")
		m.Map().PutEmptyMap(p).PutStr("k", "v")
	}},
	{name: "logs/body slice of maps key", logs: func(ld plog.Logs, p string) {
		log0(ld).Body().Map().PutEmptySlice("users").AppendEmpty().SetEmptyMap().PutInt(p, 1)
	}},
	{name: "logs/body string", logs: func(ld plog.Logs, p string) { log0(ld).Body().SetStr(withText(p)) }},
	{name: "logs/body bytes", logs: func(ld plog.Logs, p string) { log0(ld).Body().SetEmptyBytes().FromRaw([]byte(withText(p))) }},
	{name: "logs/body double", numeric: true, logs: func(ld plog.Logs, _ string) { log0(ld).Body().SetDouble(4111111111111111) }},
}

type runners struct {
	traces  func(ptrace.Traces) []byte
	metrics func(pmetric.Metrics) []byte
	logs    func(plog.Logs) []byte
	tt      *componenttest.Telemetry
}

// newRunners builds the three pipelines; each runner consumes a batch and returns the
// protobuf bytes of what reached the consumer.
func newRunners(t *testing.T, cfg *Config) runners {
	t.Helper()
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	f := NewFactory()
	ctx := context.Background()
	ts, ms, ls := new(consumertest.TracesSink), new(consumertest.MetricsSink), new(consumertest.LogsSink)
	tp, err := f.CreateTraces(ctx, metadatatest.NewSettings(tt), cfg, ts)
	require.NoError(t, err)
	mp, err := f.CreateMetrics(ctx, metadatatest.NewSettings(tt), cfg, ms)
	require.NoError(t, err)
	lp, err := f.CreateLogs(ctx, metadatatest.NewSettings(tt), cfg, ls)
	require.NoError(t, err)
	return runners{
		tt: tt,
		traces: func(td ptrace.Traces) []byte {
			ts.Reset()
			require.NoError(t, tp.ConsumeTraces(ctx, td))
			b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(ts.AllTraces()[0])
			require.NoError(t, err)
			return b
		},
		metrics: func(md pmetric.Metrics) []byte {
			ms.Reset()
			require.NoError(t, mp.ConsumeMetrics(ctx, md))
			b, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(ms.AllMetrics()[0])
			require.NoError(t, err)
			return b
		},
		logs: func(ld plog.Logs) []byte {
			ls.Reset()
			require.NoError(t, lp.ConsumeLogs(ctx, ld))
			b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ls.AllLogs()[0])
			require.NoError(t, err)
			return b
		},
	}
}

func TestPIISurvivesInNoField(t *testing.T) {
	r := newRunners(t, defaultCfg())
	for _, fc := range fieldCases {
		for _, k := range piiKinds {
			if fc.numeric && k.name != "card" {
				continue
			}
			t.Run(fc.name+"/"+k.name, func(t *testing.T) {
				var out []byte
				switch {
				case fc.traces != nil:
					td := cleanTraces()
					fc.traces(td, k.value)
					out = r.traces(td)
				case fc.metrics != nil:
					md := cleanMetrics()
					fc.metrics(md, k.value)
					out = r.metrics(md)
				default:
					ld := cleanLogs()
					fc.logs(ld, k.value)
					out = r.logs(ld)
				}
				leaks := [][]byte{}
				for _, l := range k.leaks {
					leaks = append(leaks, []byte(l))
				}
				if fc.numeric {
					leaks = append(leaks, numericLeaks()...)
				}
				for _, l := range leaks {
					require.False(t, bytes.Contains(out, l), "%q survives in %s", l, fc.name)
				}
			})
		}
	}
}

// TestCleanDataPassesBitIdentical: without PII every field passes unchanged, byte for byte.
func TestCleanDataPassesBitIdentical(t *testing.T) {
	r := newRunners(t, defaultCfg())
	td := cleanTraces()
	want, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	require.Equal(t, want, r.traces(td))
	md := cleanMetrics()
	wantM, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	require.NoError(t, err)
	require.Equal(t, wantM, r.metrics(md))
	ld := cleanLogs()
	wantL, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	require.Equal(t, wantL, r.logs(ld))
}
