package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

// ExecutiveSummary: SLO, budget, incidents in one screen (dashboard 9 of the seed). Every
// panel reads a recording rule or a small series, so it loads fast over 30 days.
func ExecutiveSummary() (dashboard.Dashboard, error) {
	return newDashboard("graphql-executive-summary", "FraiseQL / Executive Summary",
		"Availability against the 99.8% objective, error budget left, latency, traffic, open incidents and anomalies: the state of the service at a glance.",
		vars{jobFrom: "graphql:http_requests:rate5m"}).
		WithRow(row("Service level (30 days)")).
		WithPanel(st("Availability (30d)", "percentunit", 6, 5, steps("red", th.SLOAvailability, "green"),
			qi("A", `min(graphql:availability:ratio30d{job=~"$job"})`, "availability")).Decimals(3)).
		WithPanel(st("Error budget left (30d)", "percentunit", 6, 5, steps("red", 0, "orange", 0.25, "green"),
			qi("A", `min(graphql:error_budget_remaining:ratio30d{job=~"$job"})`, "budget"))).
		WithPanel(st("P95 latency now", "s", 6, 5, steps("green", th.LatencyP95Seconds, "red"),
			qi("A", `max(graphql:http_request_duration_seconds:p95_rate5m{job=~"$job"})`, "p95"))).
		WithPanel(st("Requests (24h)", "short", 6, 5, nil,
			qi("A", `sum(sum_over_time(graphql:http_requests:rate5m{job=~"$job"}[24h])) * 30`, "requests"))).
		WithRow(row("Incidents")).
		WithPanel(st("Critical alerts firing", "short", 6, 4, steps("green", 1, "red"),
			qi("A", `count(ALERTS{alertstate="firing", severity="critical"}) or vector(0)`, "critical"))).
		WithPanel(st("Warnings firing", "short", 6, 4, steps("green", 1, "orange"),
			qi("A", `count(ALERTS{alertstate="firing", severity="warning"}) or vector(0)`, "warning"))).
		WithPanel(st("Open incidents", "short", 6, 4, steps("green", 1, "orange"),
			qi("A", `sum(otelcol_exporter_incident_active) or vector(0)`, "incidents"))).
		WithPanel(st("Anomalous series now", "short", 6, 4, steps("green", 1, "orange"),
			qi("A", `count(anomaly_score_ratio >= `+fmtFloat(th.AnomalyScore)+`) or vector(0)`, "series"))).
		WithRow(row("Trends")).
		WithPanel(withLimit(ts("Error ratio (1h window)", "percentunit", 12, 8,
			q("A", `graphql:error_ratio:rate1h{job=~"$job"}`, "{{job}}")), th.ErrorRatio)).
		WithPanel(withLimit(ts("P95 latency", "s", 12, 8,
			q("A", `graphql:http_request_duration_seconds:p95_rate5m{job=~"$job"}`, "{{job}}")), th.LatencyP95Seconds)).
		WithPanel(ts("Traffic", "reqps", 12, 8,
			q("A", `sum by (job) (graphql:http_requests:rate5m{job=~"$job"})`, "{{job}}"))).
		WithPanel(ts("Alerts firing by severity", "short", 12, 8,
			q("A", `count by (severity) (ALERTS{alertstate="firing"})`, "{{severity}}"))).
		WithRow(row("Cost of observability (estimated)")).
		WithPanel(st("Observability cost per day (est.)", "currencyUSD", 6, 8, nil,
			qi("A", `sum(observability:cost_usd:per_day)`, "USD/day")).Decimals(2)).
		WithPanel(ts("Observability cost per day by signal (est.)", "currencyUSD", 18, 8,
			q("A", `sum by (signal) (observability:cost_usd:per_day)`, "{{signal}}")).
			Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal))).
		Build()
}
