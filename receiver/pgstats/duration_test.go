package pgstats

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadatatest"
)

// Each server's last scrape duration is a self-metric, per server: a slow server shows.
func TestScrapeDurationPerServer(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	slow, fast := primaryFake(), primaryFake()
	slow.slow = 80 * time.Millisecond
	fs := fakeSet{pg: []*fakePG{slow, fast}}
	s, err := newScraper(createDefaultConfig(), metadatatest.NewSettings(tel), fs.clients)
	require.NoError(t, err)
	require.NoError(t, s.start(context.Background(), nil))
	defer func() { require.NoError(t, s.shutdown(context.Background())) }()
	_, err = s.scrape(context.Background())
	require.NoError(t, err)

	m, err := tel.GetMetric("otelcol_receiver_pgstats_scrape_duration")
	require.NoError(t, err)
	assert.Equal(t, "s", m.Unit)
	g, ok := m.Data.(metricdata.Gauge[float64])
	require.True(t, ok)
	byServer := map[string]float64{}
	for _, dp := range g.DataPoints {
		v, _ := dp.Attributes.Value(attribute.Key("server"))
		byServer[v.AsString()] = dp.Value
	}
	require.Len(t, byServer, 2, "one point per server: %v", byServer)
	assert.GreaterOrEqual(t, byServer["primary"], 0.08)
	assert.Greater(t, byServer["replica"], 0.0)
}
