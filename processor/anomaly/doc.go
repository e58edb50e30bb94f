// Package anomaly is a metrics processor that scores selected metric series
// online and emits anomaly.score, anomaly.expected, anomaly.lower and
// anomaly.upper gauges next to the unchanged original data.
//
//go:generate mdatagen metadata.yaml
package anomaly // import "github.com/fraiseql/otelcol-fraiseql/processor/anomaly"
