package scan

// URL credentials and sensitive query parameters.
// Userinfo: gate "://" after a scheme (a letter, then letters, digits, '+', '.', '-'); the
// authority runs to the first '/', '?', '#', space or quote; when it holds '@', the part of the
// userinfo after its first ':' is the password and is reported (the user name and the host
// are left alone).
// Query: gate '?' or '&' (or the start of a url.query value), then a parameter name from
// sensitiveParams (case-insensitive, exact) and '='; the value up to '&', '#', a space or a
// quote is reported. The path is left alone.

var sensitiveParams = [...]string{
	"token", "access_token", "refresh_token", "id_token", "auth", "auth_token", "authorization",
	"api_key", "apikey", "api-key", "key", "sig", "signature", "password", "passwd", "pwd",
	"secret", "client_secret", "code", "session", "sessionid", "session_id", "jwt",
	"x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
	"x-goog-credential",
}

func isAuthorityEnd(c byte) bool {
	switch c {
	case '/', '?', '#', ' ', '\t', '\r', '\n', '"', '\'', '<', '>', '`':
		return true
	}
	return false
}

// matchURLUserinfo looks for a password in the URL whose "://" starts at s[i] (s[i] == ':').
func matchURLUserinfo(s string, i int, markers *markerSet) (ps, pe int, ok bool) {
	if i+3 > len(s) || s[i+1] != '/' || s[i+2] != '/' {
		return 0, 0, false
	}
	b := i
	for b > 0 && (isAlnum(s[b-1]) || s[b-1] == '+' || s[b-1] == '.' || s[b-1] == '-') {
		b--
	}
	work(i - b + 1)
	if b == i || !isAlpha(s[b]) {
		return 0, 0, false
	}
	a := i + 3
	e := a
	at := -1
	for e < len(s) && !isAuthorityEnd(s[e]) {
		if s[e] == '@' {
			at = e
		}
		e++
	}
	work(e - a + 1)
	if at < 0 {
		return 0, 0, false
	}
	work(at - a)
	for c := a; c < at; c++ {
		if s[c] == ':' {
			if c+1 == at || markers.at(s, c+1) > 0 {
				return 0, 0, false
			}
			return c + 1, at, true
		}
	}
	return 0, 0, false
}

// matchQueryParam tries a sensitive parameter whose name starts at s[i] (just after '?', '&'
// or at the start of a query string). It returns the value bounds.
func matchQueryParam(s string, i int, markers *markerSet) (vs, ve int, ok bool) {
	j := i
	for j < len(s) && j-i <= 24 && (isWord(s[j]) || s[j] == '-' || s[j] == '.') {
		j++
	}
	work(j - i + 1)
	if j == i || j >= len(s) || s[j] != '=' {
		return 0, 0, false
	}
	name := s[i:j]
	hit := false
	work(len(sensitiveParams) + 4*len(name)) // at most four parameters of one length
	for _, p := range sensitiveParams {
		if equalFold(name, p) {
			hit = true
			break
		}
	}
	if !hit {
		return 0, 0, false
	}
	v := j + 1
	if markers.at(s, v) > 0 {
		return 0, 0, false
	}
	e := v
	for e < len(s) {
		c := s[e]
		if c == '&' || c == '#' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' {
			break
		}
		e++
	}
	work(e - v + 1)
	if e == v {
		return 0, 0, false
	}
	return v, e, true
}
