package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

// BusinessKPIs: business events, sessions, API usage, user satisfaction and query complexity
// (dashboard 8 of the seed). The cost trend is on the Executive Summary.
func BusinessKPIs() (dashboard.Dashboard, error) {
	return newDashboard("graphql-business-kpis", "FraiseQL / Business KPIs",
		"Business events the service declares (fraiseql.business.events), active sessions, API usage by key tier and by operation type.",
		vars{jobFrom: "fraiseql_business_events_total"}).
		WithRow(row("Today")).
		WithPanel(st("User satisfaction (Apdex, T=150 ms)", "none", 6, 4, steps("red", 0.7, "orange", 0.85, "green", 0.94, "blue"),
			qi("A", apdex("5m"), "apdex")).Decimals(3)).
		WithPanel(st("Events (24h)", "short", 6, 4, nil,
			qi("A", `sum(increase(fraiseql_business_events_total{`+appSel+`}[24h]))`, "events"))).
		WithPanel(st("Active sessions", "short", 6, 4, nil,
			qi("A", `sum(fraiseql_sessions_active{`+appSel+`})`, "sessions"))).
		WithPanel(st("Mutations (24h)", "short", 6, 4, nil,
			qi("A", `sum(increase(traces_span_metrics_calls_total{`+serverSel+`, graphql_operation_type="mutation"}[24h]))`, "mutations"))).
		WithRow(row("Trends")).
		WithPanel(ts("Business events per minute", "short", 12, 8,
			q("A", `sum by (fraiseql_event_name) (rate(fraiseql_business_events_total{`+appSel+`}[$__rate_interval])) * 60`, "{{fraiseql_event_name}}"))).
		WithPanel(ts("Active sessions by tier", "short", 12, 8,
			q("A", `sum by (fraiseql_tenant_tier) (fraiseql_sessions_active{`+appSel+`})`, "{{fraiseql_tenant_tier}}"))).
		WithPanel(ts("API requests/s by key tier", "reqps", 12, 8,
			q("A", `sum by (graphql_api_key_tier) (rate(graphql_api_key_requests_total{`+appSel+`}[$__rate_interval]))`, "{{graphql_api_key_tier}}"))).
		WithPanel(ts("Operations/s by type", "ops", 12, 8,
			q("A", `sum by (graphql_operation_type) (graphql:operations:rate5m{job=~"$job"})`, "{{graphql_operation_type}}"))).
		WithPanel(ts("User satisfaction (Apdex) over time", "none", 12, 8,
			q("A", apdex("$__rate_interval"), "apdex")).Min(0).Max(1)).
		WithPanel(ts("Query complexity trend (mean, P95 by type)", "short", 12, 8,
			q("A", `sum by (graphql_operation_type) (rate(graphql_query_complexity_sum{`+appSel+`}[$__rate_interval])) / sum by (graphql_operation_type) (rate(graphql_query_complexity_count{`+appSel+`}[$__rate_interval]))`, "{{graphql_operation_type}} mean"),
			q("B", `histogram_quantile(0.95, sum by (graphql_operation_type, le) (rate(graphql_query_complexity_bucket{`+appSel+`}[$__rate_interval])))`, "{{graphql_operation_type}} p95"))).
		WithPanel(tbl("Events by tenant tier (24h)", "short", 24, 8,
			qt("A", `sum by (fraiseql_event_name, fraiseql_tenant_tier) (increase(fraiseql_business_events_total{`+appSel+`}[24h]))`))).
		Build()
}

// apdex is the Apdex score of HTTP requests from the latency histogram: (satisfied + tolerating
// / 2) / total, satisfied = le 0.15 (T), tolerating = le 0.5 (the nearest bucket at or below
// 4T = 0.6 s, so the score errs low).
func apdex(window string) string {
	b := func(le string) string {
		return `sum(rate(http_server_request_duration_seconds_bucket{` + appSel + `, le="` + le + `"}[` + window + `]))`
	}
	return `(` + b(fmtFloat(th.ApdexSeconds)) + ` + ` + b(fmtFloat(th.ApdexToleratingSeconds)) + `) / 2 / sum(rate(http_server_request_duration_seconds_count{` + appSel + `}[` + window + `]))`
}
