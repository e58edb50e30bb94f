package detector

import "math"

// The resonance scorer is a causal, bounded re-implementation of the idea
// behind ARTime (Adaptive Resonance Theory over windowed features, Mark
// Hampton, 2021), written from its published description:
//
//   - the series is downsampled by blocks of warm-up/resWarmDS points (6 for
//     the default warm-up of 150), each block kept
//     as its extreme (the max or the min, whichever is farther from a fast
//     moving average) unless that extreme is within 10 % of the block mean;
//   - the downsampled value is normalised by a causal range (min/max of the
//     warm-up, widened by resMargin of the width whenever a value leaves it,
//     the stored categories being rescaled so their boxes stay put in value
//     units), discretised into resLevels levels and snapped to a running
//     median when within resChomp of it;
//   - the last resWin downsampled values form a feature vector: their Haar
//     transform (after min-max normalisation of the window, so: the shape)
//     and the values themselves (the level), complement coded;
//   - a fuzzy ART with two vigilances learns categories (boxes): a vector
//     matching a category at or above the upper vigilance teaches it (the
//     box grows to include it), one between the two vigilances makes a new
//     category, one below the lower vigilance everywhere is a resonance
//     failure, i.e. an anomaly, scored by how far below the vigilances its
//     best match lies;
//   - the vigilances follow the similarities seen (upper: their running mean,
//     lower: pulled up towards the recent minimum, pushed down while
//     failures accumulate); after an anomaly or a new category the scorer is
//     masked unless the similarity drops clearly below the last anomaly's.
//
// Unlike ARTime it sees no file min/max or length, and its store is fixed:
// resCap categories of 2·resDim bytes; when full, a new category is merged
// into the best-matching one (its box grows). About 2.5 KB per series.
const (
	resWarmDS  = 25    // downsampled values before the first (batch) training
	resCap     = 64    // category capacity
	resLevels  = 80.0  // discretisation levels of the normalised value
	resChomp   = 0.075 // snap to the running median within this distance
	resInitRho = 0.8   // vigilance of the initial calibration pass
	resTrend   = 64    // downsampled steps between vigilance updates
	resMask    = 12    // downsampled steps masked after an anomaly
	resMargin  = 0.1   // range widening, fraction of the width
	resWin     = 8     // downsampled values per feature window
	resDim     = 2 * resWin
	resCode    = 2 * resDim // complement-coded length
	resClamp   = 1e150      // inputs are clamped to ±resClamp so ranges stay finite
)

// resonance is the per-series state of the resonance scorer.
type resonance struct {
	n, dsi          int
	blk, blkN       int // points per block (from the warm-up), points in the current one
	blkSum          float64
	blkMax, blkMin  float64
	dsAvg, med      float64
	lo, hi          float64
	win             [resWin]float64
	warm            [resWarmDS]float64
	ready           bool
	ncat            int
	rhoLB, rhoUB    float64
	aSum, aN        float64
	lastAnomI       int
	lastRhoI        int
	noNewCat        int
	maskCat         bool
	lastAnomSim     float64
	anomSum, anomN  float64
	anomMin         float64
	simHead, simN   int
	diffHead, diffN int
	sim             [resTrend + 1]uint8
	diff            [2*resTrend + 1]uint8
	cats            [resCap]resCat
	den             [resCap]uint16 // sum of each category's lanes
}

// reset prepares a fresh series whose warm-up is warmup points: the
// block size is warmup/resWarmDS (rounded, at least 1), so the batch
// training sees resWarmDS downsampled values whatever the warm-up.
func (r *resonance) reset(warmup int) { r.resetBlock(blockSize(warmup)) }

func blockSize(warmup int) int { return max(1, (warmup+resWarmDS/2)/resWarmDS) }

func (r *resonance) resetBlock(blk int) {
	*r = resonance{lastAnomI: math.MinInt32, blk: max(1, blk)}
}

// update takes one finite value and returns the confidence in [0,1] of a
// resonance failure at this point, or -1 when there is none.
func (r *resonance) update(v float64) float64 {
	v = math.Max(-resClamp, math.Min(resClamp, v))
	r.n++
	if r.blkN == 0 {
		r.blkMax, r.blkMin, r.blkSum = v, v, 0
	}
	r.blkN++
	r.blkSum += v
	r.blkMax = math.Max(r.blkMax, v)
	r.blkMin = math.Min(r.blkMin, v)
	if r.blkN < r.blk {
		return -1
	}
	mean := r.blkSum / float64(r.blkN)
	r.blkN = 0
	if r.dsi == 0 {
		r.dsAvg, r.med = mean, mean
	}
	r.dsAvg = (r.dsAvg + mean) / 2
	ds := r.blkMax
	if math.Abs(r.blkMax-r.dsAvg) < math.Abs(r.blkMin-r.dsAvg) {
		ds = r.blkMin
	}
	if math.Abs(ds-mean) < 0.1*math.Abs(mean) {
		ds = mean
	}
	if !r.ready {
		if r.dsi == 0 {
			r.lo, r.hi = ds, ds
		}
		r.lo, r.hi = math.Min(r.lo, ds), math.Max(r.hi, ds)
		r.warm[r.dsi] = ds
		r.dsi++
		if r.dsi == resWarmDS {
			r.initialise()
		}
		return -1
	}
	r.widen(ds)
	r.dsi++
	return r.step(ds, true)
}

// initialise calibrates the vigilance on the warm-up values (ARTime's
// probation pass) and then trains on them.
func (r *resonance) initialise() {
	if w := r.hi - r.lo; w > 0 {
		r.lo -= resMargin * w
		r.hi += resMargin * w
	} else {
		d := math.Max(1e-9, 1e-6*math.Abs(r.lo))
		r.lo, r.hi = r.lo-d, r.hi+d
	}
	med := r.med
	r.rhoLB, r.rhoUB = resInitRho, resInitRho
	var x resCat
	sum, cnt := 0.0, 0.0
	for i, ds := range r.warm {
		r.dsi = i + 1
		if !r.features(ds, &x) {
			continue
		}
		best, _, _ := r.train(&x)
		if i >= resWarmDS/2 {
			sum += best
			cnt++
		}
	}
	rho := resInitRho
	if cnt > 0 {
		rho = sum / cnt
	}
	r.ncat, r.med, r.win = 0, med, [resWin]float64{}
	r.rhoLB, r.rhoUB = rho, rho
	for i, ds := range r.warm {
		r.dsi = i + 1
		r.step(ds, false)
	}
	r.ready = true
}

// widen extends the normalisation range to include ds and rescales the
// categories' level part so their boxes stay the same in value units.
func (r *resonance) widen(ds float64) {
	if ds >= r.lo && ds <= r.hi {
		return
	}
	ow := r.hi - r.lo
	nlo, nhi := r.lo, r.hi
	if ds < r.lo {
		nlo = ds - resMargin*ow
	} else {
		nhi = ds + resMargin*ow
	}
	nw := nhi - nlo
	for i := 0; i < r.ncat; i++ {
		c := &r.cats[i]
		for k := resWin; k < resDim; k++ {
			lo := float64(c.get(k))/resQ*ow + r.lo
			up := (1-float64(c.get(resDim+k))/resQ)*ow + r.lo
			c.set(k, uint8(math.Floor(math.Max(0, (lo-nlo)/nw*resQ))))
			c.set(resDim+k, uint8(math.Floor(math.Max(0, (1-(up-nlo)/nw)*resQ))))
		}
		r.den[i] = uint16(sumCat(c))
	}
	r.lo, r.hi = nlo, nhi
}

func (r *resonance) norm(x float64) float64 {
	y := (x - r.lo) / (r.hi - r.lo)
	y = math.Max(-1, math.Min(2, y))
	return math.Round(y*resLevels) / resLevels
}

// features updates the window with ds and writes the complement-coded,
// quantised feature vector; false until the window is full.
func (r *resonance) features(ds float64, out *resCat) bool {
	step := (r.hi - r.lo) / 200
	if ds > r.med {
		r.med += step
	} else if ds < r.med {
		r.med -= step
	}
	if math.Abs(r.norm(ds)-r.norm(r.med)) < resChomp {
		ds = r.med
	}
	copy(r.win[:], r.win[1:])
	r.win[resWin-1] = ds
	var dw [resWin]float64
	mn, mx := math.Inf(1), math.Inf(-1)
	for i, x := range r.win {
		dw[i] = r.norm(x)
		mn, mx = math.Min(mn, dw[i]), math.Max(mx, dw[i])
	}
	var f [resDim]float64
	for i := range dw {
		f[resWin+i] = math.Max(0, math.Min(1, dw[i]))
		dw[i] -= mn
		if mx > mn {
			dw[i] /= mx - mn
		}
	}
	haar(&dw)
	mn, mx = math.Inf(1), math.Inf(-1)
	for _, x := range dw {
		mn, mx = math.Min(mn, x), math.Max(mx, x)
	}
	for i, x := range dw {
		f[i] = x - mn
		if mx > mn {
			f[i] /= mx - mn
		}
	}
	for i, x := range f {
		q := uint8(math.Round(math.Max(0, math.Min(1, x)) * resQ))
		out.set(i, q)
		out.set(resDim+i, resQ-q)
	}
	return r.dsi >= resWin
}

// haar computes the full orthonormal Haar transform of the window in place.
func haar(x *[resWin]float64) {
	var t [resWin]float64
	for n := resWin; n > 1; n /= 2 {
		h := n / 2
		for i := 0; i < h; i++ {
			t[i] = (x[2*i] + x[2*i+1]) / math.Sqrt2
			t[h+i] = (x[2*i] - x[2*i+1]) / math.Sqrt2
		}
		copy(x[:n], t[:n])
	}
}

// Categories and feature vectors hold resCode bytes (0..resQ) packed eight
// to a word, so that a byte-wise minimum and sum take a few word operations
// (SWAR) instead of 32 data-dependent branches.
const (
	resQ     = 255
	resWords = resCode / 8
	lanesH   = 0x8080808080808080
	lanes16  = 0x00ff00ff00ff00ff
)

type resCat [resWords]uint64

func (c *resCat) get(k int) uint64 { return c[k/8] >> (8 * (k % 8)) & 0xff }

func (c *resCat) set(k int, v uint8) {
	sh := 8 * (k % 8)
	c[k/8] = c[k/8]&^(0xff<<sh) | uint64(v)<<sh
}

// minBytes is the byte-wise (unsigned) minimum of two words.
func minBytes(a, b uint64) uint64 {
	low := (a | lanesH) - (b &^ lanesH) // lane high bit: low 7 bits of a >= those of b
	ge := (a&^b | ^(a^b)&low) & lanesH  // lane high bit: a >= b
	m := (ge >> 7) * 0xff               // 0xff in lanes where a >= b
	return b&m | a&^m
}

// sumBytes is the sum of the eight byte lanes of a word.
func sumBytes(a uint64) int {
	p := a&lanes16 + a>>8&lanes16
	return int((p * 0x0001000100010001) >> 48)
}

func minCat(c, x *resCat) {
	for w := range c {
		c[w] = minBytes(c[w], x[w])
	}
}

func sumCat(c *resCat) int {
	s := 0
	for _, w := range c {
		s += sumBytes(w)
	}
	return s
}

// match is the choice/match value of x against category c: the fuzzy
// overlap |x∧c|/|c| cubed times the squared overlap on the newest level
// ("energy", 1 when the newest value lies inside the category's box).
func match(x, c *resCat, den int) (m, energy float64) {
	num := 0
	for w := range x {
		num += sumBytes(minBytes(x[w], c[w]))
	}
	fs := 1.0
	if den > 0 {
		fs = float64(num) / float64(den)
	}
	const a, b = resDim - 1, resCode - 1
	ca, cb := c.get(a), c.get(b)
	ne := min(x.get(a), ca) + min(x.get(b), cb)
	energy = 1.0
	if de := ca + cb; de > 0 {
		energy = float64(ne) / float64(de)
	}
	return fs * fs * fs * energy * energy, energy
}

// train presents x to the store: every category matching at or above the
// upper vigilance learns it; if none does, x becomes a new category (merged
// into the best one when the store is full) and is a resonance failure when
// the best match is below the lower vigilance.
func (r *resonance) train(x *resCat) (best, bestE float64, novel bool) {
	bi, learned, empty := -1, false, r.ncat == 0
	for i := 0; i < r.ncat; i++ {
		c := &r.cats[i]
		m, e := match(x, c, int(r.den[i]))
		if bi < 0 || m > best {
			best, bestE, bi = m, e, i
		}
		if m >= r.rhoUB {
			minCat(c, x)
			r.den[i] = uint16(sumCat(c))
			learned = true
		}
	}
	if learned {
		return best, bestE, false
	}
	if r.ncat < resCap {
		bi = r.ncat
		r.cats[bi] = *x
		r.ncat++
	} else {
		minCat(&r.cats[bi], x)
	}
	r.den[bi] = uint16(sumCat(&r.cats[bi]))
	return best, bestE, empty || best < r.rhoLB
}

func q8(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255)) }

// step runs one downsampled value through the features, the store and the
// vigilance adaptation; it returns a confidence or -1.
func (r *resonance) step(ds float64, live bool) float64 {
	var x resCat
	if !r.features(ds, &x) {
		return -1
	}
	i := r.dsi
	updAfterAnom := i-r.lastAnomI == resMask
	updTrend := i-r.lastRhoI >= resTrend
	maskAnom := i-r.lastAnomI <= resMask
	if r.maskCat && r.noNewCat >= resMask {
		r.maskCat = false
	}
	best, bestE, novel := r.train(&x)
	if novel {
		r.noNewCat = 0
	} else {
		r.noNewCat++
	}
	r.aSum += best
	r.aN++
	r.sim[r.simHead] = q8(best)
	r.simHead = (r.simHead + 1) % len(r.sim)
	r.simN = min(r.simN+1, len(r.sim))
	r.diff[r.diffHead] = q8(r.rhoUB - best)
	r.diffHead = (r.diffHead + 1) % len(r.diff)
	r.diffN = min(r.diffN+1, len(r.diff))
	if i-r.lastAnomI < resMask && r.anomN > 0 && best < r.anomMin {
		r.anomSum += best - r.anomMin
		r.anomMin = best
	}
	masking := r.maskCat || maskAnom
	scale := 0.7
	if maskAnom {
		scale = 0.9
	}
	out := -1.0
	if live && novel && (!masking || best < r.lastAnomSim*scale) {
		out = r.confidence(best, bestE)
		r.anomSum += best
		r.anomN++
		r.anomMin, r.lastAnomSim, r.lastAnomI = best, best, i
	}
	r.maskCat = r.maskCat || novel
	if live && (updAfterAnom || updTrend) {
		r.adapt()
		r.lastRhoI = i
		r.maskCat = true
	}
	return out
}

// adapt moves the vigilances: the upper one to the mean similarity (≤ 0.97),
// the lower one up towards the recent minimum similarity, or down by half
// the mean recent shortfall below the upper one (not below the mean
// similarity of past anomalies).
func (r *resonance) adapt() {
	minSim := 1.0
	for _, s := range r.sim[:r.simN] {
		minSim = math.Min(minSim, float64(s)/255)
	}
	ub := math.Min(0.97, r.aSum/r.aN)
	lb := r.rhoLB
	if lb <= minSim {
		lb += (minSim - lb) * 0.19
	} else {
		dec, n := 0.0, 0.0
		for _, d := range r.diff[:r.diffN] {
			if f := float64(d) / 255; f > 0.05 {
				dec += math.Min(0.37, f)
				n++
			}
		}
		if n > 0 {
			dec /= n
		}
		lb -= math.Max(0.01, dec) / 2
		if r.anomN > 0 {
			lb = math.Max(lb, r.anomSum/r.anomN)
		}
	}
	r.rhoLB, r.rhoUB = math.Min(ub, lb), ub
}

// confidence scores a resonance failure: how far its best match lies below
// the two vigilances, plus how far the newest value lies outside the best
// category's box.
func (r *resonance) confidence(fs, energy float64) float64 {
	fs = math.Min(0.999, fs)
	ub := (r.rhoUB - fs) / (1 - fs)
	lb := (r.rhoLB - fs) / (1 - fs)
	return math.Max(0, math.Min(1, 0.35*ub+0.65*lb+1.5*(1-energy)))
}
