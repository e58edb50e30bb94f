package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/tracker"
)

// Actions for series over their limit.
const (
	ActionOverflow = "overflow"
	ActionDrop     = "drop"
)

// Gauge handling on overflow.
const (
	GaugesDrop      = "drop"
	GaugesLastValue = "last_value"
)

// Maximum of telemetry.top_offenders: each offender is one metric_name attribute value.
const maxTopOffenders = 100

// Config is the configuration of the cardinality processor.
type Config struct {
	Limits LimitsConfig `mapstructure:"limits"`
	// ExcludeMetrics are metric names that are counted but never limited.
	ExcludeMetrics []string `mapstructure:"exclude_metrics"`
	// ExcludeMetricsRegex are regular expressions (fully anchored) for such names.
	ExcludeMetricsRegex []string `mapstructure:"exclude_metrics_regex"`
	// Action on a series over its limit: overflow (merge into the overflow series, totals
	// kept) or drop (drop its points, keep no state).
	Action   string         `mapstructure:"action"`
	Overflow OverflowConfig `mapstructure:"overflow"`
	// StaleAfter: a series (admitted or in overflow) without points for this long is
	// forgotten, freeing its slot.
	StaleAfter time.Duration   `mapstructure:"stale_after"`
	Telemetry  TelemetryConfig `mapstructure:"telemetry"`

	_ struct{}
}

// LimitsConfig holds the series limits.
type LimitsConfig struct {
	// MaxSeries caps admitted series over all metrics (0 = no global cap). It bounds memory.
	MaxSeries int `mapstructure:"max_series"`
	// MaxSeriesPerMetric is the default per-metric limit, the overflow series included.
	MaxSeriesPerMetric int `mapstructure:"max_series_per_metric"`
	// PerMetricOverrides set other limits for metric names (exact name or regex).
	PerMetricOverrides []OverrideConfig `mapstructure:"per_metric_overrides"`
	// PartitionByResource applies the per-metric limit separately for each combination of
	// these resource attribute values (e.g. per service.name).
	PartitionByResource []string `mapstructure:"partition_by_resource"`
}

// OverrideConfig sets the limit of metrics matched by Name (exact) or Regex (fully anchored).
type OverrideConfig struct {
	Name  string `mapstructure:"name"`
	Regex string `mapstructure:"regex"`
	Limit int    `mapstructure:"limit"`
}

// OverflowConfig configures overflow points.
type OverflowConfig struct {
	// KeepResourceAttributes are copied from the source resource to the overflow point's
	// resource (partition attributes are always kept too). Keep an instance id so that
	// collector replicas do not write the same series.
	KeepResourceAttributes []string `mapstructure:"keep_resource_attributes"`
	// MaxTrackedStreams caps overflowed cumulative streams with state (0 = no cap). A new
	// cumulative stream past the cap is dropped and counted (reason overflow_state_full).
	MaxTrackedStreams int `mapstructure:"max_tracked_streams"`
	// Gauges: drop (default; a sum of gauges means nothing) or last_value.
	Gauges string `mapstructure:"gauges"`
}

// TelemetryConfig configures self-observability.
type TelemetryConfig struct {
	// TopOffenders is how many metrics the top-offender gauge reports (0..100).
	TopOffenders int `mapstructure:"top_offenders"`
	// WarnInterval is the minimum time between two warnings naming a sample rejected
	// series (0 = never warn).
	WarnInterval time.Duration `mapstructure:"warn_interval"`
}

func createDefaultConfig() *Config {
	return &Config{
		Limits: LimitsConfig{
			MaxSeries:          500000,
			MaxSeriesPerMetric: 2000,
		},
		Action: ActionOverflow,
		Overflow: OverflowConfig{
			KeepResourceAttributes: []string{"service.name", "service.namespace", "service.instance.id"},
			MaxTrackedStreams:      1000000,
			Gauges:                 GaugesDrop,
		},
		StaleAfter: 10 * time.Minute,
		Telemetry:  TelemetryConfig{TopOffenders: 10, WarnInterval: time.Minute},
	}
}

// Validate checks the configuration; each error names the field.
func (c *Config) Validate() error {
	var errs []error
	if c.Limits.MaxSeries < 0 {
		errs = append(errs, fmt.Errorf("limits.max_series: must be >= 0 (0 = no global limit), got %d", c.Limits.MaxSeries))
	}
	if c.Limits.MaxSeriesPerMetric < 2 {
		errs = append(errs, fmt.Errorf("limits.max_series_per_metric: must be >= 2 (one series plus the overflow series), got %d", c.Limits.MaxSeriesPerMetric))
	}
	for i, o := range c.Limits.PerMetricOverrides {
		f := fmt.Sprintf("limits.per_metric_overrides[%d]", i)
		switch {
		case (o.Name == "") == (o.Regex == ""):
			errs = append(errs, fmt.Errorf("%s: set exactly one of name and regex", f))
		case o.Regex != "":
			if _, err := compileAnchored(o.Regex); err != nil {
				errs = append(errs, fmt.Errorf("%s.regex: %w", f, err))
			}
		}
		if o.Limit < 2 {
			errs = append(errs, fmt.Errorf("%s.limit: must be >= 2 (one series plus the overflow series), got %d", f, o.Limit))
		}
	}
	errs = append(errs, nonEmpty("limits.partition_by_resource", c.Limits.PartitionByResource)...)
	errs = append(errs, nonEmpty("exclude_metrics", c.ExcludeMetrics)...)
	for i, re := range c.ExcludeMetricsRegex {
		if _, err := compileAnchored(re); err != nil {
			errs = append(errs, fmt.Errorf("exclude_metrics_regex[%d]: %w", i, err))
		}
	}
	if c.Action != ActionOverflow && c.Action != ActionDrop {
		errs = append(errs, fmt.Errorf("action: must be %q or %q, got %q", ActionOverflow, ActionDrop, c.Action))
	}
	errs = append(errs, nonEmpty("overflow.keep_resource_attributes", c.Overflow.KeepResourceAttributes)...)
	if c.Overflow.MaxTrackedStreams < 0 {
		errs = append(errs, fmt.Errorf("overflow.max_tracked_streams: must be >= 0 (0 = no cap), got %d", c.Overflow.MaxTrackedStreams))
	}
	if c.Overflow.Gauges != GaugesDrop && c.Overflow.Gauges != GaugesLastValue {
		errs = append(errs, fmt.Errorf("overflow.gauges: must be %q or %q, got %q", GaugesDrop, GaugesLastValue, c.Overflow.Gauges))
	}
	if c.StaleAfter < time.Second {
		errs = append(errs, fmt.Errorf("stale_after: must be >= 1s, got %s", c.StaleAfter))
	}
	if c.Telemetry.TopOffenders < 0 || c.Telemetry.TopOffenders > maxTopOffenders {
		errs = append(errs, fmt.Errorf("telemetry.top_offenders: must be between 0 and %d (each is a metric_name label value), got %d", maxTopOffenders, c.Telemetry.TopOffenders))
	}
	if c.Telemetry.WarnInterval < 0 {
		errs = append(errs, fmt.Errorf("telemetry.warn_interval: must be >= 0 (0 = no warnings), got %s", c.Telemetry.WarnInterval))
	}
	return errors.Join(errs...)
}

func nonEmpty(field string, vals []string) []error {
	var errs []error
	for i, v := range vals {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s[%d]: must not be empty", field, i))
		}
	}
	return errs
}

func compileAnchored(re string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + re + `)$`)
}

// trackerLimits turns a validated config into the tracker's limits.
func (c *Config) trackerLimits() tracker.Limits {
	l := tracker.Limits{
		MaxSeries:    c.Limits.MaxSeries,
		PerMetric:    c.Limits.MaxSeriesPerMetric,
		Exact:        map[string]int{},
		ExcludeExact: map[string]bool{},
	}
	for _, o := range c.Limits.PerMetricOverrides {
		if o.Name != "" {
			if _, dup := l.Exact[o.Name]; !dup {
				l.Exact[o.Name] = o.Limit
			}
			continue
		}
		re, _ := compileAnchored(o.Regex)
		l.Patterns = append(l.Patterns, tracker.Pattern{Re: re, Limit: o.Limit})
	}
	for _, n := range c.ExcludeMetrics {
		l.ExcludeExact[n] = true
	}
	for _, s := range c.ExcludeMetricsRegex {
		re, _ := compileAnchored(s)
		l.ExcludePatterns = append(l.ExcludePatterns, re)
	}
	return l
}
