package nab

import (
	"math"
	"testing"
)

// cvCorpus: three categories with one window each and one without windows.
// a/x alone would prefer threshold 0.9 (its false positive at 0.8 costs
// 0.11), but the other categories need 0.6: its fold must be scored at 0.6.
func cvCorpus() (*Corpus, [][]float64) {
	ts := seq(100)
	win := []Window{{Start: ts[50], End: ts[59]}}
	mk := func(at map[int]float64) []float64 {
		s := make([]float64, 100)
		for i, v := range at {
			s[i] = v
		}
		return s
	}
	c := &Corpus{Profiles: map[string]Profile{"standard": std, "reward_low_FP_rate": {TPWeight: 1, FNWeight: 1, FPWeight: 0.22}, "reward_low_FN_rate": {TPWeight: 1, FNWeight: 2, FPWeight: 0.11}}}
	scores := [][]float64{
		mk(map[int]float64{50: 0.95, 20: 0.8}),
		mk(map[int]float64{50: 0.7}),
		mk(map[int]float64{50: 0.7}),
		mk(map[int]float64{30: 0.7}),
	}
	for _, n := range []string{"a/x.csv", "b/y.csv", "c/z.csv", "n/flat.csv"} {
		f := File{Name: n, Series: Series{Timestamps: ts, Values: make([]float64, 100)}}
		if n != "n/flat.csv" {
			f.Windows = win
			c.NumWindows++
		}
		c.Files = append(c.Files, f)
	}
	return c, scores
}

func TestCrossValidateHoldsOutEachCategory(t *testing.T) {
	c, scores := cvCorpus()
	calls := 0
	g, err := c.NewGrid([]float64{0.6, 0.9}, nil, func(int) [][]float64 { calls++; return scores })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("scoresAt called %d times, want once per candidate", calls)
	}
	// a/x on its own: 0.89 at 0.6, 1.0 at 0.9.
	if r := g.Raw[0][0][0]; math.Abs(r-0.89) > 1e-9 {
		t.Errorf("a/x raw at 0.6 = %v, want 0.89", r)
	}
	if r := g.Raw[0][1][0]; math.Abs(r-1) > 1e-9 {
		t.Errorf("a/x raw at 0.9 = %v, want 1", r)
	}
	cv := c.CrossValidate(g)["standard"]
	if len(cv.Folds) != 4 {
		t.Fatalf("folds = %d, want 4", len(cv.Folds))
	}
	for _, f := range cv.Folds {
		if f.Threshold != 0.6 {
			t.Errorf("fold %s: threshold %v, want 0.6 (chosen on the other categories)", f.Category, f.Threshold)
		}
	}
	if f := cv.Folds[0]; math.Abs(f.Raw-0.89) > 1e-9 || f.Score == nil || math.Abs(*f.Score-94.5) > 1e-9 || f.FP != 1 || f.Caught != 1 {
		t.Errorf("fold a: %+v", f)
	}
	if f := cv.Folds[3]; f.Score != nil || f.Windows != 0 || math.Abs(f.Raw+0.11) > 1e-9 {
		t.Errorf("fold n (no windows): %+v", f)
	}
	// Pooled: 0.89 + 1 + 1 - 0.11 over 3 windows.
	if want := 100 * (2.78 + 3) / 6; math.Abs(cv.Score-want) > 1e-9 {
		t.Errorf("pooled = %v, want %v", cv.Score, want)
	}
	if cv.AllThreshold != 0.6 {
		t.Errorf("all-corpus threshold %v, want 0.6", cv.AllThreshold)
	}
}

func TestCrossValidatePicksOnOtherFoldsOnly(t *testing.T) {
	c, scores := cvCorpus()
	// Only b/y and c/z know their window at 0.9: a/x's fold, trained on
	// b and c, picks 0.9 and misses a/x's window that 0.6 would have caught.
	scores[0] = make([]float64, 100)
	scores[0][50] = 0.7
	scores[1][50], scores[2][50] = 0.95, 0.95
	g, err := c.NewGrid([]float64{0.6, 0.9}, nil, func(int) [][]float64 { return scores })
	if err != nil {
		t.Fatal(err)
	}
	cv := c.CrossValidate(g)["standard"]
	if f := cv.Folds[0]; f.Threshold != 0.9 || f.Raw != -1 {
		t.Errorf("fold a: %+v, want threshold 0.9 and a miss", f)
	}
	if f := cv.Folds[1]; f.Threshold != 0.6 {
		t.Errorf("fold b: threshold %v, want 0.6", f.Threshold)
	}
}

func TestThresholdGrid(t *testing.T) {
	g := ThresholdGrid()
	if g[0] != 0.05 || g[len(g)-1] != 1 || len(g) != 96 {
		t.Errorf("grid %v..%v (%d)", g[0], g[len(g)-1], len(g))
	}
}
