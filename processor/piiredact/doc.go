// Package piiredact is an OpenTelemetry Collector processor that finds personal data and
// secrets (e-mail addresses, payment cards, IBANs, US SSNs, phone numbers, IP addresses, JWTs,
// provider keys, credentials in URLs, SQL literals, values of sensitive keys, user patterns)
// in traces, metrics and logs, validates each candidate (Luhn, mod-97, netip, ...) and masks,
// hashes (HMAC-SHA256) or drops it. The detection core is internal/scan; this package only
// walks pdata.
//
//go:generate mdatagen metadata.yaml
package piiredact // import "github.com/fraiseql/otelcol-fraiseql/processor/piiredact"
