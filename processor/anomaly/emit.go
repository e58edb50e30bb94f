package anomaly

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/metadata"
)

const (
	descScore    = "Anomaly score of the series named by anomaly.metric, in [0, 1]."
	descExpected = "Level the anomaly detector expected for anomaly.metric, in the scored quantity's unit."
	descLower    = "Lower edge of the detector's envelope for anomaly.metric; values below it set a record."
	descUpper    = "Upper edge of the detector's envelope for anomaly.metric; values above it set a record."
)

// resourceOut is the anomaly scope of one resource, created at its first
// emitted point: one anomaly.score metric holding the scores of every
// source metric, then anomaly.expected/lower/upper per source metric (their
// units differ), in the order the source metrics are met.
type resourceOut struct {
	sms   pmetric.ScopeMetricsSlice
	ms    pmetric.MetricSlice
	score pmetric.NumberDataPointSlice
	has   bool
}

func (r *resourceOut) init() {
	if r.has {
		return
	}
	sm := r.sms.AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	r.ms = sm.Metrics()
	m := r.ms.AppendEmpty()
	m.SetName(MetricScore)
	m.SetUnit("1")
	m.SetDescription(descScore)
	r.score = m.SetEmptyGauge().DataPoints()
	r.has = true
}

// metricOut emits the points scored from one source metric; left is the
// number of source points not yet visited (including the current one),
// used to size the output slices once.
type metricOut struct {
	res                    *resourceOut
	name, unit             string
	bands                  bool // emit_bands
	started, bandsStarted  bool
	expected, lower, upper pmetric.NumberDataPointSlice
}

func (o *metricOut) add(attrs pcommon.Map, ts pcommon.Timestamp, s Score, left int) {
	if !o.started {
		o.res.init()
		o.res.score.EnsureCapacity(o.res.score.Len() + left)
		o.started = true
	}
	dp := o.res.score.AppendEmpty()
	a := dp.Attributes()
	a.EnsureCapacity(attrs.Len() + 1)
	attrs.CopyTo(a)
	a.PutStr(AttrMetric, o.name)
	dp.SetTimestamp(ts)
	dp.SetDoubleValue(s.Score)
	if !o.bands || !finite(s.Expected) {
		return
	}
	if !o.bandsStarted {
		o.expected = o.newBand(MetricExpected, descExpected, left)
		o.lower = o.newBand(MetricLower, descLower, left)
		o.upper = o.newBand(MetricUpper, descUpper, left)
		o.bandsStarted = true
	}
	putLike(o.expected, a, ts, s.Expected)
	putLike(o.lower, a, ts, s.Lower)
	putLike(o.upper, a, ts, s.Upper)
}

func (o *metricOut) newBand(name, desc string, capacity int) pmetric.NumberDataPointSlice {
	m := o.res.ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(o.unit)
	m.SetDescription(desc)
	dps := m.SetEmptyGauge().DataPoints()
	dps.EnsureCapacity(capacity)
	return dps
}

// putLike appends a point with a copy of attrs (the score point's, which
// already carry anomaly.metric).
func putLike(dps pmetric.NumberDataPointSlice, attrs pcommon.Map, ts pcommon.Timestamp, v float64) {
	dp := dps.AppendEmpty()
	a := dp.Attributes()
	a.EnsureCapacity(attrs.Len())
	attrs.CopyTo(a)
	dp.SetTimestamp(ts)
	dp.SetDoubleValue(v)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
