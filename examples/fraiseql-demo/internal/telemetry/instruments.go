package telemetry

import (
	"fmt"

	"go.opentelemetry.io/otel/metric"
)

// ComplexityBuckets and SerializationBuckets are the contract's histogram bounds.
var (
	ComplexityBuckets    = []float64{10, 50, 100, 250, 500, 750, 1000, 2000}
	SerializationBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25}
)

// Instruments are the synchronous instruments of the GraphQL service.
type Instruments struct {
	ActiveRequests      metric.Int64UpDownCounter
	CacheRequests       metric.Int64Counter
	AuthAttempts        metric.Int64Counter
	AuthzDenials        metric.Int64Counter
	RateLimitRejections metric.Int64Counter
	APIKeyRequests      metric.Int64Counter
	QueryComplexity     metric.Int64Histogram
	Serialization       metric.Float64Histogram
	Errors              metric.Int64Counter
	ResolverDuration    metric.Float64Histogram
	SubscriptionsActive metric.Int64UpDownCounter
	BusinessEvents      metric.Int64Counter
	SessionsActive      metric.Int64UpDownCounter
	CardinalityBurst    metric.Int64Counter
}

// NewInstruments creates the instruments on m.
func NewInstruments(m metric.Meter) (*Instruments, error) {
	var (
		in  Instruments
		err error
	)
	check := func(name string, e error) {
		if e != nil && err == nil {
			err = fmt.Errorf("instrument %s: %w", name, e)
		}
	}
	var e error
	in.ActiveRequests, e = m.Int64UpDownCounter("http.server.active_requests", metric.WithUnit("{request}"),
		metric.WithDescription("Number of active HTTP server requests."))
	check("http.server.active_requests", e)
	in.CacheRequests, e = m.Int64Counter("graphql.cache.requests", metric.WithUnit("{request}"),
		metric.WithDescription("Response cache lookups by result (hit, miss)."))
	check("graphql.cache.requests", e)
	in.AuthAttempts, e = m.Int64Counter("graphql.auth.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("Authentication attempts by method and outcome."))
	check("graphql.auth.attempts", e)
	in.AuthzDenials, e = m.Int64Counter("graphql.authz.denials", metric.WithUnit("{request}"),
		metric.WithDescription("Requests refused by authorization."))
	check("graphql.authz.denials", e)
	in.RateLimitRejections, e = m.Int64Counter("graphql.rate_limit.rejections", metric.WithUnit("{request}"),
		metric.WithDescription("Requests rejected by the rate limiter (HTTP 429)."))
	check("graphql.rate_limit.rejections", e)
	in.APIKeyRequests, e = m.Int64Counter("graphql.api_key.requests", metric.WithUnit("{request}"),
		metric.WithDescription("Requests authenticated with an API key, by key tier."))
	check("graphql.api_key.requests", e)
	in.QueryComplexity, e = m.Int64Histogram("graphql.query.complexity", metric.WithUnit("{point}"),
		metric.WithDescription("Computed complexity score of executed operations."),
		metric.WithExplicitBucketBoundaries(ComplexityBuckets...))
	check("graphql.query.complexity", e)
	in.Serialization, e = m.Float64Histogram("graphql.response.serialization.duration", metric.WithUnit("s"),
		metric.WithDescription("Time to serialize the GraphQL response (JSON), excluding resolvers."),
		metric.WithExplicitBucketBoundaries(SerializationBuckets...))
	check("graphql.response.serialization.duration", e)
	in.Errors, e = m.Int64Counter("graphql.errors", metric.WithUnit("{error}"),
		metric.WithDescription("GraphQL errors returned in errors[] (including HTTP 200 responses)."))
	check("graphql.errors", e)
	in.ResolverDuration, e = m.Float64Histogram("graphql.resolver.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of non-trivial field resolvers."),
		metric.WithExplicitBucketBoundaries(LatencyBuckets...))
	check("graphql.resolver.duration", e)
	in.SubscriptionsActive, e = m.Int64UpDownCounter("graphql.subscriptions.active", metric.WithUnit("{subscription}"),
		metric.WithDescription("Open GraphQL subscriptions."))
	check("graphql.subscriptions.active", e)
	in.BusinessEvents, e = m.Int64Counter("fraiseql.business.events", metric.WithUnit("{event}"),
		metric.WithDescription("Business events by declared name and tenant tier."))
	check("fraiseql.business.events", e)
	in.SessionsActive, e = m.Int64UpDownCounter("fraiseql.sessions.active", metric.WithUnit("{session}"),
		metric.WithDescription("Authenticated sessions active now."))
	check("fraiseql.sessions.active", e)
	in.CardinalityBurst, e = m.Int64Counter("fraiseql.cardinality_burst.requests", metric.WithUnit("{request}"),
		metric.WithDescription("Fault drill only: one series per distinct fraiseql.burst.series value while the cardinality_burst switch is on."))
	check("fraiseql.cardinality_burst.requests", e)
	if err != nil {
		return nil, err
	}
	return &in, nil
}
