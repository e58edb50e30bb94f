package nab

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fraiseql/otelcol-fraiseql/internal/datasets"
)

// sharedNAB locates the NAB data set (internal/datasets): the test skips without it, or
// fails when NAB_REQUIRED is set (CI).
func sharedNAB(t *testing.T) string {
	t.Helper()
	datasets.Dir(t, datasets.NAB)
	return datasets.Dir(t, datasets.NABScores)
}

type expected struct {
	Windows int                                                `json:"windows"`
	Null    map[string]struct{ Threshold, Raw, Score float64 } `json:"null"`
	Numenta map[string]struct{ Threshold, Raw, Score float64 } `json:"numenta"`
}

func TestReproducesExpectedScores(t *testing.T) {
	dir := sharedNAB(t)
	b, err := os.ReadFile(filepath.Join(dir, "expected_scores.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want expected
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCorpus(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.NumWindows != want.Windows {
		t.Errorf("windows = %d, want %d", c.NumWindows, want.Windows)
	}
	for det, exp := range map[string]map[string]struct{ Threshold, Raw, Score float64 }{"null": want.Null, "numenta": want.Numenta} {
		scores := make([][]float64, len(c.Files))
		for i, f := range c.Files {
			s, err := ReadCSV(ResultsPath(dir, det, f.Name), "anomaly_score")
			if err != nil {
				t.Fatal(err)
			}
			scores[i] = s.Values
		}
		got, err := c.Evaluate(scores, math.NaN())
		if err != nil {
			t.Fatal(err)
		}
		for _, prof := range ProfileNames {
			e, ok := exp[prof]
			if !ok {
				t.Fatalf("%s: expected_scores.json lacks profile %s", det, prof)
			}
			g := got[prof]
			t.Logf("%s %-18s threshold %.12g raw %.4f score %.3f", det, prof, g.Threshold, g.Raw, g.Score)
			if math.Abs(g.Threshold-e.Threshold) > 1e-9 {
				t.Errorf("%s %s: threshold %.12g, want %.12g", det, prof, g.Threshold, e.Threshold)
			}
			if math.Abs(g.Raw-e.Raw) > 1e-3 {
				t.Errorf("%s %s: raw %.5f, want %.5f", det, prof, g.Raw, e.Raw)
			}
			if math.Abs(g.Score-e.Score) > 1e-3 {
				t.Errorf("%s %s: score %.5f, want %.5f", det, prof, g.Score, e.Score)
			}
		}
	}
}
