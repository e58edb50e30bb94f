// Package cardinality implements a processor that limits the number of metric series
// (globally and per metric) and merges the excess into one overflow series per metric
// (attribute otel.metric.overflow=true), keeping totals exact for delta and cumulative data.
//
//go:generate mdatagen metadata.yaml
package cardinality // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality"
