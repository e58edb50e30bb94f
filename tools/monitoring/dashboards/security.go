package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

// Security: authentication, authorization, rate limiting, API keys and PII in telemetry
// (dashboard 3 of the seed).
func Security() (dashboard.Dashboard, error) {
	return newDashboard("graphql-security", "FraiseQL / Security & Auth",
		"Authentication failures, authorization denials, rate limiting, API key usage, and PII the piiredact processor removed from telemetry.",
		vars{jobFrom: "graphql_auth_attempts_total"}).
		WithRow(row("Now")).
		WithPanel(st("Auth success rate (5m)", "percentunit", 4, 4, steps("red", 0.9, "orange", 0.97, "green"),
			qi("A", `sum(rate(graphql_auth_attempts_total{`+appSel+`, graphql_auth_outcome="success"}[5m])) / sum(rate(graphql_auth_attempts_total{`+appSel+`}[5m]))`, "success"))).
		WithPanel(st("Auth failures/min", "short", 5, 4, steps("green", th.AuthFailuresPerMinute, "red"),
			qi("A", `sum(rate(graphql_auth_attempts_total{`+appSel+`, graphql_auth_outcome="failure"}[5m])) * 60`, "failures/min"))).
		WithPanel(st("Rate-limited/min", "short", 5, 4, steps("green", th.RateLimitRejectionsPerMinute, "red"),
			qi("A", `sum(rate(graphql_rate_limit_rejections_total{`+appSel+`}[5m])) * 60`, "rejections/min"))).
		WithPanel(st("Authz denials/s", "short", 5, 4, nil,
			qi("A", `sum(graphql:authz_denials:rate5m{job=~"$job"})`, "denials/s"))).
		WithPanel(st("Active API keys", "short", 5, 4, nil,
			qi("A", `sum(graphql_api_keys_active{`+appSel+`})`, "keys"))).
		WithRow(row("Authentication")).
		WithPanel(withLimit(ts("Auth failures per minute by method", "short", 12, 8,
			q("A", fmt.Sprintf(`sum by (graphql_auth_method) (rate(graphql_auth_attempts_total{%s, graphql_auth_outcome="failure"}[$__rate_interval])) * 60`, appSel), "{{graphql_auth_method}}")), th.AuthFailuresPerMinute)).
		WithPanel(ts("Auth success rate by method", "percentunit", 12, 8,
			q("A", `sum by (graphql_auth_method) (rate(graphql_auth_attempts_total{`+appSel+`, graphql_auth_outcome="success"}[$__rate_interval])) / sum by (graphql_auth_method) (rate(graphql_auth_attempts_total{`+appSel+`}[$__rate_interval]))`, "{{graphql_auth_method}}")).
			Min(0).Max(1)).
		WithPanel(ts("Failures by reason", "short", 12, 8,
			q("A", `sum by (graphql_auth_failure_reason) (rate(graphql_auth_attempts_total{`+appSel+`, graphql_auth_outcome="failure"}[$__rate_interval])) * 60`, "{{graphql_auth_failure_reason}}"))).
		WithRow(row("Authorization and rate limiting")).
		WithPanel(ts("Authorization denials by reason", "short", 12, 8,
			q("A", `sum by (graphql_authz_reason) (rate(graphql_authz_denials_total{`+appSel+`}[$__rate_interval]))`, "{{graphql_authz_reason}}"))).
		WithPanel(withLimit(ts("Rate-limit rejections per minute by policy", "short", 12, 8,
			q("A", `sum by (graphql_rate_limit_policy) (rate(graphql_rate_limit_rejections_total{`+appSel+`}[$__rate_interval])) * 60`, "{{graphql_rate_limit_policy}}")), th.RateLimitRejectionsPerMinute)).
		WithRow(row("API keys and PII")).
		WithPanel(ts("API key requests/s by tier", "reqps", 12, 8,
			q("A", `sum by (graphql_api_key_tier) (rate(graphql_api_key_requests_total{`+appSel+`}[$__rate_interval]))`, "{{graphql_api_key_tier}}"))).
		WithPanel(ts("PII redacted in telemetry (per detector)", "short", 12, 8,
			q("A", `sum by (detector, signal) (rate(otelcol_processor_piiredact_redactions[$__rate_interval]))`, "{{detector}} {{signal}}"))).
		WithRow(row("Logs")).
		// Every failed attempt logs one warn line with the attributes of its graphql.auth.attempts
		// point (docs/instrumentation.md, Logs); Loki keeps them as structured metadata.
		WithPanel(logsPanel("Authentication failures", 24, 10, `{service_name=~".+"} | graphql_auth_outcome="failure"`)).
		Build()
}
