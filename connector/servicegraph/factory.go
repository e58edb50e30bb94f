package servicegraph

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/metadata"
)

// NewFactory returns the factory of the servicegraph connector.
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithTracesToMetrics(createTracesToMetrics, metadata.TracesToMetricsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Store:               StoreConfig{TTL: 2 * time.Second, MaxItems: 1000},
		StoreExpirationLoop: 2 * time.Second,
		VirtualNodePeerAttributes: []string{
			"service.peer.name", "peer.service", "db.system.name", "db.system", "messaging.system", "rpc.service",
			"server.address", "net.peer.name",
		},
		DatabaseNameAttributes: []string{"db.system.name", "db.system"},
		MetricsFlushInterval:   60 * time.Second,
	}
}

func createTracesToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Traces, error) {
	return newConnector(set, cfg.(*Config), next)
}
