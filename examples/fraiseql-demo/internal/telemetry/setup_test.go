package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	colmetric "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// sink is a local OTLP/HTTP receiver recording what the SDK exports.
type sink struct {
	mu      sync.Mutex
	traces  []*coltrace.ExportTraceServiceRequest
	metrics []*colmetric.ExportMetricsServiceRequest
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/v1/traces":
		var req coltrace.ExportTraceServiceRequest
		if proto.Unmarshal(b, &req) == nil {
			s.traces = append(s.traces, &req)
		}
	case "/v1/metrics":
		var req colmetric.ExportMetricsServiceRequest
		if proto.Unmarshal(b, &req) == nil {
			s.metrics = append(s.metrics, &req)
		}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func attrs(kvs []*commonpb.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.GetStringValue()
	}
	return m
}

func TestSetupExportsOTLPFromEnvironment(t *testing.T) {
	s := &sink{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_SERVICE_NAME", "svc-under-test")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=ci,service.version=9.9.9")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "100")

	ctx := context.Background()
	p, err := Setup(ctx, Options{DefaultServiceName: "fraiseql"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := p.MeterProvider.Meter("test").Float64Histogram("http.server.request.duration", metric.WithUnit("s"))
	if err != nil {
		t.Fatal(err)
	}
	h.Record(ctx, 0.12)
	_, span := p.TracerProvider.Tracer("test").Start(ctx, "work")
	span.End()

	// Metrics arrive on the 100 ms interval, before any shutdown.
	deadline := time.Now().Add(10 * time.Second)
	var bounds []float64
	var res map[string]string
	for time.Now().Before(deadline) && bounds == nil {
		s.mu.Lock()
		for _, req := range s.metrics {
			for _, rm := range req.ResourceMetrics {
				for _, sm := range rm.ScopeMetrics {
					for _, m := range sm.Metrics {
						if m.Name == "http.server.request.duration" && len(m.GetHistogram().GetDataPoints()) > 0 {
							bounds = m.GetHistogram().DataPoints[0].ExplicitBounds
							res = attrs(rm.Resource.Attributes)
						}
					}
				}
			}
		}
		s.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	if !slices.Equal(bounds, LatencyBuckets) {
		t.Fatalf("exported bounds %v, want %v", bounds, LatencyBuckets)
	}
	want := map[string]string{"service.name": "svc-under-test", "service.namespace": "graphql",
		"service.version": "9.9.9", "deployment.environment.name": "ci"}
	for k, v := range want {
		if res[k] != v {
			t.Errorf("resource %s = %q, want %q", k, res[k], v)
		}
	}
	if res["service.instance.id"] == "" {
		t.Error("no service.instance.id")
	}

	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, req := range s.traces {
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					names = append(names, sp.Name)
				}
			}
		}
	}
	if !slices.Contains(names, "work") {
		t.Fatalf("spans exported: %v", names)
	}
}

func TestSetupRefusesUnknownProtocol(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
	_, err := Setup(context.Background(), Options{DefaultServiceName: "x"})
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_PROTOCOL") {
		t.Fatalf("error %v does not name OTEL_EXPORTER_OTLP_PROTOCOL", err)
	}
}

func TestBackupResource(t *testing.T) {
	base, err := NewResource(context.Background(), "fraiseql")
	if err != nil {
		t.Fatal(err)
	}
	r, err := BackupResource(base)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Set().Value("service.name"); v.AsString() != "backup" {
		t.Fatalf("service.name = %q", v.AsString())
	}
	if v, _ := r.Set().Value("service.namespace"); v.AsString() != "graphql" {
		t.Fatalf("service.namespace = %q", v.AsString())
	}
}
