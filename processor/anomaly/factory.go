package anomaly

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/detector"
	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/metadata"
)

// NewFactory returns the factory of the anomaly processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithMetrics(createMetrics, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	dc := detector.DefaultConfig()
	return &Config{
		Histogram:    HistogramConfig{Statistic: StatMean, Quantile: 0.99},
		Threshold:    DefaultThreshold,
		QuietPoints:  dc.Quiet,
		WarmupPoints: dc.Warmup,
		StaleAfter:   15 * time.Minute,
		MaxSeries:    10000,
		EmitBands:    true,
	}
}

func createMetrics(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Metrics) (processor.Metrics, error) {
	p, err := newAnomalyProcessor(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return processorhelper.NewMetrics(ctx, set, cfg, next, p.processMetrics,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithShutdown(p.shutdown))
}
