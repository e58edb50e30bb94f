package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// BusinessKPIs: business events, sessions and API usage (dashboard 8 of the seed). Cost
// trends have no metric source yet (see docs/dashboards.md).
func BusinessKPIs() (dashboard.Dashboard, error) {
	return newDashboard("graphql-business-kpis", "FraiseQL / Business KPIs",
		"Business events the service declares (fraiseql.business.events), active sessions, API usage by key tier and by operation type.",
		vars{jobFrom: "fraiseql_business_events_total"}).
		WithRow(row("Today")).
		WithPanel(st("Events (24h)", "short", 8, 4, nil,
			qi("A", `sum(increase(fraiseql_business_events_total{`+appSel+`}[24h]))`, "events"))).
		WithPanel(st("Active sessions", "short", 8, 4, nil,
			qi("A", `sum(fraiseql_sessions_active{`+appSel+`})`, "sessions"))).
		WithPanel(st("Mutations (24h)", "short", 8, 4, nil,
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
		WithPanel(tbl("Events by tenant tier (24h)", "short", 24, 8,
			qt("A", `sum by (fraiseql_event_name, fraiseql_tenant_tier) (increase(fraiseql_business_events_total{`+appSel+`}[24h]))`))).
		Build()
}
