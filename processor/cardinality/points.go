package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"

import (
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
	mc.b.counts[out]++
	return true
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
	return h
}

func (p *cardinalityProcessor) histPoint(mc *metricCtx, dp pmetric.HistogramDataPoint, cum bool) bool {
	h := mc.nextHash()
	if (cum && !p.drop || dp.Flags().NoRecordedValue()) && p.known(mc, h) {
		return false
	}
	if p.noRecordedValue(mc, dp.Flags()) {
		return true
	}
	if cum && !p.drop {
		switch st, acc := p.store.Hist(mc.okey, h, mc.b.histOf(dp), mc.now, true); st {
		case overflow.Merged:
			mc.b.pendingFor(p, mc, pendCumHist).acc = acc
			p.sticky(mc)
			return true
		case overflow.Incompatible:
			mc.b.counts[droppedIncompatibleBuckets]++
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
		if mc.b.pendingFor(p, mc, pendDeltaHist).hist.Add(mc.b.histOf(dp)) != nil {
			out = droppedIncompatibleBuckets
		}
	default:
		switch st, acc := p.store.Hist(mc.okey, h, mc.b.histOf(dp), mc.now, false); st {
		case overflow.Merged:
			mc.b.pendingFor(p, mc, pendCumHist).acc = acc
		case overflow.Incompatible:
			out = droppedIncompatibleBuckets
		default:
			out = droppedStateFull
		}
	}
	mc.b.counts[out]++
	return true
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

func (p *cardinalityProcessor) expoPoint(mc *metricCtx, dp pmetric.ExponentialHistogramDataPoint, cum bool) bool {
	h := mc.nextHash()
	if (cum && !p.drop || dp.Flags().NoRecordedValue()) && p.known(mc, h) {
		return false
	}
	if p.noRecordedValue(mc, dp.Flags()) {
		return true
	}
	if cum && !p.drop {
		switch st, acc := p.store.Expo(mc.okey, h, expoOf(dp), mc.now, true); st {
		case overflow.Merged:
			mc.b.pendingFor(p, mc, pendCumExpo).acc = acc
			p.sticky(mc)
			return true
		case overflow.Incompatible:
			mc.b.counts[droppedIncompatibleBuckets]++
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
		if mc.b.pendingFor(p, mc, pendDeltaExpo).expo.Add(expoOf(dp)) != nil {
			out = droppedIncompatibleBuckets
		}
	default:
		switch st, acc := p.store.Expo(mc.okey, h, expoOf(dp), mc.now, false); st {
		case overflow.Merged:
			mc.b.pendingFor(p, mc, pendCumExpo).acc = acc
		case overflow.Incompatible:
			out = droppedIncompatibleBuckets
		default:
			out = droppedStateFull
		}
	}
	mc.b.counts[out]++
	return true
}
