package servicegraph

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/graph"
	"github.com/fraiseql/otelcol-fraiseql/connector/servicegraph/internal/metadata"
)

// seriesIdle is how long an edge series is kept without a request (contrib's cache loop).
const seriesIdle = 15 * time.Minute

// collectorInstanceKey labels every point with the collector that made it (as span_metrics
// does), so the replicas of a gateway tier write distinct cumulative series.
const collectorInstanceKey = "collector.instance.id"

type serviceGraph struct {
	cfg        *Config
	next       consumer.Metrics
	logger     *zap.Logger
	tb         *metadata.TelemetryBuilder
	instanceID string
	now        func() time.Time

	mu sync.Mutex
	g  *graph.Graph

	done chan struct{}
	wg   sync.WaitGroup
}

var _ connector.Traces = (*serviceGraph)(nil)

func newConnector(set connector.Settings, cfg *Config, next consumer.Metrics) (*serviceGraph, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	c := &serviceGraph{cfg: cfg, next: next, logger: set.Logger, tb: tb, now: time.Now, done: make(chan struct{})}
	if v, ok := set.Resource.Attributes().Get(collectorInstanceKey); ok {
		c.instanceID = v.AsString()
	}
	c.g = graph.New(graph.Config{
		TTL: cfg.Store.TTL, MaxItems: cfg.Store.MaxItems, MaxSeries: cfg.Store.MaxItems,
		Bounds: cfg.bounds(), Dims: len(cfg.Dimensions),
	}, recorder{tb})
	err = errors.Join(
		tb.RegisterConnectorServicegraphStoreItemsCallback(c.gauge((*graph.Graph).Pending)),
		tb.RegisterConnectorServicegraphSeriesCallback(c.gauge((*graph.Graph).Series)))
	if err != nil {
		tb.Shutdown()
		return nil, err
	}
	return c, nil
}

func (c *serviceGraph) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (c *serviceGraph) Start(ctx context.Context, _ component.Host) error {
	// The loop outlives Start: keep the context's values, not its cancellation (Shutdown
	// ends the loop).
	loopCtx := context.WithoutCancel(ctx)
	c.wg.Add(1)
	go c.loop(loopCtx)
	return nil
}

// loop expires waiting spans every store_expiration_loop and flushes every
// metrics_flush_interval (when it is not 0).
func (c *serviceGraph) loop(ctx context.Context) {
	defer c.wg.Done()
	expire := time.NewTicker(c.cfg.StoreExpirationLoop)
	defer expire.Stop()
	var flush <-chan time.Time
	if c.cfg.MetricsFlushInterval > 0 {
		t := time.NewTicker(c.cfg.MetricsFlushInterval)
		defer t.Stop()
		flush = t.C
	}
	for {
		select {
		case <-c.done:
			return
		case <-expire.C:
			c.expire()
		case <-flush:
			c.flush(ctx)
		}
	}
}

func (c *serviceGraph) expire() {
	now := c.now()
	c.mu.Lock()
	c.g.Expire(now, now.Add(-seriesIdle))
	c.mu.Unlock()
}

// Shutdown ends the loops, turns the spans still waiting into virtual-node edges or
// unpaired counts, and flushes the last values.
func (c *serviceGraph) Shutdown(ctx context.Context) error {
	select {
	case <-c.done:
		return nil
	default:
	}
	close(c.done)
	c.wg.Wait()
	c.mu.Lock()
	c.g.Drain(c.now())
	c.mu.Unlock()
	c.flush(ctx)
	c.tb.Shutdown()
	return nil
}

// flush emits the cumulative edge metrics; a failure downstream is logged (the next flush
// carries the same cumulative values again).
func (c *serviceGraph) flush(ctx context.Context) {
	c.mu.Lock()
	md := c.buildMetrics(c.now())
	c.mu.Unlock()
	if md.DataPointCount() == 0 {
		return
	}
	if err := c.next.ConsumeMetrics(ctx, md); err != nil {
		c.logger.Warn("servicegraph: the metrics pipeline refused the edge metrics; the next flush sends them again", zap.Error(err))
	}
}

func (c *serviceGraph) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	now := c.now()
	c.mu.Lock()
	c.consume(td, now)
	c.mu.Unlock()
	if c.cfg.MetricsFlushInterval == 0 {
		c.flush(ctx)
	}
	return nil
}

// consume walks the spans and hands the client and server halves of requests to the graph.
func (c *serviceGraph) consume(td ptrace.Traces, now time.Time) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		res := rs.Resource().Attributes()
		svc, ok := res.Get("service.name")
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				kind := span.Kind()
				client := kind == ptrace.SpanKindClient || kind == ptrace.SpanKindProducer
				server := kind == ptrace.SpanKindServer || kind == ptrace.SpanKindConsumer
				if !client && !server {
					continue
				}
				if !ok || svc.AsString() == "" {
					c.tb.ConnectorServicegraphSpansDropped.Add(context.Background(), 1, reasonNoService)
					continue
				}
				h := graph.Half{
					Service:   svc.AsString(),
					Seconds:   seconds(span),
					Failed:    span.Status().Code() == ptrace.StatusCodeError,
					Messaging: kind == ptrace.SpanKindProducer || kind == ptrace.SpanKindConsumer,
					Dims:      c.dims(res, span.Attributes()),
				}
				if server {
					c.g.Server(graph.Key{Trace: span.TraceID(), Span: span.ParentSpanID()}, h, now)
					continue
				}
				if db, ok := first(c.cfg.DatabaseNameAttributes, span.Attributes(), res); ok {
					c.g.Database(h, db, now)
					continue
				}
				h.Peer, _ = first(c.cfg.VirtualNodePeerAttributes, span.Attributes())
				c.g.Client(graph.Key{Trace: span.TraceID(), Span: span.SpanID()}, h, now)
			}
		}
	}
}

// dims returns the values of the configured dimensions, looked up on
// the span, the span's value first, or nil when none are configured.
func (c *serviceGraph) dims(res, attrs pcommon.Map) []string {
	if len(c.cfg.Dimensions) == 0 {
		return nil
	}
	out := make([]string, len(c.cfg.Dimensions))
	for i, d := range c.cfg.Dimensions {
		if v, ok := attrs.Get(d); ok {
			out[i] = v.AsString()
		} else if v, ok := res.Get(d); ok {
			out[i] = v.AsString()
		}
	}
	return out
}

// first returns the value of the first of keys present (non-empty) in any of maps.
func first(keys []string, maps ...pcommon.Map) (string, bool) {
	for _, k := range keys {
		for _, m := range maps {
			if v, ok := m.Get(k); ok {
				if s := v.AsString(); s != "" {
					return s, true
				}
			}
		}
	}
	return "", false
}

func seconds(span ptrace.Span) float64 {
	s, e := span.StartTimestamp(), span.EndTimestamp()
	if e < s {
		return 0
	}
	return float64(e-s) / 1e9
}
