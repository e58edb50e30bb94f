package telemetry

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	colmetric "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// grpcSink is a local OTLP/gRPC receiver.
type grpcSink struct {
	coltrace.UnimplementedTraceServiceServer
	mu      sync.Mutex
	spans   []string
	metrics []string
}

func (s *grpcSink) Export(_ context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				s.spans = append(s.spans, attrs(rs.Resource.Attributes)["service.name"]+"/"+sp.Name)
			}
		}
	}
	return &coltrace.ExportTraceServiceResponse{}, nil
}

type metricsServer struct {
	colmetric.UnimplementedMetricsServiceServer
	s *grpcSink
}

func (m metricsServer) Export(_ context.Context, req *colmetric.ExportMetricsServiceRequest) (*colmetric.ExportMetricsServiceResponse, error) {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, x := range sm.Metrics {
				m.s.metrics = append(m.s.metrics, x.Name)
			}
		}
	}
	return &colmetric.ExportMetricsServiceResponse{}, nil
}

func TestSetupExportsOTLPgRPC(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := &grpcSink{}
	srv := grpc.NewServer()
	coltrace.RegisterTraceServiceServer(srv, sink)
	colmetric.RegisterMetricsServiceServer(srv, metricsServer{s: sink})
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+ln.Addr().String())
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "60000")
	ctx := context.Background()
	p, err := Setup(ctx, Options{DefaultServiceName: "fraiseql-edge"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.MeterProvider.Meter("test").Int64Counter("graphql.errors")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(ctx, 1)
	_, span := p.TracerProvider.Tracer("test").Start(ctx, "grpc-work")
	span.End()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.spans) != 1 || sink.spans[0] != "fraiseql-edge/grpc-work" {
		t.Errorf("spans over gRPC: %v", sink.spans)
	}
	if len(sink.metrics) == 0 || sink.metrics[0] != "graphql.errors" {
		t.Errorf("metrics over gRPC: %v", sink.metrics)
	}
}
