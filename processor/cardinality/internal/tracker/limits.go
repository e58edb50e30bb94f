package tracker

import "regexp"

// Pattern sets the limit for every metric name a regular expression matches.
type Pattern struct {
	Re    *regexp.Regexp
	Limit int
}

// Limits says how many series a metric may have. A per-metric limit counts the overflow
// point: a metric with limit L admits L-1 series and keeps the last slot for its overflow
// series, so downstream never sees more than L series of it (OTel SDK semantics).
type Limits struct {
	// MaxSeries caps the admitted series of all metrics together (0 = no global cap).
	MaxSeries int
	// PerMetric is the default per-metric limit (≥ 2).
	PerMetric int
	// Exact overrides PerMetric for metric names that match exactly.
	Exact map[string]int
	// Patterns override PerMetric for names they match; the first match wins, after Exact.
	Patterns []Pattern
	// ExcludeExact and ExcludePatterns name metrics that are counted but never limited.
	ExcludeExact    map[string]bool
	ExcludePatterns []*regexp.Regexp
}

// For returns the limit of a metric name and whether the metric is excluded.
func (l *Limits) For(name string) (limit int, excluded bool) {
	if l.ExcludeExact[name] {
		return 0, true
	}
	for _, re := range l.ExcludePatterns {
		if re.MatchString(name) {
			return 0, true
		}
	}
	if v, ok := l.Exact[name]; ok {
		return v, false
	}
	for _, p := range l.Patterns {
		if p.Re.MatchString(name) {
			return p.Limit, false
		}
	}
	return l.PerMetric, false
}
