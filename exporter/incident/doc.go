// Package incident is the incident exporter: it evaluates rules on logs and metrics,
// tracks each alert's lifecycle durably in a storage extension and delivers triggers and
// resolves to PagerDuty, Slack, signed webhooks and Alertmanager.
//
//go:generate mdatagen metadata.yaml
package incident // import "github.com/fraiseql/otelcol-fraiseql/exporter/incident"
