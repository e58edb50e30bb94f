package piiredact // import "github.com/fraiseql/otelcol-fraiseql/processor/piiredact"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/metadata"
)

var processorCapabilities = consumer.Capabilities{MutatesData: true}

// NewFactory returns the factory of the piiredact processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
		processor.WithMetrics(createMetrics, metadata.MetricsStability),
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

func enabled(a Action) DetectorConfig { return DetectorConfig{Enabled: true, Action: a} }

func createDefaultConfig() component.Config {
	return &Config{
		Detectors: DetectorsConfig{
			Email:         EmailConfig{DetectorConfig: enabled(ActionMask)},
			CreditCard:    CreditCardConfig{DetectorConfig: enabled(ActionMask)},
			IBAN:          enabled(ActionMask),
			USSSN:         enabled(ActionMask),
			Phone:         PhoneConfig{DetectorConfig: enabled(ActionMask)},
			IP:            IPConfig{DetectorConfig: enabled(ActionMask), KeepLoopback: true},
			JWT:           enabled(ActionMask),
			Secret:        enabled(ActionMask),
			SensitiveKeys: SensitiveKeysConfig{DetectorConfig: enabled(ActionMask)},
			URL:           enabled(ActionMask),
			DBStatement: DBStatementConfig{
				DetectorConfig: enabled(ActionMask),
				Keys:           []string{"db.statement", "db.query.text"},
			},
		},
		MaskTemplate: "[REDACTED:{type}]",
	}
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := newPIIProcessor(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewTraces(ctx, set, cfg, next, p.processTraces,
		processorhelper.WithCapabilities(processorCapabilities), processorhelper.WithShutdown(p.shutdown))
}

func createMetrics(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Metrics) (processor.Metrics, error) {
	p, err := newPIIProcessor(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewMetrics(ctx, set, cfg, next, p.processMetrics,
		processorhelper.WithCapabilities(processorCapabilities), processorhelper.WithShutdown(p.shutdown))
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := newPIIProcessor(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(processorCapabilities), processorhelper.WithShutdown(p.shutdown))
}
