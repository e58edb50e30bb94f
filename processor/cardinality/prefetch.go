package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/tracker"
)

// pointHashes computes the series hash of every point of the current metric before any is
// looked up, then has the tracker prefetch their slots: the lookups' cache misses overlap
// instead of being paid one point at a time (see Tracker.Prefetch). The point functions
// take the hashes in order with next.
func (p *cardinalityProcessor) pointHashes(mc *metricCtx, n int, attrs func(i int) pcommon.Map) {
	hs := mc.b.hashes[:0]
	for i := 0; i < n; i++ {
		hs = append(hs, tracker.Combine(mc.base, p.id.attrs(attrs(i))))
	}
	mc.b.hashes, mc.hashes, mc.next = hs, hs, 0
	mc.b.sink += p.tr.Prefetch(hs)
}

// nextHash is the series hash of the next point (in DataPoints order).
func (mc *metricCtx) nextHash() uint64 {
	h := mc.hashes[mc.next]
	mc.next++
	return h
}
