package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

// CachingPerformance: cache effectiveness and where latency goes (dashboard 4 of the seed).
func CachingPerformance() (dashboard.Dashboard, error) {
	return newDashboard("graphql-caching-performance", "FraiseQL / Caching & Performance",
		"Cache hit ratio against the 70% objective, lookups, and where request time goes: operation latency by type, serialization, query complexity.",
		vars{jobFrom: "graphql_cache_requests_total"}).
		WithRow(row("Cache")).
		WithPanel(st("Hit ratio (5m)", "percentunit", 6, 8, steps("red", th.CacheHitRatio, "green"),
			qi("A", `sum(rate(graphql_cache_requests_total{`+appSel+`, graphql_cache_result="hit"}[5m])) / sum(rate(graphql_cache_requests_total{`+appSel+`}[5m]))`, "hit ratio"))).
		WithPanel(withLimit(ts("Hit ratio by cache", "percentunit", 9, 8,
			q("A", `graphql:cache_hit:ratio_rate5m{job=~"$job"}`, "{{job}} {{graphql_cache_name}}")), th.CacheHitRatio)).
		WithPanel(ts("Lookups/s by result", "ops", 9, 8,
			q("A", `sum by (graphql_cache_name, graphql_cache_result) (rate(graphql_cache_requests_total{`+appSel+`}[$__rate_interval]))`, "{{graphql_cache_name}} {{graphql_cache_result}}"))).
		WithRow(row("Latency")).
		WithPanel(withLimit(ts("P95 by operation type (span metrics)", "s", 12, 8,
			q("A", `max by (graphql_operation_type) (graphql:operation_duration_seconds:p95_rate5m{job=~"$job"})`, "{{graphql_operation_type}}")), th.LatencyP95Seconds)).
		WithPanel(ts("Share of requests within 150 ms", "percentunit", 12, 8,
			q("A", `graphql:http_requests_within_150ms:ratio_rate5m{job=~"$job"}`, "{{job}}"))).
		WithPanel(ts("Serialization P95", "s", 12, 8,
			qx("A", `histogram_quantile(0.95, sum by (graphql_operation_type, le) (rate(graphql_response_serialization_duration_seconds_bucket{`+appSel+`}[$__rate_interval])))`, "{{graphql_operation_type}}"))).
		WithPanel(ts("Query complexity P50 / P95", "short", 12, 8,
			q("A", `histogram_quantile(0.5, sum by (le) (rate(graphql_query_complexity_bucket{`+appSel+`}[$__rate_interval])))`, "p50"),
			q("B", `histogram_quantile(0.95, sum by (le) (rate(graphql_query_complexity_bucket{`+appSel+`}[$__rate_interval])))`, "p95"))).
		Build()
}
