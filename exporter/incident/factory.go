package incident // import "github.com/fraiseql/otelcol-fraiseql/exporter/incident"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadata"
)

// NewFactory creates the incident exporter factory (logs and metrics).
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
		exporter.WithMetrics(createMetrics, metadata.MetricsStability),
	)
}

// One instance serves every pipeline that names the same exporter ID: the logs and the
// metrics pipelines share incidents, groups, outbox and storage.
var shared = struct {
	sync.Mutex
	m map[component.ID]*sharedExporter
}{m: map[component.ID]*sharedExporter{}}

type sharedExporter struct {
	*incidentExporter
	refs    int
	started bool
}

func acquire(set exporter.Settings, cfg *Config) (*sharedExporter, error) {
	shared.Lock()
	defer shared.Unlock()
	if s, ok := shared.m[set.ID]; ok {
		s.refs++
		return s, nil
	}
	x, err := newExporter(set, cfg)
	if err != nil {
		return nil, err
	}
	s := &sharedExporter{incidentExporter: x, refs: 1}
	shared.m[set.ID] = s
	return s, nil
}

func (s *sharedExporter) start(ctx context.Context, host component.Host) error {
	shared.Lock()
	defer shared.Unlock()
	if s.started {
		return nil
	}
	if err := s.incidentExporter.start(ctx, host); err != nil {
		return err
	}
	s.started = true
	return nil
}

func (s *sharedExporter) shutdown(ctx context.Context) error {
	shared.Lock()
	defer shared.Unlock()
	s.refs--
	if s.refs > 0 {
		return nil
	}
	if shared.m[s.set.ID] == s {
		delete(shared.m, s.set.ID)
	}
	return s.incidentExporter.shutdown(ctx)
}

func helperOptions(s *sharedExporter) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(s.start),
		exporterhelper.WithShutdown(s.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		// Consuming only updates in-memory state and storage; delivery is asynchronous.
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	s, err := acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, s.consumeLogs, helperOptions(s)...)
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	s, err := acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewMetrics(ctx, set, cfg, s.consumeMetrics, helperOptions(s)...)
}
