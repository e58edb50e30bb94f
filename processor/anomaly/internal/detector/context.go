package detector

import "math"

// Context model: the value is quantised into bins of a power-of-two width
// derived from the series' own recent spread, and every suffix of the last
// MaxOrder bin symbols (the contexts of order 1..Orders) is looked up in a
// small set-associative LRU store of fingerprints. The raw surprise of a
// point is the fraction of its contexts never (or not lately) seen.
//
// The store has a fixed capacity (storeSets × storeWays fingerprints), so a
// series with endless novelty keeps evicting its oldest contexts instead of
// growing.

const (
	maxOrder  = 8
	storeSets = 128
	storeWays = 4
)

type contextModel struct {
	width float64 // bin width, a power of two (0 before the first point)
	hist  [maxOrder]int64
	nhist int
	store [storeSets][storeWays]uint32
}

func mix64(h uint64) uint64 {
	h ^= h >> 31
	h *= 0x9E3779B97F4A7C15
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	return h
}

// pow2 returns the power of two nearest to x (x > 0) in log scale.
func pow2(x float64) float64 {
	return math.Exp2(math.Round(math.Log2(x)))
}

// setWidth adapts the bin width to target, only when target has moved by
// more than a factor of two from the current width (hysteresis, so bins
// stay put and learned contexts stay valid). It reports whether the width
// changed.
func (c *contextModel) setWidth(target float64) bool {
	if !(target > 0) || math.IsInf(target, 0) {
		return false
	}
	if c.width == 0 || target > 2*c.width || target < c.width/2 {
		c.width = pow2(target)
		return true
	}
	return false
}

func (c *contextModel) symbol(v float64) int64 {
	q := math.Floor(v / c.width)
	// Saturate: symbols are only compared for equality.
	if q > 1<<60 {
		q = 1 << 60
	} else if q < -(1 << 60) {
		q = -(1 << 60)
	}
	return int64(q)
}

// observe pushes v's symbol and returns the number of novel contexts among
// orders 1..orders (only orders with enough history are counted, in n).
func (c *contextModel) observe(v float64, orders int) (novel, n int) {
	copy(c.hist[1:], c.hist[:maxOrder-1])
	c.hist[0] = c.symbol(v)
	if c.nhist < maxOrder {
		c.nhist++
	}
	if orders > c.nhist {
		orders = c.nhist
	}
	h := uint64(0x243F6A8885A308D3)
	for k := 0; k < orders; k++ {
		h = mix64(h ^ uint64(c.hist[k]))
		if !c.lookup(h + uint64(k)) {
			novel++
		}
	}
	return novel, orders
}

// lookup reports whether fingerprint h is in the store and makes it the
// most recently used entry of its set (inserting it if absent).
func (c *contextModel) lookup(h uint64) bool {
	h = mix64(h)
	set := &c.store[h&(storeSets-1)]
	tag := uint32(h>>32) | 1
	j := 0
	for ; j < storeWays; j++ {
		if set[j] == tag {
			break
		}
	}
	found := j < storeWays
	if !found {
		j = storeWays - 1
	}
	copy(set[1:j+1], set[:j])
	set[0] = tag
	return found
}

// reset forgets the learned contexts (the bins changed meaning).
func (c *contextModel) reset() {
	c.store = [storeSets][storeWays]uint32{}
	c.nhist = 0
}
