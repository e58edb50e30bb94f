package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/overflow"
)

type pendKind uint8

const (
	pendDeltaSum pendKind = iota
	pendCumSum
	pendGauge
	pendDeltaHist
	pendCumHist
	pendDeltaExpo
	pendCumExpo
)

// pending is one overflow point being built in this batch.
type pending struct {
	kind   pendKind
	metric pmetric.Metric // in batch.out
	mono   bool
	sum    overflow.SumAgg
	gauge  overflow.GaugeLast
	hist   overflow.HistAgg
	expo   overflow.ExpoAgg
	acc    *overflow.Acc // cumulative kinds
}

// batch is the per-call state: counters and the overflow points, built in their own
// pmetric.Metrics and moved into the output at the end.
type batch struct {
	counts [numOutcomes]int64
	out    pmetric.Metrics
	rms    map[uint64]pmetric.ResourceMetrics
	sms    map[[2]uint64]pmetric.ScopeMetrics
	pend   map[uint64]*pending
	order  []*pending
	hist   overflow.Hist // scratch
	hashes []uint64      // scratch: point hashes of the current metric
	sink   uint64        // keeps tracker.Prefetch's loads alive (never read)
}

func (b *batch) reset() {
	b.counts = [numOutcomes]int64{}
	if b.pend != nil && len(b.order) > 0 {
		clear(b.rms)
		clear(b.sms)
		clear(b.pend)
		clear(b.order)
		b.order = b.order[:0]
	}
}

// pendingFor returns the overflow point of the current metric, creating its resource (with
// the kept attributes only), scope and metric in the overflow output on first use.
func (b *batch) pendingFor(p *cardinalityProcessor, mc *metricCtx, kind pendKind) *pending {
	if pd := b.pend[mc.okey]; pd != nil {
		return pd
	}
	if b.pend == nil {
		b.rms = map[uint64]pmetric.ResourceMetrics{}
		b.sms = map[[2]uint64]pmetric.ScopeMetrics{}
		b.pend = map[uint64]*pending{}
	}
	if len(b.order) == 0 {
		b.out = pmetric.NewMetrics()
	}
	rm, ok := b.rms[mc.rc.keep]
	if !ok {
		rm = b.out.ResourceMetrics().AppendEmpty()
		attrs := rm.Resource().Attributes()
		for _, k := range p.keep {
			if v, ok := mc.rc.res.Get(k); ok {
				v.CopyTo(attrs.PutEmpty(k))
			}
		}
		b.rms[mc.rc.keep] = rm
	}
	sk := [2]uint64{mc.rc.keep, mc.sHash}
	sm, ok := b.sms[sk]
	if !ok {
		sm = rm.ScopeMetrics().AppendEmpty()
		mc.scope.CopyTo(sm.Scope())
		b.sms[sk] = sm
	}
	m := sm.Metrics().AppendEmpty()
	m.SetName(mc.m.Name())
	m.SetDescription(mc.m.Description())
	m.SetUnit(mc.m.Unit())
	pd := &pending{kind: kind, metric: m}
	if mc.m.Type() == pmetric.MetricTypeSum {
		pd.mono = mc.m.Sum().IsMonotonic()
	}
	b.pend[mc.okey] = pd
	b.order = append(b.order, pd)
	return pd
}

func setNum(dp pmetric.NumberDataPoint, v overflow.Num) {
	if v.IsFloat {
		dp.SetDoubleValue(v.Float)
	} else {
		dp.SetIntValue(v.Int)
	}
}

func setHist(dp pmetric.HistogramDataPoint, h *overflow.Hist) {
	dp.ExplicitBounds().FromRaw(h.Bounds)
	dp.BucketCounts().FromRaw(h.Counts)
	dp.SetCount(h.Count)
	if h.HasSum {
		dp.SetSum(h.Sum)
	}
	if h.HasMin {
		dp.SetMin(h.Min)
	}
	if h.HasMax {
		dp.SetMax(h.Max)
	}
}

func setExpo(dp pmetric.ExponentialHistogramDataPoint, e *overflow.Expo) {
	dp.SetScale(e.Scale)
	dp.SetZeroCount(e.ZeroCount)
	dp.SetZeroThreshold(e.ZeroThreshold)
	dp.Positive().SetOffset(e.Pos.Offset)
	dp.Positive().BucketCounts().FromRaw(e.Pos.Counts)
	dp.Negative().SetOffset(e.Neg.Offset)
	dp.Negative().BucketCounts().FromRaw(e.Neg.Counts)
	dp.SetCount(e.Count)
	if e.HasSum {
		dp.SetSum(e.Sum)
	}
	if e.HasMin {
		dp.SetMin(e.Min)
	}
	if e.HasMax {
		dp.SetMax(e.Max)
	}
}

func markOverflow(attrs pcommon.Map) { attrs.PutBool(OverflowAttribute, true) }

// emit writes the overflow points and moves them into md.
func (b *batch) emit(p *cardinalityProcessor, md pmetric.Metrics) {
	if len(b.order) == 0 {
		return
	}
	for _, pd := range b.order {
		m := pd.metric
		switch pd.kind {
		case pendDeltaSum:
			if pd.sum.N == 0 {
				continue
			}
			s := m.SetEmptySum()
			s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			s.SetIsMonotonic(pd.mono)
			dp := s.DataPoints().AppendEmpty()
			setNum(dp, pd.sum.Value())
			dp.SetStartTimestamp(pcommon.Timestamp(pd.sum.Start))
			dp.SetTimestamp(pcommon.Timestamp(pd.sum.Time))
			markOverflow(dp.Attributes())
		case pendCumSum:
			s := m.SetEmptySum()
			s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			s.SetIsMonotonic(pd.mono)
			dp := s.DataPoints().AppendEmpty()
			v, ts := pd.acc.SumValue()
			setNum(dp, v)
			dp.SetStartTimestamp(pcommon.Timestamp(pd.acc.Start()))
			dp.SetTimestamp(pcommon.Timestamp(ts))
			markOverflow(dp.Attributes())
		case pendGauge:
			if pd.gauge.N == 0 {
				continue
			}
			dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
			setNum(dp, pd.gauge.V)
			dp.SetTimestamp(pcommon.Timestamp(pd.gauge.Time))
			markOverflow(dp.Attributes())
		case pendDeltaHist:
			if pd.hist.N == 0 {
				continue
			}
			h := m.SetEmptyHistogram()
			h.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			dp := h.DataPoints().AppendEmpty()
			setHist(dp, &pd.hist.H)
			dp.SetStartTimestamp(pcommon.Timestamp(pd.hist.H.Start))
			dp.SetTimestamp(pcommon.Timestamp(pd.hist.H.Time))
			markOverflow(dp.Attributes())
		case pendCumHist:
			h := m.SetEmptyHistogram()
			h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			dp := h.DataPoints().AppendEmpty()
			var v overflow.Hist
			pd.acc.HistValue(&v)
			setHist(dp, &v)
			dp.SetStartTimestamp(pcommon.Timestamp(pd.acc.Start()))
			dp.SetTimestamp(pcommon.Timestamp(v.Time))
			markOverflow(dp.Attributes())
		case pendDeltaExpo, pendCumExpo:
			var v overflow.Expo
			e := m.SetEmptyExponentialHistogram()
			start := uint64(0)
			if pd.kind == pendDeltaExpo {
				if pd.expo.N == 0 {
					continue
				}
				v, start = pd.expo.E, pd.expo.E.Start
				e.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			} else {
				v, start = pd.acc.ExpoValue(), pd.acc.Start()
				e.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			}
			dp := e.DataPoints().AppendEmpty()
			setExpo(dp, &v)
			dp.SetStartTimestamp(pcommon.Timestamp(start))
			dp.SetTimestamp(pcommon.Timestamp(v.Time))
			markOverflow(dp.Attributes())
		}
	}
	// Drop metrics left without a point (every point incompatible), then empty containers.
	b.out.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool { return pointCount(m) == 0 })
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
	b.out.ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
}
