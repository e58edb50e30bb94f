package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fraiseql/otelcol-fraiseql/internal/datasets"
)

func nabDir(t *testing.T) string {
	return datasets.Dir(t, datasets.NAB)
}

func TestJSONAndFilesList(t *testing.T) {
	dir := nabDir(t)
	list := filepath.Join(t.TempDir(), "list")
	if err := os.WriteFile(list, []byte("realKnownCause/nyc_taxi.csv\n# comment\nrealTweets/Twitter_volume_AAPL.csv\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"-nab", dir, "-files", list, "-json", "-threshold", "sweep"}, &out); err != nil {
		t.Fatal(err)
	}
	var res map[string]struct{ Threshold, Raw, Score float64 }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, p := range []string{"standard", "reward_low_FP_rate", "reward_low_FN_rate"} {
		r, ok := res[p]
		if !ok {
			t.Fatalf("profile %s missing", p)
		}
		// Normalised over the 9 windows of the two files: raw in [-18, 9].
		if r.Score < -1000 || r.Score > 100 || r.Threshold <= 0 {
			t.Errorf("%s: implausible %+v", p, r)
		}
	}
}

func TestDefaultThresholdTable(t *testing.T) {
	dir := nabDir(t)
	var out bytes.Buffer
	if err := run([]string{"-nab", dir}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "38 series, 79 windows, default threshold") || !strings.Contains(s, "reward_low_FN_rate") {
		t.Errorf("unexpected output:\n%s", s)
	}
	t.Log("\n" + s)
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{}, {"-nab", "x", "-threshold", "abc"}, {"-nab", "/nonexistent"}} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestCrossValidationOutput(t *testing.T) {
	dir := nabDir(t)
	list := filepath.Join(t.TempDir(), "list")
	if err := os.WriteFile(list, []byte("artificialWithAnomaly/art_daily_jumpsup.csv\nartificialNoAnomaly/art_daily_no_noise.csv\nrealAdExchange/exchange-2_cpc_results.csv\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"-nab", dir, "-files", list, "-cv", "category"}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"leave-one-category-out", "artificialNoAnomaly", "realAdExchange", "pooled (cross-valid.)", "all categories (dev.)", "threshold trade-off"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	out.Reset()
	if err := run([]string{"-nab", dir, "-files", list, "-cv", "category", "-json"}, &out); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Windows  int
		Profiles map[string]struct {
			Folds []struct {
				Category  string
				Threshold float64
				Score     *float64
			}
			Score float64
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	std := rep.Profiles["standard"]
	if len(std.Folds) != 3 || std.Folds[0].Category != "artificialNoAnomaly" || std.Folds[0].Score != nil {
		t.Errorf("folds: %+v", std.Folds)
	}
	if std.Score < -1000 || std.Score > 100 || std.Folds[1].Threshold <= 0 {
		t.Errorf("implausible: %+v", std)
	}
}

func TestCrossValidationFlags(t *testing.T) {
	for _, args := range [][]string{{"-nab", "x", "-cv", "file"}, {"-nab", "x", "-cv", "category", "-threshold", "0.5"}} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
