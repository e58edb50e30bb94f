package overflow

import (
	"errors"
	"math"
)

// ErrInvalid: the point is malformed on its own (counts that do not match the bounds, a
// scale outside the data model's range, or buckets no float64 value falls into), so it
// cannot be merged into anything.
var ErrInvalid = errors.New("invalid histogram buckets")

// Scales of exponential histograms (OTel data model).
const (
	MinScale = -10
	MaxScale = 20
	// DefaultMaxBuckets bounds the positive and the negative range of a merged point, as the
	// SDKs' default max_size does.
	DefaultMaxBuckets = 160
)

// Buckets is one range of exponential histogram buckets.
type Buckets struct {
	Offset int32
	Counts []uint64
}

// lo and hi are the first and last bucket index, in 64 bits: an int32 offset plus a length
// can pass math.MaxInt32.
func (b Buckets) lo() int64 { return int64(b.Offset) }
func (b Buckets) hi() int64 { return int64(b.Offset) + int64(len(b.Counts)) - 1 }

// IndexRange is the range of bucket indexes that finite float64 values (subnormals
// included) fall into at scale s, rounded outwards: at scale s bucket i holds the values in
// (2^(i·2^-s), 2^((i+1)·2^-s)], and every finite non-zero |value| lies in [2^-1074, 2^1024).
// At scale 20 that is about ±1.1·10⁹, so every index of a valid point fits in an int32.
func IndexRange(s int32) (lo, hi int64) {
	if s >= 0 {
		return -1075 << s, 1024 << s
	}
	return (-1075 >> -s) - 1, 1024 >> -s
}

// validBuckets reports whether every bucket of b lies in the index range of scale s (an
// empty range is valid whatever its offset).
func validBuckets(b Buckets, s int32) bool {
	if len(b.Counts) == 0 {
		return true
	}
	lo, hi := IndexRange(s)
	return b.lo() >= lo && b.hi() <= hi
}

// Expo is an exponential histogram point.
type Expo struct {
	Scale         int32
	ZeroCount     uint64
	ZeroThreshold float64
	Pos, Neg      Buckets
	Count         uint64
	Sum           float64
	HasSum        bool
	Min           float64
	HasMin        bool
	Max           float64
	HasMax        bool
	Start         uint64
	Time          uint64
}

// Valid reports whether the scale is within the data model's range and every bucket lies
// where a float64 value can fall at that scale (see IndexRange). Merging works on valid
// points only: an index far outside, e.g. math.MinInt32 next to math.MaxInt32, describes no
// value and would make the merged range span billions of buckets.
func (e *Expo) Valid() bool {
	return e.Scale >= MinScale && e.Scale <= MaxScale && validBuckets(e.Pos, e.Scale) && validBuckets(e.Neg, e.Scale)
}

// clone deep-copies e at scale s ≤ e.Scale (bucket index i maps to i >> (e.Scale-s)).
func (e *Expo) clone(s int32) Expo {
	c := *e
	c.Scale = s
	c.Pos = downscale(e.Pos, e.Scale-s)
	c.Neg = downscale(e.Neg, e.Scale-s)
	return c
}

// downscale is b at by scales coarser. Index arithmetic is 64-bit; callers pass valid
// buckets, whose shifted indexes fit in an int32.
func downscale(b Buckets, by int32) Buckets {
	if len(b.Counts) == 0 {
		return Buckets{Offset: b.Offset >> by}
	}
	lo, hi := b.lo()>>by, b.hi()>>by
	out := Buckets{Offset: int32(lo), Counts: make([]uint64, hi-lo+1)}
	for i, c := range b.Counts {
		out.Counts[((b.lo()+int64(i))>>by)-lo] += c
	}
	return out
}

// span is the bucket range of a and b together, each shifted down, or ok=false if empty.
func span(a Buckets, da int32, b Buckets, db int32) (lo, hi int64, ok bool) {
	if len(a.Counts) > 0 {
		lo, hi, ok = a.lo()>>da, a.hi()>>da, true
	}
	if len(b.Counts) > 0 {
		blo, bhi := b.lo()>>db, b.hi()>>db
		if !ok || blo < lo {
			lo = blo
		}
		if !ok || bhi > hi {
			hi = bhi
		}
		ok = true
	}
	return lo, hi, ok
}

// fits reports whether a and b, shifted down, span at most max buckets with every index in
// the int32 range of OTLP offsets.
func fits(a Buckets, da int32, b Buckets, db int32, max int) bool {
	lo, hi, ok := span(a, da, b, db)
	return !ok || hi-lo+1 <= int64(max) && lo >= math.MinInt32 && hi <= math.MaxInt32
}

// addInto adds b (shifted down by db) into a (shifted down by da), returning the result.
func addInto(a Buckets, da int32, b Buckets, db int32) Buckets {
	lo, hi, ok := span(a, da, b, db)
	if !ok {
		return Buckets{Offset: a.Offset >> da}
	}
	out := Buckets{Offset: int32(lo), Counts: make([]uint64, hi-lo+1)}
	for i, c := range a.Counts {
		out.Counts[((a.lo()+int64(i))>>da)-lo] += c
	}
	for i, c := range b.Counts {
		out.Counts[((b.lo()+int64(i))>>db)-lo] += c
	}
	return out
}

// ExpoAgg merges exponential histograms, downscaling to the coarsest scale needed so that
// each bucket range fits MaxBuckets. Only valid points merge (see Expo.Valid), so the merged
// range is bounded: at most MaxBuckets buckets per sign, or the few buckets of the whole
// float64 range at MinScale when MaxBuckets is smaller than that.
type ExpoAgg struct {
	E          Expo
	N          int
	MaxBuckets int
}

// Add merges p (a delta) into the aggregate without keeping references to p's slices; an
// invalid p is refused with ErrInvalid and leaves the aggregate as it was.
func (a *ExpoAgg) Add(p *Expo) error {
	if !p.Valid() {
		return ErrInvalid
	}
	max := a.MaxBuckets
	if max <= 0 {
		max = DefaultMaxBuckets
	}
	if a.N == 0 {
		a.E = p.clone(p.Scale)
		a.N = 1
		// A single point wider than max is downscaled too.
		for a.E.Scale > MinScale && (!fits(a.E.Pos, 0, Buckets{}, 0, max) || !fits(a.E.Neg, 0, Buckets{}, 0, max)) {
			a.E = a.E.clone(a.E.Scale - 1)
		}
		return nil
	}
	s := min(a.E.Scale, p.Scale)
	for s > MinScale && (!fits(a.E.Pos, a.E.Scale-s, p.Pos, p.Scale-s, max) ||
		!fits(a.E.Neg, a.E.Scale-s, p.Neg, p.Scale-s, max)) {
		s--
	}
	a.E.Pos = addInto(a.E.Pos, a.E.Scale-s, p.Pos, p.Scale-s)
	a.E.Neg = addInto(a.E.Neg, a.E.Scale-s, p.Neg, p.Scale-s)
	a.E.Scale = s
	a.E.ZeroCount += p.ZeroCount
	if p.ZeroThreshold > a.E.ZeroThreshold {
		a.E.ZeroThreshold = p.ZeroThreshold
	}
	a.E.Count += p.Count
	a.E.Sum += p.Sum
	a.E.HasSum = a.E.HasSum && p.HasSum
	mergeMinMax(&a.E.Min, &a.E.HasMin, &a.E.Max, &a.E.HasMax, p.Min, p.HasMin, p.Max, p.HasMax)
	if p.Start != 0 && (a.E.Start == 0 || p.Start < a.E.Start) {
		a.E.Start = p.Start
	}
	if p.Time > a.E.Time {
		a.E.Time = p.Time
	}
	a.N++
	return nil
}

// subBuckets returns c-l (same scale), or ok=false if l has counts c cannot cover.
func subBuckets(c, l Buckets) (Buckets, bool) {
	out := Buckets{Offset: c.Offset, Counts: append([]uint64(nil), c.Counts...)}
	for j, v := range l.Counts {
		if v == 0 {
			continue
		}
		i := int(l.Offset) + j - int(c.Offset)
		if i < 0 || i >= len(out.Counts) || out.Counts[i] < v {
			return Buckets{}, false
		}
		out.Counts[i] -= v
	}
	return out, true
}

// expoDelta returns cur-last of a cumulative stream, or a copy of cur when it reset.
func expoDelta(cur, last *Expo, startChanged bool) (Expo, bool) {
	if startChanged || cur.Count < last.Count || cur.ZeroCount < last.ZeroCount {
		return cur.clone(cur.Scale), true
	}
	s := min(cur.Scale, last.Scale)
	c, l := cur.clone(s), last.clone(s)
	pos, ok1 := subBuckets(c.Pos, l.Pos)
	neg, ok2 := subBuckets(c.Neg, l.Neg)
	if !ok1 || !ok2 {
		return cur.clone(cur.Scale), true
	}
	c.Pos, c.Neg = pos, neg
	c.Count -= l.Count
	c.ZeroCount -= l.ZeroCount
	c.Sum -= l.Sum
	return c, false
}
