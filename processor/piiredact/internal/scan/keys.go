package scan

import "strings"

// KeyMatcher classifies attribute and map keys.
//
// Sensitive keys: a key whose last word (after a '.', '_', '-' or at the start) is one of the
// sensitive words holds a secret as a whole (password, token, authorization, cookie, ...):
// "http.request.header.authorization", "user.password", "set-cookie", "db_password" match;
// "gen_ai.usage.input_tokens" and "token_count" do not.
type KeyMatcher struct {
	words []string // lower case
}

// DefaultSensitiveKeys are the key words whose values are masked as a whole.
var DefaultSensitiveKeys = []string{
	"password", "passwd", "pwd", "secret", "client_secret", "token", "access_token",
	"refresh_token", "id_token", "api_key", "apikey", "api-key", "x-api-key", "authorization",
	"proxy-authorization", "cookie", "set-cookie", "session", "session_id", "sessionid",
	"credential", "credentials", "private_key", "privatekey", "ssn", "x-auth-token",
}

// NewKeyMatcher builds a matcher over the default words plus extra (case-insensitive).
func NewKeyMatcher(extra []string) *KeyMatcher {
	m := &KeyMatcher{}
	m.words = append(m.words, DefaultSensitiveKeys...)
	for _, w := range extra {
		m.words = append(m.words, strings.ToLower(w))
	}
	return m
}

// Sensitive reports whether key names a secret as a whole.
func (m *KeyMatcher) Sensitive(key string) bool {
	for _, w := range m.words {
		if len(key) < len(w) {
			continue
		}
		start := len(key) - len(w)
		if !equalFold(key[start:], w) {
			continue
		}
		if start == 0 {
			return true
		}
		switch key[start-1] {
		case '.', '_', '-':
			return true
		}
	}
	return false
}

// IsPhoneKey reports whether key names a phone number (phone, mobile, tel, fax as a word).
func IsPhoneKey(key string) bool {
	return containsFold(key, "phone") || containsFold(key, "mobile") || hasWord(key, "tel") || hasWord(key, "fax")
}

func hasWord(key, w string) bool {
	for i := 0; i+len(w) <= len(key); i++ {
		if equalFold(key[i:i+len(w)], w) && (i == 0 || !isAlpha(key[i-1])) && (i+len(w) == len(key) || !isAlpha(key[i+len(w)])) {
			return true
		}
	}
	return false
}
