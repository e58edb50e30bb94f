package detector

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fraiseql/otelcol-fraiseql/internal/nab"
)

// TestNABDefault scores DefaultConfig on ../shared/nab at DefaultThreshold
// and guards against regressions. For tuning, $NAB_TUNE holds JSON applied
// on top of DefaultConfig (the floor is then not enforced); NAB_PERFILE=1
// prints per-file results.
func TestNABDefault(t *testing.T) {
	dir, _ := filepath.Abs("../../../../../shared/nab")
	if _, err := os.Stat(filepath.Join(dir, "labels", "combined_windows.json")); err != nil {
		if os.Getenv("NAB_REQUIRED") != "" {
			t.Fatalf("NAB data required but missing at %s: %v", dir, err)
		}
		t.Logf("!!!!!!!! NAB DATA MISSING at %s: detector NAB regression NOT TESTED !!!!!!!!", dir)
		t.Skip("NAB data missing")
	}
	cfg := DefaultConfig()
	tuning := os.Getenv("NAB_TUNE") != ""
	if tuning {
		if err := json.Unmarshal([]byte(os.Getenv("NAB_TUNE")), &cfg); err != nil {
			t.Fatal(err)
		}
	}
	c, err := nab.LoadCorpus(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	scores := make([][]float64, len(c.Files))
	for i, f := range c.Files {
		d := New(cfg)
		scores[i] = make([]float64, len(f.Series.Values))
		for j, v := range f.Series.Values {
			scores[i][j] = d.Update(f.Series.Timestamps[j], v).Score
		}
	}
	sw, _ := c.Evaluate(scores, math.NaN())
	fx, _ := c.Evaluate(scores, cfg.FireLevel)
	for _, p := range nab.ProfileNames {
		t.Logf("%-18s sweep θ=%.4f %.2f (fp %d) | fixed θ=%.2f %.2f (tp %d fp %d)", p, sw[p].Threshold, sw[p].Score, sw[p].FP, cfg.FireLevel, fx[p].Score, fx[p].TP, fx[p].FP)
	}
	// Floors a little under the scores of the shipped default (70.84 / 64.35)
	// so that a change that makes the detector worse fails.
	if !tuning {
		if s := fx["standard"].Score; s < 70.3 {
			t.Errorf("standard score at the default threshold %.2f < 70.3", s)
		}
		if s := fx["reward_low_FP_rate"].Score; s < 63.8 {
			t.Errorf("reward_low_FP_rate score at the default threshold %.2f < 63.8", s)
		}
	}
	if os.Getenv("NAB_PERFILE") != "" {
		for i, f := range c.Files {
			one := &nab.Corpus{Files: []nab.File{f}, Profiles: c.Profiles, NumWindows: len(f.Windows)}
			r, _ := one.Evaluate([][]float64{scores[i]}, cfg.FireLevel)
			t.Logf("%-60s w=%d raw %.3f tp %d fp %d", f.Name, len(f.Windows), r["standard"].Raw, r["standard"].TP, r["standard"].FP)
			if os.Getenv("NAB_PERFILE") == "2" {
				t.Log("   " + detail(f, scores[i], cfg.FireLevel))
			}
		}
	}
}

// detail lists a file's windows (row ranges) and detections (rows at or
// above theta after probation), for tuning.
func detail(f nab.File, sc []float64, theta float64) string {
	ts := f.Series.Timestamps
	idx := func(t int64) int {
		for i, v := range ts {
			if v == t {
				return i
			}
		}
		return -1
	}
	out := fmt.Sprintf("n=%d p=%.0f win:", len(ts), nab.ProbationLength(len(ts)))
	for _, w := range f.Windows {
		out += fmt.Sprintf(" [%d,%d]", idx(w.Start), idx(w.End))
	}
	out += " det:"
	for i, s := range sc {
		if float64(i) >= nab.ProbationLength(len(ts)) && s >= theta {
			out += fmt.Sprintf(" %d", i)
		}
	}
	return out
}
