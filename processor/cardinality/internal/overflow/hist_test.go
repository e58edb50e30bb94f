package overflow

import (
	"testing"
)

func hist(bounds []float64, counts ...uint64) *Hist {
	h := &Hist{Bounds: bounds, Counts: counts, HasSum: true}
	for i, c := range counts {
		h.Count += c
		h.Sum += float64(c) * float64(i+1)
	}
	return h
}

func TestHistAggDelta(t *testing.T) {
	b := []float64{1, 10}
	var a HistAgg
	p1 := hist(b, 1, 2, 3)
	p1.Min, p1.HasMin, p1.Max, p1.HasMax = 0.5, true, 20, true
	if err := a.Add(p1); err != nil {
		t.Fatal(err)
	}
	p1.Counts[0] = 100 // the aggregate must not alias the input
	p2 := hist(b, 4, 0, 1)
	p2.Min, p2.HasMin = 0.1, true
	if err := a.Add(p2); err != nil {
		t.Fatal(err)
	}
	if a.H.Count != 11 || a.H.Counts[0] != 5 || a.H.Counts[2] != 4 || a.H.Sum != p1.Sum+p2.Sum {
		t.Fatalf("%+v", a.H)
	}
	if a.H.Min != 0.1 || a.H.Max != 20 || !a.H.HasMin || !a.H.HasMax {
		t.Fatalf("min/max %+v", a.H)
	}
	if err := a.Add(hist([]float64{1, 5}, 1, 1, 1)); err != ErrIncompatible {
		t.Fatalf("unequal bounds: %v", err)
	}
	if err := a.Add(&Hist{Bounds: b, Counts: []uint64{1}}); err != ErrInvalid {
		t.Fatalf("counts not matching bounds: %v", err)
	}
	if a.N != 2 {
		t.Fatalf("rejected points changed the aggregate: N=%d", a.N)
	}
}

func TestCumulativeHist(t *testing.T) {
	s := newStore(0)
	b := []float64{1, 10}
	p := hist(b, 1, 1, 1)
	p.Start, p.Time = 10, 20
	_, a := s.Hist(5, 1, p, 0, false)
	p2 := hist(b, 2, 3, 1)
	p2.Start, p2.Time = 10, 30
	s.Hist(5, 1, p2, 0, false) // +1 +2 +0
	q := hist(b, 0, 0, 4)
	q.Start, q.Time = 10, 30
	s.Hist(5, 2, q, 0, false) // new stream: all of it
	p3 := hist(b, 1, 0, 0)
	p3.Start, p3.Time = 10, 40
	s.Hist(5, 1, p3, 0, false) // buckets went down: reset, all of it
	var got Hist
	a.HistValue(&got)
	want := []uint64{2 + 0 + 1, 3 + 0 + 0, 1 + 4 + 0}
	for i := range want {
		if got.Counts[i] != want[i] {
			t.Fatalf("counts %v, want %v", got.Counts, want)
		}
	}
	if got.Count != 11 || got.Sum != p2.Sum+q.Sum+p3.Sum {
		t.Fatalf("count %d sum %v", got.Count, got.Sum)
	}
	if st, _ := s.Hist(5, 3, hist([]float64{2}, 1, 1), 0, false); st != Incompatible {
		t.Fatalf("other bounds: %v", st)
	}
	if s.Tracked() != 2 {
		t.Fatalf("an incompatible stream must not keep state: tracked %d", s.Tracked())
	}
}
