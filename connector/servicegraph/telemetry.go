package servicegraph

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/graph"
	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/metadata"
)

type metricObserver = metric.Int64Observer

var reasonNoService = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", "no_service_name")))

// recorder turns what the graph reports into self-metrics.
type recorder struct{ tb *metadata.TelemetryBuilder }

var _ graph.Recorder = recorder{}

var bg = context.Background()

// opts holds the attribute option of every (attribute, value) the recorder reports, built
// once: one per recorded request would allocate on the hot path.
var opts = func() map[[2]string]metric.AddOption {
	m := map[[2]string]metric.AddOption{}
	for k, vs := range map[string][]string{
		"kind":   {graph.KindPaired, graph.KindDatabase, graph.KindVirtualUser, graph.KindVirtualPeer},
		"side":   {graph.SideClient, graph.SideServer},
		"reason": {graph.ReasonStoreFull, graph.ReasonSeriesFull},
	} {
		for _, v := range vs {
			m[[2]string{k, v}] = metric.WithAttributeSet(attribute.NewSet(attribute.String(k, v)))
		}
	}
	return m
}()

func one(k, v string) metric.AddOption {
	if o, ok := opts[[2]string{k, v}]; ok {
		return o
	}
	return metric.WithAttributeSet(attribute.NewSet(attribute.String(k, v)))
}

func (r recorder) Recorded(kind string) {
	r.tb.ConnectorServicegraphRequestsRecorded.Add(bg, 1, one("kind", kind))
}
func (r recorder) Unpaired(side string) {
	r.tb.ConnectorServicegraphSpansUnpaired.Add(bg, 1, one("side", side))
}
func (r recorder) Dropped(reason string) {
	r.tb.ConnectorServicegraphSpansDropped.Add(bg, 1, one("reason", reason))
}
func (r recorder) Replaced()           { r.tb.ConnectorServicegraphSpansDuplicate.Add(bg, 1) }
func (r recorder) SeriesExpired(n int) { r.tb.ConnectorServicegraphSeriesExpired.Add(bg, int64(n)) }
func (r recorder) SeriesCreated()      {}

// gauge is the callback of a self-metric gauge that reports read(graph), read under the
// connector's lock.
func (c *serviceGraph) gauge(read func(*graph.Graph) int) func(context.Context, metricObserver) error {
	return func(_ context.Context, o metricObserver) error {
		c.mu.Lock()
		n := read(c.g)
		c.mu.Unlock()
		o.Observe(int64(n))
		return nil
	}
}
