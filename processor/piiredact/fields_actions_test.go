package piiredact

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/metadatatest"
)

// What happens to PII in the fields that cannot be masked in place, and how it is counted.

func removedPoint(sig, f string, n int64) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String("field", f), attribute.String("signal", sig)), Value: n}
}

func TestKeysAreReplacedOrRemovedAndCounted(t *testing.T) {
	sink, consume, tt := newTraces(t, defaultCfg())
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.SetSchemaUrl("https://example.org/schemas/" + email)
	span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	a := span.Attributes()
	a.PutStr("http.request.method", "GET")
	a.PutInt(email, 3)                       // replaced: [REDACTED:email] -> 3
	a.PutInt("john.roe@example.com", 4)      // same redacted key: removed
	a.PutStr(card, "visa "+card)             // key replaced, value masked
	a.PutEmptyMap("users").PutStr(iban, "x") // nested key replaced
	span.TraceState().FromRaw("rojo=00f067aa0ba902b7,congo=" + email + ",x=y")
	consume(td)

	out := sink.AllTraces()[0].ResourceSpans().At(0)
	assert.Equal(t, "", out.SchemaUrl())
	oa := out.ScopeSpans().At(0).Spans().At(0).Attributes()
	assert.Equal(t, "GET", str(t, oa, "http.request.method"))
	v, ok := oa.Get(mEmail)
	require.True(t, ok)
	assert.Equal(t, int64(3), v.Int(), "the first key redacted to the mask keeps its value")
	assert.Equal(t, "visa "+mCard, str(t, oa, mCard))
	users, _ := oa.Get("users")
	assert.Equal(t, "x", str(t, users.Map(), "[REDACTED:iban]"))
	assert.Equal(t, 4, oa.Len())
	assert.Equal(t, "rojo=00f067aa0ba902b7,x=y", out.ScopeSpans().At(0).Spans().At(0).TraceState().AsRaw())

	metadatatest.AssertEqualProcessorPiiredactKeysReplaced(t, tt,
		[]metricdata.DataPoint[int64]{{Attributes: attribute.NewSet(attribute.String("signal", "traces")), Value: 3}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorPiiredactRemoved(t, tt, []metricdata.DataPoint[int64]{
		removedPoint("traces", "attribute", 1), removedPoint("traces", "schema_url", 1), removedPoint("traces", "trace_state_entry", 1),
	}, metricdatatest.IgnoreTimestamp())
}

func TestKeysWithHashStayDistinctAndDropRemoves(t *testing.T) {
	cfg := defaultCfg()
	cfg.HMACKey = configopaque.String(strings.Repeat("k", 32))
	cfg.Detectors.Email.Action = ActionHash
	cfg.Detectors.CreditCard.Action = ActionDrop
	cfg.IgnoreKeys = []string{"kept@example.com"}
	sink, consume, _ := newTraces(t, cfg)
	td := ptrace.NewTraces()
	a := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().Attributes()
	a.PutInt(email, 1)
	a.PutInt("john.roe@example.com", 2)
	a.PutInt(card, 3)
	a.PutInt("kept@example.com", 4)
	consume(td)
	oa := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	assert.Equal(t, 3, oa.Len(), "two pseudonymised keys and the ignored one; the card key is dropped")
	_, ok := oa.Get("kept@example.com")
	assert.True(t, ok, "ignore_keys exempts the key")
	n := 0
	for k := range oa.All() {
		if strings.HasPrefix(k, "[HMAC:email:") {
			n++
		}
	}
	assert.Equal(t, 2, n)
}

func TestMetricWithPIIInNameIsDroppedAndCounted(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	sink := new(consumertest.MetricsSink)
	p, err := NewFactory().CreateMetrics(context.Background(), metadatatest.NewSettings(tt), defaultCfg(), sink)
	require.NoError(t, err)
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	ms.AppendEmpty().SetName("orders/" + email)
	keep := ms.AppendEmpty()
	keep.SetName("orders.count")
	keep.SetUnit(email)
	keep.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	ms.AppendEmpty().SetName(card)
	require.NoError(t, p.ConsumeMetrics(context.Background(), md))
	out := sink.AllMetrics()[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	require.Equal(t, 1, out.Len())
	assert.Equal(t, "orders.count", out.At(0).Name())
	assert.Equal(t, mEmail, out.At(0).Unit())
	metadatatest.AssertEqualProcessorPiiredactRemoved(t, tt, []metricdata.DataPoint[int64]{removedPoint("metrics", "metric", 2)}, metricdatatest.IgnoreTimestamp())
}

// Keys found clean are remembered per walker; a key holding PII never is: the same batch sent
// twice is redacted twice.
func TestRepeatedKeysAreRedactedEveryTime(t *testing.T) {
	sink, consume, _ := newTraces(t, defaultCfg())
	for i := 0; i < 3; i++ {
		td := ptrace.NewTraces()
		a := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().Attributes()
		a.PutStr("http.request.method", "GET")
		a.PutStr("k8s.pod.name", "checkout-1")
		a.PutInt(email, 1)
		consume(td)
		oa := sink.AllTraces()[i].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
		_, leaked := oa.Get(email)
		assert.False(t, leaked, "batch %d", i)
		_, masked := oa.Get(mEmail)
		assert.True(t, masked, "batch %d", i)
		assert.Equal(t, 3, oa.Len())
	}
}
