package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/fraiseql/otelcol-fraiseql/internal/nab"
	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly"
)

// tradeoffThresholds are the rows of the pages-against-misses table.
var tradeoffThresholds = []float64{0.5, 0.55, 0.6, 0.61, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9}

// CVReport is what -cv prints as JSON.
type CVReport struct {
	Series        int               `json:"series"`
	Windows       int               `json:"windows"`
	Points        int               `json:"points"`
	Profiles      map[string]nab.CV `json:"profiles"`
	Tradeoff      []TradeoffRow     `json:"tradeoff"`
	DefaultWarmup int               `json:"default_warmup_points"`
}

// TradeoffRow is the whole corpus at one threshold: windows caught, and
// detections outside windows (pages that are not incidents).
type TradeoffRow struct {
	Threshold     float64 `json:"threshold"`
	Caught        int     `json:"caught"`
	FalseAlerts   int     `json:"false_alerts"`
	PerTenKPoints float64 `json:"false_alerts_per_10k_points"`
	Standard      float64 `json:"standard"`
	LowFP         float64 `json:"reward_low_FP_rate"`
}

// CrossValidate runs the processor's detector at every warm-up of
// anomaly.WarmupGrid and every threshold of nab.ThresholdGrid and
// cross-validates by category.
func CrossValidate(c *nab.Corpus) (*CVReport, *nab.Grid, error) {
	var labels []string
	var grid []float64
	var warmups []int
	for _, w := range anomaly.WarmupGrid() {
		for _, th := range nab.ThresholdGrid() {
			grid = append(grid, th)
			warmups = append(warmups, w)
			labels = append(labels, fmt.Sprintf("warmup_points=%d", w))
		}
	}
	g, err := c.NewGrid(grid, labels, func(j int) [][]float64 { return ScoreWith(c, grid[j], warmups[j]) })
	if err != nil {
		return nil, nil, err
	}
	rep := &CVReport{Series: len(c.Files), Windows: c.NumWindows, Profiles: c.CrossValidate(g)}
	def := anomaly.NewFactory().CreateDefaultConfig().(*anomaly.Config).WarmupPoints
	scorable := 0
	for _, f := range c.Files {
		n := len(f.Series.Values)
		rep.Points += n
		scorable += n - int(math.Ceil(nab.ProbationLength(n)))
	}
	rep.DefaultWarmup = def
	for _, th := range tradeoffThresholds {
		j := -1
		for k := range grid {
			if warmups[k] == def && math.Abs(grid[k]-th) < 1e-9 {
				j = k
			}
		}
		if j < 0 {
			continue
		}
		fp, caught := g.Totals(j)
		rep.Tradeoff = append(rep.Tradeoff, TradeoffRow{
			Threshold: th, Caught: caught, FalseAlerts: fp,
			PerTenKPoints: 1e4 * float64(fp) / float64(scorable),
			Standard:      g.Score(c, 0, j), LowFP: g.Score(c, 1, j),
		})
	}
	return rep, g, nil
}

func crossValidate(c *nab.Corpus, asJSON bool, w io.Writer) error {
	rep, _, err := CrossValidate(c)
	def := rep.DefaultWarmup
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(w, "nabbench: %d series, %d windows, leave-one-category-out (warm-up %v and threshold 0.05..1.00 chosen on the other categories)\n", rep.Series, rep.Windows, anomaly.WarmupGrid())
	for _, p := range nab.ProfileNames {
		cv := rep.Profiles[p]
		fmt.Fprintf(w, "\n%s\n%-22s %5s %7s %-18s %9s %9s %8s %6s %7s\n", p, "held-out category", "files", "windows", "setting", "threshold", "raw", "score", "FP", "caught")
		for _, f := range cv.Folds {
			score := "n/a"
			if f.Score != nil {
				score = fmt.Sprintf("%.2f", *f.Score)
			}
			fmt.Fprintf(w, "%-22s %5d %7d %-18s %9.2f %9.3f %8s %6d %7d\n", f.Category, f.Files, f.Windows, f.Setting, f.Threshold, f.Raw, score, f.FP, f.Caught)
		}
		fmt.Fprintf(w, "%-22s %5d %7d %-18s %9s %9.3f %8.2f\n", "pooled (cross-valid.)", rep.Series, rep.Windows, "", "", cv.Raw, cv.Score)
		fmt.Fprintf(w, "%-22s %5s %7s %-18s %9.2f %9s %8.2f\n", "all categories (dev.)", "", "", cv.AllSetting, cv.AllThreshold, "", cv.AllScore)
	}
	fmt.Fprintf(w, "\nthreshold trade-off on the whole corpus at the default warmup_points=%d (%d points; false alerts = detections outside windows)\n", def, rep.Points)
	fmt.Fprintf(w, "%9s %8s %12s %14s %9s %9s\n", "threshold", "caught", "false alerts", "per 10k pts", "standard", "low-FP")
	for _, r := range rep.Tradeoff {
		fmt.Fprintf(w, "%9.2f %5d/%-2d %12d %14.2f %9.2f %9.2f\n", r.Threshold, r.Caught, rep.Windows, r.FalseAlerts, r.PerTenKPoints, r.Standard, r.LowFP)
	}
	return nil
}
