package overflow

import (
	"math/rand/v2"
	"testing"
	"time"
)

const sec = int64(time.Second)

func TestSumAggDelta(t *testing.T) {
	var a SumAgg
	a.Add(IntNum(3), 100, 200)
	a.Add(IntNum(4), 50, 300)
	if v := a.Value(); v.IsFloat || v.Int != 7 || a.Start != 50 || a.Time != 300 || a.N != 2 {
		t.Fatalf("int agg %+v %+v", v, a)
	}
	a.Add(FloatNum(0.5), 0, 10)
	if v := a.Value(); !v.IsFloat || v.Float != 7.5 || a.Start != 50 || a.Time != 300 {
		t.Fatalf("mixed agg %+v", v)
	}
}

func TestGaugeLast(t *testing.T) {
	var g GaugeLast
	g.Add(IntNum(1), 10)
	g.Add(IntNum(2), 5)
	g.Add(IntNum(3), 10)
	if g.V.Int != 3 || g.Time != 10 || g.N != 3 {
		t.Fatalf("%+v", g)
	}
}

func newStore(max int) *Store {
	return NewStore(StoreConfig{MaxStreams: max, StaleAfter: time.Minute, Shards: 4})
}

func total(t *testing.T, a *Acc) int64 {
	t.Helper()
	v, _ := a.SumValue()
	if v.IsFloat {
		t.Fatalf("float total %v", v.Float)
	}
	return v.Int
}

func TestCumulativeSumIncreasesAndResets(t *testing.T) {
	s := newStore(0)
	const key = 9
	// Stream 1 enters overflow at 10: all of it counts (none of it was passed on).
	_, a := s.Sum(key, 1, IntNum(10), true, 1000, 2000, 0, false)
	if total(t, a) != 10 {
		t.Fatalf("first point: %d", total(t, a))
	}
	s.Sum(key, 1, IntNum(15), true, 1000, 3000, 0, false) // +5
	s.Sum(key, 2, IntNum(7), true, 1500, 3000, 0, false)  // new stream +7
	s.Sum(key, 1, IntNum(3), true, 1000, 4000, 0, false)  // went down: reset, +3
	s.Sum(key, 2, IntNum(2), true, 9000, 9500, 0, false)  // new start: restart, +2
	s.Sum(key, 2, IntNum(2), true, 9000, 9600, 0, false)  // unchanged, +0
	if got := total(t, a); got != 27 {
		t.Fatalf("total %d, want 27", got)
	}
	if a.Start() != 1000 {
		t.Fatalf("accumulator start %d, want the first point's start", a.Start())
	}
	if _, ts := a.SumValue(); ts != 9600 {
		t.Fatalf("time %d", ts)
	}
	if s.Tracked() != 2 || s.Accumulators() != 1 {
		t.Fatalf("tracked %d accs %d", s.Tracked(), s.Accumulators())
	}
}

func TestCumulativeNonMonotonic(t *testing.T) {
	s := newStore(0)
	_, a := s.Sum(1, 1, FloatNum(5), false, 10, 20, 0, false)
	s.Sum(1, 1, FloatNum(2), false, 10, 30, 0, false) // an up-down counter may go down: -3
	v, _ := a.SumValue()
	if v.Float != 2 {
		t.Fatalf("total %v, want 2", v.Float)
	}
}

func TestCumulativeExistingOnlyAndCap(t *testing.T) {
	s := newStore(2)
	if st, _ := s.Sum(1, 1, IntNum(1), true, 0, 1, 0, true); st != NotTracked {
		t.Fatalf("existingOnly on unknown stream: %v", st)
	}
	s.Sum(1, 1, IntNum(1), true, 0, 1, 0, false)
	s.Sum(1, 2, IntNum(1), true, 0, 1, 0, false)
	if st, _ := s.Sum(1, 3, IntNum(1), true, 0, 1, 0, false); st != StateFull {
		t.Fatalf("third stream over a cap of 2: %v", st)
	}
	if st, _ := s.Sum(1, 2, IntNum(5), true, 0, 2, 0, true); st != Merged {
		t.Fatalf("existing stream: %v", st)
	}
}

func TestStoreExpiry(t *testing.T) {
	s := newStore(1)
	_, a := s.Sum(7, 1, IntNum(10), true, 100, 100, 0, false)
	if s.SweepAll(59*sec) != 0 {
		t.Fatal("evicted before stale")
	}
	if n := s.SweepAll(61 * sec); n != 1 || s.Tracked() != 0 || s.Accumulators() != 0 || s.Evicted() != 1 {
		t.Fatalf("evicted %d tracked %d accs %d", n, s.Tracked(), s.Accumulators())
	}
	// The slot is free again; the comeback starts a new accumulator (a new cumulative series).
	st, b := s.Sum(7, 1, IntNum(12), true, 100, 70*1e9, 62*sec, false)
	if st != Merged || b == a || total(t, b) != 12 {
		t.Fatalf("comeback: %v same=%v total=%d", st, b == a, total(t, b))
	}
}

// TestCumulativeTotalsProperty: whatever the interleaving, resets and value types, the
// accumulated total equals the sum of every stream segment's last value (what the streams
// would have contributed as separate series).
func TestCumulativeTotalsProperty(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		s := newStore(0)
		nStreams := 1 + r.IntN(20)
		cur := make([]int64, nStreams)
		start := make([]uint64, nStreams)
		segEnd := int64(0) // sum of values at the end of closed segments
		var acc *Acc
		for step := 0; step < 300; step++ {
			i := r.IntN(nStreams)
			switch r.IntN(10) {
			case 0: // restart with a new start time
				segEnd += cur[i]
				cur[i] = int64(r.IntN(5))
				start[i] = uint64(step + 1)
			case 1: // restart keeping the start time, detected by the decrease
				if cur[i] > 0 {
					segEnd += cur[i]
					cur[i] = int64(r.IntN(int(cur[i])))
				}
			default:
				cur[i] += int64(r.IntN(100))
			}
			_, a := s.Sum(3, uint64(i)+100, IntNum(cur[i]), true, start[i], uint64(step), 0, false)
			acc = a
		}
		want := segEnd
		for _, v := range cur {
			want += v
		}
		if got := total(t, acc); got != want {
			t.Fatalf("seed %d: total %d, want %d", seed, got, want)
		}
	}
}
