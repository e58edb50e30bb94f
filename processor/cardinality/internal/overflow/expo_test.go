package overflow

import (
	"math/rand/v2"
	"testing"
)

func bucketsTotal(b Buckets) (n uint64) {
	for _, c := range b.Counts {
		n += c
	}
	return n
}

func TestExpoMergeSameScale(t *testing.T) {
	a := ExpoAgg{}
	p := &Expo{Scale: 2, Pos: Buckets{Offset: 3, Counts: []uint64{1, 2}}, Count: 4, ZeroCount: 1}
	q := &Expo{Scale: 2, Pos: Buckets{Offset: 1, Counts: []uint64{5}}, Neg: Buckets{Offset: -2, Counts: []uint64{1}}, Count: 6}
	if err := a.Add(p); err != nil {
		t.Fatal(err)
	}
	if err := a.Add(q); err != nil {
		t.Fatal(err)
	}
	if a.E.Scale != 2 || a.E.Pos.Offset != 1 || len(a.E.Pos.Counts) != 4 || a.E.Pos.Counts[0] != 5 || a.E.Pos.Counts[2] != 1 || a.E.Pos.Counts[3] != 2 {
		t.Fatalf("pos %+v", a.E.Pos)
	}
	if a.E.Count != 10 || a.E.ZeroCount != 1 || bucketsTotal(a.E.Neg) != 1 {
		t.Fatalf("%+v", a.E)
	}
}

func TestExpoMergeDownscales(t *testing.T) {
	a := ExpoAgg{}
	a.Add(&Expo{Scale: 3, Pos: Buckets{Offset: 8, Counts: []uint64{1, 1, 1, 1}}}) // idx 8..11
	a.Add(&Expo{Scale: 1, Pos: Buckets{Offset: 2, Counts: []uint64{7}}})          // idx 2 at scale 1
	// At scale 1, indexes 8..11 become 2 (8>>2 .. 11>>2 = 2).
	if a.E.Scale != 1 || a.E.Pos.Offset != 2 || len(a.E.Pos.Counts) != 1 || a.E.Pos.Counts[0] != 11 {
		t.Fatalf("%+v", a.E)
	}
	// Negative indexes shift down (floor), as the data model requires.
	d := downscale(Buckets{Offset: -3, Counts: []uint64{1, 1, 1}}, 1) // -3,-2,-1 → -2,-1,-1
	if d.Offset != -2 || len(d.Counts) != 2 || d.Counts[0] != 1 || d.Counts[1] != 2 {
		t.Fatalf("%+v", d)
	}
}

func TestExpoMergeRespectsMaxBuckets(t *testing.T) {
	a := ExpoAgg{MaxBuckets: 4}
	a.Add(&Expo{Scale: 4, Pos: Buckets{Offset: 0, Counts: []uint64{1}}})
	a.Add(&Expo{Scale: 4, Pos: Buckets{Offset: 100, Counts: []uint64{1}}})
	if len(a.E.Pos.Counts) > 4 || bucketsTotal(a.E.Pos) != 2 {
		t.Fatalf("scale %d pos %+v", a.E.Scale, a.E.Pos)
	}
}

func TestExpoCumulativeDelta(t *testing.T) {
	last := &Expo{Scale: 2, Pos: Buckets{Offset: 0, Counts: []uint64{1, 1}}, Count: 2, Start: 1}
	cur := &Expo{Scale: 1, Pos: Buckets{Offset: 0, Counts: []uint64{5}}, Count: 5, Start: 1}
	d, reset := expoDelta(cur, last, false)
	if reset || d.Scale != 1 || d.Count != 3 || bucketsTotal(d.Pos) != 3 {
		t.Fatalf("reset=%v %+v", reset, d)
	}
	lower := &Expo{Scale: 1, Pos: Buckets{Offset: 0, Counts: []uint64{1}}, Count: 1, Start: 1}
	if _, reset := expoDelta(lower, last, false); !reset {
		t.Fatal("a lower count must be a reset")
	}
	s := newStore(0)
	_, acc := s.Expo(1, 1, last, 0, false)
	s.Expo(1, 1, cur, 0, false)
	if got := acc.ExpoValue(); got.Count != 5 || bucketsTotal(got.Pos) != 5 {
		t.Fatalf("accumulated %+v", got)
	}
	if st, _ := s.Expo(1, 2, &Expo{Scale: 99}, 0, false); st != Incompatible {
		t.Fatal("invalid scale accepted")
	}
}

func randomExpo(r *rand.Rand) *Expo {
	e := &Expo{Scale: int32(r.IntN(31) - 10), ZeroCount: uint64(r.IntN(3))}
	e.Count = e.ZeroCount
	for _, b := range []*Buckets{&e.Pos, &e.Neg} {
		b.Offset = int32(r.IntN(2000) - 1000)
		b.Counts = make([]uint64, r.IntN(40))
		for i := range b.Counts {
			b.Counts[i] = uint64(r.IntN(4))
			e.Count += b.Counts[i]
		}
	}
	return e
}

func TestExpoMergeConservesCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		a := ExpoAgg{MaxBuckets: 1 + r.IntN(200)}
		var want uint64
		for j := 0; j < 1+r.IntN(6); j++ {
			p := randomExpo(r)
			want += p.Count
			if err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		got := a.E.ZeroCount + bucketsTotal(a.E.Pos) + bucketsTotal(a.E.Neg)
		if got != want || a.E.Count != want {
			t.Fatalf("case %d: buckets %d count %d, want %d", i, got, a.E.Count, want)
		}
		if a.E.Scale > MinScale && (len(a.E.Pos.Counts) > a.MaxBuckets || len(a.E.Neg.Counts) > a.MaxBuckets) {
			t.Fatalf("case %d: %d/%d buckets over max %d at scale %d", i, len(a.E.Pos.Counts), len(a.E.Neg.Counts), a.MaxBuckets, a.E.Scale)
		}
	}
}
