package overflow

import "errors"

// ErrIncompatible: the histogram cannot be merged into the overflow point (explicit bounds
// that differ from the ones the point was started with).
var ErrIncompatible = errors.New("incompatible histogram buckets")

// Hist is an explicit-bucket histogram point.
type Hist struct {
	Bounds []float64
	Counts []uint64 // len(Bounds)+1
	Count  uint64
	Sum    float64
	HasSum bool
	Min    float64
	HasMin bool
	Max    float64
	HasMax bool
	Start  uint64
	Time   uint64
}

// Valid reports whether the counts match the bounds (n bounds, n+1 counts). A count-only
// histogram (no bounds, no counts) is valid OTLP: pass it through AsOneBucket first.
func (h *Hist) Valid() bool { return len(h.Counts) == len(h.Bounds)+1 }

// AsOneBucket turns a count-only histogram (no bounds and no bucket counts, valid OTLP) into
// its equivalent with one bucket, (-Inf, +Inf), holding every observation, so that it
// merges like any other point (with other count-only points, or one-bucket points). Other
// points are left as they are.
func (h *Hist) AsOneBucket() {
	if len(h.Bounds) == 0 && len(h.Counts) == 0 {
		h.Counts = append(h.Counts, h.Count)
	}
}

func sameBounds(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// HistAgg merges histograms with identical bounds.
type HistAgg struct {
	H Hist
	N int
}

// Add merges p (a delta) into the aggregate; the first point fixes the bounds. It does not
// keep a reference to p's slices.
func (a *HistAgg) Add(p *Hist) error {
	if !p.Valid() {
		return ErrInvalid
	}
	if a.N == 0 {
		a.H.Bounds = append(a.H.Bounds[:0], p.Bounds...)
		a.H.Counts = append(a.H.Counts[:0], p.Counts...)
		a.H.Count, a.H.Sum, a.H.HasSum = p.Count, p.Sum, p.HasSum
		a.H.Min, a.H.HasMin, a.H.Max, a.H.HasMax = p.Min, p.HasMin, p.Max, p.HasMax
		a.H.Start, a.H.Time = p.Start, p.Time
		a.N = 1
		return nil
	}
	if !sameBounds(a.H.Bounds, p.Bounds) {
		return ErrIncompatible
	}
	for i, c := range p.Counts {
		a.H.Counts[i] += c
	}
	a.H.Count += p.Count
	a.H.Sum += p.Sum
	a.H.HasSum = a.H.HasSum && p.HasSum
	mergeMinMax(&a.H.Min, &a.H.HasMin, &a.H.Max, &a.H.HasMax, p.Min, p.HasMin, p.Max, p.HasMax)
	if p.Start != 0 && (a.H.Start == 0 || p.Start < a.H.Start) {
		a.H.Start = p.Start
	}
	if p.Time > a.H.Time {
		a.H.Time = p.Time
	}
	a.N++
	return nil
}

func mergeMinMax(min *float64, hasMin *bool, max *float64, hasMax *bool, pmin float64, phasMin bool, pmax float64, phasMax bool) {
	if phasMin && (!*hasMin || pmin < *min) {
		*min, *hasMin = pmin, true
	}
	if phasMax && (!*hasMax || pmax > *max) {
		*max, *hasMax = pmax, true
	}
}

// histDelta returns cur-last into d (reusing d's slices), or a copy of cur when the stream
// reset (new start time, changed bounds, or any count that went down).
func histDelta(d, cur, last *Hist, startChanged bool) (reset bool) {
	reset = startChanged || !sameBounds(cur.Bounds, last.Bounds) || cur.Count < last.Count ||
		len(cur.Counts) != len(last.Counts)
	if !reset {
		for i := range cur.Counts {
			if cur.Counts[i] < last.Counts[i] {
				reset = true
				break
			}
		}
	}
	d.Bounds = cur.Bounds
	d.Counts = append(d.Counts[:0], cur.Counts...)
	d.Count, d.Sum, d.HasSum = cur.Count, cur.Sum, cur.HasSum
	d.Min, d.HasMin, d.Max, d.HasMax = cur.Min, cur.HasMin, cur.Max, cur.HasMax
	d.Start, d.Time = cur.Start, cur.Time
	if reset {
		return true
	}
	for i := range d.Counts {
		d.Counts[i] -= last.Counts[i]
	}
	d.Count -= last.Count
	d.Sum -= last.Sum
	return false
}
