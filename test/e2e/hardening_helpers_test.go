//go:build e2e

package e2e

// Helpers for the hardening tests: start the built binary, send it one OTLP request (any
// signal, gRPC or HTTP, built with pdata or as raw protobuf bytes), and check that it
// survived: the process is alive, the same pipeline answers the next request, and SIGTERM
// stops it within 5 s.
//
// A hardening case is typically:
//
//	c := startLocalCollector(t)
//	for _, tr := range []transport{overGRPC, overHTTP} {
//		err := c.send(tr, logsRequest(t, shape()), 30*time.Second)
//		t.Logf("%s: bad request answered %v", tr, err) // or assert on it
//		c.requireSurvived(t, tr, signalLogs)
//	}
//	c.requireStopsOnSIGTERM(t)

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
)

// otlpSignal names an OTLP signal as it appears in the HTTP path (/v1/<signal>).
type otlpSignal string

const (
	signalTraces  otlpSignal = "traces"
	signalMetrics otlpSignal = "metrics"
	signalLogs    otlpSignal = "logs"
)

// grpcMethod is the OTLP gRPC method of the signal.
func (s otlpSignal) grpcMethod() string {
	switch s {
	case signalTraces:
		return "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
	case signalMetrics:
		return "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
	case signalLogs:
		return "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
	}
	panic("unknown signal " + string(s))
}

// transport is how a request reaches the collector's OTLP receiver.
type transport string

const (
	overGRPC transport = "grpc"
	overHTTP transport = "http"
)

// otlpRequest is one OTLP export request: its signal and its protobuf encoding (the body of
// the HTTP POST and the gRPC message alike). Build it from pdata with metricsRequest,
// logsRequest or tracesRequest, or set Body to hand-made protobuf bytes for shapes pdata
// cannot build or that are too costly to build.
type otlpRequest struct {
	Signal otlpSignal
	Body   []byte
}

func metricsRequest(t testing.TB, md pmetric.Metrics) otlpRequest {
	t.Helper()
	b, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return otlpRequest{Signal: signalMetrics, Body: b}
}

func logsRequest(t testing.TB, ld plog.Logs) otlpRequest {
	t.Helper()
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return otlpRequest{Signal: signalLogs, Body: b}
}

func tracesRequest(t testing.TB, td ptrace.Traces) otlpRequest {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return otlpRequest{Signal: signalTraces, Body: b}
}

// markerRequest is a tiny, valid request of the signal that carries id (in a metric
// attribute, a log body or a span name) so the test can find it in the output file. id must
// not look like PII (piiredact runs in the shipped pipelines): letters, digits and dashes.
func markerRequest(t testing.TB, s otlpSignal, id string) otlpRequest {
	t.Helper()
	now := pcommon.NewTimestampFromTime(time.Now())
	switch s {
	case signalMetrics:
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "e2e-marker")
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("e2e.marker")
		dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetTimestamp(now)
		dp.SetIntValue(1)
		dp.Attributes().PutStr("e2e.marker", id)
		return metricsRequest(t, md)
	case signalLogs:
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "e2e-marker")
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetTimestamp(now)
		lr.Body().SetStr("e2e marker " + id)
		return logsRequest(t, ld)
	case signalTraces:
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "e2e-marker")
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetName("e2e marker " + id)
		sp.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
		sp.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
		sp.SetStartTimestamp(now)
		sp.SetEndTimestamp(now)
		return tracesRequest(t, td)
	}
	t.Fatalf("unknown signal %q", s)
	return otlpRequest{}
}

// startLocalCollector runs the shipped configs/local.yaml with every port moved to a free
// one and its data directory in a temp dir; extra env (e.g. FRAISEQL_...=...) is appended.
func startLocalCollector(t *testing.T, env ...string) *runningCollector {
	t.Helper()
	dataDir := t.TempDir()
	return startCollector(t, func() collectorSpec {
		spec := collectorSpec{
			Config:     filepath.Join(repoRoot(t), "configs", "local.yaml"),
			GRPCPort:   freePort(t),
			HTTPPort:   freePort(t),
			HealthPort: freePort(t),
			OutDir:     dataDir,
		}
		spec.Env = append([]string{
			"FRAISEQL_LISTEN_ADDR=127.0.0.1",
			"FRAISEQL_DATA_DIR=" + dataDir,
			"FRAISEQL_OTLP_GRPC_PORT=" + spec.GRPCPort,
			"FRAISEQL_OTLP_HTTP_PORT=" + spec.HTTPPort,
			"FRAISEQL_HEALTH_PORT=" + spec.HealthPort,
			"FRAISEQL_ZPAGES_PORT=" + freePort(t),
			"FRAISEQL_PROMETHEUS_PORT=" + freePort(t),
			"FRAISEQL_TELEMETRY_PORT=" + freePort(t),
			// No Alertmanager here: a closed port, so the incident exporter's posts fail fast.
			"FRAISEQL_ALERTMANAGER_URL=http://127.0.0.1:" + freePort(t),
		}, env...)
		return spec
	})
}

// send posts req over tr and returns the export error (a gRPC status, or the HTTP status and
// body for a non-2xx answer). It gives up after timeout: a request that gets no answer in
// time returns an error saying so.
func (c *runningCollector) send(tr transport, req otlpRequest, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	switch tr {
	case overGRPC:
		var resp rawMessage
		body := rawMessage(req.Body)
		if err := c.conn.Invoke(ctx, req.Signal.grpcMethod(), &body, &resp, grpc.ForceCodec(rawCodec{})); err != nil {
			return fmt.Errorf("grpc %s export: %w", req.Signal, err)
		}
		return nil
	case overHTTP:
		hreq, err := http.NewRequestWithContext(ctx, http.MethodPost,
			"http://"+c.HTTP+"/v1/"+string(req.Signal), bytes.NewReader(req.Body))
		if err != nil {
			return err
		}
		hreq.Header.Set("Content-Type", "application/x-protobuf")
		resp, err := http.DefaultClient.Do(hreq)
		if err != nil {
			return fmt.Errorf("http %s export: %w", req.Signal, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("http %s export: %s: %q", req.Signal, resp.Status, b)
		}
		return nil
	}
	return fmt.Errorf("unknown transport %q", tr)
}

// requireSurvived checks the collector after a bad request: the process is alive, nothing
// panicked (net/http recovers a panic in a handler; the collector then looks alive but may
// hold a lock for ever), and a fresh marker request of signal, sent over tr, is answered
// within 10 s and reaches the output file within 20 s, i.e. the same pipeline still works.
func (c *runningCollector) requireSurvived(t *testing.T, tr transport, s otlpSignal) {
	t.Helper()
	if !c.alive() {
		t.Fatalf("collector died (%v)", c.waitErr)
	}
	id := fmt.Sprintf("marker-%s-%s-%d", tr, s, c.markers.Add(1))
	if err := c.send(tr, markerRequest(t, s, id), 10*time.Second); err != nil {
		select {
		case <-c.exited:
			t.Fatalf("collector died (%v); the %s marker over %s got: %v", c.waitErr, s, tr, err)
		case <-time.After(time.Second):
		}
		t.Fatalf("the %s pipeline does not answer over %s after the bad request: %v", s, tr, err)
	}
	if err := waitFor(20*time.Second, func() error {
		b, err := os.ReadFile(c.outFile(s))
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(id)) {
			return fmt.Errorf("marker %s not in %s yet", id, c.outFile(s))
		}
		return nil
	}); err != nil {
		t.Fatalf("the %s pipeline answered over %s but its data never arrived downstream: %v", s, tr, err)
	}
	if !c.alive() {
		t.Fatalf("collector died after the marker request (%v)", c.waitErr)
	}
	if out := c.output(); strings.Contains(out, "panic: ") || strings.Contains(out, "panic serving") {
		t.Fatalf("the collector panicked")
	}
}

// requireStopsOnSIGTERM sends SIGTERM and fails unless the process exits, cleanly, within 5 s.
func (c *runningCollector) requireStopsOnSIGTERM(t *testing.T) {
	t.Helper()
	if !c.alive() {
		t.Fatalf("collector already exited (%v)", c.waitErr)
	}
	start := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.exited:
		if c.waitErr != nil {
			t.Errorf("collector exited with %v after SIGTERM", c.waitErr)
		}
		t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatal("collector still running 5 s after SIGTERM")
	}
}

// rawMessage and rawCodec send pre-encoded protobuf bytes over gRPC as they are.
type rawMessage []byte

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	m, ok := v.(*rawMessage)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *m, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(*rawMessage)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*m = append((*m)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

var _ encoding.Codec = rawCodec{}

// outFiles are local.yaml's file exporter outputs in OutDir, one per signal.
var outFiles = map[otlpSignal]string{signalTraces: "traces.jsonl", signalMetrics: "metrics.jsonl", signalLogs: "logs.jsonl"}

// outFile is the file local.yaml's file exporter writes signal s to.
func (c *runningCollector) outFile(s otlpSignal) string {
	return filepath.Join(c.OutDir, outFiles[s])
}
