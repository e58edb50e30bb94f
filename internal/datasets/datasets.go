// Package datasets locates the public data sets that some tests and benchmarks read: the
// Numenta Anomaly Benchmark series, the loghub 2k log samples and the OpenTelemetry Collector
// Helm chart. They are not in the repository (licences and size); by default they are looked
// up in a directory named shared next to the repository (../shared), or in $FRAISEQL_DATA.
//
// A test that needs a missing data set is skipped with a message that says where to get it,
// unless the data set's *_REQUIRED variable is set (CI sets them): then it fails.
package datasets // import "github.com/fraiseql/otelcol-fraiseql/internal/datasets"

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Set is one data set.
type Set struct {
	Name     string // what the skip message calls it
	Sub      string // directory under the data root
	Probe    string // a file (glob) that must exist in it
	Required string // environment variable that turns a skip into a failure
	Source   string // where to get it
}

var (
	// NAB is the development subset (38 of 58 series) of the Numenta Anomaly Benchmark.
	NAB = Set{
		Name: "NAB series", Sub: "nab", Probe: "labels/combined_windows.json", Required: "NAB_REQUIRED",
		Source: "https://github.com/numenta/NAB at commit ea702d75cc2258d9d7dd35ca8e5e2539d71f3140 (MIT): " +
			"data/ (only the series listed in internal/datasets/nab_subset.txt), labels/, config/, results/null, results/numenta " +
			"(see docs/development.md, \"Data sets\")",
	}
	// NABScores is what NAB's own scorer gives for its null and numenta detectors on that
	// subset; the Go scorer in internal/nab must reproduce it.
	NABScores = Set{
		Name: "NAB expected scores", Sub: "nab", Probe: "expected_scores.json", Required: "NAB_REQUIRED",
		Source: "NAB's own scorer (python run.py --score --normalize, detectors null and numenta, " +
			"on the series of internal/datasets/nab_subset.txt) written as expected_scores.json " +
			"(see docs/development.md, \"Data sets\")",
	}
	// Loghub is the twelve <System>_2k.log samples of loghub.
	Loghub = Set{
		Name: "loghub corpus", Sub: "corpora/loghub", Probe: "*_2k.log", Required: "LOGHUB_REQUIRED",
		Source: "https://github.com/logpai/loghub at commit dd61d0952749ee7963bde24220d1be5ede023033: " +
			"the twelve <System>/<System>_2k.log files, flattened (see docs/development.md, \"Data sets\")",
	}
	// Charts holds the upstream opentelemetry-collector Helm chart.
	Charts = Set{
		Name: "Helm chart", Sub: "charts/opentelemetry-collector", Probe: "Chart.yaml", Required: "CHARTS_REQUIRED",
		Source: "https://github.com/open-telemetry/opentelemetry-helm-charts, chart opentelemetry-collector 0.170.0 " +
			"(`helm pull open-telemetry/opentelemetry-collector --version 0.170.0 --untar`)",
	}
)

// Root is the directory holding the data sets: $FRAISEQL_DATA, or ../shared next to the
// repository root (the first parent directory of the working directory with a
// builder-config.yaml).
func Root() (string, error) {
	if d := os.Getenv("FRAISEQL_DATA"); d != "" {
		return filepath.Abs(d)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "builder-config.yaml")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no builder-config.yaml above the working directory: not inside the repository")
		}
		dir = parent
	}
}

// Find returns the data set's directory, or an error that says where to get it.
func Find(s Set) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, s.Sub)
	if m, _ := filepath.Glob(filepath.Join(dir, s.Probe)); len(m) == 0 {
		return "", fmt.Errorf("%s not found at %s (no %s): get it from %s, or set FRAISEQL_DATA to a directory holding %s",
			s.Name, dir, s.Probe, s.Source, s.Sub)
	}
	return dir, nil
}

// Dir returns the data set's directory. When it is missing the test is skipped with the
// reason, or fails if the data set's *_REQUIRED variable is set.
func Dir(tb testing.TB, s Set) string {
	tb.Helper()
	dir, err := Find(s)
	if err != nil {
		if os.Getenv(s.Required) != "" {
			tb.Fatalf("%v (%s is set, so this is a failure)", err, s.Required)
		}
		tb.Skipf("SKIPPED: %v (set %s=1 to fail instead)", err, s.Required)
	}
	return dir
}
