package detector

import "math"

// ARTConfig tunes the experimental resonance scorer (fourth attempt). It is
// enabled when Config.ART.Step > 0.
type ARTConfig struct {
	Step     int     // raw points per downsampled step
	Warm     int     // raw points buffered before the first (batch) training
	Cap      int     // category capacity
	Levels   float64 // discretisation levels of the normalised value
	Chomp    float64 // snap to the running median within this normalised distance
	InitRho  float64 // vigilance of the initial calibration
	Trend    int     // downsampled steps between vigilance updates (x2 = trend window)
	Mask     int     // downsampled steps masked after an anomaly
	Lo       float64 // output = Lo + (1-Lo)*confidence for an anomaly
	Margin   float64 // widen the range by this fraction of the width on a new extreme
	Evict    int     // 0: LRU eviction, 1: merge into best category
	NoEnergy bool
	Alone    bool // score = ART only (no envelopes)
}

const artWin = 8
const artDim = 2 * artWin

type artCat struct {
	w    [2 * artDim]float64
	last int
}

type art struct {
	cfg ARTConfig
	n   int // raw points seen (finite)
	dsi int // downsampled steps done

	blk     []float64 // current block of raw values
	dsAvg   float64
	med     float64
	lo, hi  float64
	ranged  bool
	win     [artWin]float64 // raw-unit downsampled values
	warmBuf []float64       // downsampled values during warm-up

	cats        []artCat
	rhoLB       float64
	rhoUB       float64
	aSum        float64
	aN          float64
	simWin      []float64 // last Trend+1 similarities
	diffWin     []float64 // last 2*Trend+1 rhoUB - A
	lastAnomI   int
	lastAnomSim float64
	lastRhoI    int
	maskCat     bool
	noNewCat    int
	anomHist    float64
	anomHistN   float64
	anomHistMin float64
	ready       bool
}

func newART(c ARTConfig) *art {
	a := &art{cfg: c}
	a.lastAnomI = -1 << 30
	return a
}

// update takes one finite raw value and returns an anomaly score in [0,1]
// (0 when the point is not a resonance failure).
func (a *art) update(v float64) float64 {
	c := &a.cfg
	a.n++
	a.blk = append(a.blk, v)
	if len(a.blk) < c.Step {
		return 0
	}
	mean, mx, mn := 0.0, math.Inf(-1), math.Inf(1)
	for _, x := range a.blk {
		mean += x
		mx = math.Max(mx, x)
		mn = math.Min(mn, x)
	}
	mean /= float64(len(a.blk))
	a.blk = a.blk[:0]
	if a.dsi == 0 {
		a.dsAvg = mean
		a.med = mean
	}
	a.dsAvg = (a.dsAvg + mean) / 2
	ds := mx
	if math.Abs(mx-a.dsAvg) < math.Abs(mn-a.dsAvg) {
		ds = mn
	}
	if math.Abs(ds-mean) < 0.1*math.Abs(mean) {
		ds = mean
	}
	a.dsi++
	if a.n <= c.Warm {
		a.warmBuf = append(a.warmBuf, ds)
		if !a.ranged {
			a.lo, a.hi, a.ranged = ds, ds, true
		}
		a.lo = math.Min(a.lo, ds)
		a.hi = math.Max(a.hi, ds)
		if a.n+c.Step > c.Warm {
			a.initialise()
		}
		return 0
	}
	if !a.ready {
		return 0
	}
	return a.step(ds, true)
}

// widen extends the normalisation range to include ds, rescaling the
// stored categories so their boxes stay the same in value units.
func (a *art) widen(ds float64) {
	if ds >= a.lo && ds <= a.hi {
		return
	}
	w := a.hi - a.lo
	nlo, nhi := a.lo, a.hi
	if ds < a.lo {
		nlo = ds - a.cfg.Margin*w
	} else {
		nhi = ds + a.cfg.Margin*w
	}
	ow, nw := a.hi-a.lo, nhi-nlo
	if ow <= 0 {
		ow = 0
	}
	for i := range a.cats {
		cw := &a.cats[i].w
		for k := artWin; k < artDim; k++ {
			lo := cw[k]*ow + a.lo
			up := (1-cw[artDim+k])*ow + a.lo
			cw[k] = (lo - nlo) / nw
			cw[artDim+k] = 1 - (up-nlo)/nw
		}
	}
	a.lo, a.hi = nlo, nhi
}

func (a *art) norm(x float64) float64 {
	w := a.hi - a.lo
	if w <= 0 {
		return 0
	}
	y := (x - a.lo) / w
	return math.Round(y*a.cfg.Levels) / a.cfg.Levels
}

func (a *art) features(ds float64, out *[2 * artDim]float64) bool {
	// running median (frugal) in value units
	step := (a.hi - a.lo) / 200
	if ds > a.med {
		a.med += step
	} else if ds < a.med {
		a.med -= step
	}
	if math.Abs(a.norm(ds)-a.norm(a.med)) < a.cfg.Chomp {
		ds = a.med
	}
	copy(a.win[:], a.win[1:])
	a.win[artWin-1] = ds
	var dw [artWin]float64
	mn, mx := math.Inf(1), math.Inf(-1)
	for i, x := range a.win {
		dw[i] = a.norm(x)
		mn = math.Min(mn, dw[i])
		mx = math.Max(mx, dw[i])
	}
	var f [artDim]float64
	for i := range dw {
		f[artWin+i] = math.Min(1, math.Max(0, dw[i]))
		dw[i] -= mn
		if mx > mn {
			dw[i] /= mx - mn
		}
	}
	haar(&dw)
	mn, mx = math.Inf(1), math.Inf(-1)
	for _, x := range dw {
		mn = math.Min(mn, x)
		mx = math.Max(mx, x)
	}
	for i, x := range dw {
		f[i] = x - mn
		if mx > mn {
			f[i] /= mx - mn
		}
	}
	for i := range f {
		out[i] = f[i]
		out[artDim+i] = 1 - f[i]
	}
	return a.dsi >= artWin
}

// haar computes the full orthonormal Haar transform of 8 values in place:
// [approximation, detail L3, details L2 (2), details L1 (4)].
func haar(x *[artWin]float64) {
	var t [artWin]float64
	n := artWin
	for n > 1 {
		h := n / 2
		for i := 0; i < h; i++ {
			t[i] = (x[2*i] + x[2*i+1]) / math.Sqrt2
			t[h+i] = (x[2*i] - x[2*i+1]) / math.Sqrt2
		}
		copy(x[:n], t[:n])
		n = h
	}
}

func (a *art) match(x *[2 * artDim]float64, c *artCat) (m, e float64) {
	num, den := 0.0, 0.0
	for k := range x {
		num += math.Min(x[k], c.w[k])
		den += c.w[k]
	}
	if den == 0 {
		den = 0.001
	}
	fs := num / den
	ei := artDim - 1
	ne := math.Min(x[ei], c.w[ei]) + math.Min(x[2*artDim-1], c.w[2*artDim-1])
	de := c.w[ei] + c.w[2*artDim-1]
	es := 1.0
	if de > 0 {
		es = ne / de
	}
	if a.cfg.NoEnergy {
		return fs * fs * fs, es
	}
	return fs * fs * fs * es * es, es
}

// train presents x; returns best similarity, its energy, and whether a new
// cluster (resonance failure) was created.
func (a *art) train(x *[2 * artDim]float64, learn bool) (best, beste float64, novel bool) {
	bi := -1
	any := false
	for i := range a.cats {
		c := &a.cats[i]
		m, e := a.match(x, c)
		if m > best || bi < 0 {
			best, beste, bi = m, e, i
		}
		if learn && m >= a.rhoUB {
			for k := range x {
				c.w[k] = math.Min(c.w[k], x[k])
			}
			c.last = a.dsi
			any = true
		}
	}
	if !learn {
		return best, beste, false
	}
	if any {
		return best, beste, false
	}
	novel = bi < 0 || best < a.rhoLB
	a.add(x, bi)
	return best, beste, novel
}

func (a *art) add(x *[2 * artDim]float64, bi int) {
	if len(a.cats) < a.cfg.Cap {
		a.cats = append(a.cats, artCat{w: *x, last: a.dsi})
		return
	}
	if a.cfg.Evict == 1 && bi >= 0 {
		c := &a.cats[bi]
		for k := range x {
			c.w[k] = math.Min(c.w[k], x[k])
		}
		c.last = a.dsi
		return
	}
	old := 0
	for i := range a.cats {
		if a.cats[i].last < a.cats[old].last {
			old = i
		}
	}
	a.cats[old] = artCat{w: *x, last: a.dsi}
}

func (a *art) initialise() {
	c := &a.cfg
	if a.hi <= a.lo {
		a.hi = a.lo + math.Max(1e-9, 1e-6*math.Abs(a.lo))
	}
	w := a.hi - a.lo
	a.lo -= c.Margin * w
	a.hi += c.Margin * w
	buf := a.warmBuf
	a.warmBuf = nil
	// calibration pass at the initial vigilance
	a.rhoLB, a.rhoUB = c.InitRho, c.InitRho
	saveWin, saveMed, saveDsi := a.win, a.med, a.dsi
	var x [2 * artDim]float64
	sum, cnt := 0.0, 0.0
	a.dsi = 0
	for i, ds := range buf {
		a.dsi = i + 1
		ok := a.features(ds, &x)
		if !ok {
			continue
		}
		best, _, _ := a.train(&x, true)
		if i >= len(buf)/2 {
			sum += best
			cnt++
		}
	}
	rho := c.InitRho
	if cnt > 0 {
		rho = sum / cnt
	}
	a.cats = a.cats[:0]
	a.win, a.med = saveWin, saveMed
	a.rhoLB, a.rhoUB = rho, rho
	a.simWin = make([]float64, 0, c.Trend+1)
	a.diffWin = make([]float64, 0, 2*c.Trend+1)
	a.dsi = 0
	for _, ds := range buf {
		a.step(ds, false)
	}
	_ = saveDsi
	a.ready = true
}

func push(w []float64, v float64, n int) []float64 {
	if len(w) < n {
		return append(w, v)
	}
	copy(w, w[1:])
	w[len(w)-1] = v
	return w
}

// step runs one downsampled value through features, ART and the vigilance
// adaptation. score reports whether anomalies may be emitted.
func (a *art) step(ds float64, score bool) float64 {
	c := &a.cfg
	if score {
		a.widen(ds)
	} else {
		a.dsi++
	}
	var x [2 * artDim]float64
	full := a.features(ds, &x)
	i := a.dsi
	if !full {
		return 0
	}
	updAfterAnom := i-a.lastAnomI == c.Mask
	updTrend := i-a.lastRhoI >= c.Trend
	maskAnom := i-a.lastAnomI <= c.Mask
	if a.maskCat && a.noNewCat >= c.Mask {
		a.maskCat = false
	}
	best, beste, novel := a.train(&x, true)
	if novel {
		a.noNewCat = 0
	} else {
		a.noNewCat++
	}
	a.aSum += best
	a.aN++
	a.simWin = push(a.simWin, best, c.Trend+1)
	a.diffWin = push(a.diffWin, a.rhoUB-best, 2*c.Trend+1)
	if i-a.lastAnomI < c.Mask && a.anomHistN > 0 && best < a.anomHistMin {
		a.anomHist += best - a.anomHistMin
		a.anomHistMin = best
	}
	masking := a.maskCat || maskAnom
	scale := 0.7
	if maskAnom {
		scale = 0.9
	}
	below := best < a.lastAnomSim*scale
	out := 0.0
	if score && novel && (!masking || below) {
		out = a.confidence(best, beste)
		a.anomHist += best
		a.anomHistN++
		a.anomHistMin = best
		a.lastAnomSim = best
		a.lastAnomI = i
	}
	a.maskCat = novel || a.maskCat
	if score && (updAfterAnom || updTrend) {
		minSim := math.Inf(1)
		for _, s := range a.simWin {
			minSim = math.Min(minSim, s)
		}
		ub := math.Min(0.97, a.aSum/a.aN)
		lb := a.rhoLB
		if lb <= minSim {
			lb += (minSim - lb) * 0.19
		} else {
			dec, n := 0.0, 0.0
			for _, d := range a.diffWin {
				if d > 0.05 {
					dec += math.Min(0.37, d)
					n++
				}
			}
			if n > 0 {
				dec /= n
			}
			dec = math.Max(0.01, dec)
			lb -= dec / 2
			if a.anomHistN > 0 {
				lb = math.Max(lb, a.anomHist/a.anomHistN)
			}
		}
		a.rhoLB, a.rhoUB = math.Min(ub, lb), ub
		a.lastRhoI = i
		a.maskCat = true
	}
	if out <= 0 {
		return 0
	}
	return c.Lo + (1-c.Lo)*out
}

func (a *art) confidence(fs, es float64) float64 {
	fs = math.Min(0.999, fs)
	ub := ((1 - fs) - (1 - a.rhoUB)) / (1 - fs)
	lb := ((1 - fs) - (1 - a.rhoLB)) / (1 - fs)
	s := ub*0.35 + lb*0.65 + (1-es)*1.5
	return math.Max(0, math.Min(1, s))
}
