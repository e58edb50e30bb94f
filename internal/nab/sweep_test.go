package nab

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

var std = Profile{TPWeight: 1, FNWeight: 1, FPWeight: 0.11}

func TestScaledSigmoid(t *testing.T) {
	for _, c := range []struct{ y, want float64 }{
		{-1, 0.98661}, {-0.5, 0.84828}, {0, 0}, {1, -0.98661}, {3, -1}, {10, -1},
	} {
		if got := ScaledSigmoid(c.y); math.Abs(got-c.want) > 1e-5 {
			t.Errorf("S(%v) = %v, want %v", c.y, got, c.want)
		}
	}
}

func TestProbationLength(t *testing.T) {
	if got := ProbationLength(4033); got != 604 {
		t.Errorf("p(4033) = %v", got)
	}
	if got := ProbationLength(22696); got != 750 {
		t.Errorf("p(22696) = %v", got)
	}
}

// seq makes n timestamps one minute apart.
func seq(n int) []int64 {
	ts := make([]int64, n)
	for i := range ts {
		ts[i] = int64(i) * 60e9
	}
	return ts
}

func TestSweepRowsWeights(t *testing.T) {
	ts := seq(100) // probation 15 rows
	win := []Window{{Start: ts[40], End: ts[49]}}
	rows := SweepRows(ts, make([]float64, 100), win, 7, std)
	if rows[14].Window != Probation || rows[15].Window != Outside {
		t.Fatalf("probation boundary wrong: %+v %+v", rows[14], rows[15])
	}
	if rows[40].Window != 7 || rows[49].Window != 7 || rows[50].Window != Outside {
		t.Fatalf("window ids wrong")
	}
	if math.Abs(rows[40].Weight-1) > 1e-12 {
		t.Errorf("left edge weight %v, want 1", rows[40].Weight)
	}
	if rows[49].Weight <= 0 || rows[49].Weight > 0.3 {
		t.Errorf("right edge weight %v", rows[49].Weight)
	}
	if math.Abs(rows[20].Weight+0.11) > 1e-12 {
		t.Errorf("before-window FP weight %v, want -0.11", rows[20].Weight)
	}
	if want := 0.11 * ScaledSigmoid(2.0/9); math.Abs(rows[51].Weight-want) > 1e-12 {
		t.Errorf("after-window FP weight %v, want %v (scaled by distance 2/(W-1))", rows[51].Weight, want)
	}
	if math.Abs(rows[99].Weight+0.11) > 1e-12 {
		t.Errorf("far FP weight %v, want -0.11", rows[99].Weight)
	}
}

func TestSweepTiesGoToHigherThreshold(t *testing.T) {
	ts := seq(100)
	win := []Window{{Start: ts[40], End: ts[49]}}
	scores := make([]float64, 100)
	// 0.9 detects the window's left edge; 0.5 would add nothing inside the
	// window and one FP just after it whose weight is ~0 but not zero.
	scores[40] = 0.9
	scores[45] = 0.5
	rows := SweepRows(ts, scores, win, 0, Profile{TPWeight: 1, FNWeight: 1, FPWeight: 0})
	b := Best(SweepThresholds(rows, 1))
	if b.Threshold != 0.9 {
		t.Errorf("tie broken to %v, want the higher threshold 0.9", b.Threshold)
	}
	if math.Abs(b.Score-1) > 1e-12 {
		t.Errorf("score %v, want 1", b.Score)
	}
	if s := ScoreAt(rows, NoDetection, 1); s != -1 {
		t.Errorf("no detection score %v, want -1", s)
	}
}

func TestSweepMatchesScoreAt(t *testing.T) {
	ts := seq(300)
	win := []Window{{Start: ts[100], End: ts[129]}, {Start: ts[200], End: ts[229]}}
	scores := make([]float64, 300)
	for i := range scores {
		scores[i] = math.Abs(math.Sin(float64(i) * 0.37))
	}
	rows := SweepRows(ts, scores, win, 0, std)
	for _, th := range SweepThresholds(rows, std.FNWeight) {
		if got := ScoreAt(rows, th.Threshold, std.FNWeight); math.Abs(got-th.Score) > 1e-9 {
			t.Fatalf("θ=%v: sweep %v, ScoreAt %v", th.Threshold, th.Score, got)
		}
	}
}

func TestRepeatedTimestampsUseFirstIndex(t *testing.T) {
	ts := seq(100)
	ts[46] = ts[45] // a repeat inside the window
	win := []Window{{Start: ts[40], End: ts[45]}}
	rows := SweepRows(ts, make([]float64, 100), win, 0, std)
	// R is the first row with the end timestamp (45): the window is 40..45.
	if rows[45].Window != 0 || rows[46].Window != Outside {
		t.Errorf("window should end at the first occurrence of its end timestamp")
	}
}

func TestNYCTaxiWindowWidth(t *testing.T) {
	dir := sharedNAB(t)
	c, err := LoadCorpus(dir, []string{"realKnownCause/nyc_taxi.csv"})
	if err != nil {
		t.Fatal(err)
	}
	f := c.Files[0]
	rows := SweepRows(f.Series.Timestamps, make([]float64, len(f.Series.Values)), f.Windows, 0, std)
	n := 0
	for _, r := range rows {
		if r.Window == 0 {
			n++
		}
	}
	if n != 207 {
		t.Errorf("first nyc_taxi window has %d rows, want 207", n)
	}
}

func TestParseCSVErrors(t *testing.T) {
	if _, err := parseCSV(strings.NewReader("timestamp,value\n2014-01-01 00:00:00,abc\n"), "value", "x"); err == nil {
		t.Error("bad float accepted")
	}
	if _, err := parseCSV(strings.NewReader("ts,value\n"), "value", "x"); err == nil {
		t.Error("missing timestamp column accepted")
	}
	s, err := parseCSV(strings.NewReader("timestamp,value\n2014-01-01 00:00:00.000000,1.5\n"), "value", "x")
	if err != nil || len(s.Values) != 1 || s.Values[0] != 1.5 {
		t.Errorf("parse: %v %+v", err, s)
	}
	if got := ResultsPath("/n", "null", "realTweets/a.csv"); got != filepath.FromSlash("/n/results/null/realTweets/null_a.csv") {
		t.Errorf("ResultsPath = %s", got)
	}
}
