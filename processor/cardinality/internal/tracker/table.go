package tracker

// table is one shard's set of admitted series: an open-addressing hash table with linear
// probing over 16-byte slots, no pointers (the GC never scans it) and deletion by backward
// shift (no tombstones, so probe lengths do not degrade under churn).
//
// Compared with a Go map[uint64]entry it takes one dependent memory access per lookup (the
// slot array; a probe stays within one or two cache lines) instead of the map header,
// directory, table and group, which is what dominates the lookup once the series no longer
// fit in the CPU caches. It is not safe for concurrent use: the shard mutex guards it.
type table struct {
	slots []slot // len is a power of two (or 0 before the first insert)
	shift uint   // 64 - log2(len(slots))
	n     int    // occupied slots (the zero key excluded)
	zero  slot   // the series whose hash is 0 (key 0 marks an empty slot)
	hasZ  bool
}

type slot struct {
	key    uint64 // series hash; 0 = empty
	metric uint32
	seen   uint32
}

const (
	minTableSlots = 8
	// Grow past 3/4 full: linear probing then needs about 2.5 probes for a hit and 8.5 for a
	// miss, i.e. one or two cache lines of four slots.
	maxLoadNum, maxLoadDen = 3, 4
)

func newTable(capacity int) table {
	var t table
	if capacity > 0 {
		t.resize(slotsFor(capacity))
	}
	return t
}

// slotsFor is the power-of-two slot count that holds n series at most half full.
func slotsFor(n int) int {
	s := minTableSlots
	for s < 2*n {
		s <<= 1
	}
	return s
}

// home is the first slot probed for key k (Fibonacci hashing: the top bits of k times the
// golden ratio, so that even unmixed keys spread).
func (t *table) home(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> t.shift }

func (t *table) len() int {
	if t.hasZ {
		return t.n + 1
	}
	return t.n
}

// find returns the slot holding k, or nil.
func (t *table) find(k uint64) *slot {
	if k == 0 {
		if t.hasZ {
			return &t.zero
		}
		return nil
	}
	if len(t.slots) == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == k {
			return s
		}
		if s.key == 0 {
			return nil
		}
	}
}

// insert adds k, which must not be present.
func (t *table) insert(k uint64, metric, seen uint32) {
	if k == 0 {
		t.zero, t.hasZ = slot{metric: metric, seen: seen}, true
		return
	}
	if (t.n+1)*maxLoadDen > len(t.slots)*maxLoadNum {
		t.resize(max(minTableSlots, 2*len(t.slots)))
	}
	t.place(slot{key: k, metric: metric, seen: seen})
	t.n++
}

func (t *table) place(s slot) {
	mask := uint64(len(t.slots) - 1)
	i := t.home(s.key)
	for t.slots[i].key != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

// resize rehashes into n slots (a power of two that holds every entry under the load limit).
func (t *table) resize(n int) {
	old := t.slots
	t.slots = make([]slot, n)
	t.shift = 64
	for x := n; x > 1; x >>= 1 {
		t.shift--
	}
	for _, s := range old {
		if s.key != 0 {
			t.place(s)
		}
	}
}

// deleteAt empties slot i and shifts the following entries of its probe run back so that
// every entry stays reachable from its home slot.
func (t *table) deleteAt(i uint64) {
	mask := uint64(len(t.slots) - 1)
	t.n--
	for {
		t.slots[i] = slot{}
		j := i
		for {
			j = (j + 1) & mask
			k := t.slots[j].key
			if k == 0 {
				return
			}
			// The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
			h := t.home(k)
			if (i <= j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
				t.slots[i] = t.slots[j]
				i = j
				break
			}
		}
	}
}

// evict removes every entry for which stale returns true and calls freed with its metric.
// An entry shifted back into the slot just emptied is examined again before moving on, and
// an entry can only shift into a slot already visited from the wrapped start of the array
// (visited too), so each entry is examined at least once.
func (t *table) evict(stale func(seen uint32) bool, freed func(metric uint32)) {
	if t.hasZ && stale(t.zero.seen) {
		freed(t.zero.metric)
		t.zero, t.hasZ = slot{}, false
	}
	for i := 0; i < len(t.slots); {
		s := t.slots[i]
		if s.key != 0 && stale(s.seen) {
			freed(s.metric)
			t.deleteAt(uint64(i))
			continue
		}
		i++
	}
}

// shrink rebuilds the table smaller when it is at most 1/8 full (a slot array never shrinks
// by itself after a large eviction).
func (t *table) shrink() bool {
	if len(t.slots) <= minTableSlots || t.n*8 > len(t.slots) {
		return false
	}
	if n := slotsFor(t.n); n < len(t.slots) {
		t.resize(n)
		return true
	}
	return false
}
