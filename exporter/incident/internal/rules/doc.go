// Package rules is the incident exporter's rule language without pdata: log conditions
// (severity, body, attributes), metric thresholds with hysteresis, the fingerprint of an
// alert's identity, and Go text/template rendering with a whitelisted function set and
// rune-safe truncation. The exporter adapts pdata records to the small Record interface.
package rules
