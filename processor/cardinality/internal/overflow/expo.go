package overflow

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

func (b Buckets) hi() int32 { return b.Offset + int32(len(b.Counts)) - 1 }

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

// Valid reports whether the scale is within the data model's range.
func (e *Expo) Valid() bool { return e.Scale >= MinScale && e.Scale <= MaxScale }

// clone deep-copies e at scale s ≤ e.Scale (bucket index i maps to i >> (e.Scale-s)).
func (e *Expo) clone(s int32) Expo {
	c := *e
	c.Scale = s
	c.Pos = downscale(e.Pos, e.Scale-s)
	c.Neg = downscale(e.Neg, e.Scale-s)
	return c
}

func downscale(b Buckets, by int32) Buckets {
	if len(b.Counts) == 0 {
		return Buckets{Offset: b.Offset >> by}
	}
	lo, hi := b.Offset>>by, b.hi()>>by
	out := Buckets{Offset: lo, Counts: make([]uint64, hi-lo+1)}
	for i, c := range b.Counts {
		out.Counts[((b.Offset+int32(i))>>by)-lo] += c
	}
	return out
}

// span is the bucket range of a and b together, each shifted down, or ok=false if empty.
func span(a Buckets, da int32, b Buckets, db int32) (lo, hi int32, ok bool) {
	if len(a.Counts) > 0 {
		lo, hi, ok = a.Offset>>da, a.hi()>>da, true
	}
	if len(b.Counts) > 0 {
		blo, bhi := b.Offset>>db, b.hi()>>db
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

func fits(a Buckets, da int32, b Buckets, db int32, max int) bool {
	lo, hi, ok := span(a, da, b, db)
	return !ok || int(hi-lo)+1 <= max
}

// addInto adds b (shifted down by db) into a (shifted down by da), returning the result.
func addInto(a Buckets, da int32, b Buckets, db int32) Buckets {
	lo, hi, ok := span(a, da, b, db)
	if !ok {
		return Buckets{Offset: a.Offset >> da}
	}
	out := Buckets{Offset: lo, Counts: make([]uint64, hi-lo+1)}
	for i, c := range a.Counts {
		out.Counts[((a.Offset+int32(i))>>da)-lo] += c
	}
	for i, c := range b.Counts {
		out.Counts[((b.Offset+int32(i))>>db)-lo] += c
	}
	return out
}

// ExpoAgg merges exponential histograms, downscaling to the coarsest scale needed so that
// each bucket range fits MaxBuckets.
type ExpoAgg struct {
	E          Expo
	N          int
	MaxBuckets int
}

// Add merges p (a delta) into the aggregate without keeping references to p's slices.
func (a *ExpoAgg) Add(p *Expo) error {
	if !p.Valid() {
		return ErrIncompatible
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
