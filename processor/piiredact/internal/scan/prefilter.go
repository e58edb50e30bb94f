package scan

import "strings"

// MayMatch is the prefilter for short fields (attribute keys, scope names, units, ...): it
// returns false only when Scan (with ctx 0) cannot find anything in s, so the caller can skip
// the scan. It is conservative and cheap: one pass over s, no detector.
//
// Proof sketch, per detector, for a text of lower-case ASCII letters, '.', '_' and '-' only
// (the common shape of keys: http.request.method, gen_ai.usage.input_tokens): email needs '@';
// card, SSN, phone, IPv4 need digits, IPv6 a digit and ':'; IBAN, JWT ("eyJ") and PEM need an
// upper-case letter; the key=value, Bearer and URL rules need a digit in the value or ':',
// '?', '&'; the provider-prefix secrets without either are at least 15 bytes without a '.'
// (xoxb- + 10), except the GitLab ones whose body may hold dots (glpat-, glrt-). User patterns
// can match anything: with any, MayMatch is always true. FuzzMayMatch checks the claim.
func (sc *Scanner) MayMatch(s string) bool {
	if len(sc.patterns) > 0 {
		return true
	}
	seg := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			seg = 0
		case isLowerOrSep(c):
			seg++
			if seg >= 15 {
				return true
			}
		default:
			return true
		}
	}
	return strings.Contains(s, "gl") && (strings.Contains(s, "glpat-") || strings.Contains(s, "glrt-"))
}

func isLowerOrSep(c byte) bool { return c-'a' < 26 || c == '_' || c == '-' }
