// Package piiredact benchmarks processor/piiredact against the stock contrib
// redactionprocessor v0.161.0 on the same inputs, through their factories. It lives in its own
// module so that redactionprocessor stays out of the distribution's module graph.
package piiredact

// StockConfig is the redactionprocessor configuration used as the baseline: every key
// allowed, no summary, the default "****" mask, and blocked_values equivalent to piiredact's
// detectors (a regex cannot validate Luhn, mod-97, netip or a JWT header, so these are the
// usual shapes), blocked_key_patterns for piiredact's sensitive keys, and the SQL sanitizer on
// db.statement. The same list is documented in docs/benchmarks.md and in
// configs/examples/agent-stock.yaml.
//
// The SQL sanitizer is left out for logs (StockConfig(false)): in v0.161.0 the log pipeline
// runs it on every body whatever `attributes` lists (createLogsProcessor sets
// AllowFallbackWithoutSystem), which turns every digit of every log line into '?', costs
// time and is not what piiredact does.
func StockConfig(withSQL bool) map[string]any {
	cfg := map[string]any{
		"allow_all_keys": true,
		"summary":        "silent",
		"blocked_key_patterns": []any{
			`(?i)(^|[._-])(password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie|session|credentials?|private[_-]?key|ssn)$`,
		},
		"blocked_values": toAny(StockBlockedValues),
	}
	if withSQL {
		cfg["db_sanitizer"] = map[string]any{
			"sql": map[string]any{"enabled": true, "attributes": []any{"db.statement", "db.query.text"}},
		}
	}
	return cfg
}

// StockBlockedValues are the regexes equivalent to piiredact's text detectors.
var StockBlockedValues = []string{
	// email
	`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}`,
	// credit_card: brand prefixes and lengths, contiguous or 4-4-4-x groups
	`\b(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2[2-7]\d{14}|3[47]\d{13}|3(?:0[0-5]|[689]\d)\d{11}|6(?:011|5\d\d)\d{12,15}|35\d{14})\b`,
	`\b\d{4}([ -])\d{4}([ -])\d{4}([ -])\d{1,4}\b`,
	// iban
	`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b`,
	// us_ssn
	`\b\d{3}-\d{2}-\d{4}\b`,
	// phone (E.164)
	`\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}\d`,
	// ip (v4, v6)
	`\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b`,
	`\b(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{1,4}\b|::1\b`,
	// jwt
	`\beyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]*`,
	// secret (provider prefixes, PEM, key=value)
	`\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_\w{82}\b|\bglpat-[\w.-]{20,}|\bxox[baprse]-[A-Za-z0-9-]{10,}|\b[sr]k_(?:live|test|prod)_[A-Za-z0-9]{10,}|\bAIza[\w-]{35}\b|\bsk-(?:ant|proj)-[\w-]{32,}|\bnpm_[A-Za-z0-9]{36}\b`,
	`-----BEGIN [A-Z ]*PRIVATE KEY-----`,
	`(?i)(?:password|passwd|secret|token|api[_-]?key)["']?\s*[=:]\s*["']?[A-Za-z0-9+/_.~-]{10,}`,
	// url (userinfo password, sensitive query parameters)
	`://[^:/\s@]+:[^@/\s]+@`,
	`(?i)[?&](?:token|access_token|refresh_token|id_token|api_key|apikey|key|sig|signature|password|client_secret|code)=[^&#\s]+`,
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
