package cardinality

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
	assert.Equal(t, createDefaultConfig(), def)
	assert.NoError(t, confmap.Validate(def))
	assert.Equal(t, 2000, def.Limits.MaxSeriesPerMetric)
	assert.Equal(t, 10*time.Minute, def.StaleAfter)
	assert.Equal(t, []string{"service.name", "service.namespace", "service.instance.id"}, def.Overflow.KeepResourceAttributes)

	c := loadConfig(t, "custom")
	require.NoError(t, confmap.Validate(c))
	want := &Config{
		Limits: LimitsConfig{
			MaxSeries:          100000,
			MaxSeriesPerMetric: 500,
			PerMetricOverrides: []OverrideConfig{
				{Name: "http.server.request.duration", Limit: 20000},
				{Regex: `db\.client\..*`, Limit: 5000},
			},
			PartitionByResource: []string{"service.name"},
		},
		ExcludeMetrics:      []string{"up", "target_info"},
		ExcludeMetricsRegex: []string{"otelcol_.*"},
		Action:              ActionDrop,
		Overflow: OverflowConfig{
			KeepResourceAttributes: []string{"service.name", "deployment.environment.name"},
			MaxTrackedStreams:      200000,
			Gauges:                 GaugesLastValue,
		},
		StaleAfter: 5 * time.Minute,
		Telemetry:  TelemetryConfig{TopOffenders: 20, WarnInterval: 30 * time.Second},
	}
	assert.Equal(t, want, c)

	l := c.trackerLimits()
	for name, want := range map[string]int{"http.server.request.duration": 20000, "db.client.operation.duration": 5000, "x": 500, "xdb.client.y": 500} {
		got, excl := l.For(name)
		assert.False(t, excl, name)
		assert.Equal(t, want, got, name)
	}
	for _, name := range []string{"up", "target_info", "otelcol_process_uptime"} {
		_, excl := l.For(name)
		assert.True(t, excl, name)
	}
}

func TestConfigValidationErrors(t *testing.T) {
	cases := map[string][]string{
		"bad_per_metric": {"limits.max_series_per_metric: must be >= 2"},
		"bad_override": {
			"limits.per_metric_overrides[0]: set exactly one of name and regex",
			"limits.per_metric_overrides[0].limit: must be >= 2",
		},
		"bad_regex": {
			"limits.per_metric_overrides[0].regex: error parsing regexp",
			"exclude_metrics_regex[0]: error parsing regexp",
		},
		"bad_action": {`action: must be "overflow" or "drop", got "sample"`},
		"bad_overflow": {
			`overflow.gauges: must be "drop" or "last_value", got "sum"`,
			"overflow.max_tracked_streams: must be >= 0",
			"overflow.keep_resource_attributes[0]: must not be empty",
		},
		"bad_misc": {
			"limits.max_series: must be >= 0",
			"stale_after: must be >= 1s, got 10ms",
			"telemetry.top_offenders: must be between 0 and 100",
			"telemetry.warn_interval: must be >= 0",
		},
	}
	for name, wants := range cases {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, name))
			require.Error(t, err)
			for _, w := range wants {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
