package overflow

import (
	"math"
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
	if err := a.Add(&Expo{Scale: 3, Pos: Buckets{Offset: 8, Counts: []uint64{1, 1, 1, 1}}}); err != nil { // idx 8..11
		t.Fatal(err)
	}
	if err := a.Add(&Expo{Scale: 1, Pos: Buckets{Offset: 2, Counts: []uint64{7}}}); err != nil { // idx 2 at scale 1
		t.Fatal(err)
	}
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
	if err := a.Add(&Expo{Scale: 4, Pos: Buckets{Offset: 0, Counts: []uint64{1}}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Add(&Expo{Scale: 4, Pos: Buckets{Offset: 100, Counts: []uint64{1}}}); err != nil {
		t.Fatal(err)
	}
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
	if st, _ := s.Expo(1, 2, &Expo{Scale: 99}, 0, false); st != Invalid {
		t.Fatal("invalid scale accepted")
	}
}

func randomExpo(r *rand.Rand) *Expo {
	e := &Expo{Scale: int32(r.IntN(31) - 10), ZeroCount: uint64(r.IntN(3))}
	e.Count = e.ZeroCount
	for _, b := range []*Buckets{&e.Pos, &e.Neg} {
		// Anywhere in the index range of the scale (Expo.Valid).
		lo, hi := IndexRange(e.Scale)
		n := min(int64(r.IntN(40)), hi-lo+1)
		b.Offset = int32(lo + r.Int64N(hi-lo+2-n))
		b.Counts = make([]uint64, n)
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

func TestIndexRange(t *testing.T) {
	for _, tc := range []struct {
		scale  int32
		lo, hi int64
	}{
		{20, -1075 << 20, 1024 << 20}, // ±1.1e9: inside int32
		{0, -1075, 1024},
		{-10, -3, 1},
	} {
		lo, hi := IndexRange(tc.scale)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("scale %d: [%d, %d], want [%d, %d]", tc.scale, lo, hi, tc.lo, tc.hi)
		}
		if lo < math.MinInt32 || hi > math.MaxInt32 {
			t.Errorf("scale %d: range outside int32", tc.scale)
		}
	}
	// The largest float64 falls in the last bucket of the range at scale 0 (2^1023 < v ≤ 2^1024).
	if _, hi := IndexRange(0); int64(math.Ceil(math.Log2(math.MaxFloat64)))-1 > hi {
		t.Error("math.MaxFloat64 outside the index range")
	}
}

// The shapes that made the int32 index arithmetic wrap (makeslice: len out of range, index
// out of range): refused as invalid, aggregate and store untouched, no panic.
func TestExpoExtremeOffsets(t *testing.T) {
	valid := &Expo{Scale: 0, Pos: Buckets{Offset: 3, Counts: []uint64{2}}, Count: 2}
	for name, p := range map[string]*Expo{
		"MinInt32":          {Scale: 0, Pos: Buckets{Offset: math.MinInt32, Counts: []uint64{1}}, Count: 1},
		"MaxInt32":          {Scale: 0, Pos: Buckets{Offset: math.MaxInt32, Counts: []uint64{1}}, Count: 1},
		"MaxInt32-100, 200": {Scale: 20, Neg: Buckets{Offset: math.MaxInt32 - 100, Counts: make([]uint64, 200)}},
		"past the top":      {Scale: 20, Pos: Buckets{Offset: 1 << 30, Counts: []uint64{1, 1}}, Count: 2},
		"below the bottom":  {Scale: -10, Pos: Buckets{Offset: -4, Counts: []uint64{1}}, Count: 1},
	} {
		if p.Valid() {
			t.Errorf("%s: valid", name)
		}
		a := ExpoAgg{}
		if err := a.Add(valid); err != nil {
			t.Fatal(err)
		}
		if err := a.Add(p); err != ErrInvalid {
			t.Errorf("%s: Add = %v, want ErrInvalid", name, err)
		}
		if a.N != 1 || a.E.Count != 2 || a.E.Scale != 0 || a.E.Pos.Offset != 3 || len(a.E.Pos.Counts) != 1 {
			t.Errorf("%s: aggregate changed: %+v", name, a.E)
		}
		s := newStore(0)
		if st, _ := s.Expo(1, 1, p, 0, false); st != Invalid {
			t.Errorf("%s: store status %v, want Invalid", name, st)
		}
		if s.Tracked() != 0 || s.Accumulators() != 0 {
			t.Errorf("%s: an invalid point left state", name)
		}
	}
	// The edges of the range at scale 20 are valid and merge in 64-bit arithmetic: the span
	// between them is 2^31 buckets, more than an int32 holds; downscaling brings it within 160.
	lo, hi := IndexRange(20)
	a := ExpoAgg{}
	for _, off := range []int64{lo, hi} {
		if err := a.Add(&Expo{Scale: 20, Pos: Buckets{Offset: int32(off), Counts: []uint64{1}}, Count: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if len(a.E.Pos.Counts) > DefaultMaxBuckets || bucketsTotal(a.E.Pos) != 2 || a.E.Scale >= 0 {
		t.Fatalf("scale %d, %d buckets", a.E.Scale, len(a.E.Pos.Counts))
	}
}

// A panic while an accumulator is locked (here: a nil point) leaves it unlocked.
func TestAccUnlockedAfterPanic(t *testing.T) {
	var a Acc
	for name, f := range map[string]func(){
		"hist": func() { _ = a.addHist(nil) },
		"expo": func() { _ = a.addExpo(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
		if !a.mu.TryLock() {
			t.Fatalf("%s: accumulator still locked after a panic", name)
		}
		a.mu.Unlock()
	}
}
