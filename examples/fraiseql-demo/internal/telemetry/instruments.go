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

// InstrumentKind is the OTel instrument type of an InstrumentSpec.
type InstrumentKind int

// The instrument kinds the service uses.
const (
	Int64Counter InstrumentKind = iota
	Int64UpDownCounter
	Int64Histogram
	Float64Histogram
)

func (k InstrumentKind) String() string {
	switch k {
	case Int64Counter:
		return "Int64Counter"
	case Int64UpDownCounter:
		return "Int64UpDownCounter"
	case Int64Histogram:
		return "Int64Histogram"
	case Float64Histogram:
		return "Float64Histogram"
	}
	return fmt.Sprintf("InstrumentKind(%d)", int(k))
}

// InstrumentSpec is one instrument of docs/instrumentation.md: its name, unit, description,
// kind and (histograms only) explicit bucket bounds, and the field of Instruments it fills.
type InstrumentSpec struct {
	Name        string
	Unit        string
	Description string
	Kind        InstrumentKind
	Buckets     []float64
	// field returns a pointer to the field of in that holds the instrument; its type must
	// match Kind (NewInstruments says which spec does not).
	field func(in *Instruments) any
}

// InstrumentSpecs lists the synchronous instruments, in the order of the contract.
var InstrumentSpecs = []InstrumentSpec{
	{Name: "http.server.active_requests", Unit: "{request}", Kind: Int64UpDownCounter,
		Description: "Number of active HTTP server requests.",
		field:       func(in *Instruments) any { return &in.ActiveRequests }},
	{Name: "graphql.cache.requests", Unit: "{request}", Kind: Int64Counter,
		Description: "Response cache lookups by result (hit, miss).",
		field:       func(in *Instruments) any { return &in.CacheRequests }},
	{Name: "graphql.auth.attempts", Unit: "{attempt}", Kind: Int64Counter,
		Description: "Authentication attempts by method and outcome.",
		field:       func(in *Instruments) any { return &in.AuthAttempts }},
	{Name: "graphql.authz.denials", Unit: "{request}", Kind: Int64Counter,
		Description: "Requests refused by authorization.",
		field:       func(in *Instruments) any { return &in.AuthzDenials }},
	{Name: "graphql.rate_limit.rejections", Unit: "{request}", Kind: Int64Counter,
		Description: "Requests rejected by the rate limiter (HTTP 429).",
		field:       func(in *Instruments) any { return &in.RateLimitRejections }},
	{Name: "graphql.api_key.requests", Unit: "{request}", Kind: Int64Counter,
		Description: "Requests authenticated with an API key, by key tier.",
		field:       func(in *Instruments) any { return &in.APIKeyRequests }},
	{Name: "graphql.query.complexity", Unit: "{point}", Kind: Int64Histogram, Buckets: ComplexityBuckets,
		Description: "Computed complexity score of executed operations.",
		field:       func(in *Instruments) any { return &in.QueryComplexity }},
	{Name: "graphql.response.serialization.duration", Unit: "s", Kind: Float64Histogram, Buckets: SerializationBuckets,
		Description: "Time to serialize the GraphQL response (JSON), excluding resolvers.",
		field:       func(in *Instruments) any { return &in.Serialization }},
	{Name: "graphql.errors", Unit: "{error}", Kind: Int64Counter,
		Description: "GraphQL errors returned in errors[] (including HTTP 200 responses).",
		field:       func(in *Instruments) any { return &in.Errors }},
	{Name: "graphql.resolver.duration", Unit: "s", Kind: Float64Histogram, Buckets: LatencyBuckets,
		Description: "Duration of non-trivial field resolvers.",
		field:       func(in *Instruments) any { return &in.ResolverDuration }},
	{Name: "graphql.subscriptions.active", Unit: "{subscription}", Kind: Int64UpDownCounter,
		Description: "Open GraphQL subscriptions.",
		field:       func(in *Instruments) any { return &in.SubscriptionsActive }},
	{Name: "fraiseql.business.events", Unit: "{event}", Kind: Int64Counter,
		Description: "Business events by declared name and tenant tier.",
		field:       func(in *Instruments) any { return &in.BusinessEvents }},
	{Name: "fraiseql.sessions.active", Unit: "{session}", Kind: Int64UpDownCounter,
		Description: "Authenticated sessions active now.",
		field:       func(in *Instruments) any { return &in.SessionsActive }},
	{Name: "fraiseql.cardinality_burst.requests", Unit: "{request}", Kind: Int64Counter,
		Description: "Fault drill only: one series per distinct fraiseql.burst.series value while the cardinality_burst switch is on.",
		field:       func(in *Instruments) any { return &in.CardinalityBurst }},
}

// NewInstruments creates the instruments of InstrumentSpecs on m.
func NewInstruments(m metric.Meter) (*Instruments, error) {
	return newInstruments(m, InstrumentSpecs)
}

func newInstruments(m metric.Meter, specs []InstrumentSpec) (*Instruments, error) {
	var in Instruments
	for _, s := range specs {
		if err := s.create(m, &in); err != nil {
			return nil, fmt.Errorf("instrument %s (%s): %w", s.Name, s.Kind, err)
		}
	}
	return &in, nil
}

// create makes the instrument on m and stores it in its field of in.
func (s InstrumentSpec) create(m metric.Meter, in *Instruments) error {
	unit, desc := metric.WithUnit(s.Unit), metric.WithDescription(s.Description)
	if len(s.Buckets) > 0 && s.Kind != Int64Histogram && s.Kind != Float64Histogram {
		return fmt.Errorf("buckets given for a %s", s.Kind)
	}
	var err error
	switch p := s.field(in).(type) {
	case *metric.Int64Counter:
		if s.Kind == Int64Counter {
			*p, err = m.Int64Counter(s.Name, unit, desc)
			return err
		}
	case *metric.Int64UpDownCounter:
		if s.Kind == Int64UpDownCounter {
			*p, err = m.Int64UpDownCounter(s.Name, unit, desc)
			return err
		}
	case *metric.Int64Histogram:
		if s.Kind == Int64Histogram {
			opts := []metric.Int64HistogramOption{unit, desc}
			if len(s.Buckets) > 0 {
				opts = append(opts, metric.WithExplicitBucketBoundaries(s.Buckets...))
			}
			*p, err = m.Int64Histogram(s.Name, opts...)
			return err
		}
	case *metric.Float64Histogram:
		if s.Kind == Float64Histogram {
			opts := []metric.Float64HistogramOption{unit, desc}
			if len(s.Buckets) > 0 {
				opts = append(opts, metric.WithExplicitBucketBoundaries(s.Buckets...))
			}
			*p, err = m.Float64Histogram(s.Name, opts...)
			return err
		}
	}
	return fmt.Errorf("kind %s does not match the field it fills (%T)", s.Kind, s.field(in))
}
