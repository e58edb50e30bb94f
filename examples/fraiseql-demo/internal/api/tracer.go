package api

import (
	"context"
	"time"

	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	"github.com/graph-gophers/graphql-go/introspection"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

// fieldTracer makes a span and a graphql.resolver.duration point per non-trivial field
// resolver. The operation span is made by the HTTP handler (it knows the operation before
// execution, for queries, mutations and subscriptions alike), so TraceQuery does nothing.
type fieldTracer struct {
	tracer trace.Tracer
	hist   metric.Float64Histogram
}

func (t *fieldTracer) TraceQuery(ctx context.Context, _ string, _ string, _ map[string]any, _ map[string]*introspection.Type) (context.Context, func([]*gqlerrors.QueryError)) {
	return ctx, func([]*gqlerrors.QueryError) {}
}

func (t *fieldTracer) TraceField(ctx context.Context, _ string, typeName, fieldName string, trivial bool, _ map[string]any) (context.Context, func(*gqlerrors.QueryError)) {
	if trivial {
		return ctx, func(*gqlerrors.QueryError) {}
	}
	start := time.Now()
	ctx, span := t.tracer.Start(ctx, typeName+"."+fieldName, trace.WithAttributes(
		telemetry.AttrFieldParentType.String(typeName), telemetry.AttrFieldName.String(fieldName)))
	return ctx, func(err *gqlerrors.QueryError) {
		if err != nil {
			code := codeOf(err)
			span.SetAttributes(telemetry.AttrErrorCode.String(code))
			if ServerFault(code) {
				span.SetStatus(codes.Error, err.Message)
			}
			if err.ResolverError != nil {
				span.RecordError(err.ResolverError)
			}
		}
		span.End()
		t.hist.Record(context.WithoutCancel(ctx), time.Since(start).Seconds(), metric.WithAttributes(
			telemetry.AttrFieldParentType.String(typeName), telemetry.AttrFieldName.String(fieldName)))
	}
}

func traceSpan(ctx context.Context) trace.Span { return trace.SpanFromContext(ctx) }
