package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// outcome indexes the (outcome, reason) pairs of the datapoints counter.
type outcome uint8

const (
	passedAdmitted outcome = iota
	passedExcluded
	overflowedMetricLimit
	overflowedGlobalLimit
	overflowedInOverflow
	droppedMetricLimit
	droppedGlobalLimit
	droppedStateFull
	droppedUnsupportedType
	droppedIncompatibleBuckets
	droppedNoRecordedValue
	droppedInvalidBuckets
	numOutcomes
)

var outcomeAttrs = [numOutcomes][2]string{
	passedAdmitted:             {"passed", "admitted"},
	passedExcluded:             {"passed", "excluded"},
	overflowedMetricLimit:      {"overflowed", "metric_limit"},
	overflowedGlobalLimit:      {"overflowed", "global_limit"},
	overflowedInOverflow:       {"overflowed", "in_overflow"},
	droppedMetricLimit:         {"dropped", "metric_limit"},
	droppedGlobalLimit:         {"dropped", "global_limit"},
	droppedStateFull:           {"dropped", "overflow_state_full"},
	droppedUnsupportedType:     {"dropped", "unsupported_type"},
	droppedIncompatibleBuckets: {"dropped", "incompatible_buckets"},
	droppedNoRecordedValue:     {"dropped", "no_recorded_value"},
	droppedInvalidBuckets:      {"dropped", "invalid_buckets"},
}

// outcomeOptions are built once: passing a prebuilt slice to Add does not allocate.
func outcomeOptions() [numOutcomes][]metric.AddOption {
	var o [numOutcomes][]metric.AddOption
	for i, a := range outcomeAttrs {
		o[i] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
			attribute.String("outcome", a[0]), attribute.String("reason", a[1])))}
	}
	return o
}
