package anomaly

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"

	"github.com/fraiseql/otelcol-fraiseql/internal/factorytest"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cfg, err := factorytest.LoadConfig[*Config](t, NewFactory(), name)
	require.NoError(t, err)
	return cfg
}

func TestLoadConfig(t *testing.T) {
	def := loadConfig(t, "")
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, DefaultThreshold, def.Threshold)
	assert.Equal(t, StatMean, def.Histogram.Statistic)
	assert.Equal(t, 15*time.Minute, def.StaleAfter)
	assert.True(t, def.EmitBands)

	c := loadConfig(t, "custom")
	require.NoError(t, confmap.Validate(c))
	assert.Equal(t, "^fraiseql\\..*", c.Include[0].Regex)
	assert.Equal(t, map[string]string{"service.name": "api"}, c.Include[0].Attributes)
	assert.Equal(t, HistogramConfig{Statistic: StatQuantile, Quantile: 0.95}, c.Histogram)
	assert.Equal(t, 0.7, c.Threshold)
	assert.Equal(t, 30, c.QuietPoints)
	assert.Equal(t, 20, c.WarmupPoints)
	assert.Equal(t, time.Hour, c.StaleAfter)
	assert.Equal(t, 500, c.MaxSeries)
	assert.False(t, c.EmitBands)
}

func TestValidateErrors(t *testing.T) {
	for name, want := range map[string][]string{
		"bad_regex": {"include[0].regex"},
		"bad_values": {"include[0]: name and regex are mutually exclusive", "histogram.statistic", "threshold", "quiet_points",
			"warmup_points", "stale_after", "max_series"},
		"empty": {"include: at least one selector"},
	} {
		err := confmap.Validate(loadConfig(t, name))
		require.Error(t, err, name)
		for _, w := range want {
			assert.ErrorContains(t, err, w, name)
		}
	}
	c := createDefaultConfig().(*Config)
	c.Include = []Selector{{Name: "x"}}
	c.Histogram = HistogramConfig{Statistic: StatQuantile, Quantile: 1}
	assert.ErrorContains(t, c.Validate(), "histogram.quantile")
}
