package telemetry

import (
	"context"
	"math"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
)

// BackupResource is the resource of the backup job's metrics: the process resource with
// service.name=backup (docs/instrumentation.md, "Backups").
func BackupResource(base *resource.Resource) (*resource.Resource, error) {
	return resource.Merge(base, resource.NewSchemaless(attribute.String("service.name", "backup")))
}

// BackupGauge publishes backup.last_success.time (Unix seconds) for one backup.target.
type BackupGauge struct {
	last atomic.Uint64 // math.Float64bits of the Unix time; 0 = never
}

// Set records a success at unix seconds.
func (g *BackupGauge) Set(unix float64) { g.last.Store(math.Float64bits(unix)) }

// Last returns the last success (0 = none yet).
func (g *BackupGauge) Last() float64 { return math.Float64frombits(g.last.Load()) }

// Register observes the gauge on m with attribute backup.target=target; nothing is reported
// before the first success.
func (g *BackupGauge) Register(m metric.Meter, target string) error {
	gauge, err := m.Float64ObservableGauge("backup.last_success.time", metric.WithUnit("s"),
		metric.WithDescription("Unix time of the last successful backup."))
	if err != nil {
		return err
	}
	attrs := metric.WithAttributes(attribute.String("backup.target", target))
	_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		if v := g.Last(); v > 0 {
			o.ObserveFloat64(gauge, v, attrs)
		}
		return nil
	}, gauge)
	return err
}

// NewBackupMeterProvider is a meter provider for the backup job sharing reader-construction
// with the service: a second periodic OTLP reader (or the given reader in tests).
func NewBackupMeterProvider(ctx context.Context, base *resource.Resource, reader sdkmetric.Reader) (*sdkmetric.MeterProvider, error) {
	res, err := BackupResource(base)
	if err != nil {
		return nil, err
	}
	if reader == nil {
		exp, err := metricExporter(ctx)
		if err != nil {
			return nil, err
		}
		reader = sdkmetric.NewPeriodicReader(exp)
	}
	return sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(reader)), nil
}
