package anomaly

import (
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// seriesState is what the processor keeps per series: the detector and, for
// cumulative inputs, the previous point to take differences against.
type seriesState struct {
	det      *SeriesDetector
	lastSeen time.Time

	hasPrev     bool
	prevStart   pcommon.Timestamp
	prevTS      pcommon.Timestamp
	prevValue   float64  // cumulative sum value, or histogram count
	prevSum     float64  // cumulative histogram sum
	prevBuckets []uint64 // cumulative histogram bucket counts (quantile only)
}

// resourceCtx is what the points of one resource share.
type resourceCtx struct {
	res     pcommon.Map
	resHash uint64
	now     time.Time
	out     resourceOut
}

// lookup returns the state of a series, creating it if max_series allows.
func (p *anomalyProcessor) lookup(id uint64, now time.Time, bc *batchCounts) *seriesState {
	s, ok := p.series[id]
	if !ok {
		if len(p.series) >= p.cfg.MaxSeries {
			bc.rejected++
			return nil
		}
		s = &seriesState{det: NewSeriesDetector(p.cfg)}
		p.series[id] = s
		bc.created++
	}
	s.lastSeen = now
	return s
}

// metricCtx walks the points of one source metric.
type metricCtx struct {
	p        *anomalyProcessor
	rc       *resourceCtx
	sel      nameSelection
	nameHash uint64
	bc       *batchCounts
	out      metricOut
}

// state returns the series state of a selected point, nil when the point
// is not selected or max_series refuses a new series.
func (mc *metricCtx) state(attrs pcommon.Map) *seriesState {
	if !mc.sel.selects(attrs, mc.rc.res) {
		return nil
	}
	id := mc.p.hash.seriesID(mc.nameHash, mc.rc.resHash, mc.p.hash.mapHash(attrs))
	return mc.p.lookup(id, mc.rc.now, mc.bc)
}

// skipReason says why a selected point was not scored: the reason attribute
// of otelcol_processor_anomaly_points_skipped. notSkipped means it has a value.
type skipReason uint8

const (
	notSkipped skipReason = iota
	skipNoValue
	skipWarmup
	skipNoInterval
	skipNoQuantile
	numSkipReasons
)

var skipReasonNames = [numSkipReasons]string{
	notSkipped:     "",
	skipNoValue:    "no_value",
	skipWarmup:     "warmup",
	skipNoInterval: "no_interval",
	skipNoQuantile: "no_quantile",
}

// score feeds one value to the series' detector and emits the outcome;
// left is the number of source points from this one to the end.
func (mc *metricCtx) score(attrs pcommon.Map, ts pcommon.Timestamp, st *seriesState, v float64, why skipReason, left int) {
	if why == notSkipped && !finite(v) {
		why = skipNoValue
	}
	if why != notSkipped {
		mc.bc.skipped[why]++
		return
	}
	s := st.det.Update(int64(ts), v)
	if !s.Scored {
		mc.bc.skipped[skipWarmup]++ // learned, not scored
		return
	}
	mc.out.add(attrs, ts, s, left)
	mc.bc.scored++
}

func (p *anomalyProcessor) processMetric(m pmetric.Metric, rc *resourceCtx, bc *batchCounts) {
	name := m.Name()
	sel := p.sel.forName(name)
	if !sel.any {
		return
	}
	mc := metricCtx{
		p: p, rc: rc, sel: sel, bc: bc,
		nameHash: p.hash.nameHash(name),
		out:      metricOut{res: &rc.out, name: name, unit: m.Unit(), bands: p.cfg.EmitBands},
	}

	switch m.Type() {
	case pmetric.MetricTypeGauge:
		dps := m.Gauge().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			st := mc.state(dp.Attributes())
			if st == nil {
				continue
			}
			v, why := numberValue(dp)
			mc.score(dp.Attributes(), dp.Timestamp(), st, v, why, dps.Len()-i)
		}
	case pmetric.MetricTypeSum:
		sum := m.Sum()
		rate := sum.IsMonotonic() && sum.AggregationTemporality() == pmetric.AggregationTemporalityCumulative
		if rate {
			mc.out.unit = perSecond(mc.out.unit)
		}
		dps := sum.DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			st := mc.state(dp.Attributes())
			if st == nil {
				continue
			}
			v, why := numberValue(dp)
			if why == notSkipped && rate {
				v, why = st.rate(dp.StartTimestamp(), dp.Timestamp(), v)
			}
			mc.score(dp.Attributes(), dp.Timestamp(), st, v, why, dps.Len()-i)
		}
	case pmetric.MetricTypeHistogram:
		h := m.Histogram()
		if p.cfg.Histogram.Statistic == StatCountRate {
			mc.out.unit = "1/s"
		}
		cumulative := h.AggregationTemporality() == pmetric.AggregationTemporalityCumulative
		dps := h.DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			st := mc.state(dp.Attributes())
			if st == nil {
				continue
			}
			v, why := st.histogramStat(dp, cumulative, &p.cfg.Histogram)
			mc.score(dp.Attributes(), dp.Timestamp(), st, v, why, dps.Len()-i)
		}
	default:
		// Exponential histograms and summaries pass through unscored.
	}
}

func numberValue(dp pmetric.NumberDataPoint) (float64, skipReason) {
	if dp.Flags().NoRecordedValue() {
		return 0, skipNoValue
	}
	switch dp.ValueType() {
	case pmetric.NumberDataPointValueTypeInt:
		return float64(dp.IntValue()), notSkipped
	case pmetric.NumberDataPointValueTypeDouble:
		return dp.DoubleValue(), notSkipped
	}
	return 0, skipNoValue
}

func perSecond(unit string) string {
	if unit == "" || unit == "1" {
		return "1/s"
	}
	return unit + "/s"
}

// newInterval reports whether a cumulative point starts a fresh difference:
// the first point, a restart (new start time) or a counter going backwards.
// Repeated or backwards timestamps yield no interval and keep the previous point.
func (s *seriesState) interval(start, ts pcommon.Timestamp) (dt float64, fresh, usable bool) {
	if !s.hasPrev || (start != 0 && start != s.prevStart) {
		return 0, true, false
	}
	if ts <= s.prevTS {
		return 0, false, false
	}
	return float64(ts-s.prevTS) / 1e9, false, true
}

func (s *seriesState) remember(start, ts pcommon.Timestamp, value, sum float64) {
	s.hasPrev = true
	s.prevStart, s.prevTS = start, ts
	s.prevValue, s.prevSum = value, sum
}

// rate turns a cumulative monotonic sum into a per-second rate.
func (s *seriesState) rate(start, ts pcommon.Timestamp, v float64) (float64, skipReason) {
	dt, fresh, ok := s.interval(start, ts)
	if fresh {
		s.remember(start, ts, v, 0)
		return 0, skipNoInterval
	}
	if !ok {
		return 0, skipNoInterval
	}
	delta := v - s.prevValue
	s.remember(start, ts, v, 0)
	if delta < 0 { // reset without a new start time
		return 0, skipNoInterval
	}
	return delta / dt, notSkipped
}

// histogramStat computes the configured statistic of one histogram point.
func (s *seriesState) histogramStat(dp pmetric.HistogramDataPoint, cumulative bool, hc *HistogramConfig) (float64, skipReason) {
	if dp.Flags().NoRecordedValue() {
		return 0, skipNoValue
	}
	count := float64(dp.Count())
	sum := dp.Sum()
	buckets := dp.BucketCounts().AsRaw()
	var dt float64
	if cumulative {
		d, fresh, ok := s.interval(dp.StartTimestamp(), dp.Timestamp())
		if fresh || (ok && count < s.prevValue) || (hc.Statistic == StatQuantile && len(buckets) != len(s.prevBuckets)) {
			s.remember(dp.StartTimestamp(), dp.Timestamp(), count, sum)
			s.prevBuckets = append(s.prevBuckets[:0], buckets...)
			return 0, skipNoInterval
		}
		if !ok {
			return 0, skipNoInterval
		}
		dt = d
		dCount, dSum := count-s.prevValue, sum-s.prevSum
		if hc.Statistic == StatQuantile {
			diff := make([]uint64, len(buckets))
			for i, c := range buckets {
				if c < s.prevBuckets[i] {
					diff = nil
					break
				}
				diff[i] = c - s.prevBuckets[i]
			}
			s.prevBuckets = append(s.prevBuckets[:0], buckets...)
			s.remember(dp.StartTimestamp(), dp.Timestamp(), count, sum)
			if diff == nil { // a bucket went backwards: a reset without a new start time
				return 0, skipNoInterval
			}
			buckets = diff
		} else {
			s.remember(dp.StartTimestamp(), dp.Timestamp(), count, sum)
		}
		count, sum = dCount, dSum
	} else if dp.StartTimestamp() != 0 && dp.Timestamp() > dp.StartTimestamp() {
		dt = float64(dp.Timestamp()-dp.StartTimestamp()) / 1e9
	}
	switch hc.Statistic {
	case StatMean:
		if !dp.HasSum() || count <= 0 {
			return 0, skipNoValue
		}
		return sum / count, notSkipped
	case StatCountRate:
		if dt <= 0 {
			return 0, skipNoInterval
		}
		return count / dt, notSkipped
	case StatQuantile:
		if v, ok := bucketQuantile(hc.Quantile, dp.ExplicitBounds().AsRaw(), buckets); ok {
			return v, notSkipped
		}
		return 0, skipNoQuantile
	}
	return 0, skipNoValue
}

// bucketQuantile estimates a quantile from explicit-bucket counts with
// linear interpolation inside the bucket, like Prometheus' histogram_quantile:
// the first bucket's lower edge is 0 when its upper bound is positive, and a
// quantile in the +Inf bucket returns the last finite bound.
//
// A histogram with no finite bound (a count-only histogram: no bounds, one
// bucket holding every observation, in (-Inf, +Inf)) says nothing about where
// its observations lie, so it has no quantile: false, like a histogram whose
// counts do not match its bounds or that holds no observation.
func bucketQuantile(q float64, bounds []float64, counts []uint64) (float64, bool) {
	if len(bounds) == 0 || len(counts) != len(bounds)+1 {
		return 0, false
	}
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0, false
	}
	rank := q * float64(total)
	var cum float64
	for i, c := range counts {
		next := cum + float64(c)
		if next >= rank && c > 0 {
			if i == len(bounds) {
				return bounds[len(bounds)-1], true
			}
			hi := bounds[i]
			lo := 0.0
			if i > 0 {
				lo = bounds[i-1]
			} else if hi <= 0 {
				return hi, true
			}
			return lo + (hi-lo)*(rank-cum)/float64(c), true
		}
		cum = next
	}
	return math.NaN(), false
}
