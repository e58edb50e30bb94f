// Package servicegraph implements a traces-to-metrics connector that pairs client and server
// spans into the edges of a service graph and emits, per edge, the request, failure and
// latency metrics of Tempo's metrics generator (traces_service_graph_*), so Grafana's service
// map reads them. Its configuration is a compatible subset of contrib's servicegraph connector.
//
//go:generate mdatagen metadata.yaml
package servicegraph // import "github.com/fraiseql/otelcol-fraiseql/connector/servicegraph"
