package detector

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

func feed(d *Detector, vals []float64) []Result {
	out := make([]Result, len(vals))
	for i, v := range vals {
		out[i] = d.Update(int64(i)*60e9, v)
	}
	return out
}

func noise(n int, seed uint64, mean, sd float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	v := make([]float64, n)
	for i := range v {
		v[i] = mean + sd*r.NormFloat64()
	}
	return v
}

func maxScore(rs []Result) float64 {
	m := 0.0
	for _, r := range rs {
		m = math.Max(m, r.Score)
	}
	return m
}

func TestScoresInUnitInterval(t *testing.T) {
	d := New(DefaultConfig())
	vals := noise(5000, 1, 10, 2)
	vals[3000] = 1e6
	vals[3500] = -1e300
	for _, r := range feed(d, vals) {
		if r.Score < 0 || r.Score > 1 || math.IsNaN(r.Score) {
			t.Fatalf("score %v outside [0,1]", r.Score)
		}
	}
}

func TestSpikeFiresThenQuiet(t *testing.T) {
	cfg := DefaultConfig()
	d := New(cfg)
	vals := noise(3000, 2, 100, 5)
	vals[2000] = 200 // far beyond the envelope
	vals[2010] = 220 // a second spike inside the quiet period
	rs := feed(d, vals)
	if rs[2000].Score < cfg.FireLevel {
		t.Fatalf("spike scored %v, want >= %v", rs[2000].Score, cfg.FireLevel)
	}
	if rs[2010].Score >= cfg.FireLevel {
		t.Errorf("second spike inside the quiet period fired (%v)", rs[2010].Score)
	}
	if m := maxScore(rs[1000:2000]); m >= cfg.FireLevel {
		t.Errorf("plain noise fired at %v before the spike", m)
	}
}

func TestLevelShiftFires(t *testing.T) {
	cfg := DefaultConfig()
	d := New(cfg)
	// A level shift that stays inside the historical range of single points
	// but moves the short-term level beyond anything seen.
	vals := noise(4000, 3, 50, 10)
	for i := 3000; i < 4000; i++ {
		vals[i] = 75 + 2*rand.New(rand.NewPCG(uint64(i), 9)).NormFloat64()
	}
	rs := feed(d, vals)
	if m := maxScore(rs[3000:3050]); m < cfg.FireLevel {
		t.Errorf("level shift max score %v within 50 points, want >= %v", m, cfg.FireLevel)
	}
}

func TestGradualSlideToNewLowFires(t *testing.T) {
	cfg := DefaultConfig()
	// Noisy level 100 with rare peaks to 300 (they set a wide envelope),
	// then a slide down to 0 by 0.5 per point: each point is only a tiny
	// record, the run as a whole is far below anything seen.
	vals := noise(5000, 8, 100, 3)
	for i := 500; i < 4000; i += 700 {
		vals[i] = 300
	}
	for i := 4000; i < 4200; i++ {
		vals[i] = math.Max(0, 85-0.5*float64(i-4000)) + 3*rand.New(rand.NewPCG(uint64(i), 3)).NormFloat64()
	}
	rs := feed(New(cfg), vals[:4200])
	if m := maxScore(rs[3700:4000]); m >= cfg.FireLevel {
		t.Fatalf("noise before the slide fired at %v", m)
	}
	if m := maxScore(rs[4000:4200]); m < cfg.FireLevel {
		t.Errorf("slide to a new low: max score %v, want >= %v", m, cfg.FireLevel)
	}
	// The same slide scored step by step (no runs) would stay low: check
	// that a run is reset by a point back inside the envelope.
	d := New(cfg)
	feed(d, vals[:3999])
	lo := d.Update(0, 100).Lower
	if r := d.Update(0, lo-1e-6); r.Score >= cfg.FireLevel {
		t.Errorf("a tiny new record right after a normal point fired (%v)", r.Score)
	}
}

func TestFlatLineAndConstantSeries(t *testing.T) {
	cfg := DefaultConfig()
	d := New(cfg)
	flat := make([]float64, 3000)
	for i := range flat {
		flat[i] = 45
	}
	rs := feed(d, flat)
	if m := maxScore(rs); m != 0 {
		t.Errorf("constant series scored %v, want 0", m)
	}
	// A change after a long flat line is anomalous.
	if r := d.Update(0, 46); r.Score < cfg.FireLevel {
		t.Errorf("step off a flat line scored %v", r.Score)
	}
}

func TestNaNInfNotLearned(t *testing.T) {
	a, b := New(DefaultConfig()), New(DefaultConfig())
	vals := noise(500, 4, 0, 1)
	for i, v := range vals {
		ra := a.Update(int64(i), v)
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			if r := b.Update(int64(i), bad); r.Scored || r.Score != 0 {
				t.Fatalf("bad value scored: %+v", r)
			}
		}
		rb := b.Update(int64(i), v)
		if ra != rb {
			t.Fatalf("NaN/Inf changed the state: %+v vs %+v", ra, rb)
		}
	}
	if a.Points() != b.Points() {
		t.Errorf("points %d vs %d", a.Points(), b.Points())
	}
}

func TestTimestampsDoNotMatter(t *testing.T) {
	a, b := New(DefaultConfig()), New(DefaultConfig())
	vals := noise(1000, 5, 3, 1)
	r := rand.New(rand.NewPCG(7, 7))
	for i, v := range vals {
		ra := a.Update(int64(i)*60e9, v)
		rb := b.Update(r.Int64N(100)-50, v) // repeated, backwards, irregular
		if ra != rb {
			t.Fatalf("row %d: timestamps changed the result", i)
		}
	}
}

func TestWarmupAndBands(t *testing.T) {
	cfg := DefaultConfig()
	d := New(cfg)
	n := cfg.Warmup + 50
	rs := feed(d, noise(n, 6, 10, 1))
	for i := 0; i < cfg.Warmup; i++ {
		if rs[i].Scored {
			t.Fatalf("point %d scored during warm-up", i)
		}
	}
	if !rs[cfg.Warmup].Scored {
		t.Errorf("point %d (after warm-up) not scored", cfg.Warmup)
	}
	last := rs[n-1]
	if !last.Scored || !(last.Lower <= last.Expected && last.Expected <= last.Upper) {
		t.Errorf("band not ordered: %+v", last)
	}
	if math.Abs(last.Expected-10) > 2 {
		t.Errorf("expected %v far from the level 10", last.Expected)
	}
}

func TestStateIsSmall(t *testing.T) {
	// The detector plus its resonance store (held by pointer).
	if sz := unsafe.Sizeof(Detector{}) + unsafe.Sizeof(resonance{}); sz > 4096 {
		t.Errorf("Detector is %d bytes, budget 4096", sz)
	}
}

func FuzzDetector(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 255, 254}, int64(0))
	f.Add([]byte("\x7f\xf8\x00\x00\x00\x00\x00\x01"), int64(-5))
	f.Fuzz(func(t *testing.T, data []byte, ts int64) {
		d := New(DefaultConfig())
		for len(data) >= 8 {
			bits := uint64(0)
			for i := 0; i < 8; i++ {
				bits = bits<<8 | uint64(data[i])
			}
			data = data[8:]
			v := math.Float64frombits(bits)
			r := d.Update(ts, v)
			ts -= int64(bits % 7)
			if !(r.Score >= 0 && r.Score <= 1) {
				t.Fatalf("score %v for %v", r.Score, v)
			}
			if !finite(v) && r.Scored {
				t.Fatalf("non-finite %v scored", v)
			}
		}
		// The detector must keep working after arbitrary input.
		for i := 0; i < 20; i++ {
			if r := d.Update(ts, float64(i)); !(r.Score >= 0 && r.Score <= 1) {
				t.Fatalf("score %v after fuzz input", r.Score)
			}
		}
	})
}
