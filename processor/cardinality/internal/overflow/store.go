package overflow

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/clock"
)

// Status is the outcome of offering a cumulative point to the Store.
type Status uint8

const (
	// Merged: the point's increase was added to its overflow accumulator.
	Merged Status = iota
	// NotTracked: ExistingOnly was asked and the stream has no overflow state.
	NotTracked
	// StateFull: the stream is new and MaxStreams streams are already tracked.
	StateFull
	// Incompatible: the histogram cannot merge into the accumulator (bounds differ).
	Incompatible
	// Invalid: the histogram is malformed on its own (see Hist.Valid, Expo.Valid). An
	// existingOnly offer of a stream without state is NotTracked whatever the point: the
	// caller admits or merges it like any other, and only a point that has to merge is
	// refused for its layout.
	Invalid
)

// StoreConfig configures a Store.
type StoreConfig struct {
	// MaxStreams caps the overflowed cumulative streams with state (0 = no cap).
	MaxStreams int
	StaleAfter time.Duration
	// Shards is rounded up to a power of two; 0 means 256.
	Shards int
	// Epoch is the origin of the internal second clock (unix nanoseconds).
	Epoch int64
	// MaxBuckets bounds merged exponential histograms (0 = DefaultMaxBuckets).
	MaxBuckets int
}

// Acc is the cumulative overflow accumulator of one overflow identity.
type Acc struct {
	mu    sync.Mutex
	key   uint64
	refs  int64 // streams pointing here; guarded by Store.accMu
	start uint64
	sum   SumAgg
	hist  HistAgg
	expo  ExpoAgg
}

// Start is the accumulator's start timestamp: set once, at creation, so the output is one
// unbroken cumulative series while any stream feeds it.
func (a *Acc) Start() uint64 { return a.start }

// SumValue is the running total and the latest timestamp merged.
func (a *Acc) SumValue() (Num, uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sum.Value(), a.sum.Time
}

// HistValue copies the running histogram into dst (reusing dst's slices).
func (a *Acc) HistValue(dst *Hist) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, c := dst.Bounds[:0], dst.Counts[:0]
	*dst = a.hist.H
	dst.Bounds = append(b, a.hist.H.Bounds...)
	dst.Counts = append(c, a.hist.H.Counts...)
}

// ExpoValue copies the running exponential histogram.
func (a *Acc) ExpoValue() Expo {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.expo.E.clone(a.expo.E.Scale)
}

// addSum, addHist and addExpo merge under the accumulator's lock, released on every path.
func (a *Acc) addSum(v Num, ts uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sum.Add(v, 0, ts)
}

func (a *Acc) addHist(p *Hist) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hist.Add(p)
}

func (a *Acc) addExpo(p *Expo) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.expo.Add(p)
}

// sumStream is the state of one overflowed cumulative sum stream (24 bytes, no pointers
// besides acc).
type sumStream struct {
	last  uint64 // int64 or float64 bits
	acc   *Acc
	start uint32 // folded start timestamp; bit 0 = last is a float
	seen  uint32
}

type histStream struct {
	last Hist
	acc  *Acc
	seen uint32
}

type expoStream struct {
	last Expo
	acc  *Acc
	seen uint32
}

type storeShard struct {
	mu    sync.Mutex
	sums  map[uint64]sumStream
	hists map[uint64]*histStream
	expos map[uint64]*expoStream
	delta Hist // scratch for histogram increases, guarded by mu
	_     [32]byte
}

// Store holds the per-stream state that turns overflowed cumulative streams into increases
// of one cumulative overflow point. Safe for concurrent use.
type Store struct {
	cfg        StoreConfig
	staleTicks uint32
	mask       uint64
	shards     []storeShard
	tracked    atomic.Int64
	evicted    atomic.Uint64
	cursor     atomic.Uint64

	accMu sync.Mutex
	accs  map[uint64]*Acc
}

// NewStore returns a Store.
func NewStore(cfg StoreConfig) *Store {
	n := cfg.Shards
	if n <= 0 {
		n = 256
	}
	p := 1
	for p < n {
		p <<= 1
	}
	stale := cfg.StaleAfter / time.Second
	if stale < 1 {
		stale = 1
	}
	s := &Store{cfg: cfg, staleTicks: uint32(min(stale, 1<<31)), mask: uint64(p - 1),
		shards: make([]storeShard, p), accs: map[uint64]*Acc{}}
	for i := range s.shards {
		s.shards[i] = storeShard{sums: map[uint64]sumStream{}, hists: map[uint64]*histStream{},
			expos: map[uint64]*expoStream{}}
	}
	return s
}

func (s *Store) tick(now int64) uint32 { return clock.Tick(s.cfg.Epoch, now) }

func (s *Store) shardOf(h uint64) *storeShard { return &s.shards[(h>>32^h)&s.mask] }

// fold keeps 31 well-mixed bits of a start timestamp: enough to notice that it changed
// (a miss needs a 2⁻³¹ coincidence), in 4 bytes instead of 8.
func fold(start uint64) uint32 { return uint32((start*0x9e3779b97f4a7c15)>>32) &^ 1 }

// Tracked is the number of overflowed streams with state.
func (s *Store) Tracked() int64 { return s.tracked.Load() }

// Evicted is the number of stream states evicted as stale.
func (s *Store) Evicted() uint64 { return s.evicted.Load() }

// reserve takes a stream slot, creating or sharing the accumulator of key.
func (s *Store) reserve(key, start, ts uint64) (*Acc, bool) {
	if max := int64(s.cfg.MaxStreams); max > 0 && s.tracked.Add(1) > max {
		s.tracked.Add(-1)
		return nil, false
	} else if max <= 0 {
		s.tracked.Add(1)
	}
	return s.acc(key, start, ts), true
}

// acc returns the accumulator of key with one more reference, creating it if needed.
func (s *Store) acc(key, start, ts uint64) *Acc {
	s.accMu.Lock()
	defer s.accMu.Unlock()
	a := s.accs[key]
	if a == nil {
		if start == 0 || start > ts {
			start = ts
		}
		a = &Acc{key: key, start: start}
		a.expo.MaxBuckets = s.cfg.MaxBuckets
		s.accs[key] = a
	}
	a.refs++
	return a
}

// release undoes reserve (a stream that did not merge, or an evicted one).
func (s *Store) release(a *Acc) {
	s.tracked.Add(-1)
	s.accMu.Lock()
	defer s.accMu.Unlock()
	a.refs--
	if a.refs == 0 && s.accs[a.key] == a {
		delete(s.accs, a.key)
	}
}

// Sum offers a cumulative sum point of stream h whose overflow identity is key. With
// existingOnly, a stream without state is left alone (NotTracked): callers use it to keep a
// stream in overflow until it goes stale. A new stream contributes its whole value (nothing
// of it was passed on); later points contribute their increase; a reset (start time changed,
// or a monotonic value that went down) contributes the new value.
func (s *Store) Sum(key, h uint64, v Num, monotonic bool, start, ts uint64, now int64, existingOnly bool) (Status, *Acc) {
	if existingOnly && s.tracked.Load() == 0 {
		return NotTracked, nil // nothing in overflow: no lock, no lookup
	}
	sh := s.shardOf(h)
	tk := s.tick(now)
	f := fold(start)
	bits, flag := uint64(v.Int), uint32(0)
	if v.IsFloat {
		bits, flag = floatBits(v.Float), 1
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st, ok := sh.sums[h]
	if !ok {
		if existingOnly {
			return NotTracked, nil
		}
		a, ok := s.reserve(key, start, ts)
		if !ok {
			return StateFull, nil
		}
		a.addSum(v, ts)
		sh.sums[h] = sumStream{last: bits, acc: a, start: f | flag, seen: tk}
		return Merged, a
	}
	last := Num{Int: int64(st.last), IsFloat: st.start&1 == 1}
	if last.IsFloat {
		last = FloatNum(floatFrom(st.last))
	}
	d, _ := sub(v, last, monotonic, st.start&^1 != f)
	st.acc.addSum(d, ts)
	st.last, st.start, st.seen = bits, f|flag, tk
	sh.sums[h] = st
	return Merged, st.acc
}

// Hist offers a cumulative explicit-bucket histogram point (see Sum).
func (s *Store) Hist(key, h uint64, p *Hist, now int64, existingOnly bool) (Status, *Acc) {
	if existingOnly && s.tracked.Load() == 0 {
		return NotTracked, nil
	}
	sh := s.shardOf(h)
	tk := s.tick(now)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.hists[h]
	if st == nil && existingOnly {
		return NotTracked, nil
	}
	if !p.Valid() {
		return Invalid, nil
	}
	if st == nil {
		a, ok := s.reserve(key, p.Start, p.Time)
		if !ok {
			return StateFull, nil
		}
		if err := a.addHist(p); err != nil {
			s.release(a)
			return Incompatible, nil
		}
		st = &histStream{acc: a, seen: tk}
		copyHist(&st.last, p)
		sh.hists[h] = st
		return Merged, a
	}
	d := &sh.delta
	histDelta(d, p, &st.last, st.last.Start != p.Start)
	if err := st.acc.addHist(d); err != nil {
		// The stream changed its bounds: its history stays merged, the new point is dropped.
		return Incompatible, nil
	}
	copyHist(&st.last, p)
	st.seen = tk
	return Merged, st.acc
}

// Expo offers a cumulative exponential histogram point (see Sum).
func (s *Store) Expo(key, h uint64, p *Expo, now int64, existingOnly bool) (Status, *Acc) {
	if existingOnly && s.tracked.Load() == 0 {
		return NotTracked, nil
	}
	sh := s.shardOf(h)
	tk := s.tick(now)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.expos[h]
	if st == nil && existingOnly {
		return NotTracked, nil
	}
	if !p.Valid() {
		return Invalid, nil
	}
	if st == nil {
		a, ok := s.reserve(key, p.Start, p.Time)
		if !ok {
			return StateFull, nil
		}
		if err := a.addExpo(p); err != nil {
			s.release(a)
			return Incompatible, nil
		}
		sh.expos[h] = &expoStream{last: p.clone(p.Scale), acc: a, seen: tk}
		return Merged, a
	}
	d, _ := expoDelta(p, &st.last, st.last.Start != p.Start)
	if err := st.acc.addExpo(&d); err != nil {
		return Incompatible, nil
	}
	st.last, st.seen = p.clone(p.Scale), tk
	return Merged, st.acc
}

func copyHist(dst, src *Hist) {
	b, c := dst.Bounds[:0], dst.Counts[:0]
	*dst = *src
	dst.Bounds = append(b, src.Bounds...)
	dst.Counts = append(c, src.Counts...)
}

// Sweep evicts stale streams of one shard (round robin); an accumulator goes away with its
// last stream, so an overflow series that comes back later starts a new cumulative series.
func (s *Store) Sweep(now int64) int {
	i := (s.cursor.Add(1) - 1) & s.mask
	tk := s.tick(now)
	sh := &s.shards[i]
	stale := func(seen uint32) bool { return seen <= tk && tk-seen >= s.staleTicks }
	freed := sh.evictStale(stale)
	for _, a := range freed {
		s.release(a)
	}
	s.evicted.Add(uint64(len(freed)))
	return len(freed)
}

// evictStale removes the stale streams of the shard under its lock and returns their
// accumulators.
func (sh *storeShard) evictStale(stale func(seen uint32) bool) (freed []*Acc) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for h, st := range sh.sums {
		if stale(st.seen) {
			delete(sh.sums, h)
			freed = append(freed, st.acc)
		}
	}
	for h, st := range sh.hists {
		if stale(st.seen) {
			delete(sh.hists, h)
			freed = append(freed, st.acc)
		}
	}
	for h, st := range sh.expos {
		if stale(st.seen) {
			delete(sh.expos, h)
			freed = append(freed, st.acc)
		}
	}
	if len(freed) > 0 && len(sh.sums) == 0 {
		sh.sums = map[uint64]sumStream{} // a Go map never shrinks on delete
	}
	return freed
}

// SweepAll runs Sweep once per shard.
func (s *Store) SweepAll(now int64) int {
	n := 0
	for range s.shards {
		n += s.Sweep(now)
	}
	return n
}

// Shards is the number of shards (Sweep calls per full pass).
func (s *Store) Shards() int { return len(s.shards) }

// Accumulators is the number of live cumulative overflow accumulators.
func (s *Store) Accumulators() int {
	s.accMu.Lock()
	defer s.accMu.Unlock()
	return len(s.accs)
}
