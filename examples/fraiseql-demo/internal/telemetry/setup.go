// Package telemetry sets up the OpenTelemetry SDK of the demo (traces and metrics over OTLP,
// configured by the standard OTEL_* environment variables) and declares every instrument of
// the instrumentation contract (docs/instrumentation.md).
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// LatencyBuckets are the explicit bucket bounds (seconds) of every latency histogram of the
// service: the gateway's span-metrics buckets, with the 0.15 s objective as a bound.
var LatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10}

// CardinalityLimit is the SDK's per-instrument series limit (OTEL_GO_X_CARDINALITY_LIMIT
// overrides it). The SDK's default, 2000, would fold the cardinality_burst drill into an
// otel.metric.overflow series inside the service, so the collector's cardinality processor
// would never see the burst; every other instrument of the service is bounded far below it.
const CardinalityLimit = 110_000

// Version is the service.version the demo reports unless OTEL_RESOURCE_ATTRIBUTES sets one.
const Version = "0.1.0"

// Providers holds the SDK providers of one process.
type Providers struct {
	Resource       *resource.Resource
	TracerProvider *sdktrace.TracerProvider
	MeterProvider  *sdkmetric.MeterProvider
	shutdown       []func(context.Context) error
}

// Shutdown flushes and stops every provider.
func (p *Providers) Shutdown(ctx context.Context) error {
	var errs []error
	for _, f := range p.shutdown {
		errs = append(errs, f(ctx))
	}
	return errors.Join(errs...)
}

// Options select what Setup builds. Exporters nil means OTLP from the environment.
type Options struct {
	// DefaultServiceName is service.name when OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// do not set it.
	DefaultServiceName string
	// SpanExporter and MetricReader replace the OTLP exporters (tests).
	SpanExporter sdktrace.SpanExporter
	MetricReader sdkmetric.Reader
}

// NewResource returns the resource of the process: defaults (service.namespace=graphql,
// service.version, a fresh service.instance.id, deployment.environment.name=demo), then the
// SDK and host detectors, then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, which win.
func NewResource(ctx context.Context, defaultName string) (*resource.Resource, error) {
	defaults := resource.NewSchemaless(
		attribute.String("service.name", defaultName),
		attribute.String("service.namespace", "graphql"),
		attribute.String("service.version", Version),
		attribute.String("service.instance.id", uuid.NewString()),
		attribute.String("deployment.environment.name", "demo"),
	)
	detected, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithHost(), resource.WithProcessPID())
	if err != nil && detected == nil {
		return nil, fmt.Errorf("resource detection: %w", err)
	}
	fromEnv, err := resource.New(ctx, resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES/OTEL_SERVICE_NAME: %w", err)
	}
	r, err := resource.Merge(defaults, detected)
	if err != nil {
		return nil, err
	}
	return resource.Merge(r, fromEnv)
}

// Setup builds the providers, installs them and the W3C propagators globally.
func Setup(ctx context.Context, opts Options) (*Providers, error) {
	res, err := NewResource(ctx, opts.DefaultServiceName)
	if err != nil {
		return nil, err
	}
	p := &Providers{Resource: res}

	spanExp := opts.SpanExporter
	if spanExp == nil {
		spanExp, err = traceExporter(ctx)
		if err != nil {
			return nil, err
		}
	}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if opts.SpanExporter != nil {
		tpOpts = append(tpOpts, sdktrace.WithSyncer(spanExp))
	} else {
		tpOpts = append(tpOpts, sdktrace.WithBatcher(spanExp))
	}
	p.TracerProvider = sdktrace.NewTracerProvider(tpOpts...)
	p.shutdown = append(p.shutdown, p.TracerProvider.Shutdown)

	reader := opts.MetricReader
	if reader == nil {
		exp, err := metricExporter(ctx)
		if err != nil {
			return nil, err
		}
		// The interval comes from OTEL_METRIC_EXPORT_INTERVAL (ms, default 60000).
		reader = sdkmetric.NewPeriodicReader(exp)
	}
	mpOpts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithReader(reader),
		sdkmetric.WithView(Views()...),
	}
	if os.Getenv("OTEL_GO_X_CARDINALITY_LIMIT") == "" {
		mpOpts = append(mpOpts, sdkmetric.WithCardinalityLimit(CardinalityLimit))
	}
	p.MeterProvider = sdkmetric.NewMeterProvider(mpOpts...)
	p.shutdown = append(p.shutdown, p.MeterProvider.Shutdown)

	otel.SetTracerProvider(p.TracerProvider)
	otel.SetMeterProvider(p.MeterProvider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return p, nil
}

// Views give the HTTP duration histograms of otelhttp the contract's buckets (the semconv
// advisory buckets have no 0.15).
func Views() []sdkmetric.View {
	var views []sdkmetric.View
	for _, name := range []string{"http.server.request.duration", "http.client.request.duration"} {
		views = append(views, sdkmetric.NewView(
			sdkmetric.Instrument{Name: name},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: LatencyBuckets}},
		))
	}
	return views
}

// protocol returns the OTLP protocol for a signal: OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL, then
// OTEL_EXPORTER_OTLP_PROTOCOL, default http/protobuf (the specification's default).
func protocol(signal string) (string, error) {
	p := os.Getenv("OTEL_EXPORTER_OTLP_" + signal + "_PROTOCOL")
	if p == "" {
		p = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch strings.TrimSpace(p) {
	case "", "http/protobuf":
		return "http/protobuf", nil
	case "grpc":
		return "grpc", nil
	default:
		return "", fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: want grpc or http/protobuf", p)
	}
}

func traceExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	p, err := protocol("TRACES")
	if err != nil {
		return nil, err
	}
	if p == "grpc" {
		return otlptracegrpc.New(ctx)
	}
	return otlptracehttp.New(ctx)
}

func metricExporter(ctx context.Context) (sdkmetric.Exporter, error) {
	p, err := protocol("METRICS")
	if err != nil {
		return nil, err
	}
	if p == "grpc" {
		return otlpmetricgrpc.New(ctx)
	}
	return otlpmetrichttp.New(ctx)
}
