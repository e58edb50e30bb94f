package detector

import "math"

// likelihood turns a noisy raw surprise in [0,1] into a tail probability
// with the same meaning on every series, in the spirit of the anomaly
// likelihood described for Numenta's HTM: a short moving average of the raw
// score is compared with a Gaussian fitted (exponentially weighted, with
// floors) to the history of that average. The output is
// log(tail)/log(1e-10), clipped to [0,1]: 0.5 is a one-in-10⁵ event.
const avgWin = 16

type likelihood struct {
	ring  [avgWin]float32
	pos   int
	cnt   int
	sum   float64
	mean  float64
	vari  float64
	count int
}

// update adds raw and returns the log-scaled tail probability of the
// current moving average under the distribution of past averages, or 0
// while fewer than warm averages have been seen.
func (l *likelihood) update(raw float64, win int, alpha, minMean, minVar float64, warm int, twoSided bool) float64 {
	if win > avgWin {
		win = avgWin
	}
	if win < 1 {
		win = 1
	}
	if l.cnt >= win {
		old := (l.pos - win + avgWin) % avgWin
		l.sum -= float64(l.ring[old])
	} else {
		l.cnt++
	}
	l.ring[l.pos] = float32(raw)
	l.pos = (l.pos + 1) % avgWin
	l.sum += raw
	avg := l.sum / float64(l.cnt)

	out := 0.0
	if l.count >= warm {
		mu := math.Max(l.mean, minMean)
		sd := math.Sqrt(math.Max(l.vari, minVar))
		z := (avg - mu) / sd
		if twoSided {
			z = math.Abs(z)
		}
		tail := 0.5 * math.Erfc(z/math.Sqrt2)
		out = math.Log(tail+1e-10) / math.Log(1e-10)
		if out < 0 {
			out = 0
		} else if out > 1 {
			out = 1
		}
	}
	l.count++
	a := 1 / float64(l.count)
	if a < alpha {
		a = alpha
	}
	d := avg - l.mean
	l.mean += a * d
	l.vari = (1 - a) * (l.vari + a*d*d)
	return out
}
