package tracker

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkTable compares the table with a model map: same entries and values, every entry
// reachable from its home slot, the live and used counts right, the load under the limit.
func checkTable(t *testing.T, tb *table, model map[uint64]uint64) {
	t.Helper()
	if tb.live != len(model) {
		t.Fatalf("live %d, model %d", tb.live, len(model))
	}
	for k, want := range model {
		s := tb.find(k)
		if s == nil {
			t.Fatalf("key %#x lost", k)
		}
		if got := s.val.Load(); got != want {
			t.Fatalf("key %#x: value %#x, want %#x", k, got, want)
		}
	}
	live, used := 0, 0
	for i := range tb.slots {
		k := tb.slots[i].key.Load()
		if k == emptyKey {
			continue
		}
		used++
		if k == deadKey {
			continue
		}
		live++
		if _, ok := model[k]; !ok {
			t.Fatalf("stray key %#x", k)
		}
	}
	for i := range tb.low {
		if tb.low[i].key.Load() == lowLive {
			live++
		}
	}
	if live != tb.live || used != tb.used {
		t.Fatalf("counted live %d used %d, table says %d %d", live, used, tb.live, tb.used)
	}
	if used*maxUsedDen > len(tb.slots)*maxUsedNum {
		t.Fatalf("%d of %d slots used, over the limit", used, len(tb.slots))
	}
}

// TestTableAgainstMap runs random inserts, lookups, touches, evictions and shrinks against a
// Go map, with key sets that collide (few home slots, runs wrapping around the array end,
// the marker values 0 and 1) as well as random ones.
func TestTableAgainstMap(t *testing.T) {
	keyGens := map[string]func(r *rand.Rand) uint64{
		"random":     func(r *rand.Rand) uint64 { return r.Uint64() },
		"small":      func(r *rand.Rand) uint64 { return r.Uint64N(64) }, // 0 and 1 included
		"sequential": func(r *rand.Rand) uint64 { return r.Uint64N(5000) },
	}
	for name, gen := range keyGens {
		t.Run(name, func(t *testing.T) {
			for seed := uint64(0); seed < 20; seed++ {
				r := rand.New(rand.NewPCG(seed, 99))
				tb := newTable(minSlots)
				model := map[uint64]uint64{}
				for round := 0; round < 30; round++ {
					for i := r.IntN(400); i > 0; i-- {
						k := gen(r)
						_, inModel := model[k]
						if s := tb.find(k); s != nil {
							if !inModel {
								t.Fatalf("found absent key %#x", k)
							}
							seen := uint32(r.IntN(10))
							if live, _ := touch(s, seen); !live {
								t.Fatalf("key %#x not live", k)
							}
							model[k] = model[k]&^0xffffffff | uint64(seen)
							continue
						}
						if inModel {
							t.Fatalf("key %#x not found", k)
						}
						v := packVal(uint32(r.IntN(5)), uint32(r.IntN(10)))
						old := tb
						tb = tb.insert(k, uint32(v>>32), uint32(v))
						if tb != old && !old.retired.Load() {
							t.Fatal("replaced table not marked retired")
						}
						model[k] = v
					}
					checkTable(t, tb, model)
					cut := uint32(r.IntN(11))
					freed := map[uint32]int{}
					tb.evict(func(seen uint32) bool { return seen < cut }, func(m uint32) { freed[m]++ })
					want := map[uint32]int{}
					for k, v := range model {
						if uint32(v) < cut {
							want[uint32(v>>32)]++
							delete(model, k)
						}
					}
					if len(freed) != len(want) {
						t.Fatalf("freed %v, want %v", freed, want)
					}
					for m, n := range want {
						if freed[m] != n {
							t.Fatalf("freed %v, want %v", freed, want)
						}
					}
					checkTable(t, tb, model)
					if nt := tb.shrunk(); nt != nil {
						if len(nt.slots) >= len(tb.slots) {
							t.Fatalf("shrink from %d to %d slots", len(tb.slots), len(nt.slots))
						}
						tb = nt
						checkTable(t, tb, model)
					}
				}
			}
		})
	}
}

// TestTouchDuringRebuildIsRedone: the exact interleaving the retired flag exists for. A
// writer has copied the table (holding the mutex) but not yet published the copy; a
// lock-free refresh lands in the old array meanwhile. It must end up in the new one.
func TestTouchDuringRebuildIsRedone(t *testing.T) {
	for _, h := range []uint64{1, 12345} { // a low slot and an ordinary one
		tr := New(Config{Limits: Limits{PerMetric: 1 << 30}, StaleAfter: time.Minute, Shards: 1})
		tr.TryAdmit(tr.Metric("m", 0, 0), h, 5*sec) // tick 6
		s := &tr.shards[0]
		old := s.tab.Load()
		s.mu.Lock()
		nt := old.rebuild(len(old.slots)) // copied with seen = 6
		done := make(chan bool)
		go func() { done <- tr.Touch(h, 6*sec) }() // tick 7, in the old array
		for uint32(old.find(h).val.Load()) != 7 {
			time.Sleep(time.Millisecond)
		}
		s.tab.Store(nt)
		s.mu.Unlock()
		if !<-done {
			t.Fatalf("series %d not found", h)
		}
		if got := uint32(s.tab.Load().find(h).val.Load()); got != 7 {
			t.Fatalf("series %d: seen %d in the new table, the refresh to 7 was lost", h, got)
		}
	}
}

// TestLockFreeTouchNeverLosesAnUpdate: a reader refreshes admitted series without the lock
// while a writer keeps rebuilding the same shard's table (admitting series until it grows,
// then evicting them so that it shrinks): a stress test for -race. The reader alternates
// between two ticks, and a final sweep would evict the series whose last refresh was lost
// (the exact interleaving is forced in TestTouchDuringRebuildIsRedone; here it is only
// likely to occur now and then).
func TestLockFreeTouchNeverLosesAnUpdate(t *testing.T) {
	tr := New(Config{Limits: Limits{PerMetric: 1 << 30}, StaleAfter: 10 * time.Second, Shards: 1})
	m := tr.Metric("m", 0, 0)
	const hot = 1000
	const wantRebuilds = 4             // rebuild cycles that must overlap the reader
	for h := uint64(0); h < hot; h++ { // 0 and 1 included (the low slots)
		tr.TryAdmit(m, h, 5*sec) // tick 6
	}
	// The reader runs until the writer has seen enough rebuilds (not a fixed number of
	// passes: on a loaded machine the reader could finish before any rebuild overlapped
	// it), and always stops after an odd pass, which writes tick 7.
	var stop, done atomic.Bool
	go func() {
		defer done.Store(true)
		for pass := int64(0); ; pass++ {
			for h := uint64(0); h < hot; h++ {
				if !tr.Touch(h, (5+pass%2)*sec) { // ticks 6 and 7 alternately
					t.Errorf("admitted series %d not found", h)
					return
				}
			}
			if pass%2 == 1 && stop.Load() {
				return
			}
		}
	}()
	rebuilds := 0
	deadline := time.Now().Add(time.Minute) // a bound, not a timing assertion
	for cold := uint64(1 << 32); !done.Load(); {
		tab := tr.shards[0].tab.Load()
		for i := 0; i < 20000; i++ {
			cold += 0x9e3779b97f4a7c15 // spread over the table, never 0..hot
			tr.TryAdmit(m, cold, 0)    // tick 1
		}
		tr.Sweep(10 * sec) // tick 11: evicts the cold series only, then shrinks
		if tr.shards[0].tab.Load() != tab {
			rebuilds++
		}
		if rebuilds >= wantRebuilds || time.Now().After(deadline) {
			stop.Store(true)
		}
	}
	if rebuilds < wantRebuilds {
		t.Fatalf("only %d rebuild cycles overlapped the reader within a minute", rebuilds)
	}
	// Tick 16: a series last refreshed at tick 6 is stale, at tick 7 it is not.
	if n := tr.Sweep(15 * sec); n != 0 {
		t.Fatalf("%d series evicted: their last refresh was lost", n)
	}
	if tr.Active() != hot || m.Admitted() != hot {
		t.Fatalf("active %d admitted %d, want %d", tr.Active(), m.Admitted(), hot)
	}
}

// TestEvictionRacesWithTouch: readers keep stale series alive through TryAdmit while sweeps
// evict them. Each race has one winner (refreshed and kept, or evicted and re-admitted), so
// no series is ever counted twice or lost from the counts.
func TestEvictionRacesWithTouch(t *testing.T) {
	tr := New(Config{Limits: Limits{PerMetric: 1 << 30}, StaleAfter: 10 * time.Second, Shards: 4})
	m := tr.Metric("m", 0, 0)
	const n, pin = 2000, 1 << 40
	tr.TryAdmit(m, pin, 1<<20*sec) // seen in the future: never stale, so m is never freed
	for h := uint64(0); h < n; h++ {
		tr.TryAdmit(m, h, 0)
	}
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One round more than the sweeper: a sweep at round*20+15 s evicts what was last
			// seen at round*20 s or before, so the readers' last round (21, at 420 s) is never
			// stale for any sweep and every series must be there at the end, however the
			// goroutines interleave. With equal round counts, a sweeper scheduled after the
			// readers' last round evicted everything legitimately and the test flaked.
			for round := int64(1); round <= 21; round++ {
				for h := uint64(0); h < n; h++ {
					if tr.TryAdmit(m, h, round*20*sec) != Admitted {
						t.Errorf("series %d rejected", h)
						return
					}
				}
			}
		}()
	}
	evicted := 0
	for round := int64(1); round <= 20; round++ {
		evicted += tr.SweepAll(round*20*sec + 15*sec)
	}
	wg.Wait()
	for h := uint64(0); h < n; h++ {
		if !tr.Touch(h, 500*sec) {
			t.Fatalf("series %d lost", h)
		}
	}
	if tr.Active() != n+1 || m.Admitted() != n+1 {
		t.Fatalf("active %d admitted %d after %d evictions, want %d", tr.Active(), m.Admitted(), evicted, n+1)
	}
	if got := tr.SweepAll(1000 * sec); got != n {
		t.Fatalf("final sweep evicted %d, want %d", got, n)
	}
}
