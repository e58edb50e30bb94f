// Package demo holds the end-to-end test of the whole chain on the demo stack
// (test/demo/demo.sh, `make demo`): `make e2e` runs it with the build tag `demo`.
//
// It lives in the monitoring module because most of what it asserts is monitoring content:
// every panel of the dashboards shows data, every catalog source arrives under its catalog
// name (derived with this module's catalog package), the shipped Alertmanager routing pages.
// It talks to the real stores over HTTP only (Prometheus, Alertmanager, Jaeger, VictoriaLogs,
// the PagerDuty/Slack fakes) and sends its probes as OTLP/JSON to the agent.
package demo
