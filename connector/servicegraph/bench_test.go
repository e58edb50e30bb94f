package servicegraph

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/metadata"
)

// BenchmarkConsumeTraces: batches of 100 traces, each an edge -> api request with a database
// call and an internal span (4 spans, 3 edges), through the connector with the default config.
func BenchmarkConsumeTraces(b *testing.B) {
	cfg := createDefaultConfig().(*Config)
	cfg.Store.MaxItems = 100000
	c, err := newConnector(connectortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	const perBatch = 100
	batches := make([]ptrace.Traces, 16)
	n := uint64(0)
	for i := range batches {
		td := ptrace.NewTraces()
		for k := 0; k < perBatch; k++ {
			n++
			tid := pcommon.TraceID{0: byte(n >> 8), 1: byte(n), 15: byte(i)}
			add := func(svc string, kind ptrace.SpanKind, id, parent byte, attrs ...string) {
				rs := td.ResourceSpans().AppendEmpty()
				rs.Resource().Attributes().PutStr("service.name", svc)
				sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
				sp.SetTraceID(tid)
				sp.SetSpanID(pcommon.SpanID{7: id})
				if parent != 0 {
					sp.SetParentSpanID(pcommon.SpanID{7: parent})
				}
				sp.SetKind(kind)
				sp.SetEndTimestamp(pcommon.Timestamp(time.Millisecond))
				for j := 0; j+1 < len(attrs); j += 2 {
					sp.Attributes().PutStr(attrs[j], attrs[j+1])
				}
			}
			add("edge", ptrace.SpanKindClient, 2, 1)
			add("api", ptrace.SpanKindServer, 3, 2)
			add("api", ptrace.SpanKindClient, 4, 3, "db.system.name", "postgresql")
			add("api", ptrace.SpanKindInternal, 5, 3)
		}
		batches[i] = td
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := c.ConsumeTraces(ctx, batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*perBatch*4)/b.Elapsed().Seconds(), "spans/s")
}
