package tracker

import (
	"math"
	"math/rand/v2"
)

// Hasher computes seeded, order-independent 64-bit series identities.
//
// The seed is random per process, so an attacker who controls label values cannot
// precompute colliding series. Identities are only compared inside one process; they
// are never persisted or sent anywhere.
//
// An attribute set is hashed as the sum of per-attribute hashes, each a strong 64-bit mix of
// the key and the value, so the order in which attributes arrive does not matter. Two
// distinct series collide with probability about n²/2⁶⁵ (3×10⁻⁸ at one million series); a
// collision makes the two series share one slot, which is harmless for the limit.
type Hasher struct {
	seed uint64
}

// NewHasher returns a Hasher with a fresh random seed.
func NewHasher() Hasher { return Hasher{seed: rand.Uint64()} }

// Value kinds mixed into attribute hashes so that "1" (string) and 1 (int) differ.
const (
	KindStr uint64 = iota + 1
	KindInt
	KindDouble
	KindBool
	KindBytes
	KindNested
	KindEmpty
)

// String hashes a string on its own (metric names, scope names, units).
func (h Hasher) String(s string) uint64 { return wyhash(s, h.seed) }

// AttrStr is the hash of one attribute with a string value: the value is hashed with the
// key's hash as its seed (lengths are mixed in, so "a1"+"" and "a"+"1" differ).
func (h Hasher) AttrStr(key, value string) uint64 {
	return wyhash(value, wyhash(key, h.seed)^KindStr)
}

// AttrNum is the hash of one attribute with a numeric (int, double bits, bool) value.
func (h Hasher) AttrNum(key string, kind, bits uint64) uint64 {
	return wymix(wyhash(key, h.seed)^kind^wyp2, bits^wyp3)
}

// AttrDouble is AttrNum for a float64 (all NaNs hash alike, -0 == +0).
func (h Hasher) AttrDouble(key string, v float64) uint64 {
	if v == 0 {
		v = 0
	}
	if v != v {
		return h.AttrNum(key, KindDouble, 0x7ff8000000000001)
	}
	return h.AttrNum(key, KindDouble, math.Float64bits(v))
}

// AttrHash is the hash of one attribute whose value was hashed by the caller (bytes, nested
// maps and slices).
func (h Hasher) AttrHash(key string, kind, valueHash uint64) uint64 {
	return mix(wyhash(key, h.seed)^kind, valueHash)
}

// Set accumulates an order-independent hash of an attribute set.
type Set struct {
	sum uint64
	n   uint64
}

// Add adds one attribute hash.
func (s *Set) Add(attr uint64) { s.sum += attr; s.n++ }

// Sum is the hash of the set (distinct from an empty set and from a set of other size).
func (s *Set) Sum() uint64 { return mix64(s.sum ^ mix64(s.n+0x51afd7ed558ccd)) }

// Combine folds an ordered list of component hashes (resource, scope, metric, points).
func Combine(a, b uint64) uint64 { return mix(a, b) }

// mix combines two 64-bit values non-commutatively (mix(a,b) != mix(b,a)).
func mix(a, b uint64) uint64 {
	return mix64(a*0xbf58476d1ce4e5b9 ^ (b + 0x94d049bb133111eb + (a << 6) + (a >> 2)))
}

// mix64 is the SplitMix64 / Murmur3 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
