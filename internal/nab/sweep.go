package nab

import (
	"math"
	"sort"
)

// Window labels of a scored row.
const (
	// Outside marks a row outside every window (a detection is a false positive).
	Outside = -1
	// Probation marks a row in the probationary prefix (never scored).
	Probation = -2
)

// Row is one scored row of a file: its anomaly score, the weight a
// detection there is worth (NAB's sweepScore, already multiplied by the
// profile's tp or fp weight) and its window (an id >= 0, Outside or Probation).
type Row struct {
	Score  float64
	Weight float64
	Window int
}

// ThresholdScore is the corpus score when every row with score >= Threshold
// is a detection.
type ThresholdScore struct {
	Threshold      float64
	Score          float64
	TP, TN, FP, FN int
}

// NoDetection is the sentinel threshold above every score (detect nothing).
const NoDetection = 1.1

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// ScaledSigmoid is NAB's scaledSigmoid: -1 at or beyond 3, else 2σ(-5y)-1.
func ScaledSigmoid(y float64) float64 {
	if y >= 3.0 {
		return -1.0
	}
	return 2*sigmoid(-5*y) - 1.0
}

// ProbationLength is min(floor(0.15*n), 0.15*5000) as a float, as NAB compares it.
func ProbationLength(n int) float64 {
	return math.Min(math.Floor(0.15*float64(n)), 0.15*5000)
}

func indexOf(ts []int64, t int64) int {
	for i, v := range ts {
		if v == t {
			return i
		}
	}
	return -1
}

// SweepRows is NAB's Sweeper.calcSweepScore: it labels every row of one file
// with its window and the weight of a detection there. Window ids are
// firstID, firstID+1, ... in window order, so ids stay unique across files.
// It returns the rows and the number of windows the file defines.
func SweepRows(ts []int64, scores []float64, windows []Window, firstID int, p Profile) []Row {
	maxTP := ScaledSigmoid(-1.0)
	probation := ProbationLength(len(ts))
	rows := make([]Row, len(ts))

	pending := windows
	in := false
	var curEnd int64
	curID, curRight := 0, 0
	curWidth, prevWidth := 0.0, 0.0
	prevRight := -1
	nextID := firstID

	for i, t := range ts {
		if len(pending) > 0 && t == pending[0].Start {
			w := pending[0]
			pending = pending[1:]
			in = true
			curEnd = w.End
			curID = nextID
			nextID++
			curRight = indexOf(ts, w.End)
			curWidth = float64(curRight - indexOf(ts, w.Start) + 1)
		}
		var weight float64
		win := Outside
		if in {
			pos := -float64(curRight-i+1) / curWidth
			weight = ScaledSigmoid(pos) * p.TPWeight / maxTP
			win = curID
		} else {
			pos := 3.0
			if prevRight >= 0 {
				pos = math.Abs(float64(prevRight-i)) / (prevWidth - 1)
			}
			weight = ScaledSigmoid(pos) * p.FPWeight
		}
		if float64(i) < probation {
			win = Probation
		}
		rows[i] = Row{Score: scores[i], Weight: weight, Window: win}
		if in && t == curEnd {
			prevRight = i
			prevWidth = curWidth
			in = false
		}
	}
	return rows
}

// SweepThresholds is NAB's Sweeper.calcScoreByThreshold over pooled rows:
// the score at NoDetection and at every distinct score, in descending
// threshold order. fnWeight is charged for every window that has a scorable row.
func SweepThresholds(rows []Row, fnWeight float64) []ThresholdScore {
	scorable := make([]Row, 0, len(rows))
	for _, r := range rows {
		if r.Window != Probation {
			scorable = append(scorable, r)
		}
	}
	sort.SliceStable(scorable, func(i, j int) bool { return scorable[i].Score > scorable[j].Score })

	best := map[int]float64{}
	tn, fn := 0, 0
	for _, r := range scorable {
		if r.Window == Outside {
			tn++
		} else {
			fn++
			best[r.Window] = -fnWeight
		}
	}
	fp := 0.0
	windowsSum := -fnWeight * float64(len(best))
	tp, fpN := 0, 0

	out := make([]ThresholdScore, 0, 1024)
	cur := NoDetection
	for _, r := range scorable {
		if r.Score != cur {
			out = append(out, ThresholdScore{Threshold: cur, Score: fp + windowsSum, TP: tp, TN: tn, FP: fpN, FN: fn})
			cur = r.Score
		}
		if r.Window == Outside {
			fpN++
			tn--
			fp += r.Weight
		} else {
			tp++
			fn--
			if r.Weight > best[r.Window] {
				windowsSum += r.Weight - best[r.Window]
				best[r.Window] = r.Weight
			}
		}
	}
	out = append(out, ThresholdScore{Threshold: cur, Score: fp + windowsSum, TP: tp, TN: tn, FP: fpN, FN: fn})
	return out
}

// Best picks the highest score; ties go to the higher threshold (the first
// in SweepThresholds' order), as NAB's stable sort does.
func Best(ts []ThresholdScore) ThresholdScore {
	b := ts[0]
	for _, t := range ts[1:] {
		if t.Score > b.Score {
			b = t
		}
	}
	return b
}

// ScoreAt is the raw score of rows when every scorable row with score >= θ
// is a detection (NAB's scoreDataSet at a fixed threshold).
func ScoreAt(rows []Row, theta, fnWeight float64) float64 {
	return scoreAt(rows, nil, theta, fnWeight)
}

// scoreAt is ScoreAt with the scores taken from scores[i] instead of
// rows[i].Score when scores is not nil (rows then only carry the weights
// and windows, shared by every set of scores for the same file).
func scoreAt(rows []Row, scores []float64, theta, fnWeight float64) float64 {
	best := map[int]float64{}
	fp := 0.0
	for i, r := range rows {
		if r.Window == Probation {
			continue
		}
		if scores != nil {
			r.Score = scores[i]
		}
		if r.Window != Outside {
			if _, ok := best[r.Window]; !ok {
				best[r.Window] = -fnWeight
			}
		}
		if r.Score < theta {
			continue
		}
		if r.Window == Outside {
			fp += r.Weight
		} else if r.Weight > best[r.Window] {
			best[r.Window] = r.Weight
		}
	}
	s := fp
	for _, v := range best {
		s += v
	}
	return s
}

// Normalize maps a raw score to NAB's 0 (null) .. 100 (perfect) scale for
// a set of files holding numWindows windows.
func Normalize(raw float64, numWindows int, p Profile) float64 {
	null := -p.FNWeight * float64(numWindows)
	perfect := p.TPWeight * float64(numWindows)
	return 100 * (raw - null) / (perfect - null)
}
