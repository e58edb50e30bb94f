// Package tracker admits metric series up to global and per-metric limits, first come first
// served, and forgets series that have been idle for longer than a staleness period. It knows
// nothing of pdata: callers hash series with Hasher and pass the hashes in.
package tracker

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/clock"
)

// Decision is the outcome of an admission attempt.
type Decision uint8

const (
	// Admitted: the series is known or was just admitted; pass its points through.
	Admitted Decision = iota
	// RejectedMetric: the metric (or its partition) has no free slot.
	RejectedMetric
	// RejectedGlobal: the global series cap is reached.
	RejectedGlobal
)

// DefaultShards is the number of independently locked shards (a power of two).
const DefaultShards = 256

// Config configures a Tracker.
type Config struct {
	Limits     Limits
	StaleAfter time.Duration
	// Shards is rounded up to a power of two; 0 means DefaultShards.
	Shards int
	// Epoch is the origin of the internal second clock (unix nanoseconds).
	Epoch int64
}

// shard is one independently locked part of the admitted series. The mutex serialises
// writers only (admissions, sweeps); lookups of admitted series read tab without it (see
// table). The hot fields are padded to 128 bytes so that two shards never share a cache
// line whatever the alignment of the array (no false sharing between cores).
type shard struct {
	mu  sync.Mutex
	tab atomic.Pointer[table] // nil until the first admission
	_   [128 - 16]byte
}

// Tracker is safe for concurrent use.
type Tracker struct {
	limits     Limits
	staleTicks uint32
	epoch      int64
	mask       uint64
	shards     []shard

	global  atomic.Int64 // admitted series (excluded metrics included)
	evicted atomic.Uint64
	cursor  atomic.Uint64

	metricsMu  sync.RWMutex
	metricIdx  map[metricKey]uint32
	metrics    []*Metric // by id; nil = free slot
	freeIDs    []uint32
	maxMetrics int
}

type metricKey struct {
	name      string
	partition uint64
}

// Metric is the admission state of one metric name (within one partition).
type Metric struct {
	Name      string
	Partition uint64
	Limit     int // including the reserved overflow slot; 0 when Excluded
	Excluded  bool

	id       uint32
	admitted atomic.Int64
	rejected atomic.Int64 // rejected points in the current window
	prevRej  atomic.Int64 // rejected points in the previous window
	seen     atomic.Uint32
}

// Admitted is the number of series currently admitted for the metric.
func (m *Metric) Admitted() int64 { return m.admitted.Load() }

// New returns a Tracker.
func New(cfg Config) *Tracker {
	n := cfg.Shards
	if n <= 0 {
		n = DefaultShards
	}
	p := 1
	for p < n {
		p <<= 1
	}
	stale := cfg.StaleAfter / time.Second
	if stale < 1 {
		stale = 1
	}
	t := &Tracker{
		limits:     cfg.Limits,
		staleTicks: uint32(min(stale, 1<<31)),
		epoch:      cfg.Epoch,
		mask:       uint64(p - 1),
		shards:     make([]shard, p),
		metricIdx:  map[metricKey]uint32{},
	}
	if cfg.Limits.MaxSeries > 0 {
		// Every admitted series belongs to a metric, so this only bounds metric states that
		// never admit anything (a flood of new names while the global cap is reached).
		t.maxMetrics = cfg.Limits.MaxSeries + 1024
	}
	return t
}

// tick converts unix nanoseconds to the tracker's second clock (never 0 for a real time).
func (t *Tracker) tick(now int64) uint32 { return clock.Tick(t.epoch, now) }

func (t *Tracker) shardOf(h uint64) *shard { return &t.shards[(h>>32^h)&t.mask] }

// Metric returns the state of a metric (name within a partition), creating it. It returns
// nil when too many metric states exist; TryAdmit then rejects new series of that metric.
func (t *Tracker) Metric(name string, partition uint64, now int64) *Metric {
	k := metricKey{name, partition}
	tk := t.tick(now)
	if m := t.knownMetric(k, tk); m != nil {
		return m
	}
	return t.newMetric(k, tk)
}

// knownMetric is the state of k marked as seen, or nil, under the read lock.
func (t *Tracker) knownMetric(k metricKey, tk uint32) *Metric {
	t.metricsMu.RLock()
	defer t.metricsMu.RUnlock()
	id, ok := t.metricIdx[k]
	if !ok {
		return nil
	}
	m := t.metrics[id]
	m.seen.Store(tk)
	return m
}

// newMetric creates the state of k (or finds the one another goroutine created meanwhile).
func (t *Tracker) newMetric(k metricKey, tk uint32) *Metric {
	name, partition := k.name, k.partition
	var m *Metric
	t.metricsMu.Lock()
	defer t.metricsMu.Unlock()
	if id, ok := t.metricIdx[k]; ok {
		m = t.metrics[id]
		m.seen.Store(tk)
		return m
	}
	if t.maxMetrics > 0 && len(t.metricIdx) >= t.maxMetrics {
		return nil
	}
	limit, excluded := t.limits.For(name)
	m = &Metric{Name: name, Partition: partition, Limit: limit, Excluded: excluded}
	m.seen.Store(tk)
	if n := len(t.freeIDs); n > 0 {
		m.id = t.freeIDs[n-1]
		t.freeIDs = t.freeIDs[:n-1]
		t.metrics[m.id] = m
	} else {
		m.id = uint32(len(t.metrics))
		t.metrics = append(t.metrics, m)
	}
	t.metricIdx[k] = m.id
	return m
}

// Touch marks a known series as seen and reports whether it is admitted. It is the hot path:
// a lock-free probe of the shard's table, no allocation, and a write at most once per
// series per second.
func (t *Tracker) Touch(h uint64, now int64) bool {
	return t.shardOf(h).touch(h, t.tick(now))
}

// touch is Touch on one shard, without its mutex.
func (s *shard) touch(h uint64, tk uint32) bool {
	tab := s.tab.Load()
	if tab == nil {
		return false
	}
	sl := tab.find(h)
	if sl == nil {
		return false
	}
	live, updated := touch(sl, tk)
	if updated && tab.retired.Load() {
		// A rebuild may have copied the slot before this update: redo it in the new table.
		live = s.touchUnderLock(h, tk)
	}
	return live
}

// touchUnderLock is touchLocked taking the mutex.
func (s *shard) touchUnderLock(h uint64, tk uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.touchLocked(h, tk)
}

// touchLocked is touch with the mutex held (the table cannot be rebuilt meanwhile).
func (s *shard) touchLocked(h uint64, tk uint32) bool {
	tab := s.tab.Load()
	if tab == nil {
		return false
	}
	sl := tab.find(h)
	if sl == nil {
		return false
	}
	live, _ := touch(sl, tk)
	return live
}

// TryAdmit admits series h of metric m if both the metric and the global cap have room.
// A series already admitted stays admitted (TryAdmit then does what Touch does, lock-free).
// m may be nil (see Metric).
func (t *Tracker) TryAdmit(m *Metric, h uint64, now int64) Decision {
	s := t.shardOf(h)
	tk := t.tick(now)
	if s.touch(h, tk) {
		return Admitted
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.touchLocked(h, tk) { // admitted by another goroutine meanwhile
		return Admitted
	}
	return t.admitLocked(s, m, h, tk)
}

// admitLocked admits the unknown series h if there is room; s.mu is held.
func (t *Tracker) admitLocked(s *shard, m *Metric, h uint64, tk uint32) Decision {
	if m == nil {
		return RejectedGlobal
	}
	limit := int64(t.limits.MaxSeries)
	if !m.Excluded {
		// Read-only pre-checks: a full metric (the overflow steady state) rejects without
		// writing the shared counters; the atomic adds below settle races.
		if m.admitted.Load() >= int64(m.Limit-1) {
			m.rejected.Add(1)
			return RejectedMetric
		}
		if limit > 0 && t.global.Load() >= limit {
			m.rejected.Add(1)
			return RejectedGlobal
		}
	}
	if m.Excluded {
		t.global.Add(1)
	} else {
		if m.admitted.Add(1) > int64(m.Limit-1) {
			m.admitted.Add(-1)
			m.rejected.Add(1)
			return RejectedMetric
		}
		if limit > 0 && t.global.Add(1) > limit {
			t.global.Add(-1)
			m.admitted.Add(-1)
			m.rejected.Add(1)
			return RejectedGlobal
		} else if limit <= 0 {
			t.global.Add(1)
		}
	}
	if m.Excluded {
		m.admitted.Add(1)
	}
	tab := s.tab.Load()
	if tab == nil {
		tab = newTable(minSlots)
	}
	if nt := tab.insert(h, m.id, tk); nt != tab || s.tab.Load() == nil {
		s.tab.Store(nt)
	}
	return Admitted
}

// CountRejected records n rejected points of m that did not go through TryAdmit (for
// example series kept in overflow by the caller's sticky state).
func (t *Tracker) CountRejected(m *Metric, n int64) {
	if m != nil {
		m.rejected.Add(n)
	}
}

// Sweep evicts the stale series of one shard (round robin) and returns how many it evicted.
// Calling it len(shards) times covers every series once; each call holds one shard lock for
// a single pass over that shard, so eviction is incremental, never stop-the-world.
func (t *Tracker) Sweep(now int64) int {
	i := (t.cursor.Add(1) - 1) & t.mask
	tk := t.tick(now)
	freed := t.shards[i].evict(func(seen uint32) bool { return tk-seen >= t.staleTicks && seen <= tk })
	n := t.release(freed)
	if i == t.mask {
		t.sweepMetrics(tk)
	}
	return n
}

// evict removes the stale series of the shard under its lock and returns how many each
// metric lost.
func (s *shard) evict(stale func(seen uint32) bool) (freed map[uint32]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tab := s.tab.Load(); tab != nil {
		tab.evict(stale,
			func(metric uint32) {
				if freed == nil {
					freed = map[uint32]int64{}
				}
				freed[metric]++
			})
		if nt := tab.shrunk(); nt != nil {
			// The slot array never shrinks by itself: rebuild it after a large eviction.
			s.tab.Store(nt)
		}
	}
	return freed
}

// release takes evicted series off their metrics' and the global counts.
func (t *Tracker) release(freed map[uint32]int64) int {
	if len(freed) == 0 {
		return 0
	}
	t.metricsMu.RLock()
	defer t.metricsMu.RUnlock()
	n := 0
	for id, c := range freed {
		t.metrics[id].admitted.Add(-c)
		t.global.Add(-c)
		n += int(c)
	}
	t.evicted.Add(uint64(n))
	return n
}

// SweepAll runs Sweep once per shard (tests, shutdown).
func (t *Tracker) SweepAll(now int64) int {
	n := 0
	for range t.shards {
		n += t.Sweep(now)
	}
	return n
}

// Shards is the number of shards (Sweep calls per full pass).
func (t *Tracker) Shards() int { return len(t.shards) }

// sweepMetrics starts a new offender window and forgets metric states with no admitted series that were not looked up for a
// staleness period (so an in-flight batch never holds a freed state).
func (t *Tracker) sweepMetrics(tk uint32) {
	t.metricsMu.Lock()
	defer t.metricsMu.Unlock()
	for k, id := range t.metricIdx {
		m := t.metrics[id]
		m.prevRej.Store(m.rejected.Swap(0))
		if m.admitted.Load() == 0 && tk-m.seen.Load() >= t.staleTicks && m.seen.Load() <= tk {
			delete(t.metricIdx, k)
			t.metrics[id] = nil
			t.freeIDs = append(t.freeIDs, id)
		}
	}
}

// Active is the number of admitted series.
func (t *Tracker) Active() int64 { return t.global.Load() }

// Evicted is the number of series evicted as stale since the start.
func (t *Tracker) Evicted() uint64 { return t.evicted.Load() }

// MaxSeries is the global cap (0 = none).
func (t *Tracker) MaxSeries() int { return t.limits.MaxSeries }

// MetricsOverLimit counts metric states whose admitted series fill their limit.
func (t *Tracker) MetricsOverLimit() int {
	t.metricsMu.RLock()
	defer t.metricsMu.RUnlock()
	n := 0
	for _, m := range t.metrics {
		if m != nil && !m.Excluded && m.admitted.Load() >= int64(m.Limit-1) {
			n++
		}
	}
	return n
}

// rejectedByName sums the rejected points of the current and previous window per metric
// name, under the read lock.
func (t *Tracker) rejectedByName() map[string]int64 {
	t.metricsMu.RLock()
	defer t.metricsMu.RUnlock()
	sums := map[string]int64{}
	for _, m := range t.metrics {
		if m == nil {
			continue
		}
		if r := m.rejected.Load() + m.prevRej.Load(); r > 0 {
			sums[m.Name] += r
		}
	}
	return sums
}

// Offender is a metric with rejected points.
type Offender struct {
	Name     string
	Rejected int64
}

// Offenders returns up to n metrics (summed over partitions) with the most points rejected
// in the current and the previous window, most first. A window is one full sweep pass
// (Shards() calls of Sweep); reading does not reset anything.
func (t *Tracker) Offenders(n int) []Offender {
	sums := t.rejectedByName()
	out := make([]Offender, 0, len(sums))
	for name, r := range sums {
		out = append(out, Offender{name, r})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rejected != out[j].Rejected {
			return out[i].Rejected > out[j].Rejected
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Prefetch reads the home slot of each series hash and returns a value that only defeats
// dead-code elimination. Why: once the tables outgrow the CPU caches, a lookup is one cache
// miss; issued back to back for a whole batch, the misses overlap (the CPU has several loads
// in flight), whereas between the per-point hashing and pdata walks they are served one at a
// time. Touch/TryAdmit then find the lines in the cache.
func (t *Tracker) Prefetch(hs []uint64) uint64 {
	var x uint64
	for _, h := range hs {
		if tab := t.shardOf(h).tab.Load(); tab != nil && h > deadKey {
			x += tab.slots[tab.home(h)].key.Load()
		}
	}
	return x
}
