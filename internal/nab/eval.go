package nab

import (
	"fmt"
	"math"
)

// File is one series of the corpus with its windows.
type File struct {
	Name    string // "category/file.csv", as in the windows JSON
	Series  Series
	Windows []Window
}

// Corpus is a set of NAB files with the profiles to score them under.
type Corpus struct {
	Files    []File
	Profiles map[string]Profile
	// NumWindows is the number of windows of the loaded files: the N of
	// both normalisation baselines.
	NumWindows int
}

// LoadCorpus reads the profiles, windows and the data of the named files
// (every file in the windows JSON, sorted, when names is empty).
func LoadCorpus(dir string, names []string) (*Corpus, error) {
	profiles, err := LoadProfiles(dir)
	if err != nil {
		return nil, err
	}
	windows, err := LoadWindows(dir)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		names = SortedNames(windows)
	}
	c := &Corpus{Profiles: profiles}
	for _, n := range names {
		ws, ok := windows[n]
		if !ok {
			return nil, fmt.Errorf("%s: not in labels/combined_windows.json", n)
		}
		s, err := ReadCSV(DataPath(dir, n), "value")
		if err != nil {
			return nil, err
		}
		c.Files = append(c.Files, File{Name: n, Series: s, Windows: ws})
		c.NumWindows += len(ws)
	}
	return c, nil
}

// Result is the score of a detector under one profile.
type Result struct {
	Threshold float64 `json:"threshold"`
	Raw       float64 `json:"raw"`
	Score     float64 `json:"score"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	TN        int     `json:"tn"`
}

// Evaluate scores per-file anomaly scores (scores[i] for c.Files[i], one per
// row) under every profile. A NaN threshold means the exhaustive sweep
// (NAB's optimiser); otherwise the given threshold is used for all files.
func (c *Corpus) Evaluate(scores [][]float64, threshold float64) (map[string]Result, error) {
	if len(scores) != len(c.Files) {
		return nil, fmt.Errorf("got scores for %d files, corpus has %d", len(scores), len(c.Files))
	}
	for i, f := range c.Files {
		if len(scores[i]) != len(f.Series.Timestamps) {
			return nil, fmt.Errorf("%s: %d scores for %d rows", f.Name, len(scores[i]), len(f.Series.Timestamps))
		}
	}
	out := make(map[string]Result, len(c.Profiles))
	for _, name := range ProfileNames {
		p := c.Profiles[name]
		perFile := make([][]Row, len(c.Files))
		var pooled []Row
		id := 0
		for i, f := range c.Files {
			perFile[i] = SweepRows(f.Series.Timestamps, scores[i], f.Windows, id, p)
			id += len(f.Windows)
			pooled = append(pooled, perFile[i]...)
		}
		theta := threshold
		if math.IsNaN(theta) {
			theta = Best(SweepThresholds(pooled, p.FNWeight)).Threshold
		}
		r := Result{Threshold: theta}
		for _, rows := range perFile {
			r.Raw += ScoreAt(rows, theta, p.FNWeight)
		}
		r.TP, r.FP, r.FN, r.TN = counts(pooled, theta)
		r.Score = Normalize(r.Raw, c.NumWindows, p)
		out[name] = r
	}
	return out, nil
}

// counts are NAB's row counts (probation excluded) at θ.
func counts(rows []Row, theta float64) (tp, fp, fn, tn int) {
	for _, r := range rows {
		switch {
		case r.Window == Probation:
		case r.Window == Outside && r.Score >= theta:
			fp++
		case r.Window == Outside:
			tn++
		case r.Score >= theta:
			tp++
		default:
			fn++
		}
	}
	return
}
