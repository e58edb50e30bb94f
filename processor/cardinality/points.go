package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"

import (
	"errors"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/overflow"
)

// Each *Point function returns true when the point leaves its series (merged into overflow
// or dropped) and false when it passes unchanged.

func numValue(dp pmetric.NumberDataPoint) (overflow.Num, bool) {
	switch dp.ValueType() {
	case pmetric.NumberDataPointValueTypeInt:
		return overflow.IntNum(dp.IntValue()), true
	case pmetric.NumberDataPointValueTypeDouble:
		return overflow.FloatNum(dp.DoubleValue()), true
	}
	return overflow.Num{}, false
}

func (p *cardinalityProcessor) numberPoint(mc *metricCtx, dp pmetric.NumberDataPoint, isSum, cum, mono bool) bool {
	h := mc.nextHash()
	v, valid := numValue(dp)
	start, ts := uint64(dp.StartTimestamp()), uint64(dp.Timestamp())
	// Only a stream with overflow state can be sticky: while nothing is in overflow (the
	// normal case) a new cumulative series is admitted with one lookup, like any other.
	sticky := isSum && cum && !p.drop && valid && p.store.Tracked() > 0
	if sticky || dp.Flags().NoRecordedValue() {
		// Checks that must come before admission (see known); otherwise admit's one
		// lookup both passes a known series and admits a new one.
		if p.known(mc, h) {
			return false
		}
		if p.noRecordedValue(mc, dp.Flags()) {
			return true
		}
		if sticky {
			if st, acc := p.store.Sum(mc.okey, h, v, mono, start, ts, mc.now, true); st == overflow.Merged {
				mc.b.pendingFor(p, mc, pendCumSum).acc = acc
				p.sticky(mc)
				return true
			}
		}
	}
	out, ok := p.admit(mc, h, dp.Attributes())
	if ok {
		return false
	}
	switch {
	case p.drop:
	case !valid:
		out = droppedUnsupportedType
	case isSum && !cum:
		pd := mc.b.pendingFor(p, mc, pendDeltaSum)
		pd.sum.Add(v, start, ts)
	case isSum:
		switch st, acc := p.store.Sum(mc.okey, h, v, mono, start, ts, mc.now, false); st {
		case overflow.Merged:
			mc.b.pendingFor(p, mc, pendCumSum).acc = acc
		default:
			out = droppedStateFull
		}
	case p.gaugeLast:
		mc.b.pendingFor(p, mc, pendGauge).gauge.Add(v, ts)
	default:
		out = droppedUnsupportedType
	}
	p.count(mc, out)
	return true
}

// count records the outcome of a point that left its series; a drop that says something
// about the data (not a limit with action drop, not a staleness marker) is also logged
// once per metric.
func (p *cardinalityProcessor) count(mc *metricCtx, out outcome) {
	switch out {
	case droppedInvalidBuckets, droppedIncompatibleBuckets, droppedStateFull, droppedUnsupportedType:
		p.dropped(mc, out)
	default:
		mc.b.counts[out]++
	}
}

// bucketError is the outcome of a histogram that could not merge.
func bucketError(err error) outcome {
	if errors.Is(err, overflow.ErrInvalid) {
		return droppedInvalidBuckets
	}
	return droppedIncompatibleBuckets
}

func (b *batch) histOf(dp pmetric.HistogramDataPoint) *overflow.Hist {
	h := &b.hist
	h.Bounds = h.Bounds[:0]
	for i := 0; i < dp.ExplicitBounds().Len(); i++ {
		h.Bounds = append(h.Bounds, dp.ExplicitBounds().At(i))
	}
	h.Counts = h.Counts[:0]
	for i := 0; i < dp.BucketCounts().Len(); i++ {
		h.Counts = append(h.Counts, dp.BucketCounts().At(i))
	}
	h.Count, h.Sum, h.HasSum = dp.Count(), dp.Sum(), dp.HasSum()
	h.Min, h.HasMin, h.Max, h.HasMax = dp.Min(), dp.HasMin(), dp.Max(), dp.HasMax()
	h.Start, h.Time = uint64(dp.StartTimestamp()), uint64(dp.Timestamp())
	h.AsOneBucket() // a count-only histogram merges as one (-Inf, +Inf) bucket
	return h
}

func expoOf(dp pmetric.ExponentialHistogramDataPoint) *overflow.Expo {
	e := &overflow.Expo{
		Scale: dp.Scale(), ZeroCount: dp.ZeroCount(), ZeroThreshold: dp.ZeroThreshold(),
		Pos:   overflow.Buckets{Offset: dp.Positive().Offset(), Counts: dp.Positive().BucketCounts().AsRaw()},
		Neg:   overflow.Buckets{Offset: dp.Negative().Offset(), Counts: dp.Negative().BucketCounts().AsRaw()},
		Count: dp.Count(), Sum: dp.Sum(), HasSum: dp.HasSum(),
		Min: dp.Min(), HasMin: dp.HasMin(), Max: dp.Max(), HasMax: dp.HasMax(),
		Start: uint64(dp.StartTimestamp()), Time: uint64(dp.Timestamp()),
	}
	return e
}

// bucketPointData is what the two histogram point types share.
type bucketPointData interface {
	Flags() pmetric.DataPointFlags
	Attributes() pcommon.Map
}

// bucketOps tells bucketPoint how one histogram kind is merged: the batch's pending kinds,
// how the overflow store takes a cumulative point, and how a delta point joins the batch's
// overflow point.
type bucketOps[P bucketPointData] struct {
	pendDelta, pendCum pendKind
	cumulative         func(p *cardinalityProcessor, mc *metricCtx, h uint64, dp P, existingOnly bool) (overflow.Status, *overflow.Acc)
	addDelta           func(mc *metricCtx, pd *pending, dp P) error
}

var histOps = bucketOps[pmetric.HistogramDataPoint]{
	pendDelta: pendDeltaHist,
	pendCum:   pendCumHist,
	cumulative: func(p *cardinalityProcessor, mc *metricCtx, h uint64, dp pmetric.HistogramDataPoint, existingOnly bool) (overflow.Status, *overflow.Acc) {
		return p.store.Hist(mc.okey, h, mc.b.histOf(dp), mc.now, existingOnly)
	},
	addDelta: func(mc *metricCtx, pd *pending, dp pmetric.HistogramDataPoint) error {
		return pd.hist.Add(mc.b.histOf(dp))
	},
}

var expoOps = bucketOps[pmetric.ExponentialHistogramDataPoint]{
	pendDelta: pendDeltaExpo,
	pendCum:   pendCumExpo,
	cumulative: func(p *cardinalityProcessor, mc *metricCtx, h uint64, dp pmetric.ExponentialHistogramDataPoint, existingOnly bool) (overflow.Status, *overflow.Acc) {
		return p.store.Expo(mc.okey, h, expoOf(dp), mc.now, existingOnly)
	},
	addDelta: func(_ *metricCtx, pd *pending, dp pmetric.ExponentialHistogramDataPoint) error {
		return pd.expo.Add(expoOf(dp))
	},
}

func (p *cardinalityProcessor) histPoint(mc *metricCtx, dp pmetric.HistogramDataPoint, cum bool) bool {
	return bucketPoint(p, mc, dp, cum, &histOps)
}

func (p *cardinalityProcessor) expoPoint(mc *metricCtx, dp pmetric.ExponentialHistogramDataPoint, cum bool) bool {
	return bucketPoint(p, mc, dp, cum, &expoOps)
}

// bucketPoint handles an explicit or exponential histogram point: a stream already in
// overflow stays there (cumulative), an admitted series passes, and the rest merges into the
// metric's overflow point (delta directly, cumulative through its per-stream last buckets),
// or is dropped and counted when its buckets cannot merge or the state is full.
func bucketPoint[P bucketPointData](p *cardinalityProcessor, mc *metricCtx, dp P, cum bool, ops *bucketOps[P]) bool {
	h := mc.nextHash()
	if (cum && !p.drop || dp.Flags().NoRecordedValue()) && p.known(mc, h) {
		return false
	}
	if p.noRecordedValue(mc, dp.Flags()) {
		return true
	}
	if cum && !p.drop {
		switch st, acc := ops.cumulative(p, mc, h, dp, true); st {
		case overflow.Merged:
			mc.b.pendingFor(p, mc, ops.pendCum).acc = acc
			p.sticky(mc)
			return true
		case overflow.Incompatible, overflow.Invalid:
			// The stream is in overflow and this point cannot join it.
			p.dropped(mc, statusOutcome(st))
			p.tr.CountRejected(mc.ms, 1)
			return true
		}
	}
	out, ok := p.admit(mc, h, dp.Attributes())
	if ok {
		return false
	}
	switch {
	case p.drop:
	case !cum:
		if err := ops.addDelta(mc, mc.b.pendingFor(p, mc, ops.pendDelta), dp); err != nil {
			out = bucketError(err)
		}
	default:
		switch st, acc := ops.cumulative(p, mc, h, dp, false); st {
		case overflow.Merged:
			mc.b.pendingFor(p, mc, ops.pendCum).acc = acc
		case overflow.Incompatible, overflow.Invalid:
			out = statusOutcome(st)
		default:
			out = droppedStateFull
		}
	}
	p.count(mc, out)
	return true
}

func statusOutcome(st overflow.Status) outcome {
	if st == overflow.Invalid {
		return droppedInvalidBuckets
	}
	return droppedIncompatibleBuckets
}
