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
		switch keyClass[s[i]] {
		case kOther:
			return true
		case kDot:
			seg = 0
			continue
		case kG: // a GitLab token may start at a word start
			if (i == 0 || s[i-1] == '.' || s[i-1] == '-') && (strings.HasPrefix(s[i:], "glpat-") || strings.HasPrefix(s[i:], "glrt-")) {
				return true
			}
		}
		seg++
		if seg >= 15 {
			return true
		}
	}
	return false
}

const (
	kOther uint8 = iota // anything a detector may need
	kDot
	kLower // a-z, '_', '-'
	kG
)

var keyClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = kLower
	}
	t['_'], t['-'], t['.'], t['g'] = kLower, kLower, kDot, kG
	return t
}()
