package telemetry

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// PoolTracer is the pgx tracer of the service: otelpgx's spans and db.client.operation.duration,
// plus the connection-wait semconv metrics (db.client.connection.wait_time and
// db.client.connection.pending_requests) measured around pool acquires.
type PoolTracer struct {
	*otelpgx.Tracer
	pending  atomic.Int64
	waitTime metric.Float64Histogram
	poolAttr attribute.KeyValue
}

type acquireStartKey struct{}

// TraceAcquireStart counts a pending request and remembers when it started waiting.
func (t *PoolTracer) TraceAcquireStart(ctx context.Context, pool *pgxpool.Pool, data pgxpool.TraceAcquireStartData) context.Context {
	t.pending.Add(1)
	ctx = context.WithValue(ctx, acquireStartKey{}, time.Now())
	return t.Tracer.TraceAcquireStart(ctx, pool, data)
}

// TraceAcquireEnd records the wait.
func (t *PoolTracer) TraceAcquireEnd(ctx context.Context, pool *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	t.pending.Add(-1)
	if start, ok := ctx.Value(acquireStartKey{}).(time.Time); ok {
		t.waitTime.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(t.poolAttr))
	}
	t.Tracer.TraceAcquireEnd(ctx, pool, data)
}

var _ pgxpool.AcquireTracer = (*PoolTracer)(nil)
var _ pgx.QueryTracer = (*PoolTracer)(nil)

// NewPoolTracer builds the tracer for a pool named poolName (db.client.connection.pool.name).
// Query parameters are recorded on DB spans (pgx.query.parameters, a string slice): they carry PII the
// agent's piiredact processor must remove before anything leaves the node.
func NewPoolTracer(mp metric.MeterProvider, tp trace.TracerProvider, m metric.Meter, poolName, database string) (*PoolTracer, error) {
	wt, err := m.Float64Histogram("db.client.connection.wait_time", metric.WithUnit("s"),
		metric.WithDescription("The time it took to obtain an open connection from the pool."),
		metric.WithExplicitBucketBoundaries(LatencyBuckets...))
	if err != nil {
		return nil, err
	}
	return &PoolTracer{
		Tracer: otelpgx.NewTracer(otelpgx.WithIncludeQueryParameters(), otelpgx.WithTrimSQLInSpanName(),
			otelpgx.WithMeterProvider(mp), otelpgx.WithTracerProvider(tp),
			otelpgx.WithMetricOperationName(otelpgx.SQLOperationName),
			otelpgx.WithMeterAttributes(attribute.String("db.namespace", database))),
		waitTime: wt,
		poolAttr: attribute.String("db.client.connection.pool.name", poolName),
	}, nil
}

// RegisterPoolMetrics observes db.client.connection.count (state = idle | used),
// db.client.connection.max and db.client.connection.pending_requests of pool.
func RegisterPoolMetrics(m metric.Meter, pool *pgxpool.Pool, t *PoolTracer) error {
	count, err := m.Int64ObservableUpDownCounter("db.client.connection.count", metric.WithUnit("{connection}"),
		metric.WithDescription("The number of connections that are currently in state described by the state attribute."))
	if err != nil {
		return err
	}
	maxC, err := m.Int64ObservableUpDownCounter("db.client.connection.max", metric.WithUnit("{connection}"),
		metric.WithDescription("The maximum number of open connections allowed."))
	if err != nil {
		return err
	}
	pending, err := m.Int64ObservableUpDownCounter("db.client.connection.pending_requests", metric.WithUnit("{request}"),
		metric.WithDescription("The number of current pending requests for an open connection."))
	if err != nil {
		return err
	}
	name := t.poolAttr
	idle := metric.WithAttributes(name, attribute.String("db.client.connection.state", "idle"))
	used := metric.WithAttributes(name, attribute.String("db.client.connection.state", "used"))
	only := metric.WithAttributes(name)
	_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := pool.Stat()
		o.ObserveInt64(count, int64(s.IdleConns()), idle)
		o.ObserveInt64(count, int64(s.AcquiredConns()), used)
		o.ObserveInt64(maxC, int64(s.MaxConns()), only)
		o.ObserveInt64(pending, t.pending.Load(), only)
		return nil
	}, count, maxC, pending)
	return err
}
