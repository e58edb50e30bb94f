// Package remediate is the core of the remediation webhook (cmd/remediate): it verifies
// signed webhook requests (the incident exporter's HMAC scheme), selects a named,
// allow-listed remediation, runs it in dry-run unless execution is enabled, and records
// every decision in the incident's timeline.
package remediate
