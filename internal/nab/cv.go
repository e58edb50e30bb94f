package nab

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// ThresholdGrid is the threshold grid of the cross-validation: 0.05 to
// 1.00 by 0.01 (an alert threshold in (0, 1]).
func ThresholdGrid() []float64 {
	var g []float64
	for i := 5; i <= 100; i++ {
		g = append(g, float64(i)/100)
	}
	return g
}

// Category is the NAB category of a file name ("category/file.csv").
func Category(name string) string {
	if i := strings.IndexByte(name, '/'); i >= 0 {
		return name[:i]
	}
	return ""
}

// Categories lists the distinct categories of the corpus, sorted.
func (c *Corpus) Categories() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range c.Files {
		if k := Category(f.Name); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Grid is a table of raw NAB scores: Raw[p][j][i] is the raw score of file
// i under profile ProfileNames[p] when the detector runs at candidate j
// (a threshold, or a threshold and a parameter setting) and rows scoring at
// or above Thresholds[j] are detections. TP and FP count detected rows
// inside and outside windows (probation excluded), Windows caught the
// number of windows with a detection.
type Grid struct {
	Thresholds []float64
	Labels     []string // optional, one per candidate (e.g. a parameter setting)
	Raw        [][][]float64
	FP         [][]int // FP[j][i]: detected rows outside windows (profile independent)
	Caught     [][]int // Caught[j][i]: windows with at least one detection
}

// NewGrid runs every candidate through scoresAt (per-file scores of the
// detector configured for candidate j, one per row) and scores each file
// at Thresholds[j]. A detector whose output depends on its configured
// threshold (e.g. one that goes quiet after reaching it) must be run once
// per candidate, which is why the scores are asked for per candidate.
// Candidates run on up to GOMAXPROCS goroutines: scoresAt must be safe for
// concurrent use.
func (c *Corpus) NewGrid(thresholds []float64, labels []string, scoresAt func(j int) [][]float64) (*Grid, error) {
	if labels != nil && len(labels) != len(thresholds) {
		return nil, fmt.Errorf("%d labels for %d candidates", len(labels), len(thresholds))
	}
	g := &Grid{Thresholds: thresholds, Labels: labels, Raw: make([][][]float64, len(ProfileNames))}
	for p := range ProfileNames {
		g.Raw[p] = make([][]float64, len(thresholds))
	}
	g.FP = make([][]int, len(thresholds))
	g.Caught = make([][]int, len(thresholds))
	// Weights and windows do not depend on the scores: label every file's
	// rows once per profile.
	rows := make([][][]Row, len(ProfileNames))
	for p, name := range ProfileNames {
		rows[p] = make([][]Row, len(c.Files))
		for i, f := range c.Files {
			rows[p][i] = SweepRows(f.Series.Timestamps, make([]float64, len(f.Series.Timestamps)), f.Windows, 0, c.Profiles[name])
		}
	}
	errs := make([]error, len(thresholds))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(thresholds)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				errs[j] = c.gridRow(g, rows, j, scoresAt(j))
			}
		}()
	}
	for j := range thresholds {
		next <- j
	}
	close(next)
	wg.Wait()
	return g, errors.Join(errs...)
}

// gridRow scores candidate j's per-file scores into the grid.
func (c *Corpus) gridRow(g *Grid, rows [][][]Row, j int, scores [][]float64) error {
	theta := g.Thresholds[j]
	if len(scores) != len(c.Files) {
		return fmt.Errorf("candidate %d: scores for %d files, corpus has %d", j, len(scores), len(c.Files))
	}
	for p := range ProfileNames {
		g.Raw[p][j] = make([]float64, len(c.Files))
	}
	g.FP[j] = make([]int, len(c.Files))
	g.Caught[j] = make([]int, len(c.Files))
	for i, f := range c.Files {
		if len(scores[i]) != len(f.Series.Timestamps) {
			return fmt.Errorf("%s: %d scores for %d rows", f.Name, len(scores[i]), len(f.Series.Timestamps))
		}
		for p, name := range ProfileNames {
			g.Raw[p][j][i] = scoreAt(rows[p][i], scores[i], theta, c.Profiles[name].FNWeight)
			if p == 0 {
				caught := map[int]bool{}
				for k, r := range rows[p][i] {
					if r.Window == Probation || scores[i][k] < theta {
						continue
					}
					if r.Window == Outside {
						g.FP[j][i]++
					} else {
						caught[r.Window] = true
					}
				}
				g.Caught[j][i] = len(caught)
			}
		}
	}
	return nil
}

// pick is the candidate with the highest raw score summed over the files
// where use(i); ties go to the higher threshold (NAB's rule), then to the
// earlier candidate.
func (g *Grid) pick(p int, use func(i int) bool) (int, float64) {
	best, bestRaw := -1, 0.0
	for j := range g.Thresholds {
		s := 0.0
		for i, r := range g.Raw[p][j] {
			if use(i) {
				s += r
			}
		}
		if best < 0 || s > bestRaw || (s == bestRaw && g.Thresholds[j] > g.Thresholds[best]) {
			best, bestRaw = j, s
		}
	}
	return best, bestRaw
}

// Fold is one held-out category of a cross-validation.
type Fold struct {
	Category  string  `json:"category"`
	Files     int     `json:"files"`
	Windows   int     `json:"windows"`
	Candidate int     `json:"candidate"` // index into the grid, chosen on the other categories
	Threshold float64 `json:"threshold"`
	Setting   string  `json:"setting,omitempty"` // the candidate's label, if any
	Raw       float64 `json:"raw"`
	// Score is the fold's raw score normalised over its own windows; it is
	// not defined (NaN in Go, null in JSON) for a category without windows.
	Score  *float64 `json:"score"`
	FP     int      `json:"fp"`
	Caught int      `json:"caught"`
}

// CV is a leave-one-category-out cross-validation under one profile.
type CV struct {
	Folds []Fold `json:"folds"`
	// Raw and Score pool the held-out folds: the sum of their raw scores,
	// normalised over every window of the corpus.
	Raw   float64 `json:"raw"`
	Score float64 `json:"score"`
	// All is the candidate the same procedure picks on the whole corpus
	// (what ships), with its (development) score there.
	All          int     `json:"all_candidate"`
	AllThreshold float64 `json:"all_threshold"`
	AllSetting   string  `json:"all_setting,omitempty"`
	AllScore     float64 `json:"all_score"`
}

// CrossValidate runs leave-one-category-out over the grid: for each
// category, the candidate with the best raw score on the other categories
// is chosen and the held-out category is scored with it.
func (c *Corpus) CrossValidate(g *Grid) map[string]CV {
	out := make(map[string]CV, len(ProfileNames))
	cats := c.Categories()
	for p, name := range ProfileNames {
		prof := c.Profiles[name]
		var cv CV
		for _, k := range cats {
			j, _ := g.pick(p, func(i int) bool { return Category(c.Files[i].Name) != k })
			f := Fold{Category: k, Candidate: j, Threshold: g.Thresholds[j]}
			if g.Labels != nil {
				f.Setting = g.Labels[j]
			}
			for i, file := range c.Files {
				if Category(file.Name) != k {
					continue
				}
				f.Files++
				f.Windows += len(file.Windows)
				f.Raw += g.Raw[p][j][i]
				f.FP += g.FP[j][i]
				f.Caught += g.Caught[j][i]
			}
			if f.Windows > 0 {
				s := Normalize(f.Raw, f.Windows, prof)
				f.Score = &s
			}
			cv.Raw += f.Raw
			cv.Folds = append(cv.Folds, f)
		}
		cv.Score = Normalize(cv.Raw, c.NumWindows, prof)
		j, raw := g.pick(p, func(int) bool { return true })
		cv.All, cv.AllThreshold, cv.AllScore = j, g.Thresholds[j], Normalize(raw, c.NumWindows, prof)
		if g.Labels != nil {
			cv.AllSetting = g.Labels[j]
		}
		out[name] = cv
	}
	return out
}

// Totals sums a candidate's counts over the corpus: detected rows outside
// windows and windows caught.
func (g *Grid) Totals(j int) (fp, caught int) {
	for i := range g.FP[j] {
		fp += g.FP[j][i]
		caught += g.Caught[j][i]
	}
	return
}

// Score is the development score of candidate j on the whole corpus.
func (g *Grid) Score(c *Corpus, p, j int) float64 {
	s := 0.0
	for _, r := range g.Raw[p][j] {
		s += r
	}
	return Normalize(s, c.NumWindows, c.Profiles[ProfileNames[p]])
}
