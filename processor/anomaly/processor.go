package anomaly

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
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

	hash hasher

	mu        sync.Mutex
	sel       *selectorCache
	series    map[uint64]*seriesState
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
		hash:   newHasher(),
		sel:    newSelectorCache(c.Include),
		series: map[uint64]*seriesState{},
	}, nil
}

func (p *anomalyProcessor) shutdown(context.Context) error {
	p.tb.Shutdown()
	return nil
}

// counts of one batch, recorded once at its end.
type batchCounts struct {
	scored, rejected, evicted, created int64
	skipped                            [numSkipReasons]int64
}

func (p *anomalyProcessor) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	start := p.now()
	bc := p.scoreBatch(md, start)

	p.tb.ProcessorAnomalyPointsScored.Add(ctx, bc.scored)
	for why, n := range bc.skipped {
		if n > 0 {
			p.tb.ProcessorAnomalyPointsSkipped.Add(ctx, n, metric.WithAttributeSet(skippedAttrs[why]))
		}
	}
	p.tb.ProcessorAnomalySeriesRejected.Add(ctx, bc.rejected)
	p.tb.ProcessorAnomalySeriesEvicted.Add(ctx, bc.evicted)
	p.tb.ProcessorAnomalySeriesTracked.Add(ctx, bc.created-bc.evicted)
	p.tb.ProcessorAnomalyScoringDuration.Record(ctx, p.now().Sub(start).Seconds())
	return md, nil
}

// scoreBatch scores md under the processor's lock, released on every path
// (a panic included: net/http recovers a panicking handler, and a lock held
// after it would block every later batch for ever).
func (p *anomalyProcessor) scoreBatch(md pmetric.Metrics, now time.Time) batchCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	var bc batchCounts
	p.evictStale(now, &bc) // first, so evicted slots serve this batch
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		p.processResource(rms.At(i), now, &bc)
	}
	return bc
}

// skippedAttrs is the attribute set of each skip reason, built once.
var skippedAttrs = func() (out [numSkipReasons]attribute.Set) {
	for why, name := range skipReasonNames {
		out[why] = attribute.NewSet(attribute.String("reason", name))
	}
	return out
}()

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

func (p *anomalyProcessor) processResource(rm pmetric.ResourceMetrics, now time.Time, bc *batchCounts) {
	res := rm.Resource().Attributes()
	rc := resourceCtx{res: res, resHash: p.hash.mapHash(res), now: now}
	rc.out.sms = rm.ScopeMetrics()
	n := rc.out.sms.Len() // the anomaly scope, if any, is appended after these
	for i := 0; i < n; i++ {
		ms := rc.out.sms.At(i).Metrics()
		for j := 0; j < ms.Len(); j++ {
			p.processMetric(ms.At(j), &rc, bc)
		}
	}
}
