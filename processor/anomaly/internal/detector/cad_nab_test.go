package detector

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/internal/nab"
)

// TestNABCADLookahead scores the contextual memory the way NAB ran
// contextOSE: the whole file's min/max and a rest period of probation/5.
// This uses look-ahead a stream never has; it only validates the
// re-implementation against the published behaviour. Set NAB_CAD=1.
func TestNABCADLookahead(t *testing.T) {
	if os.Getenv("NAB_CAD") == "" {
		t.Skip("set NAB_CAD=1")
	}
	dir, _ := filepath.Abs("../../../../../shared/nab")
	c, err := nab.LoadCorpus(dir, nil)
	if err != nil {
		t.Skip(err)
	}
	causal := os.Getenv("NAB_CAD") != "1"
	ccfg := CausalCADConfig{Warm: 50, Margin: 0.1, Rest: 150}
	if causal {
		if err := json.Unmarshal([]byte(os.Getenv("NAB_CAD")), &ccfg); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	points := 0
	scores := make([][]float64, len(c.Files))
	for i, f := range c.Files {
		vals := f.Series.Values
		scores[i] = make([]float64, len(vals))
		if causal {
			d := NewCausalCAD(ccfg)
			for j, v := range vals {
				scores[i][j] = d.Score(v)
			}
			if os.Getenv("NAB_PERFILE") != "" {
				t.Logf("%-60s ctx %d lefts %d resets %d", f.Name, len(d.c.mem.ctxs), len(d.c.mem.lefts), d.Resets)
			}
		} else {
			d := NewCAD(slices.Min(vals), slices.Max(vals), int(nab.ProbationLength(len(vals))/5))
			for j, v := range vals {
				scores[i][j] = d.Score(v)
			}
			t.Logf("%-60s ctx %d lefts %d", f.Name, len(d.mem.ctxs), len(d.mem.lefts))
		}
		points += len(vals)
	}
	t.Logf("%d points in %v", points, time.Since(start))
	sw, _ := c.Evaluate(scores, math.NaN())
	for _, p := range nab.ProfileNames {
		t.Logf("%-18s sweep θ=%.4f %.2f (tp %d fp %d)", p, sw[p].Threshold, sw[p].Score, sw[p].TP, sw[p].FP)
	}
	if th := os.Getenv("NAB_PERFILE"); th != "" {
		theta := sw["standard"].Threshold
		for i, f := range c.Files {
			one := &nab.Corpus{Files: []nab.File{f}, Profiles: c.Profiles, NumWindows: len(f.Windows)}
			r, _ := one.Evaluate([][]float64{scores[i]}, theta)
			t.Logf("%-60s w=%d raw %.3f tp %d fp %d  %s", f.Name, len(f.Windows), r["standard"].Raw, r["standard"].TP, r["standard"].FP, detail(f, scores[i], theta))
		}
	}
}
