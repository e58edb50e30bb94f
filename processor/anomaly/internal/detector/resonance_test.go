package detector

import (
	"math"
	"math/rand/v2"
	"testing"
)

// minBytesRef and sumBytesRef are the byte-by-byte definitions.
func minBytesRef(a, b uint64) uint64 {
	var out uint64
	for i := 0; i < 64; i += 8 {
		out |= min(a>>i&0xff, b>>i&0xff) << i
	}
	return out
}

func sumBytesRef(a uint64) int {
	s := 0
	for i := 0; i < 64; i += 8 {
		s += int(a >> i & 0xff)
	}
	return s
}

func TestSWARMatchesBytewise(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	edge := []uint64{0, ^uint64(0), lanesH, ^uint64(lanesH), 0x7f80ff0001fe7f80, 0x0102030405060708}
	for i := 0; i < 200000; i++ {
		a, b := r.Uint64(), r.Uint64()
		if i < len(edge)*len(edge) {
			a, b = edge[i/len(edge)], edge[i%len(edge)]
		}
		if got, want := minBytes(a, b), minBytesRef(a, b); got != want {
			t.Fatalf("minBytes(%#x, %#x) = %#x, want %#x", a, b, got, want)
		}
		if got, want := sumBytes(a), sumBytesRef(a); got != want {
			t.Fatalf("sumBytes(%#x) = %d, want %d", a, got, want)
		}
	}
}

func FuzzSWAR(f *testing.F) {
	f.Add(uint64(0), ^uint64(0))
	f.Add(uint64(lanesH), uint64(0x7f7f7f7f7f7f7f7f))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		if got, want := minBytes(a, b), minBytesRef(a, b); got != want {
			t.Fatalf("minBytes(%#x, %#x) = %#x, want %#x", a, b, got, want)
		}
		if got, want := sumBytes(a), sumBytesRef(a); got != want {
			t.Fatalf("sumBytes(%#x) = %d, want %d", a, got, want)
		}
	})
}

func newResonance() *resonance {
	r := new(resonance)
	r.reset(150)
	return r
}

func TestResonanceStoreBounded(t *testing.T) {
	r := newResonance()
	rng := rand.New(rand.NewPCG(3, 4))
	x := 0.0
	for i := 0; i < 200000; i++ {
		x += rng.NormFloat64() // random walk: new shapes and levels all the time
		if c := r.update(x); c > 1 || math.IsNaN(c) {
			t.Fatalf("confidence %v at %d", c, i)
		}
		if r.ncat > resCap {
			t.Fatalf("%d categories > capacity %d", r.ncat, resCap)
		}
	}
	if r.ncat != resCap {
		t.Errorf("store holds %d categories after a random walk, want it full (%d)", r.ncat, resCap)
	}
	for i := 0; i < r.ncat; i++ {
		if int(r.den[i]) != sumCat(&r.cats[i]) {
			t.Fatalf("category %d: cached sum %d != %d", i, r.den[i], sumCat(&r.cats[i]))
		}
	}
}

// triangle returns a 48-point triangle wave between 100 and 120 with noise;
// in [from, to) the wave keeps its period but swings between 105 and 115.
func triangle(n, from, to int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 9))
	v := make([]float64, n)
	for i := range v {
		ph := float64(i%48) / 48
		amp := 20.0
		base := 100.0
		if i >= from && i < to {
			amp, base = 10, 105
		}
		v[i] = base + amp*(1-math.Abs(2*ph-1)) + 0.3*rng.NormFloat64()
	}
	return v
}

func firstFire(rs []Result, from, to int, level float64) int {
	for i := from; i < to; i++ {
		if rs[i].Score >= level {
			return i
		}
	}
	return -1
}

// A change of shape inside the series' usual range (the wave swings half as
// far, around the same centre) is a resonance failure that no envelope sees.
func TestResonanceCatchesShapeChangeInsideRange(t *testing.T) {
	vals := triangle(6000, 4000, 4400, 5)
	cfg := DefaultConfig()
	rs := feed(New(cfg), vals)
	if i := firstFire(rs, 1000, 4000, cfg.FireLevel); i >= 0 {
		t.Fatalf("fired at %d on the regular pattern (score %v)", i, rs[i].Score)
	}
	env := cfg
	env.Resonance = false
	if j := firstFire(feed(New(env), vals), 4000, 4400, env.FireLevel); j >= 0 {
		t.Fatalf("the envelopes alone fire at %d: test not discriminating", j)
	}
	i := firstFire(rs, 4000, 4400, cfg.FireLevel)
	if i < 0 || i > 4060 {
		t.Fatalf("shape change at 4000 detected at %d (max score %v), want within 60 points", i, maxScore(rs[4000:4400]))
	}
}

// Widening the range rescales the stored boxes: a category's bounds in value
// units stay put (within a quantisation step of the old range).
func TestResonanceWidenKeepsBoxes(t *testing.T) {
	r := newResonance()
	for _, v := range triangle(3000, 0, 0, 6) {
		r.update(v)
	}
	if !r.ready || r.ncat == 0 {
		t.Fatalf("not trained: ready %v, %d categories", r.ready, r.ncat)
	}
	bounds := func() (lo, up []float64) {
		w := r.hi - r.lo
		for i := 0; i < r.ncat; i++ {
			for k := resWin; k < resDim; k++ {
				lo = append(lo, float64(r.cats[i].get(k))/resQ*w+r.lo)
				up = append(up, (1-float64(r.cats[i].get(resDim+k))/resQ)*w+r.lo)
			}
		}
		return lo, up
	}
	lo0, up0 := bounds()
	tol := (r.hi - r.lo) / resQ
	r.widen(r.hi + 3*(r.hi-r.lo))
	r.widen(r.lo - 2*(r.hi-r.lo))
	lo1, up1 := bounds()
	tol += 2 * (r.hi - r.lo) / resQ
	for i := range lo0 {
		if math.Abs(lo1[i]-lo0[i]) > tol || math.Abs(up1[i]-up0[i]) > tol {
			t.Fatalf("box %d moved: [%v,%v] -> [%v,%v] (tolerance %v)", i, lo0[i], up0[i], lo1[i], up1[i], tol)
		}
		if lo1[i] > lo0[i]+1e-9 || up1[i] < up0[i]-1e-9 {
			t.Fatalf("box %d shrank: [%v,%v] -> [%v,%v]", i, lo0[i], up0[i], lo1[i], up1[i])
		}
	}
}

func TestResonanceHugeAndConstantValues(t *testing.T) {
	for _, vals := range [][]float64{
		func() []float64 { v := make([]float64, 2000); return v }(),
		func() []float64 {
			v := noise(2000, 8, 0, 1)
			v[1000], v[1500] = math.MaxFloat64, -math.MaxFloat64
			return v
		}(),
	} {
		r := newResonance()
		for i, v := range vals {
			if c := r.update(v); c > 1 || math.IsNaN(c) {
				t.Fatalf("confidence %v at %d", c, i)
			}
		}
		if math.IsNaN(r.lo) || math.IsNaN(r.hi) || math.IsInf(r.hi-r.lo, 0) {
			t.Fatalf("range poisoned: [%v, %v]", r.lo, r.hi)
		}
	}
}

// The resonance scorer's warm-up and block size follow Config.Warmup (the
// processor's warmup_points): it trains after exactly Warmup points when
// Warmup is a multiple of resWarmDS, with blocks of Warmup/resWarmDS points.
func TestResonanceFollowsWarmup(t *testing.T) {
	for _, w := range []int{1, 25, 50, 150, 300} {
		cfg := DefaultConfig()
		cfg.Warmup = w
		d := New(cfg)
		wantBlk := max(1, w/resWarmDS)
		if d.res.blk != wantBlk {
			t.Errorf("warm-up %d: block %d, want %d", w, d.res.blk, wantBlk)
		}
		ready := wantBlk * resWarmDS
		for i := 0; i < ready; i++ {
			if d.res.ready {
				t.Fatalf("warm-up %d: resonance trained after %d points, want %d", w, i, ready)
			}
			d.Update(int64(i), float64(i%7))
		}
		if !d.res.ready {
			t.Errorf("warm-up %d: resonance not trained after %d points", w, ready)
		}
	}
}

// A resonance failure scores the same whatever the configured threshold
// (FireLevel): DefaultThreshold + (1 − DefaultThreshold)·confidence. So a
// stricter threshold drops the less confident failures instead of every
// failure being lifted to it.
func TestResonanceScoreIndependentOfThreshold(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 5))
	vals := make([]float64, 2000)
	x := 0.0
	for i := range vals {
		x += rng.NormFloat64() // random walk: the first alert is a resonance failure of middling confidence
		vals[i] = x
	}
	def := DefaultConfig()
	env := def
	env.Resonance = false
	rs, re := feed(New(def), vals), feed(New(env), vals)
	i := firstFire(rs, def.Warmup, len(vals), def.FireLevel)
	if i < 0 || re[i].Score >= def.FireLevel || rs[i].Score > 0.9 {
		t.Fatalf("test not discriminating: first alert at %d, score %v, envelopes alone %v", i, rs[i].Score, re[i].Score)
	}
	strict := def
	strict.FireLevel = 0.9
	if got := feed(New(strict), vals)[i].Score; got != rs[i].Score {
		t.Errorf("failure at %d scores %v at threshold %v but %v at %v", i, rs[i].Score, def.FireLevel, got, strict.FireLevel)
	}
}
