package overflow

import (
	"math"
	"testing"
)

// reader turns fuzz bytes into small numbers.
type reader struct{ b []byte }

func (r *reader) u8() uint8 {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) u16() uint16 { return uint16(r.u8())<<8 | uint16(r.u8()) }

func (r *reader) i32() int32 { return int32(uint32(r.u16())<<16 | uint32(r.u16())) }

// expo reads a point: scale, zero count, start, then for each sign a mode byte, a length
// and an offset. Mode bit 1 picks the offset: inside the index range of the scale (two
// bytes) or any int32 up to math.MinInt32/math.MaxInt32 (four bytes, mostly invalid points,
// which must be refused, never panic). Mode bit 0 allows up to 255 buckets instead of 63.
func (r *reader) expo() *Expo {
	e := &Expo{Scale: int32(r.u8()%31) - 10, ZeroCount: uint64(r.u8() % 4), Start: uint64(r.u8() % 3)}
	e.Count = e.ZeroCount
	for _, b := range []*Buckets{&e.Pos, &e.Neg} {
		mode, n := r.u8(), int(r.u8())
		if mode&1 == 0 {
			n %= 64
		}
		if mode&2 == 0 {
			lo, hi := IndexRange(e.Scale)
			b.Offset = int32(lo + int64(r.u16())%(hi-lo+1))
		} else {
			b.Offset = r.i32()
		}
		b.Counts = make([]uint64, n)
		for i := range b.Counts {
			b.Counts[i] = uint64(r.u8() % 8)
			e.Count += b.Counts[i]
		}
	}
	return e
}

func expoTotal(e *Expo) uint64 { return e.ZeroCount + bucketsTotal(e.Pos) + bucketsTotal(e.Neg) }

// expoSeed encodes points for the reader: each is scale, then per sign (offset, counts);
// offsets are written as full int32 (mode bit 1) with up to 255 buckets (mode bit 0).
func expoSeed(maxBuckets byte, points ...[5]any) []byte {
	b := []byte{maxBuckets}
	for _, p := range points {
		b = append(b, byte(p[0].(int32)+10), 0, 1)
		for _, i := range []int{1, 3} {
			off, counts := uint32(p[i].(int32)), p[i+1].([]uint64)
			b = append(b, 3, byte(len(counts)), byte(off>>24), byte(off>>16), byte(off>>8), byte(off))
			for _, c := range counts {
				b = append(b, byte(c))
			}
		}
	}
	return b
}

func ones(n int) []uint64 {
	c := make([]uint64, n)
	for i := range c {
		c[i] = 1
	}
	return c
}

// FuzzExpoMerge: merging never panics; it refuses invalid points (ErrInvalid, aggregate
// unchanged) and only those; it never loses or invents counts of the points it takes; and
// the merged ranges stay within the bucket bound (or, at the minimum scale, within the few
// buckets of the whole float64 range) with every index an int32.
func FuzzExpoMerge(f *testing.F) {
	f.Add([]byte{3, 1, 0, 0, 0, 10, 0, 0, 1, 2, 3, 0, 0, 0, 0, 2, 1, 1})
	f.Add([]byte{30, 0, 0x80, 0, 0, 60, 0, 0, 7, 7, 7, 7, 0, 0x7f, 0xff, 2, 1, 1})
	// The shapes that once made the int32 index arithmetic wrap (makeslice: len out of
	// range, index out of range): math.MinInt32 next to math.MaxInt32, and 200 buckets from
	// math.MaxInt32-100; and a valid point before and after them.
	valid := [5]any{int32(3), int32(5), ones(4), int32(-9), ones(2)}
	f.Add(expoSeed(159, valid, [5]any{int32(0), int32(math.MinInt32), ones(1), int32(0), ones(0)},
		[5]any{int32(0), int32(math.MaxInt32), ones(1), int32(0), ones(0)}, valid))
	f.Add(expoSeed(159, [5]any{int32(20), int32(math.MaxInt32 - 100), ones(200), int32(math.MinInt32), ones(200)}, valid))
	f.Add(expoSeed(0, valid, [5]any{int32(20), int32(1 << 30), ones(1), int32(-1127219200), ones(1)},
		[5]any{int32(-10), int32(-3), ones(5), int32(1), ones(1)}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &reader{b: data}
		a := ExpoAgg{MaxBuckets: 1 + int(r.u8()%160)}
		lo, hi := IndexRange(MinScale)
		bound := max(a.MaxBuckets, int(hi-lo+1))
		var want uint64
		for len(r.b) > 0 {
			p := r.expo()
			before := a
			err := a.Add(p)
			if !p.Valid() {
				if err != ErrInvalid || a.N != before.N || a.E.Count != before.E.Count {
					t.Fatalf("invalid point: err %v, N %d→%d", err, before.N, a.N)
				}
				continue
			}
			if err != nil {
				t.Fatalf("valid point refused: %v", err)
			}
			want += p.Count
			for _, b := range []Buckets{a.E.Pos, a.E.Neg} {
				if len(b.Counts) > bound || (a.E.Scale > MinScale && len(b.Counts) > a.MaxBuckets) {
					t.Fatalf("%d buckets at scale %d, bound %d", len(b.Counts), a.E.Scale, a.MaxBuckets)
				}
				if b.hi() > math.MaxInt32 {
					t.Fatalf("index %d past int32", b.hi())
				}
			}
		}
		if a.N == 0 {
			return
		}
		if got := expoTotal(&a.E); got != want || a.E.Count != want {
			t.Fatalf("buckets %d count %d, want %d", got, a.E.Count, want)
		}
	})
}

// FuzzExpoCumulative: a cumulative stream fed through the store accumulates exactly the
// counts of its segments (increase per point, whole value after a reset).
func FuzzExpoCumulative(f *testing.F) {
	f.Add([]byte{3, 1, 0, 0, 10, 1, 2, 3, 0, 0, 0, 5, 0, 0, 2, 1, 1, 3, 2, 0, 0, 10, 2, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &reader{b: data}
		s := NewStore(StoreConfig{StaleAfter: 1e12})
		var acc *Acc
		var last *Expo
		var want uint64
		for len(r.b) > 0 {
			p := r.expo()
			st, a := s.Expo(1, 1, p, 0, false)
			if !p.Valid() {
				if st != Invalid {
					t.Fatalf("invalid point: status %v", st)
				}
				continue
			}
			if st != Merged {
				t.Fatalf("status %v", st)
			}
			acc = a
			if last != nil {
				if d, reset := expoDelta(p, last, last.Start != p.Start); reset {
					want += p.Count
				} else {
					want += d.Count
				}
			} else {
				want += p.Count
			}
			last = p
		}
		if acc == nil {
			return
		}
		got := acc.ExpoValue()
		if got.Count != want || expoTotal(&got) != want {
			t.Fatalf("count %d buckets %d, want %d", got.Count, expoTotal(&got), want)
		}
	})
}

// FuzzHistCumulative: explicit histograms through the store keep bucket totals equal to the
// accumulated count, and the accumulated count equals the sum of segment increases.
func FuzzHistCumulative(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewStore(StoreConfig{StaleAfter: 1e12})
		bounds := []float64{1, 2, 5}
		cur := make([]uint64, 4)
		var acc *Acc
		var want uint64
		var last []uint64
		lastStart := uint64(0)
		start := uint64(1)
		for i := 0; i+1 < len(data); i += 2 {
			op, v := data[i], uint64(data[i+1])
			switch op % 8 {
			case 0:
				start++
				cur = []uint64{v % 3, 0, 0, 0}
			case 1:
				cur = []uint64{0, v % 2, 0, 0} // may decrease: reset by value
			default:
				cur[op%4] += v
			}
			p := &Hist{Bounds: bounds, Counts: append([]uint64(nil), cur...), Start: start}
			for _, c := range cur {
				p.Count += c
			}
			before := uint64(0)
			if acc != nil {
				var h Hist
				acc.HistValue(&h)
				before = h.Count
			}
			st, a := s.Hist(1, 1, p, 0, false)
			if st != Merged {
				t.Fatalf("status %v", st)
			}
			acc = a
			var h Hist
			acc.HistValue(&h)
			if h.Count < before {
				t.Fatalf("accumulated count went down %d → %d", before, h.Count)
			}
			reset := last == nil || start != lastStart
			var sum, lastSum uint64
			for j, c := range cur {
				sum += c
				if last != nil {
					lastSum += last[j]
					if c < last[j] {
						reset = true
					}
				}
			}
			if reset {
				want += sum
			} else {
				want += sum - lastSum
			}
			if h.Count != want {
				t.Fatalf("accumulated %d, want %d", h.Count, want)
			}
			last, lastStart = append([]uint64(nil), cur...), start
			var bt uint64
			for _, c := range h.Counts {
				bt += c
			}
			if bt != h.Count {
				t.Fatalf("buckets %d != count %d", bt, h.Count)
			}
		}
	})
}
