// Package detector scores one metric series online. Each point gets an
// anomaly score in [0, 1], an expected value and a band. It knows nothing of
// pdata: the processor feeds it (timestamp, value) pairs in arrival order.
//
// The detector tracks four features of the stream and, for each, a slowly
// relaxing envelope of the values that feature has taken so far:
//
//   - the value itself (spikes and dips beyond what the series has done),
//   - a short EWMA of the value (level shifts that single points hide in noise),
//   - the local roughness -log(EWMA |Δx|) (a series that goes flat),
//   - the residual x - EWMA (a jump relative to the current level, even
//     inside the historical range).
//
// A point whose feature leaves its envelope sets a "record"; the score is
// 0.5 + 0.5·tanh(K·excess/width), so any record scores above 0.5 and a large
// one approaches 1. Consecutive records on the same side form a run whose
// excess is measured from the envelope edge where the run began, so a
// gradual slide to new extremes scores its whole distance. Inside every envelope the score stays below 0.5. The
// score is scale free (excess relative to the envelope width), so one global
// threshold means the same thing on every series: "beyond anything this
// series has done lately, by this fraction of its usual range".
//
// Envelopes relax towards their centre by Relax per point, so an old
// extreme stops masking new ones after a few tens of thousands of points.
// After a score reaches FireLevel the detector stays quiet (scores capped
// just below FireLevel) for Quiet points: one alert per event.
//
// A second scorer, the resonance scorer (resonance.go, a causal and bounded
// take on ARTime's adaptive resonance over windowed features), learns the
// shapes of short downsampled windows; a window that resonates with none of
// its categories scores DefaultThreshold + (1 − DefaultThreshold)·confidence:
// it fires at the default threshold, and a stricter threshold keeps only the
// confident failures (the score does not depend on the configured
// threshold). The point's score is the larger of the two.
//
// State is a fixed ~3.4 KB per series (~300 bytes of envelopes, the rest
// the resonance store). Time stamps are not used by the
// score, so irregular, repeated or backwards time stamps cannot poison it;
// NaN and ±Inf are neither scored nor learned.
package detector

import "math"

// Config tunes the detector. DefaultConfig is what the processor ships.
type Config struct {
	// Warmup is the number of finite points learned before any score. It also
	// sets the resonance scorer's block size: Warmup/25 points (at least 1).
	Warmup int
	// FastAlpha is the EWMA weight of the short-term level.
	FastAlpha float64
	// SlowAlpha is the EWMA weight of the long-term level (envelope centre).
	SlowAlpha float64
	// DiffAlpha is the EWMA weight of the roughness |Δx|.
	DiffAlpha float64
	// Relax is the fraction by which envelopes move towards their centre per point.
	Relax float64
	// K is the steepness of the record score.
	K float64
	// FireLevel is the score at which the detector counts itself as firing.
	// It should equal the alert threshold.
	FireLevel float64
	// Quiet is the number of points after a firing with scores capped below FireLevel.
	Quiet int
	// Resonance adds the resonance scorer (see resonance.go): a resonance
	// failure scores DefaultThreshold + (1 − DefaultThreshold)·confidence.
	Resonance bool
}

// DefaultConfig returns the shipped parameters.
func DefaultConfig() Config {
	return Config{
		Warmup:    150,
		FastAlpha: 0.2,
		SlowAlpha: 0.01,
		DiffAlpha: 0.1,
		Relax:     5e-5,
		K:         3,
		FireLevel: DefaultThreshold,
		Quiet:     80,
		Resonance: true,
	}
}

// WarmupGrid is the warm-ups (hence resonance block sizes) the NAB
// cross-validation chooses from, together with the threshold; the default
// Warmup is what it picks on the whole corpus.
func WarmupGrid() []int { return []int{100, 125, 150, 175, 200} }

// DefaultThreshold is the alert threshold the default configuration is tuned for.
const DefaultThreshold = 0.61

// Result is the outcome of one point.
type Result struct {
	Score    float64 // in [0, 1]
	Expected float64 // short-term level before this point
	Lower    float64 // lower edge of the value envelope (below it: record)
	Upper    float64 // upper edge of the value envelope (above it: record)
	Scored   bool    // false during warm-up and for NaN/Inf input
}

const (
	featValue = iota
	featLevel
	featFlat
	featResidual
	numFeat
)

type envelope struct {
	lo, hi, anchor, awidth float64
	run                    int
}

// Detector holds the state of one series. The zero value is not usable; use New.
type Detector struct {
	cfg       Config
	n         int
	quietLeft int
	last      float64
	fast      float64
	slow      float64
	diff      float64
	env       [numFeat]envelope
	res       *resonance
}

// New returns a detector for one fresh series.
func New(cfg Config) *Detector {
	d := &Detector{cfg: cfg}
	if cfg.Resonance {
		d.res = new(resonance)
		d.res.reset(cfg.Warmup)
	}
	return d
}

// Points is the number of finite points learned.
func (d *Detector) Points() int { return d.n }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Update scores v and learns from it. ts (Unix nanoseconds) is accepted for
// the caller's convenience and does not influence the score.
func (d *Detector) Update(_ int64, v float64) Result {
	if !finite(v) {
		return d.result(Result{Expected: d.fast})
	}
	cfg := &d.cfg
	if d.n == 0 {
		d.last, d.fast, d.slow = v, v, v
		for i := range d.env {
			d.env[i] = envelope{lo: math.Inf(1), hi: math.Inf(-1)}
		}
	}
	expected := d.fast
	d.fast += cfg.FastAlpha * (v - d.fast)
	d.slow += cfg.SlowAlpha * (v - d.slow)
	d.diff += cfg.DiffAlpha * (math.Abs(v-d.last) - d.diff)
	d.last = v
	tiny := 1e-12 * (1 + math.Abs(d.slow))

	feats := [numFeat]float64{v, d.fast, -math.Log(d.diff + tiny), v - d.fast}
	centres := [numFeat]float64{d.slow, d.slow, 0, 0}
	centres[featFlat] = 0.5 * (d.env[featFlat].lo + d.env[featFlat].hi)

	s := 0.0
	scoring := d.n >= cfg.Warmup
	for i, u := range feats {
		e := &d.env[i]
		if scoring && (u > e.hi || u < e.lo) {
			width := e.hi - e.lo
			if w := 1e-9 * (1 + math.Abs(u)); width < w {
				width = w
			}
			side := 1
			edge := e.hi
			if u < e.lo {
				side, edge = -1, e.lo
			}
			if e.run != side {
				e.run, e.anchor, e.awidth = side, edge, width
			}
			ex := math.Abs(u-e.anchor) / e.awidth
			if r := 0.5 + 0.5*math.Tanh(cfg.K*ex); r > s {
				s = r
			}
		}
		if scoring && u <= e.hi && u >= e.lo {
			e.run = 0
		}
		if u < e.lo {
			e.lo = u
		}
		if u > e.hi {
			e.hi = u
		}
		if i == featFlat && !finite(centres[i]) {
			centres[i] = u
		}
		e.hi -= cfg.Relax * (e.hi - centres[i])
		e.lo -= cfg.Relax * (e.lo - centres[i])
	}
	d.n++
	if d.res != nil {
		if c := d.res.update(v); c >= 0 {
			if r := DefaultThreshold + (1-DefaultThreshold)*c; r > s {
				s = math.Min(1, r)
			}
		}
	}

	res := Result{Expected: expected}
	if !scoring {
		return d.result(res)
	}
	if d.quietLeft > 0 {
		d.quietLeft--
		if capped := math.Nextafter(cfg.FireLevel, 0); s > capped {
			s = capped
		}
	} else if s >= cfg.FireLevel {
		d.quietLeft = cfg.Quiet
	}
	res.Score = s
	res.Scored = true
	return d.result(res)
}

func (d *Detector) result(r Result) Result {
	if d.n == 0 {
		r.Expected = math.NaN()
		r.Lower, r.Upper = math.NaN(), math.NaN()
		return r
	}
	r.Lower, r.Upper = d.env[featValue].lo, d.env[featValue].hi
	return r
}
