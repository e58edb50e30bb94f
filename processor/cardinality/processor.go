package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/overflow"
	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/tracker"
)

// clock is the processor's time source (replaced in tests to exercise expiry).
var clock = time.Now

// OverflowAttribute marks overflow points (OTel SDK spec); it is their only attribute.
const OverflowAttribute = "otel.metric.overflow"

type cardinalityProcessor struct {
	cfg       *Config
	logger    *zap.Logger
	tb        *metadata.TelemetryBuilder
	id        identity
	tr        *tracker.Tracker
	store     *overflow.Store
	keep      []string // kept resource attributes ∪ partition attributes
	partition []string
	drop      bool
	gaugeLast bool
	now       func() time.Time

	counts   [numOutcomes][]metric.AddOption
	evAdm    metric.AddOption
	evStream metric.AddOption
	lastWarn atomic.Int64
	drops    dropLog
	batches  sync.Pool

	stop chan struct{}
	wg   sync.WaitGroup
}

func newProcessor(set processor.Settings, cfg *Config) (*cardinalityProcessor, error) {
	epoch := clock().UnixNano()
	p := &cardinalityProcessor{
		cfg:    cfg,
		logger: set.Logger,
		id:     identity{h: tracker.NewHasher()},
		tr: tracker.New(tracker.Config{
			Limits: cfg.trackerLimits(), StaleAfter: cfg.StaleAfter, Epoch: epoch,
		}),
		store: overflow.NewStore(overflow.StoreConfig{
			MaxStreams: cfg.Overflow.MaxTrackedStreams, StaleAfter: cfg.StaleAfter, Epoch: epoch,
		}),
		partition: slices.Clone(cfg.Limits.PartitionByResource),
		drop:      cfg.Action == ActionDrop,
		gaugeLast: cfg.Overflow.Gauges == GaugesLastValue,
		now:       clock,
		counts:    outcomeOptions(),
		evAdm:     metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "admitted"))),
		evStream:  metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "overflow_stream"))),
	}
	slices.Sort(p.partition)
	p.partition = slices.Compact(p.partition)
	p.keep = append(slices.Clone(cfg.Overflow.KeepResourceAttributes), p.partition...)
	slices.Sort(p.keep)
	p.keep = slices.Compact(p.keep)
	p.batches.New = func() any { return &batch{} }

	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p.tb = tb
	err = tb.RegisterProcessorCardinalitySeriesActiveCallback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(p.tr.Active())
		return nil
	})
	if err == nil {
		err = tb.RegisterProcessorCardinalitySeriesLimitCallback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(cfg.Limits.MaxSeries))
			return nil
		})
	}
	if err == nil {
		err = tb.RegisterProcessorCardinalityOverflowStreamsTrackedCallback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(p.store.Tracked())
			return nil
		})
	}
	if err == nil {
		err = tb.RegisterProcessorCardinalityMetricsOverLimitCallback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(p.tr.MetricsOverLimit()))
			return nil
		})
	}
	if err == nil && cfg.Telemetry.TopOffenders > 0 {
		err = tb.RegisterProcessorCardinalityTopOffenderDatapointsCallback(func(_ context.Context, o metric.Int64Observer) error {
			for _, off := range p.tr.Offenders(cfg.Telemetry.TopOffenders) {
				o.Observe(off.Rejected, metric.WithAttributes(attribute.String("metric_name", off.Name)))
			}
			return nil
		})
	}
	if err != nil {
		tb.Shutdown()
		return nil, err
	}
	return p, nil
}

// sweepInterval spreads one full eviction pass over stale_after/10, one shard per tick.
func (p *cardinalityProcessor) sweepInterval() time.Duration {
	d := p.cfg.StaleAfter / 10 / time.Duration(p.tr.Shards())
	return max(d, 10*time.Millisecond)
}

func (p *cardinalityProcessor) start(context.Context, component.Host) error {
	p.stop = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(p.sweepInterval())
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.sweep()
			}
		}
	}()
	return nil
}

// sweep evicts stale state from one shard of the tracker and one of the overflow store.
func (p *cardinalityProcessor) sweep() {
	now := p.now().UnixNano()
	ctx := context.Background()
	if n := p.tr.Sweep(now); n > 0 {
		p.tb.ProcessorCardinalitySeriesEvicted.Add(ctx, int64(n), p.evAdm)
	}
	if n := p.store.Sweep(now); n > 0 {
		p.tb.ProcessorCardinalitySeriesEvicted.Add(ctx, int64(n), p.evStream)
	}
}

func (p *cardinalityProcessor) shutdown(context.Context) error {
	if p.stop != nil {
		close(p.stop)
		p.wg.Wait()
		p.stop = nil
	}
	p.tb.Shutdown()
	return nil
}

// resourceCtx and metricCtx carry what every point of a resource / metric shares.
type resourceCtx struct {
	res  pcommon.Map
	hash uint64 // all resource attributes
	part uint64 // partition attributes
	keep uint64 // attributes kept on overflow points
}

type metricCtx struct {
	b     *batch
	rc    *resourceCtx
	scope pcommon.InstrumentationScope
	sHash uint64
	m     pmetric.Metric
	ms    *tracker.Metric
	base  uint64 // series hash before point attributes
	okey  uint64 // overflow identity
	now   int64

	hashes []uint64 // series hash of each point (pointHashes)
	next   int
}

func (p *cardinalityProcessor) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	now := p.now().UnixNano()
	b := p.batches.Get().(*batch)
	b.reset()
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		res := rm.Resource().Attributes()
		rc := resourceCtx{res: res, hash: p.id.attrs(res), part: p.id.selected(res, p.partition),
			keep: p.id.selected(res, p.keep)}
		sms := rm.ScopeMetrics()
		if sms.Len() == 0 {
			return false
		}
		sms.RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			ms := sm.Metrics()
			if ms.Len() == 0 {
				return false
			}
			scope := sm.Scope()
			sh := p.id.scope(scope)
			ms.RemoveIf(func(m pmetric.Metric) bool {
				if pointCount(m) == 0 {
					return false
				}
				p.processMetric(b, &rc, scope, sh, m, now)
				return pointCount(m) == 0
			})
			return ms.Len() == 0
		})
		return sms.Len() == 0
	})
	b.emit(p, md)
	for i, n := range b.counts {
		if n > 0 {
			p.tb.ProcessorCardinalityDatapoints.Add(ctx, n, p.counts[i]...)
		}
	}
	p.batches.Put(b)
	return md, nil
}

func pointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}

func (p *cardinalityProcessor) processMetric(b *batch, rc *resourceCtx, scope pcommon.InstrumentationScope, sh uint64, m pmetric.Metric, now int64) {
	mid := p.id.metric(m)
	mc := metricCtx{
		b: b, rc: rc, scope: scope, sHash: sh, m: m, now: now,
		ms:   p.tr.Metric(m.Name(), rc.part, now),
		base: tracker.Combine(tracker.Combine(rc.hash, sh), mid),
		okey: tracker.Combine(tracker.Combine(rc.keep, sh), mid),
	}
	switch m.Type() {
	case pmetric.MetricTypeSum:
		s := m.Sum()
		cum := s.AggregationTemporality() == pmetric.AggregationTemporalityCumulative
		mono := s.IsMonotonic()
		dps := s.DataPoints()
		p.pointHashes(&mc, dps.Len(), func(i int) pcommon.Map { return dps.At(i).Attributes() })
		dps.RemoveIf(func(dp pmetric.NumberDataPoint) bool {
			return p.numberPoint(&mc, dp, true, cum, mono)
		})
	case pmetric.MetricTypeGauge:
		dps := m.Gauge().DataPoints()
		p.pointHashes(&mc, dps.Len(), func(i int) pcommon.Map { return dps.At(i).Attributes() })
		dps.RemoveIf(func(dp pmetric.NumberDataPoint) bool {
			return p.numberPoint(&mc, dp, false, false, false)
		})
	case pmetric.MetricTypeHistogram:
		cum := m.Histogram().AggregationTemporality() == pmetric.AggregationTemporalityCumulative
		dps := m.Histogram().DataPoints()
		p.pointHashes(&mc, dps.Len(), func(i int) pcommon.Map { return dps.At(i).Attributes() })
		dps.RemoveIf(func(dp pmetric.HistogramDataPoint) bool {
			return p.histPoint(&mc, dp, cum)
		})
	case pmetric.MetricTypeExponentialHistogram:
		cum := m.ExponentialHistogram().AggregationTemporality() == pmetric.AggregationTemporalityCumulative
		dps := m.ExponentialHistogram().DataPoints()
		p.pointHashes(&mc, dps.Len(), func(i int) pcommon.Map { return dps.At(i).Attributes() })
		dps.RemoveIf(func(dp pmetric.ExponentialHistogramDataPoint) bool {
			return p.expoPoint(&mc, dp, cum)
		})
	case pmetric.MetricTypeSummary:
		dps := m.Summary().DataPoints()
		p.pointHashes(&mc, dps.Len(), func(i int) pcommon.Map { return dps.At(i).Attributes() })
		dps.RemoveIf(func(dp pmetric.SummaryDataPoint) bool {
			h := mc.nextHash()
			if dp.Flags().NoRecordedValue() && p.known(&mc, h) {
				return false
			}
			if p.noRecordedValue(&mc, dp.Flags()) {
				return true
			}
			if _, ok := p.admit(&mc, h, dp.Attributes()); ok {
				return false
			}
			if !p.drop {
				p.dropped(&mc, droppedUnsupportedType)
			} else {
				mc.b.counts[droppedUnsupportedType]++
			}
			return true
		})
	}
}

// known is the lookup of an admitted series (it passes). The point functions call it only
// when something must be decided before admission: a point with no recorded value of an
// unknown series is dropped, and an overflowed cumulative stream stays in overflow
// (sticky). Otherwise admit's single TryAdmit lookup passes known series and admits new
// ones, so no point is looked up twice.
func (p *cardinalityProcessor) known(mc *metricCtx, h uint64) bool {
	if !p.tr.Touch(h, mc.now) {
		return false
	}
	if mc.ms != nil && mc.ms.Excluded {
		mc.b.counts[passedExcluded]++
	} else {
		mc.b.counts[passedAdmitted]++
	}
	return true
}

// noRecordedValue: a staleness marker of a series that is not admitted carries no value to
// merge (a zero would look like a counter reset), so it is dropped.
func (p *cardinalityProcessor) noRecordedValue(mc *metricCtx, f pmetric.DataPointFlags) bool {
	if f.NoRecordedValue() {
		mc.b.counts[droppedNoRecordedValue]++
		return true
	}
	return false
}

// sticky counts a point kept in overflow because its stream already is.
func (p *cardinalityProcessor) sticky(mc *metricCtx) {
	mc.b.counts[overflowedInOverflow]++
	p.tr.CountRejected(mc.ms, 1)
}

// admit tries to admit a new series. When it is rejected it returns the outcome the point
// gets if it is merged into overflow (or dropped, with action drop), and logs a sample.
func (p *cardinalityProcessor) admit(mc *metricCtx, h uint64, attrs pcommon.Map) (outcome, bool) {
	d := p.tr.TryAdmit(mc.ms, h, mc.now)
	if d == tracker.Admitted {
		if mc.ms != nil && mc.ms.Excluded {
			mc.b.counts[passedExcluded]++
		} else {
			mc.b.counts[passedAdmitted]++
		}
		return 0, true
	}
	p.warn(mc, attrs, d)
	switch {
	case p.drop && d == tracker.RejectedMetric:
		return droppedMetricLimit, false
	case p.drop:
		return droppedGlobalLimit, false
	case d == tracker.RejectedMetric:
		return overflowedMetricLimit, false
	default:
		return overflowedGlobalLimit, false
	}
}

func (p *cardinalityProcessor) warn(mc *metricCtx, attrs pcommon.Map, d tracker.Decision) {
	iv := int64(p.cfg.Telemetry.WarnInterval)
	if iv <= 0 {
		return
	}
	last := p.lastWarn.Load()
	if last != 0 && mc.now-last < iv || !p.lastWarn.CompareAndSwap(last, mc.now) {
		return
	}
	reason, limit, admitted := "global_limit", 0, int64(0)
	if d == tracker.RejectedMetric {
		reason = "metric_limit"
	}
	if mc.ms != nil {
		limit, admitted = mc.ms.Limit, mc.ms.Admitted()
	}
	kept := pcommon.NewMap()
	for _, k := range p.keep {
		if v, ok := mc.rc.res.Get(k); ok {
			v.CopyTo(kept.PutEmpty(k))
		}
	}
	p.logger.Warn("metric series over the cardinality limit (sample; further ones are not logged for telemetry.warn_interval)",
		zap.String("metric", mc.m.Name()),
		zap.String("reason", reason),
		zap.String("action", p.cfg.Action),
		zap.Any("attributes", attrs.AsRaw()),
		zap.Any("resource", kept.AsRaw()),
		zap.Int64("metric_series_admitted", admitted),
		zap.Int("metric_limit", limit),
		zap.Int64("series_active", p.tr.Active()),
		zap.Int("max_series", p.cfg.Limits.MaxSeries))
}
