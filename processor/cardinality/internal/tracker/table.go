package tracker

import (
	"math"
	"sync/atomic"
)

// table is one shard's set of admitted series: an open-addressing hash table (linear
// probing, 16-byte pointer-free slots) whose lookups take no lock.
//
// Why not a Go map under the shard mutex: on two cores the mutex's cache line moves between
// the cores on nearly every point (each point locks a random shard), which cost ~40 % of the
// second core in BenchmarkParallel. Here a lookup only reads (the slots stay shared in both
// cores' caches) and writes one word at most once per series per second (seen).
//
// Concurrency rules that make lock-free lookups exact:
//   - Writers (insert, evict, rebuild) hold the shard mutex. Every slot word is read and
//     written atomically.
//   - A slot's key only goes empty → key → tombstone; a slot is never reused for another key
//     within one table (no backward-shift deletion, inserts never fill tombstones). So a
//     reader that finds its key has found that series' slot, and a probe that reaches an
//     empty slot proves the key is absent (an insert takes the first empty slot of the probe
//     run, never one the reader already passed).
//   - Tombstones are only cleared by rebuilding into a new slot array, published with an
//     atomic pointer store; readers holding the old array still see a consistent snapshot.
//   - Eviction first swaps the value to deadVal with a CAS, readers update seen with a CAS:
//     one of the two wins, so a series is never evicted after a point refreshed it (the
//     point wins) nor refreshed after its eviction (the reader sees deadVal, reports it
//     absent and the caller re-admits it under the lock), exactly as with a mutex.
//   - A rebuild sets retired on the old array before copying it; a reader whose seen update
//     landed in a retired array redoes it under the mutex, so no update is lost by a copy.
type table struct {
	slots   []slot // len is a power of two; immutable after publication
	shift   uint   // 64 - log2(len(slots))
	low     [2]slot
	retired atomic.Bool
	live    int // admitted series, the low ones included (mutex)
	used    int // slots holding a key or a tombstone (mutex)
}

// slot is one series. key: the series hash, or emptyKey / deadKey. val: metric id << 32 |
// seen tick, or deadVal while the series is being evicted.
type slot struct {
	key atomic.Uint64
	val atomic.Uint64
}

const (
	emptyKey = 0
	deadKey  = 1
	// Series hashes 0 and 1 collide with the markers: they live in table.low, where key is
	// lowLive or emptyKey.
	lowLive = 2
	// deadVal would be metric id 2³²-1, which never exists (metric states are bounded).
	deadVal = math.MaxUint64

	minSlots = 8
	// An insert rebuilds the array past 3/4 used (keys + tombstones): linear probing then
	// needs about 2.5 probes for a hit and 8.5 for a miss, one or two cache lines.
	maxUsedNum, maxUsedDen = 3, 4
)

func packVal(metric, seen uint32) uint64 { return uint64(metric)<<32 | uint64(seen) }

// slotsFor is the power-of-two slot count that holds n series at most half full.
func slotsFor(n int) int {
	s := minSlots
	for s < 2*n {
		s <<= 1
	}
	return s
}

func newTable(n int) *table {
	t := &table{slots: make([]slot, n), shift: 64}
	for x := n; x > 1; x >>= 1 {
		t.shift--
	}
	return t
}

// home is the first slot probed for key k (Fibonacci hashing: the top bits of k times the
// golden ratio, independent of the low bits that chose the shard).
func (t *table) home(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> t.shift }

// find returns the slot of series k, or nil. Safe without the mutex.
func (t *table) find(k uint64) *slot {
	if k <= deadKey {
		if s := &t.low[k]; s.key.Load() == lowLive {
			return s
		}
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		switch s.key.Load() {
		case k:
			return s
		case emptyKey: // there is always one: used ≤ 3/4 of the slots
			return nil
		}
	}
}

// touch sets the seen tick of slot s to tk unless it already is. It reports false when the
// series is being evicted, and updated when it wrote.
func touch(s *slot, tk uint32) (live, updated bool) {
	for {
		v := s.val.Load()
		switch {
		case v == deadVal:
			return false, false
		case uint32(v) == tk:
			return true, false
		case s.val.CompareAndSwap(v, v&^math.MaxUint32|uint64(tk)):
			return true, true
		}
	}
}

// insert adds series k, which must be absent; the mutex is held. It returns the table to use
// from now on (a new one when the slot array had to be rebuilt), not yet published.
func (t *table) insert(k uint64, metric, seen uint32) *table {
	if k <= deadKey {
		t.low[k].val.Store(packVal(metric, seen))
		t.low[k].key.Store(lowLive)
		t.live++
		return t
	}
	if (t.used+1)*maxUsedDen > len(t.slots)*maxUsedNum {
		t = t.rebuild(slotsFor(t.live + 1))
	}
	t.place(k, packVal(metric, seen))
	t.live++
	return t
}

// place stores k in the first empty slot of its probe run: the value first, so that a reader
// that sees the key sees its value.
func (t *table) place(k, v uint64) {
	mask := uint64(len(t.slots) - 1)
	i := t.home(k)
	for t.slots[i].key.Load() != emptyKey {
		i = (i + 1) & mask
	}
	t.slots[i].val.Store(v)
	t.slots[i].key.Store(k)
	t.used++
}

// rebuild copies the live series into a new array of n slots (dropping tombstones) and marks
// t retired; the mutex is held and the caller publishes the result.
func (t *table) rebuild(n int) *table {
	t.retired.Store(true) // before reading any value: see the type comment
	nt := newTable(n)
	for i := range t.low {
		if t.low[i].key.Load() == lowLive {
			nt.low[i].val.Store(t.low[i].val.Load())
			nt.low[i].key.Store(lowLive)
		}
	}
	for i := range t.slots {
		s := &t.slots[i]
		if k := s.key.Load(); k > deadKey {
			nt.place(k, s.val.Load())
		}
	}
	nt.live = t.live
	return nt
}

// evict removes the series whose seen tick stale approves, calling freed with each one's
// metric id; the mutex is held.
func (t *table) evict(stale func(seen uint32) bool, freed func(metric uint32)) {
	kill := func(s *slot) bool {
		for {
			v := s.val.Load()
			if !stale(uint32(v)) {
				return false
			}
			if s.val.CompareAndSwap(v, deadVal) { // else a reader refreshed it: look again
				freed(uint32(v >> 32))
				t.live--
				return true
			}
		}
	}
	for i := range t.low {
		if s := &t.low[i]; s.key.Load() == lowLive && kill(s) {
			s.key.Store(emptyKey)
		}
	}
	for i := range t.slots {
		if s := &t.slots[i]; s.key.Load() > deadKey && kill(s) {
			s.key.Store(deadKey)
		}
	}
}

// shrunk returns a smaller rebuilt table when at most 1/8 of the slots hold live series
// (a large eviction), or nil; the mutex is held.
func (t *table) shrunk() *table {
	if len(t.slots) <= minSlots || t.live*8 > len(t.slots) {
		return nil
	}
	if n := slotsFor(t.live); n < len(t.slots) {
		return t.rebuild(n)
	}
	return nil
}
