//go:generate sh -c "$(go tool -C ../../internal/tools -n mdatagen) metadata.yaml"

// Package piiredact is an OpenTelemetry Collector processor that finds personal data and
// secrets (e-mail addresses, payment cards, IBANs, US SSNs, phone numbers, IP addresses, JWTs,
// provider keys, credentials in URLs, SQL literals, values of sensitive keys, user patterns)
// in traces, metrics and logs, validates each candidate (Luhn, mod-97, netip, ...) and masks,
// hashes (HMAC-SHA256) or drops it. The detection core is internal/scan; this package only
// walks pdata.
package piiredact // import "github.com/fraiseql/otelcol-fraiseql/processor/piiredact"
