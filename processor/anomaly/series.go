package anomaly

import "github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/detector"

// DefaultThreshold is the shipped alert threshold on anomaly.score: the
// default of the threshold setting, the value the incident exporter and the
// Prometheus alert rules compare anomaly.score against, and the value
// tools/nabbench scores at.
const DefaultThreshold = detector.DefaultThreshold

// WarmupGrid lists the warmup_points values tools/nabbench -cv chooses
// from (with the threshold) on the categories it was not held out from.
func WarmupGrid() []int { return detector.WarmupGrid() }

// SeriesDetector scores one series: the exact code path the processor runs
// for every selected series (tools/nabbench uses it too).
type SeriesDetector struct{ d *detector.Detector }

// Score is the outcome of one point.
type Score struct {
	Score, Expected, Lower, Upper float64
	Scored                        bool
}

// NewSeriesDetector returns the detector of one fresh series under cfg.
func NewSeriesDetector(cfg *Config) *SeriesDetector {
	return &SeriesDetector{d: detector.New(detectorConfig(cfg))}
}

// Update scores one value observed at ts (Unix nanoseconds).
func (s *SeriesDetector) Update(ts int64, v float64) Score {
	r := s.d.Update(ts, v)
	return Score{Score: r.Score, Expected: r.Expected, Lower: r.Lower, Upper: r.Upper, Scored: r.Scored}
}

func detectorConfig(cfg *Config) detector.Config {
	dc := detector.DefaultConfig()
	dc.FireLevel = cfg.Threshold
	dc.Quiet = cfg.QuietPoints
	dc.Warmup = cfg.WarmupPoints
	return dc
}
