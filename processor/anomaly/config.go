package anomaly

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Histogram statistics a histogram series can be scored on.
const (
	StatMean      = "mean"       // Σ/count of the observations in each interval
	StatCountRate = "count_rate" // observations per second
	StatQuantile  = "quantile"   // a quantile of the interval's observations, from the buckets
)

// Config of the anomaly processor.
type Config struct {
	// Include selects the series to score; a data point is scored when any
	// selector matches. At least one is required.
	Include []Selector `mapstructure:"include"`
	// Histogram chooses the statistic scored for histogram metrics.
	Histogram HistogramConfig `mapstructure:"histogram"`
	// Threshold is the alert threshold on anomaly.score: after a point
	// scores at or above it the series stays quiet for QuietPoints points.
	// Use the same value in alert rules. Default DefaultThreshold.
	Threshold float64 `mapstructure:"threshold"`
	// QuietPoints is the number of points after a firing during which the
	// score is capped just below Threshold.
	QuietPoints int `mapstructure:"quiet_points"`
	// WarmupPoints is the number of points learned before a series is scored;
	// the resonance scorer downsamples by blocks of WarmupPoints/25 points.
	WarmupPoints int `mapstructure:"warmup_points"`
	// StaleAfter evicts a series not seen for this long.
	StaleAfter time.Duration `mapstructure:"stale_after"`
	// MaxSeries bounds the number of series with state; points of further
	// series pass through unscored and are counted.
	MaxSeries int `mapstructure:"max_series"`
	// EmitBands emits anomaly.expected, anomaly.lower and anomaly.upper.
	EmitBands bool `mapstructure:"emit_bands"`

	_ struct{} // prevent unkeyed literals
}

// Selector matches data points by metric name (exact or regular
// expression, one of the two) and, optionally, attribute values that must
// all be equal on the data point or, failing that, on its resource.
type Selector struct {
	Name       string            `mapstructure:"name"`
	Regex      string            `mapstructure:"regex"`
	Attributes map[string]string `mapstructure:"attributes"`

	re *regexp.Regexp
}

// HistogramConfig chooses the statistic of histogram series.
type HistogramConfig struct {
	Statistic string  `mapstructure:"statistic"`
	Quantile  float64 `mapstructure:"quantile"`
}

// Validate checks the configuration, naming the field at fault.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Include) == 0 {
		errs = append(errs, errors.New("include: at least one selector is required (nothing would be scored)"))
	}
	for i := range c.Include {
		s := &c.Include[i]
		switch {
		case s.Name == "" && s.Regex == "":
			errs = append(errs, fmt.Errorf("include[%d]: one of name or regex is required", i))
		case s.Name != "" && s.Regex != "":
			errs = append(errs, fmt.Errorf("include[%d]: name and regex are mutually exclusive", i))
		case s.Regex != "":
			if _, err := regexp.Compile(s.Regex); err != nil {
				errs = append(errs, fmt.Errorf("include[%d].regex: %w", i, err))
			}
		}
	}
	switch c.Histogram.Statistic {
	case StatMean, StatCountRate:
	case StatQuantile:
		if !(c.Histogram.Quantile > 0 && c.Histogram.Quantile < 1) {
			errs = append(errs, fmt.Errorf("histogram.quantile: must be in (0, 1), got %v", c.Histogram.Quantile))
		}
	default:
		errs = append(errs, fmt.Errorf("histogram.statistic: must be %q, %q or %q, got %q", StatMean, StatCountRate, StatQuantile, c.Histogram.Statistic))
	}
	if !(c.Threshold > 0 && c.Threshold <= 1) {
		errs = append(errs, fmt.Errorf("threshold: must be in (0, 1], got %v", c.Threshold))
	}
	if c.QuietPoints < 0 {
		errs = append(errs, fmt.Errorf("quiet_points: must be >= 0, got %d", c.QuietPoints))
	}
	if c.WarmupPoints < 1 {
		errs = append(errs, fmt.Errorf("warmup_points: must be >= 1, got %d", c.WarmupPoints))
	}
	if c.StaleAfter <= 0 {
		errs = append(errs, fmt.Errorf("stale_after: must be > 0, got %v", c.StaleAfter))
	}
	if c.MaxSeries <= 0 {
		errs = append(errs, fmt.Errorf("max_series: must be > 0, got %d", c.MaxSeries))
	}
	return errors.Join(errs...)
}

func (c *Config) compile() {
	for i := range c.Include {
		if c.Include[i].Regex != "" {
			c.Include[i].re = regexp.MustCompile(c.Include[i].Regex)
		}
	}
}
