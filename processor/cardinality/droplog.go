package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"

import (
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
)

// maxDropLogged bounds the (metric, reason) pairs whose first dropped point is logged.
const maxDropLogged = 1000

// dropKey is one (metric name, drop reason) pair.
type dropKey struct {
	name string
	out  outcome
}

// dropLog logs the first point of each metric dropped for each reason that says something
// about the data (a bucket layout that cannot merge, a type that cannot merge, full overflow
// state): one line per metric and reason, not one per point, for at most maxDropLogged
// pairs; every drop is counted in otelcol_processor_cardinality_datapoints either way.
type dropLog struct {
	seen sync.Map // dropKey → struct{}
	n    atomic.Int64
}

var dropHints = [numOutcomes]string{
	droppedInvalidBuckets:      "the point's buckets are malformed (explicit: bucket counts neither empty nor one more than the bounds; exponential: a scale outside [-10, 20] or bucket indexes no float64 value falls into)",
	droppedIncompatibleBuckets: "the point's explicit bounds differ from those of the metric's overflow point",
	droppedStateFull:           "overflow.max_tracked_streams cumulative streams already have overflow state",
	droppedUnsupportedType:     "this point type cannot be merged into an overflow point",
}

// first reports whether this is the first drop of (name, out) to log.
func (l *dropLog) first(name string, out outcome) bool {
	k := dropKey{name, out}
	if _, ok := l.seen.Load(k); ok {
		return false
	}
	if l.n.Load() >= maxDropLogged {
		return false
	}
	if _, loaded := l.seen.LoadOrStore(k, struct{}{}); loaded {
		return false
	}
	return l.n.Add(1) <= maxDropLogged
}

// dropped counts a point dropped with out and logs the first one of its metric.
func (p *cardinalityProcessor) dropped(mc *metricCtx, out outcome) {
	mc.b.counts[out]++
	if !p.drops.first(mc.m.Name(), out) {
		return
	}
	p.logger.Warn("metric data point dropped (logged once per metric and reason; all are counted in otelcol_processor_cardinality_datapoints)",
		zap.String("metric", mc.m.Name()),
		zap.String("type", mc.m.Type().String()),
		zap.String("reason", outcomeAttrs[out][1]),
		zap.String("why", dropHints[out]))
}
