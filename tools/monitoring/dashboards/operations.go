package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

// GraphQLOperations: operations by type from span metrics, GraphQL errors, traces
// (dashboard 6 of the seed).
func GraphQLOperations() (dashboard.Dashboard, error) {
	return newDashboard("graphql-operations", "FraiseQL / GraphQL Operations",
		"Queries, mutations and subscriptions from the span_metrics connector: rate, errors (including GraphQL errors with HTTP 200), latency, with the anomaly band and trace search.",
		vars{jobFrom: "traces_span_metrics_calls_total"}).
		WithRow(row("Operations")).
		WithPanel(withBand(ts("Operations/s by type, with anomaly band", "ops", 12, 8,
			q("A", `sum by (graphql_operation_type) (graphql:operations:rate5m{job=~"$job"})`, "{{graphql_operation_type}}")), 'B',
			func(b string) string {
				return `sum(anomaly_` + b + `_per_second{anomaly_metric="traces.span.metrics.calls", ` + serverSel + `})`
			})).
		WithPanel(ts("Error ratio by type (span status ERROR)", "percentunit", 12, 8,
			q("A", `graphql:operation_error_ratio:rate5m{job=~"$job"}`, "{{job}} {{graphql_operation_type}}"))).
		WithPanel(withLimit(ts("P95 by type", "s", 12, 8,
			q("A", `graphql:operation_duration_seconds:p95_rate5m{job=~"$job"}`, "{{job}} {{graphql_operation_type}}")), th.LatencyP95Seconds)).
		WithPanel(withLimit(ts("P95 by type with trace exemplars", "s", 12, 8,
			qx("A", `histogram_quantile(0.95, sum by (graphql_operation_type, le) (rate(traces_span_metrics_duration_seconds_bucket{`+serverSel+`, graphql_operation_type!=""}[$__rate_interval])))`, "{{graphql_operation_type}}")), th.LatencyP95Seconds)).
		WithPanel(ts("GraphQL errors/s by code", "short", 12, 8,
			q("A", `sum by (graphql_error_code) (rate(graphql_errors_total{`+appSel+`}[$__rate_interval]))`, "{{graphql_error_code}}"))).
		WithPanel(tbl("Busiest server spans (5m)", "ops", 12, 8,
			qt("A", `topk(15, sum by (span_name, graphql_operation_type, status_code) (rate(traces_span_metrics_calls_total{`+serverSel+`}[5m])))`))).
		WithPanel(ts("Anomaly score of operation series", "short", 12, 8,
			q("A", `max by (anomaly_metric) (anomaly_score_ratio{job=~"$job"})`, "{{anomaly_metric}}")).
			Min(0).Max(1).Thresholds(steps("green", th.AnomalyScore, "red"))).
		WithRow(row("Subscriptions and resolvers")).
		WithPanel(ts("Open subscriptions by field", "short", 12, 8,
			q("A", `sum by (graphql_subscription_field) (graphql_subscriptions_active{`+appSel+`})`, "{{graphql_subscription_field}}"))).
		WithPanel(withLimit(ts("Resolver P95 (slowest 10 fields)", "s", 12, 8,
			qx("A", `topk(10, histogram_quantile(0.95, sum by (graphql_field_parent_type, graphql_field_name, le) (rate(graphql_resolver_duration_seconds_bucket{`+appSel+`}[$__rate_interval]))))`, "{{graphql_field_parent_type}}.{{graphql_field_name}}")), th.LatencyP95Seconds)).
		WithRow(row("Service map")).
		WithPanel(serviceMapPanel()).
		WithPanel(edgesTable()).
		WithPanel(edgeRequests()).
		WithPanel(edgeLatency()).
		WithRow(row("Traces")).
		WithPanel(tracesPanel("Failed operations", 12, 10, `{ span.graphql.operation.type != nil && status = error }`)).
		WithPanel(tracesPanel("Slow mutations (> 500 ms)", 12, 10, `{ span.graphql.operation.type = "mutation" && duration > 500ms }`)).
		Build()
}
