package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

// ServiceHealth: the golden signals of the GraphQL service (dashboard 1 of the seed).
func ServiceHealth() (dashboard.Dashboard, error) {
	return newDashboard("graphql-service-health", "FraiseQL / Service Health",
		"Golden signals of the GraphQL service: traffic, errors, latency against the 150 ms P95 objective, saturation; anomaly bands from the anomaly processor; error logs and slow traces.",
		vars{jobFrom: "http_server_request_duration_seconds_count", extra: logSearchVars()}).
		WithRow(row("Now")).
		WithPanel(st("Uptime (dashboard range)", "percentunit", 4, 4, steps("red", th.SLOAvailability, "green"),
			qi("A", `avg_over_time(((sum(graphql:http_requests:rate5m{job=~"$job"}) > bool 0) or vector(0))[$__range:1m])`, "uptime")).Decimals(3)).
		WithPanel(st("Requests/s", "reqps", 5, 4, nil,
			qi("A", `sum(graphql:http_requests:rate5m{job=~"$job"})`, "req/s"))).
		WithPanel(st("Error ratio (5m)", "percentunit", 5, 4, steps("green", th.ErrorObjective, "orange", th.ErrorRatio, "red"),
			qi("A", `sum(graphql:http_errors:rate5m{job=~"$job"}) / sum(graphql:http_requests:rate5m{job=~"$job"})`, "errors"))).
		WithPanel(st("P95 latency (5m)", "s", 5, 4, steps("green", th.LatencyP95Seconds, "red"),
			qi("A", `max(graphql:http_request_duration_seconds:p95_rate5m{job=~"$job"})`, "p95"))).
		WithPanel(st("Within 150 ms", "percentunit", 5, 4, steps("red", 0.95, "green"),
			qi("A", `min(graphql:http_requests_within_150ms:ratio_rate5m{job=~"$job"})`, "share"))).
		WithRow(row("Traffic and errors")).
		WithPanel(withBand(ts("Requests/s by job, with anomaly band", "reqps", 12, 8,
			q("A", `sum by (job) (graphql:http_requests:rate5m{job=~"$job"})`, "{{job}}")), 'B',
			func(b string) string {
				return `sum(anomaly_` + b + `_per_second{anomaly_metric="traces.span.metrics.calls", ` + serverSel + `})`
			})).
		WithPanel(withLimit(ts("Error ratio by job (objective 0.1 %)", "percentunit", 12, 8,
			q("A", `graphql:error_ratio:rate5m{job=~"$job"}`, "{{job}} 5m"),
			q("B", `graphql:error_ratio:rate1h{job=~"$job"}`, "{{job}} 1h")), th.ErrorObjective)).
		WithRow(row("Latency")).
		WithPanel(withBand(withLimit(ts("Latency percentiles, with anomaly band", "s", 12, 8,
			q("A", `max by (job) (graphql:http_request_duration_seconds:p50_rate5m{job=~"$job"})`, "{{job}} p50"),
			q("B", `max by (job) (graphql:http_request_duration_seconds:p95_rate5m{job=~"$job"})`, "{{job}} p95"),
			q("C", `max by (job) (graphql:http_request_duration_seconds:p99_rate5m{job=~"$job"})`, "{{job}} p99")), th.LatencyP95Seconds), 'D',
			func(b string) string {
				return `max(anomaly_` + b + `_seconds{anomaly_metric="traces.span.metrics.duration", ` + serverSel + `})`
			})).
		WithPanel(withLimit(ts("Server span P95 with trace exemplars", "s", 12, 8,
			qx("A", `histogram_quantile(0.95, sum by (job, le) (rate(traces_span_metrics_duration_seconds_bucket{`+serverSel+`}[$__rate_interval])))`, "{{job}} p95")), th.LatencyP95Seconds)).
		WithPanel(ts("In-flight requests", "short", 12, 8,
			q("A", `sum by (job, instance) (http_server_active_requests{`+appSel+`})`, "{{instance}}"))).
		WithRow(row("Routes")).
		WithPanel(tbl("Busiest routes (req/s, 5m)", "reqps", 12, 8,
			qt("A", `topk(20, sum by (http_route, http_response_status_code) (graphql:http_requests_by_route:rate5m{job=~"$job"}))`))).
		WithPanel(ts("5xx by route", "reqps", 12, 8,
			q("A", `sum by (http_route) (graphql:http_requests_by_route:rate5m{job=~"$job", http_response_status_code=~"5.."})`, "{{http_route}}"))).
		WithRow(row("Log search (VictoriaLogs, LogsQL)")).
		WithPanel(vlogsStats("Log lines per level", 12, 8, `level:* service:~"$log_service" | stats by (level) count() lines`, "{{level}}")).
		WithPanel(vlogsStats("Warnings and errors by message (top 10)", 12, 8, `level:(warn OR error) service:~"$log_service" | stats by (message) count() lines | sort by (lines desc) | limit 10`, "{{message}}")).
		WithPanel(vlogsPanel("Log search", 24, 12, `level:~"$log_level" service:~"$log_service" $log_search`)).
		WithRow(row("Logs and traces")).
		WithPanel(logsPanel("Error logs", 12, 10, `{service_name=~".+"} | detected_level=~"error|fatal"`)).
		WithPanel(tracesPanel("Slowest traces (> 150 ms)", 12, 10, `{ span.graphql.operation.type != nil && duration > 150ms }`)).
		Build()
}
