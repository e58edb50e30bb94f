// Command nabbench scores the anomaly processor's detector on a corpus in
// the layout of the Numenta Anomaly Benchmark.
//
//	go run ./tools/nabbench -nab DIR [-files LIST] [-threshold sweep|VALUE] [-json]
//	go run ./tools/nabbench -nab DIR -cv category [-json]
//
// Each listed series (default: every series in labels/combined_windows.json)
// is fed, row by row, through a fresh anomaly.SeriesDetector with the
// processor's default configuration, and scored with the NAB rules. Without
// -threshold the processor's shipped default alert threshold is used, so the
// number is what users get; -threshold sweep picks the best threshold per
// profile as NAB's optimiser does.
//
// -cv category is the honest protocol: leave-one-category-out
// cross-validation. The detector runs at every threshold of a grid (the
// processor's threshold setting, so quiet periods follow it) and every
// warmup_points of anomaly.WarmupGrid (the one parameter still tuned); for
// each NAB category the (warm-up, threshold) pair with the best raw score
// on the other categories is chosen and the held-out category is scored
// with it. The pooled score sums
// the held-out raw scores and normalises over every window. The threshold
// the same procedure picks on the whole corpus is the one to ship.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/fraiseql/otelcol-fraiseql/internal/nab"
	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "nabbench:", err)
		os.Exit(1)
	}
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("nabbench", flag.ContinueOnError)
	dir := fs.String("nab", "", "NAB directory (data/, labels/combined_windows.json, config/profiles.json)")
	files := fs.String("files", "", "file with one category/file.csv per line (default: every series in the windows file)")
	thr := fs.String("threshold", "", `"sweep" or a value in [0,1] (default: the processor's default threshold)`)
	asJSON := fs.Bool("json", false, "print one JSON object keyed by profile name")
	cv := fs.String("cv", "", `"category": leave-one-category-out cross-validation of the threshold`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("-nab DIR is required")
	}
	if *cv != "" && *cv != "category" {
		return fmt.Errorf("-cv: want \"category\", got %q", *cv)
	}
	if *cv != "" && *thr != "" {
		return fmt.Errorf("-cv chooses the threshold itself; drop -threshold")
	}
	theta := anomaly.DefaultThreshold
	switch *thr {
	case "":
	case "sweep":
		theta = math.NaN()
	default:
		v, err := strconv.ParseFloat(*thr, 64)
		if err != nil || v < 0 || v > 1.1 {
			return fmt.Errorf("-threshold: want \"sweep\" or a number in [0, 1], got %q", *thr)
		}
		theta = v
	}
	var names []string
	if *files != "" {
		var err error
		if names, err = readList(*files); err != nil {
			return err
		}
	}
	c, err := nab.LoadCorpus(*dir, names)
	if err != nil {
		return err
	}
	if *cv != "" {
		return crossValidate(c, *asJSON, w)
	}
	results, err := c.Evaluate(Score(c), theta)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	mode := "default threshold"
	if math.IsNaN(theta) {
		mode = "sweep"
	} else if *thr != "" {
		mode = "fixed threshold"
	}
	fmt.Fprintf(w, "nabbench: %d series, %d windows, %s\n", len(c.Files), c.NumWindows, mode)
	fmt.Fprintf(w, "%-20s %10s %10s %8s %6s %6s\n", "profile", "threshold", "raw", "score", "TP", "FP")
	for _, p := range nab.ProfileNames {
		r := results[p]
		fmt.Fprintf(w, "%-20s %10.4f %10.4f %8.2f %6d %6d\n", p, r.Threshold, r.Raw, r.Score, r.TP, r.FP)
	}
	return nil
}

// Score runs every file of the corpus through a fresh series detector of
// the processor's default configuration, one score per row in row order.
func Score(c *nab.Corpus) [][]float64 {
	return ScoreAt(c, anomaly.DefaultThreshold)
}

// ScoreAt is Score with the processor's threshold setting at theta.
func ScoreAt(c *nab.Corpus, theta float64) [][]float64 {
	return ScoreWith(c, theta, 0)
}

// ScoreWith is Score with the processor's threshold and (when > 0)
// warmup_points settings.
func ScoreWith(c *nab.Corpus, theta float64, warmup int) [][]float64 {
	cfg := anomaly.NewFactory().CreateDefaultConfig().(*anomaly.Config)
	cfg.Threshold = theta
	if warmup > 0 {
		cfg.WarmupPoints = warmup
	}
	out := make([][]float64, len(c.Files))
	for i, f := range c.Files {
		d := anomaly.NewSeriesDetector(cfg)
		out[i] = make([]float64, len(f.Series.Values))
		for j, v := range f.Series.Values {
			out[i][j] = d.Update(f.Series.Timestamps[j], v).Score
		}
	}
	return out
}

func readList(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	return names, sc.Err()
}
