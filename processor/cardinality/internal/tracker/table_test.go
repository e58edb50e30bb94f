package tracker

import (
	"math/rand/v2"
	"testing"
)

// checkTable compares the table with a model map: same entries, every entry reachable from
// its home slot without crossing an empty slot, and the count right.
func checkTable(t *testing.T, tb *table, model map[uint64]slot) {
	t.Helper()
	if tb.len() != len(model) {
		t.Fatalf("len %d, model %d", tb.len(), len(model))
	}
	for k, want := range model {
		got := tb.find(k)
		if got == nil {
			t.Fatalf("key %#x lost", k)
		}
		if got.metric != want.metric || got.seen != want.seen {
			t.Fatalf("key %#x: got %+v, want %+v", k, *got, want)
		}
	}
	n := 0
	for _, s := range tb.slots {
		if s.key == 0 {
			continue
		}
		n++
		if _, ok := model[s.key]; !ok {
			t.Fatalf("stray key %#x", s.key)
		}
	}
	if n != tb.n {
		t.Fatalf("n = %d, %d occupied slots", tb.n, n)
	}
	if len(tb.slots) > 0 && tb.n*maxLoadDen > len(tb.slots)*maxLoadNum {
		t.Fatalf("load %d/%d over the limit", tb.n, len(tb.slots))
	}
}

// TestTableAgainstMap runs random inserts, lookups, evictions and shrinks against a Go map,
// with key sets chosen to collide (few distinct home slots, runs that wrap around the end of
// the array) as well as random ones, and the zero key.
func TestTableAgainstMap(t *testing.T) {
	keyGens := map[string]func(r *rand.Rand) uint64{
		"random":     func(r *rand.Rand) uint64 { return r.Uint64() },
		"small":      func(r *rand.Rand) uint64 { return r.Uint64N(64) }, // includes 0
		"sequential": func(r *rand.Rand) uint64 { return r.Uint64N(5000) },
	}
	for name, gen := range keyGens {
		t.Run(name, func(t *testing.T) {
			for seed := uint64(0); seed < 20; seed++ {
				r := rand.New(rand.NewPCG(seed, 99))
				tb := newTable(int(seed % 3 * 50))
				model := map[uint64]slot{}
				for round := 0; round < 30; round++ {
					for i := r.IntN(400); i > 0; i-- {
						k := gen(r)
						if tb.find(k) != nil {
							if _, ok := model[k]; !ok {
								t.Fatalf("found absent key %#x", k)
							}
							continue
						}
						if _, ok := model[k]; ok {
							t.Fatalf("key %#x not found", k)
						}
						s := slot{key: k, metric: uint32(r.IntN(5)), seen: uint32(r.IntN(10))}
						tb.insert(k, s.metric, s.seen)
						model[k] = s
					}
					checkTable(t, &tb, model)
					cut := uint32(r.IntN(11))
					freed := map[uint32]int{}
					tb.evict(func(seen uint32) bool { return seen < cut }, func(m uint32) { freed[m]++ })
					want := map[uint32]int{}
					for k, s := range model {
						if s.seen < cut {
							want[s.metric]++
							delete(model, k)
						}
					}
					if len(freed) != len(want) {
						t.Fatalf("freed %v, want %v", freed, want)
					}
					for m, c := range want {
						if freed[m] != c {
							t.Fatalf("freed %v, want %v", freed, want)
						}
					}
					tb.shrink()
					checkTable(t, &tb, model)
				}
			}
		})
	}
}

// TestTableDeleteWrapAround: a probe run that wraps past the end of the array keeps every
// entry reachable when an entry before the wrap is deleted.
func TestTableDeleteWrapAround(t *testing.T) {
	tb := newTable(1) // 8 slots
	last := uint64(len(tb.slots) - 1)
	var keys []uint64
	for k := uint64(1); len(keys) < 4; k++ {
		if tb.home(k) == last {
			keys = append(keys, k)
		}
	}
	model := map[uint64]slot{}
	for i, k := range keys {
		tb.insert(k, uint32(i), uint32(i))
		model[k] = slot{key: k, metric: uint32(i), seen: uint32(i)}
	}
	if tb.slots[0].key != keys[1] || tb.slots[2].key != keys[3] {
		t.Fatalf("run did not wrap: %+v", tb.slots)
	}
	tb.evict(func(seen uint32) bool { return seen == 0 }, func(uint32) {})
	delete(model, keys[0])
	checkTable(t, &tb, model)
	if tb.slots[last].key != keys[1] {
		t.Fatalf("entry not shifted back across the wrap: %+v", tb.slots)
	}
}

func TestTableShrinkAndGrow(t *testing.T) {
	tb := newTable(0)
	for k := uint64(1); k <= 10000; k++ {
		tb.insert(k, 0, uint32(k))
	}
	big := len(tb.slots)
	if big < 10000*maxLoadDen/maxLoadNum {
		t.Fatalf("%d slots for 10000 keys", big)
	}
	tb.evict(func(seen uint32) bool { return seen > 100 }, func(uint32) {})
	if !tb.shrink() || len(tb.slots) != slotsFor(100) {
		t.Fatalf("not shrunk: %d slots for %d keys", len(tb.slots), tb.n)
	}
	for k := uint64(1); k <= 10000; k++ {
		if (tb.find(k) != nil) != (k <= 100) {
			t.Fatalf("key %d wrong after shrink", k)
		}
	}
}
