package servicegraph

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"

	"github.com/fraiseql/otelcol-fraiseql/internal/factorytest"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	return factorytest.LoadConfig[*Config](t, NewFactory(), name)
}

func TestLoadConfig(t *testing.T) {
	def, err := loadConfig(t, "")
	require.NoError(t, err)
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, StoreConfig{TTL: 2 * time.Second, MaxItems: 1000}, def.Store)
	assert.Equal(t, time.Minute, def.MetricsFlushInterval)
	assert.Equal(t, defaultBuckets, def.bounds())
	assert.Equal(t, []string{"db.system.name", "db.system"}, def.DatabaseNameAttributes)

	c, err := loadConfig(t, "custom")
	require.NoError(t, err)
	require.NoError(t, confmap.Validate(c))
	assert.Equal(t, []float64{0.005, 0.15, 1}, c.bounds())
	assert.Equal(t, []string{"deployment.environment.name"}, c.Dimensions)
	assert.Equal(t, StoreConfig{TTL: 10 * time.Second, MaxItems: 50000}, c.Store)
	assert.Equal(t, time.Second, c.StoreExpirationLoop)
	assert.Equal(t, []string{"peer.service"}, c.VirtualNodePeerAttributes)
	assert.Equal(t, []string{"db.system.name"}, c.DatabaseNameAttributes)
	assert.Equal(t, 15*time.Second, c.MetricsFlushInterval)

	f, err := loadConfig(t, "flush_each_batch")
	require.NoError(t, err)
	require.NoError(t, confmap.Validate(f))
	assert.Equal(t, time.Duration(0), f.MetricsFlushInterval)
}

// Every bad field is named in the error.
func TestValidateNamesTheField(t *testing.T) {
	c, err := loadConfig(t, "bad_values")
	require.NoError(t, err)
	err = confmap.Validate(c)
	require.Error(t, err)
	for _, w := range []string{
		"latency_histogram_buckets[1]: must be greater than the previous", "latency_histogram_buckets[2]: must be > 0",
		"dimensions[1]: must not be empty", `dimensions[2]: "a" is listed twice`,
		"store.ttl", "store.max_items", "store_expiration_loop", "virtual_node_peer_attributes[0]",
		"database_name_attributes[0]", "metrics_flush_interval",
	} {
		assert.ErrorContains(t, err, w)
	}
	c = createDefaultConfig().(*Config)
	c.Store.MaxItems = maxStoreItems + 1
	assert.ErrorContains(t, c.Validate(), "store.max_items")
}

// A contrib key this connector does not implement is refused at load, naming the key, rather
// than silently ignored.
func TestUnsupportedContribKeyRefused(t *testing.T) {
	_, err := loadConfig(t, "unknown_key")
	require.ErrorContains(t, err, "exponential_histogram_max_size")
}
