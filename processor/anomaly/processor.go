package anomaly

import (
	"context"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/fraiseql/otelcol-fraiseql/processor/anomaly/internal/metadata"
)

// Names of the emitted metrics and attribute.
const (
	MetricScore    = "anomaly.score"
	MetricExpected = "anomaly.expected"
	MetricLower    = "anomaly.lower"
	MetricUpper    = "anomaly.upper"
	AttrMetric     = "anomaly.metric"
)

type anomalyProcessor struct {
	cfg    *Config
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder
	now    func() time.Time

	mu        sync.Mutex
	series    map[string]*seriesState
	lastSweep time.Time
}

func newAnomalyProcessor(set processor.Settings, cfg *Config) (*anomalyProcessor, error) {
	c := *cfg
	c.Include = append([]Selector(nil), cfg.Include...)
	c.compile()
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &anomalyProcessor{
		cfg:    &c,
		logger: set.Logger,
		tb:     tb,
		now:    time.Now,
		series: map[string]*seriesState{},
	}, nil
}

func (p *anomalyProcessor) shutdown(context.Context) error {
	p.tb.Shutdown()
	return nil
}

// counts of one batch, recorded once at its end.
type batchCounts struct {
	scored, skipped, rejected, evicted, created int64
}

func (p *anomalyProcessor) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	start := p.now()
	p.mu.Lock()
	var bc batchCounts
	p.evictStale(start, &bc) // first, so evicted slots serve this batch
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		p.processResource(rms.At(i), start, &bc)
	}
	p.mu.Unlock()

	p.tb.ProcessorAnomalyPointsScored.Add(ctx, bc.scored)
	p.tb.ProcessorAnomalyPointsSkipped.Add(ctx, bc.skipped)
	p.tb.ProcessorAnomalySeriesRejected.Add(ctx, bc.rejected)
	p.tb.ProcessorAnomalySeriesEvicted.Add(ctx, bc.evicted)
	p.tb.ProcessorAnomalySeriesTracked.Add(ctx, bc.created-bc.evicted)
	p.tb.ProcessorAnomalyScoringDuration.Record(ctx, p.now().Sub(start).Seconds())
	return md, nil
}

func (p *anomalyProcessor) evictStale(now time.Time, bc *batchCounts) {
	period := p.cfg.StaleAfter / 4
	if period > time.Minute {
		period = time.Minute
	}
	if now.Sub(p.lastSweep) < period {
		return
	}
	p.lastSweep = now
	for k, s := range p.series {
		if now.Sub(s.lastSeen) >= p.cfg.StaleAfter {
			delete(p.series, k)
			bc.evicted++
		}
	}
}

func (p *anomalyProcessor) selected(name string, attrs, res pcommon.Map) bool {
	for i := range p.cfg.Include {
		s := &p.cfg.Include[i]
		if s.re != nil {
			if !s.re.MatchString(name) {
				continue
			}
		} else if s.Name != name {
			continue
		}
		if attrsMatch(s.Attributes, attrs, res) {
			return true
		}
	}
	return false
}

func attrsMatch(want map[string]string, attrs, res pcommon.Map) bool {
	for k, v := range want {
		got, ok := attrs.Get(k)
		if !ok {
			got, ok = res.Get(k)
		}
		if !ok || got.AsString() != v {
			return false
		}
	}
	return true
}

// output collects the emitted points of one source metric.
type output struct {
	name, unit string
	score      pmetric.NumberDataPointSlice
	expected   pmetric.NumberDataPointSlice
	lower      pmetric.NumberDataPointSlice
	upper      pmetric.NumberDataPointSlice
}

func (p *anomalyProcessor) processResource(rm pmetric.ResourceMetrics, now time.Time, bc *batchCounts) {
	res := rm.Resource().Attributes()
	resKey := mapKey(res)
	var outs []*output
	sms := rm.ScopeMetrics()
	for i := 0; i < sms.Len(); i++ {
		ms := sms.At(i).Metrics()
		for j := 0; j < ms.Len(); j++ {
			if o := p.processMetric(ms.At(j), res, resKey, now, bc); o != nil {
				outs = append(outs, o)
			}
		}
	}
	if len(outs) == 0 {
		return
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	score := sm.Metrics().AppendEmpty()
	score.SetName(MetricScore)
	score.SetUnit("1")
	score.SetDescription("Anomaly score of the series named by anomaly.metric, in [0, 1].")
	sdps := score.SetEmptyGauge().DataPoints()
	for _, o := range outs {
		o.score.MoveAndAppendTo(sdps)
	}
	if !p.cfg.EmitBands {
		return
	}
	for _, o := range outs {
		for _, b := range []struct {
			name, desc string
			dps        pmetric.NumberDataPointSlice
		}{
			{MetricExpected, "Level the anomaly detector expected for anomaly.metric, in the scored quantity's unit.", o.expected},
			{MetricLower, "Lower edge of the detector's envelope for anomaly.metric; values below it set a record.", o.lower},
			{MetricUpper, "Upper edge of the detector's envelope for anomaly.metric; values above it set a record.", o.upper},
		} {
			if b.dps.Len() == 0 {
				continue
			}
			m := sm.Metrics().AppendEmpty()
			m.SetName(b.name)
			m.SetUnit(o.unit)
			m.SetDescription(b.desc)
			b.dps.MoveAndAppendTo(m.SetEmptyGauge().DataPoints())
		}
	}
}

func newOutput(name, unit string) *output {
	return &output{
		name: name, unit: unit,
		score:    pmetric.NewNumberDataPointSlice(),
		expected: pmetric.NewNumberDataPointSlice(),
		lower:    pmetric.NewNumberDataPointSlice(),
		upper:    pmetric.NewNumberDataPointSlice(),
	}
}

func (o *output) add(attrs pcommon.Map, ts pcommon.Timestamp, s Score, bands bool) {
	put := func(dps pmetric.NumberDataPointSlice, v float64) {
		dp := dps.AppendEmpty()
		attrs.CopyTo(dp.Attributes())
		dp.Attributes().PutStr(AttrMetric, o.name)
		dp.SetTimestamp(ts)
		dp.SetDoubleValue(v)
	}
	put(o.score, s.Score)
	if bands && finite(s.Expected) {
		put(o.expected, s.Expected)
		put(o.lower, s.Lower)
		put(o.upper, s.Upper)
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// mapKey is a canonical string of a map's attributes (sorted keys).
func mapKey(m pcommon.Map) string {
	if m.Len() == 0 {
		return ""
	}
	keys := make([]string, 0, m.Len())
	m.Range(func(k string, _ pcommon.Value) bool {
		keys = append(keys, k)
		return true
	})
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v, _ := m.Get(k)
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(v.AsString())
		b.WriteByte(1)
	}
	return b.String()
}
