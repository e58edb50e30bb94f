package piiredact

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/metadatatest"
)

const (
	email  = "jane.doe@example.com"
	card   = "4111111111111111"
	jwt    = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	mEmail = "[REDACTED:email]"
	mCard  = "[REDACTED:credit_card]"
)

func str(t *testing.T, m pcommon.Map, k string) string {
	t.Helper()
	v, ok := m.Get(k)
	require.True(t, ok, "missing %s", k)
	return v.AsString()
}

func newTraces(t *testing.T, cfg *Config) (*consumertest.TracesSink, func(ptrace.Traces), *componenttest.Telemetry) {
	t.Helper()
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), metadatatest.NewSettings(tt), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	return sink, func(td ptrace.Traces) { require.NoError(t, p.ConsumeTraces(context.Background(), td)) }, tt
}

func defaultCfg() *Config { return createDefaultConfig().(*Config) }

func TestTracesEveryPlace(t *testing.T) {
	sink, consume, tt := newTraces(t, defaultCfg())
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("host.owner", email)
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().Attributes().PutStr("scope.contact", "call +14155552671")
	span := ss.Spans().AppendEmpty()
	span.SetName("GET /users")
	a := span.Attributes()
	a.PutStr("user.email", email)
	a.PutStr("url.full", "https://bob:hunter2@api.example.com/v1?access_token=abc123&page=2")
	a.PutStr("url.query", "token=t0k&x=1")
	a.PutStr("db.statement", "SELECT * FROM users WHERE email = 'x@y.io' AND id = 42")
	a.PutStr("http.request.header.authorization", "Basic dXNlcjpwYXNz")
	a.PutInt("payment.card", 4111111111111111)
	a.PutInt("http.response.status_code", 200)
	a.PutEmptySlice("tags").AppendEmpty().SetStr("ssn 536-22-1234")
	a.PutEmptyMap("nested").PutStr("client_ip", "203.0.113.9")
	span.Status().SetMessage("token " + jwt + " rejected")
	ev := span.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.message", "card "+card+" declined")
	link := span.Links().AppendEmpty()
	link.Attributes().PutStr("peer.iban", "DE89370400440532013000")
	consume(td)

	out := sink.AllTraces()[0].ResourceSpans().At(0)
	assert.Equal(t, mEmail, str(t, out.Resource().Attributes(), "host.owner"))
	assert.Equal(t, "checkout", str(t, out.Resource().Attributes(), "service.name"))
	oss := out.ScopeSpans().At(0)
	assert.Equal(t, "call [REDACTED:phone]", str(t, oss.Scope().Attributes(), "scope.contact"))
	os := oss.Spans().At(0)
	oa := os.Attributes()
	assert.Equal(t, "GET /users", os.Name())
	assert.Equal(t, mEmail, str(t, oa, "user.email"))
	assert.Equal(t, "https://bob:[REDACTED:url]@api.example.com/v1?access_token=[REDACTED:url]&page=2", str(t, oa, "url.full"))
	assert.Equal(t, "token=[REDACTED:url]&x=1", str(t, oa, "url.query"))
	assert.Equal(t, "SELECT * FROM users WHERE email = ? AND id = ?", str(t, oa, "db.statement"))
	assert.Equal(t, "[REDACTED:sensitive_keys]", str(t, oa, "http.request.header.authorization"))
	v, _ := oa.Get("payment.card")
	assert.Equal(t, pcommon.ValueTypeStr, v.Type())
	assert.Equal(t, mCard, v.Str())
	v, _ = oa.Get("http.response.status_code")
	assert.Equal(t, int64(200), v.Int())
	tags, _ := oa.Get("tags")
	assert.Equal(t, "ssn [REDACTED:us_ssn]", tags.Slice().At(0).Str())
	nested, _ := oa.Get("nested")
	assert.Equal(t, "[REDACTED:ip]", str(t, nested.Map(), "client_ip"))
	assert.Equal(t, "token [REDACTED:jwt] rejected", os.Status().Message())
	assert.Equal(t, "card "+mCard+" declined", str(t, os.Events().At(0).Attributes(), "exception.message"))
	assert.Equal(t, "[REDACTED:iban]", str(t, os.Links().At(0).Attributes(), "peer.iban"))
	_, has := oa.Get(SummaryAttribute)
	assert.False(t, has, "summary is off by default")

	traces := attribute.String("signal", "traces")
	want := map[string]int64{"email": 2, "phone": 1, "url": 3, "db_statement": 1, "sensitive_keys": 1, "credit_card": 2, "us_ssn": 1, "ip": 1, "jwt": 1, "iban": 1}
	var dps []metricdata.DataPoint[int64]
	for d, n := range want {
		dps = append(dps, metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String("detector", d), traces), Value: n})
	}
	metadatatest.AssertEqualProcessorPiiredactRedactions(t, tt, dps, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorPiiredactItemsScanned(t, tt,
		[]metricdata.DataPoint[int64]{{Attributes: attribute.NewSet(traces), Value: 1}}, metricdatatest.IgnoreTimestamp())
	got, err := tt.GetMetric("otelcol_processor_piiredact_bytes_scanned")
	require.NoError(t, err)
	assert.Greater(t, got.Data.(metricdata.Sum[int64]).DataPoints[0].Value, int64(200))
}

func TestLogsBodiesAndPaths(t *testing.T) {
	cfg := defaultCfg()
	cfg.IgnoreKeys = []string{"body.trusted.ip", "request.id"}
	cfg.AllowKeys = []string{"body.auth.token_type"}
	cfg.Summary = true
	tt := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tt.Shutdown(context.Background())) }()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tt), cfg, sink)
	require.NoError(t, err)

	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	s := lrs.AppendEmpty()
	s.Body().SetStr("Failed password for root from 203.0.113.7 port 22; user " + email)
	s.Attributes().PutStr("request.id", "4111111111111111") // ignored key
	s.SetEventName("login " + email)
	m := lrs.AppendEmpty()
	body := m.Body().SetEmptyMap()
	user := body.PutEmptyMap("user")
	user.PutStr("email", email)
	user.PutStr("password", "hunter2")
	user.PutEmptySlice("cards").AppendEmpty().SetStr(card)
	body.PutEmptyMap("trusted").PutStr("ip", "203.0.113.8")
	auth := body.PutEmptyMap("auth")
	auth.PutStr("token_type", "Bearer")
	auth.PutStr("token", "opaque-session-value")
	body.PutStr("msg", "nothing here")
	clean := lrs.AppendEmpty()
	clean.Body().SetStr("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating")
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))

	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	r0 := out.At(0)
	assert.Equal(t, "Failed password for root from [REDACTED:ip] port 22; user "+mEmail, r0.Body().Str())
	assert.Equal(t, "4111111111111111", str(t, r0.Attributes(), "request.id"))
	assert.Equal(t, "login "+mEmail, r0.EventName())
	sum, _ := r0.Attributes().Get(SummaryAttribute)
	assert.Equal(t, int64(3), sum.Int())

	b := out.At(1).Body().Map()
	u, _ := b.Get("user")
	assert.Equal(t, mEmail, str(t, u.Map(), "email"))
	assert.Equal(t, "[REDACTED:sensitive_keys]", str(t, u.Map(), "password"))
	cards, _ := u.Map().Get("cards")
	assert.Equal(t, mCard, cards.Slice().At(0).Str())
	tr, _ := b.Get("trusted")
	assert.Equal(t, "203.0.113.8", str(t, tr.Map(), "ip"), "ignored path")
	au, _ := b.Get("auth")
	assert.Equal(t, "Bearer", str(t, au.Map(), "token_type"), "allowed path")
	assert.Equal(t, "[REDACTED:sensitive_keys]", str(t, au.Map(), "token"))
	assert.Equal(t, "nothing here", str(t, b, "msg"))
	sum, _ = out.At(1).Attributes().Get(SummaryAttribute)
	assert.Equal(t, int64(4), sum.Int())
	_, has := out.At(2).Attributes().Get(SummaryAttribute)
	assert.False(t, has)
	assert.Contains(t, out.At(2).Body().Str(), "blk_38865049064139660")

	metadatatest.AssertEqualProcessorPiiredactItemsScanned(t, tt,
		[]metricdata.DataPoint[int64]{{Attributes: attribute.NewSet(attribute.String("signal", "logs")), Value: 3}}, metricdatatest.IgnoreTimestamp())
}

func TestMetricsAttributesAndExemplars(t *testing.T) {
	tt := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tt.Shutdown(context.Background())) }()
	sink := new(consumertest.MetricsSink)
	p, err := NewFactory().CreateMetrics(context.Background(), metadatatest.NewSettings(tt), defaultCfg(), sink)
	require.NoError(t, err)

	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("k8s.pod.ip", "203.0.113.10")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	g := ms.AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty()
	g.Attributes().PutStr("user", email)
	g.Exemplars().AppendEmpty().FilteredAttributes().PutStr("enduser.id", email)
	s := ms.AppendEmpty().SetEmptySum().DataPoints().AppendEmpty()
	s.Attributes().PutStr("route", "/api/v1/items")
	s.Exemplars().AppendEmpty().FilteredAttributes().PutStr("card", card)
	h := ms.AppendEmpty().SetEmptyHistogram().DataPoints().AppendEmpty()
	h.Attributes().PutStr("client", "+44 20 7946 0958")
	e := ms.AppendEmpty().SetEmptyExponentialHistogram().DataPoints().AppendEmpty()
	e.Attributes().PutStr("iban", "GB82WEST12345698765432")
	su := ms.AppendEmpty().SetEmptySummary().DataPoints().AppendEmpty()
	su.Attributes().PutStr("api_token", "whatever")
	require.NoError(t, p.ConsumeMetrics(context.Background(), md))

	out := sink.AllMetrics()[0].ResourceMetrics().At(0)
	assert.Equal(t, "[REDACTED:ip]", str(t, out.Resource().Attributes(), "k8s.pod.ip"))
	oms := out.ScopeMetrics().At(0).Metrics()
	og := oms.At(0).Gauge().DataPoints().At(0)
	assert.Equal(t, mEmail, str(t, og.Attributes(), "user"))
	assert.Equal(t, mEmail, str(t, og.Exemplars().At(0).FilteredAttributes(), "enduser.id"))
	os := oms.At(1).Sum().DataPoints().At(0)
	assert.Equal(t, "/api/v1/items", str(t, os.Attributes(), "route"))
	assert.Equal(t, mCard, str(t, os.Exemplars().At(0).FilteredAttributes(), "card"))
	assert.Equal(t, "[REDACTED:phone]", str(t, oms.At(2).Histogram().DataPoints().At(0).Attributes(), "client"))
	assert.Equal(t, "[REDACTED:iban]", str(t, oms.At(3).ExponentialHistogram().DataPoints().At(0).Attributes(), "iban"))
	assert.Equal(t, "[REDACTED:sensitive_keys]", str(t, oms.At(4).Summary().DataPoints().At(0).Attributes(), "api_token"))
	metadatatest.AssertEqualProcessorPiiredactItemsScanned(t, tt,
		[]metricdata.DataPoint[int64]{{Attributes: attribute.NewSet(attribute.String("signal", "metrics")), Value: 5}}, metricdatatest.IgnoreTimestamp())
}

func TestActionsHashDropAndPartialReveal(t *testing.T) {
	cfg := defaultCfg()
	cfg.HMACKey = "0123456789abcdef0123456789abcdef"
	cfg.Detectors.Email.Action = ActionHash
	cfg.Detectors.Email.KeepDomain = true
	cfg.Detectors.CreditCard.RevealLast4 = true
	cfg.Detectors.USSSN.Action = ActionDrop
	cfg.Detectors.DBStatement.Action = ActionDrop
	cfg.MaskTemplate = "<{type}>"
	cfg.Patterns = []PatternConfig{{Name: "employee_id", Regex: `EMP-\d{6}`}}
	cfg.AllowValues = []string{`[a-z]+@corp\.example`}
	require.NoError(t, cfg.Validate())
	sink, consume, _ := newTraces(t, cfg)

	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	a := span.Attributes()
	a.PutStr("a", "from "+email)
	a.PutStr("b", "to "+email)
	a.PutStr("c", "card "+card)
	a.PutStr("d", "ssn 536-22-1234")
	a.PutStr("db.statement", "SELECT 1")
	a.PutStr("e", "EMP-123456 via ops@corp.example")
	span.Status().SetMessage("ssn 536-22-1234")
	consume(td)

	oa := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	ha, hb := str(t, oa, "a"), str(t, oa, "b")
	assert.True(t, strings.HasPrefix(ha, "from [HMAC:email:") && strings.HasSuffix(ha, "]@example.com"), ha)
	assert.Equal(t, strings.TrimPrefix(ha, "from "), strings.TrimPrefix(hb, "to "), "same e-mail, same pseudonym")
	assert.Equal(t, "card <credit_card>1111", str(t, oa, "c"))
	_, has := oa.Get("d")
	assert.False(t, has, "drop removes the attribute")
	_, has = oa.Get("db.statement")
	assert.False(t, has)
	assert.Equal(t, "<employee_id> via ops@corp.example", str(t, oa, "e"))
	assert.Equal(t, "", sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Status().Message())
}

func TestDisabledDetectorsLeaveDataAlone(t *testing.T) {
	cfg := defaultCfg()
	for _, d := range cfg.Detectors.byKind() {
		d.Enabled = false
	}
	sink, consume, _ := newTraces(t, cfg)
	td := ptrace.NewTraces()
	a := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().Attributes()
	a.PutStr("user.email", email)
	a.PutStr("password", "x")
	a.PutStr("db.statement", "SELECT 'a'")
	a.PutInt("card", 4111111111111111)
	consume(td)
	oa := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	assert.Equal(t, email, str(t, oa, "user.email"))
	assert.Equal(t, "x", str(t, oa, "password"))
	assert.Equal(t, "SELECT 'a'", str(t, oa, "db.statement"))
	assert.Equal(t, "4111111111111111", str(t, oa, "card"))
}

func TestRedactingTwiceEqualsOnce(t *testing.T) {
	sink, consume, _ := newTraces(t, defaultCfg())
	td := ptrace.NewTraces()
	a := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().Attributes()
	a.PutStr("m", "mail "+email+" card "+card+" url https://u:p4ss@h/x?token=abc")
	a.PutStr("password", "hunter2")
	a.PutStr("db.statement", "SELECT 'a', 1")
	consume(td)
	once := ptrace.NewTraces()
	sink.AllTraces()[0].CopyTo(once)
	consume(sink.AllTraces()[0])
	assert.Equal(t, once, sink.AllTraces()[1])
}
