package overflow

import "testing"

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

func (r *reader) expo() *Expo {
	e := &Expo{Scale: int32(r.u8()%31) - 10, ZeroCount: uint64(r.u8() % 4), Start: uint64(r.u8() % 3)}
	e.Count = e.ZeroCount
	for _, b := range []*Buckets{&e.Pos, &e.Neg} {
		b.Offset = int32(int16(r.u16()))
		b.Counts = make([]uint64, r.u8()%64)
		for i := range b.Counts {
			b.Counts[i] = uint64(r.u8() % 8)
			e.Count += b.Counts[i]
		}
	}
	return e
}

func expoTotal(e *Expo) uint64 { return e.ZeroCount + bucketsTotal(e.Pos) + bucketsTotal(e.Neg) }

// FuzzExpoMerge: merging never panics, never loses or invents counts, and keeps within the
// bucket bound unless the minimum scale is reached.
func FuzzExpoMerge(f *testing.F) {
	f.Add([]byte{3, 1, 0, 0, 10, 1, 2, 3, 0, 0, 0, 5, 0, 0, 2, 1, 1})
	f.Add([]byte{30, 0, 0x80, 0, 60, 7, 7, 7, 7, 0, 0x7f, 0xff, 2, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &reader{b: data}
		a := ExpoAgg{MaxBuckets: 1 + int(r.u8()%160)}
		var want uint64
		for len(r.b) > 0 {
			p := r.expo()
			want += p.Count
			if err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		if a.N == 0 {
			return
		}
		if got := expoTotal(&a.E); got != want || a.E.Count != want {
			t.Fatalf("buckets %d count %d, want %d", got, a.E.Count, want)
		}
		if a.E.Scale > MinScale && (len(a.E.Pos.Counts) > a.MaxBuckets || len(a.E.Neg.Counts) > a.MaxBuckets) {
			t.Fatalf("bucket bound exceeded at scale %d", a.E.Scale)
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
