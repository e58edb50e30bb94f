package detector

import (
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
	start := time.Now()
	points := 0
	scores := make([][]float64, len(c.Files))
	for i, f := range c.Files {
		vals := f.Series.Values
		d := NewCAD(slices.Min(vals), slices.Max(vals), int(nab.ProbationLength(len(vals))/5))
		scores[i] = make([]float64, len(vals))
		for j, v := range vals {
			scores[i][j] = d.Score(v)
		}
		points += len(vals)
		t.Logf("%-60s ctx %d lefts %d", f.Name, len(d.mem.ctxs), len(d.mem.lefts))
	}
	t.Logf("%d points in %v", points, time.Since(start))
	sw, _ := c.Evaluate(scores, math.NaN())
	for _, p := range nab.ProfileNames {
		t.Logf("%-18s sweep θ=%.4f %.2f (tp %d fp %d)", p, sw[p].Threshold, sw[p].Score, sw[p].TP, sw[p].FP)
	}
}
