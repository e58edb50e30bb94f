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
// one approaches 1. Inside every envelope the score stays below 0.5. The
// score is scale free (excess relative to the envelope width), so one global
// threshold means the same thing on every series: "beyond anything this
// series has done lately, by this fraction of its usual range".
//
// Envelopes relax towards their centre by Relax per point, so an old
// extreme stops masking new ones after a few tens of thousands of points.
// After a score reaches FireLevel the detector stays quiet (scores capped
// just below FireLevel) for Quiet points: one alert per event.
//
// State is a fixed ~200 bytes per series. Time stamps are not used by the
// score, so irregular, repeated or backwards time stamps cannot poison it;
// NaN and ±Inf are neither scored nor learned.
package detector

import "math"

// Config tunes the detector. DefaultConfig is what the processor ships.
type Config struct {
	// Warmup is the number of finite points learned before any score.
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

	// Relax2/K2: a second, faster relaxing bank of envelopes (K2 = 0: off).
	Relax2 float64
	K2     float64
	Flat2  bool
	// RecentRelax: relaxation of a recent-regime value envelope; the
	// feature is a point's excess over it relative to its width (0: off).
	RecentRelax float64
	// Sided measures an excess against the half-width on its own side of the centre.
	Sided bool
	// RampN: the record steepness ramps up linearly over the first RampN points.
	RampN int
	// MidAlpha: EWMA weight of a medium-term level feature (0: off).
	MidAlpha float64
	// Diff2Alpha: EWMA weight of a longer roughness feature (0: off).
	Diff2Alpha float64
	// Bins is the number of context bins across the value range (the bin
	// width is the range / Bins, snapped to a power of two).
	Bins float64
	// RangeMode: 0 = value envelope, 1 = RobustK × mean absolute deviation.
	RangeMode int
	RobustK   float64
	// Orders is the number of context orders (1..Orders symbols).
	Orders int
	// ResetOnWidth forgets contexts when the bin width changes.
	ResetOnWidth bool
	// Likelihood post-processor of the context surprise.
	LikWin      int
	LikAlpha    float64
	LikMinMean  float64
	LikMinVar   float64
	LikWarm     int
	LikTwoSided bool
	// LikOff / EnvOff disable a component (experiments).
	LikOff bool
	EnvOff bool
	// RawMode: 0 likelihood, 1 raw novelty fraction, 2 raw only when all orders novel.
	RawMode int
	// RawSrc: 0 context novelty, 1 min(1,|e|/(RawC·scale)), 2 erf(|e|/(RawC·scale)); e = v − expected.
	RawSrc     int
	RawC       float64
	ScaleAlpha float64
}

// DefaultConfig returns the shipped parameters.
func DefaultConfig() Config {
	return Config{
		Warmup:    10,
		FastAlpha: 0.2,
		SlowAlpha: 0.01,
		DiffAlpha: 0.1,
		Relax:     5e-5,
		K:         3,
		FireLevel: DefaultThreshold,
		Quiet:     80,

		LikOff:      true,
		RawC:        4,
		ScaleAlpha:  0.01,
		Bins:        8,
		RangeMode:   0,
		RobustK:     8,
		Orders:      6,
		LikWin:      10,
		LikAlpha:    1e-3,
		LikMinMean:  0.03,
		LikMinVar:   3e-4,
		LikWarm:     300,
		LikTwoSided: true,
	}
}

// DefaultThreshold is the alert threshold the default configuration is tuned for.
const DefaultThreshold = 0.6

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
	featLevel2
	featFlat2
	featRel
	numFeat
)

type envelope struct{ lo, hi float64 }

// score returns the record score of u against the envelope (0 inside it),
// then widens the envelope to u and relaxes it towards centre.
func (e *envelope) score(u, centre, relax, k float64, scoring bool, side bool) float64 {
	s := 0.0
	if scoring && (u > e.hi || u < e.lo) {
		width := e.hi - e.lo
		ex := math.Max(u-e.hi, e.lo-u)
		if side && centre > e.lo && centre < e.hi {
			if u > e.hi {
				width = 2 * (e.hi - centre)
			} else {
				width = 2 * (centre - e.lo)
			}
		}
		if w := 1e-9 * (1 + math.Abs(u)); width < w {
			width = w
		}
		ex /= width
		s = 0.5 + 0.5*math.Tanh(k*ex)
	}
	if u < e.lo {
		e.lo = u
	}
	if u > e.hi {
		e.hi = u
	}
	e.hi -= relax * (e.hi - centre)
	e.lo -= relax * (e.lo - centre)
	return s
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
	mad       float64
	mid       float64
	recent    envelope
	diff2     float64
	escale    float64
	env       [numFeat]envelope
	env2      [numFeat]envelope
	lik       likelihood
	ctx       contextModel
}

// New returns a detector for one fresh series.
func New(cfg Config) *Detector { return &Detector{cfg: cfg} }

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
		d.last, d.fast, d.slow, d.mid = v, v, v, v
		for i := range d.env {
			d.env[i] = envelope{math.Inf(1), math.Inf(-1)}
			d.env2[i] = envelope{math.Inf(1), math.Inf(-1)}
		}
		d.recent = envelope{math.Inf(1), math.Inf(-1)}
	}
	expected := d.fast
	d.fast += cfg.FastAlpha * (v - d.fast)
	d.slow += cfg.SlowAlpha * (v - d.slow)
	prev := d.last
	d.diff += cfg.DiffAlpha * (math.Abs(v-d.last) - d.diff)
	d.last = v
	tiny := 1e-12 * (1 + math.Abs(d.slow))

	d.mid += cfg.MidAlpha * (v - d.mid)
	d.diff2 += cfg.Diff2Alpha * (math.Abs(v-prev) - d.diff2)
	rel := 0.0
	if r := &d.recent; cfg.RecentRelax > 0 {
		if w := r.hi - r.lo; w > 0 && !math.IsInf(w, 0) {
			if v > r.hi {
				rel = (v - r.hi) / w
			} else if v < r.lo {
				rel = (v - r.lo) / w
			}
		}
		r.score(v, d.slow, cfg.RecentRelax, 0, false, false)
	}
	feats := [numFeat]float64{v, d.fast, -math.Log(d.diff + tiny), v - d.fast, d.mid, -math.Log(d.diff2 + tiny), rel}
	centres := [numFeat]float64{d.slow, d.slow, 0, 0, d.slow, 0, 0}
	centres[featFlat] = 0.5 * (d.env[featFlat].lo + d.env[featFlat].hi)
	centres[featFlat2] = 0.5 * (d.env[featFlat2].lo + d.env[featFlat2].hi)

	s := 0.0
	scoring := d.n >= cfg.Warmup
	kEff := cfg.K
	if cfg.RampN > 0 && d.n < cfg.RampN {
		kEff *= float64(d.n+1) / float64(cfg.RampN)
	}
	for i, u := range feats {
		if (i == featRel && cfg.RecentRelax == 0) || (i == featLevel2 && cfg.MidAlpha == 0) || (i == featFlat2 && cfg.Diff2Alpha == 0) {
			continue
		}
		if (i == featFlat || i == featFlat2) && !finite(centres[i]) {
			centres[i] = u
		}
		if r := d.env[i].score(u, centres[i], cfg.Relax, kEff, scoring, cfg.Sided); r > s {
			s = r
		}
		if cfg.K2 > 0 && (i != featFlat || cfg.Flat2) {
			c := centres[i]
			if i == featFlat {
				c = 0.5 * (d.env2[i].lo + d.env2[i].hi)
				if !finite(c) {
					c = u
				}
			}
			if r := d.env2[i].score(u, c, cfg.Relax2, cfg.K2, scoring, cfg.Sided); r > s {
				s = r
			}
		}
	}
	d.mad += cfg.SlowAlpha * (math.Abs(v-d.slow) - d.mad)
	if cfg.EnvOff {
		s = 0
	}
	if !cfg.LikOff {
		var target float64
		if cfg.RangeMode == 0 {
			target = (d.env[featValue].hi - d.env[featValue].lo) / cfg.Bins
		} else {
			target = cfg.RobustK * d.mad / cfg.Bins
		}
		if m := 1e-9 * (1 + math.Abs(d.slow)); !(target > m) {
			target = m
		}
		if d.ctx.setWidth(target) && cfg.ResetOnWidth {
			d.ctx.reset()
		}
		novel, k := d.ctx.observe(v, cfg.Orders)
		raw := 0.0
		if k > 0 {
			raw = float64(novel) / float64(k)
		}
		e := math.Abs(v - expected)
		if cfg.RawSrc > 0 {
			sc := cfg.RawC*d.escale + tiny
			if cfg.RawSrc == 1 {
				raw = math.Min(1, e/sc)
			} else {
				raw = math.Erf(e / sc)
			}
		}
		if d.n == 0 {
			d.escale = e
		}
		d.escale += cfg.ScaleAlpha * (e - d.escale)
		var l float64
		switch cfg.RawMode {
		case 1:
			if d.n >= cfg.LikWarm {
				l = raw
			}
		case 2:
			if d.n >= cfg.LikWarm && novel == k && k > 0 {
				l = float64(novel) / float64(cfg.Orders)
			}
		default:
			l = d.lik.update(raw, cfg.LikWin, cfg.LikAlpha, cfg.LikMinMean, cfg.LikMinVar, cfg.LikWarm, cfg.LikTwoSided)
		}
		if l > s {
			s = l
		}
	}
	d.n++

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
