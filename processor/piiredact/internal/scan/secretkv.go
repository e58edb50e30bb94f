package scan

// Generic secrets in text. Gate: an identifier (A-Z a-z 0-9 _ . -) followed, after an
// optional closing quote and spaces, by '=' or ':' (not "://"). Then the identifier must hold a
// secret key word (password, passwd, pwd, secret, token, api_key, apikey, api-key, access_key,
// private_key, credential, authorization), and the value (8–200 bytes up to a space, quote or
// delimiter, not starting with '[', '{' or '(') must hold a letter and a digit, no '@', and have
// a Shannon entropy of at least minEntropy bits per byte, so prose such as "Failed password for root" and Android's
// "token=Token{9f4ef63 ...}" are not secrets.
// "Bearer <token>" and "Basic <base64>" credentials need at least 16 bytes and entropy >= 3.

const (
	minKVEntropy     = 3.5
	minBearerEntropy = 3.0
)

var secretKeyWords = [...]string{
	"password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "api-key",
	"access_key", "accesskey", "private_key", "privatekey", "credential", "authorization",
}

func isIdentByte(c byte) bool { return isWord(c) || c == '.' || c == '-' }

func isValueByte(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', '`', '&', ',', ';', '(', ')', '{', '}', '[', ']', '<', '>':
		return false
	}
	return c > ' ' && c != 0x7f
}

// matchKVSecret tries "key=value" / "key: value" at the word start s[i]. identEnd is the end
// of the identifier there. It returns the value bounds.
func matchKVSecret(s string, i, id int, markers *markerSet) (vs, ve int, ok bool) {
	j := id
	if j < len(s) && (s[j] == '"' || s[j] == '\'') {
		j++
	}
	for j < len(s) && s[j] == ' ' {
		j++
	}
	work(j - id + 1)
	if j >= len(s) || (s[j] != '=' && s[j] != ':') {
		return 0, 0, false
	}
	if s[j] == ':' && j+1 < len(s) && (s[j+1] == '/' || s[j+1] == ':') {
		return 0, 0, false
	}
	j++
	k := j
	for j < len(s) && s[j] == ' ' {
		j++
	}
	work(j - k)
	var quote byte
	if j < len(s) && (s[j] == '"' || s[j] == '\'') {
		quote = s[j]
		j++
	}
	if !hasSecretKeyWord(s[i:id]) {
		return 0, 0, false
	}
	return secretValue(s, j, quote, 8, minKVEntropy, markers)
}

// secretValue returns the value at s[j] if it is long and random enough.
// A quoted value (quote != 0) runs to its closing quote and may hold delimiters, not spaces.
func secretValue(s string, j int, quote byte, minLen int, minEnt float64, markers *markerSet) (vs, ve int, ok bool) {
	if j >= len(s) {
		return 0, 0, false
	}
	switch s[j] {
	case '[', '{', '(':
		return 0, 0, false
	}
	if markers.at(s, j) > 0 {
		return 0, 0, false
	}
	e := j
	for e < len(s) && e-j <= 200 && (isValueByte(s[e]) || (quote != 0 && s[e] != quote && s[e] > ' ')) {
		e++
	}
	work(e - j + 1)
	if quote != 0 && (e >= len(s) || s[e] != quote) {
		quote = 0 // not closed: fall back to the unquoted value
		e = j
		for e < len(s) && e-j <= 200 && isValueByte(s[e]) {
			e++
		}
	}
	for quote == 0 && e > j && (s[e-1] == '.' || s[e-1] == ':') {
		e-- // sentence punctuation
	}
	if e-j < minLen || e-j > 200 || !mixedToken(s[j:e]) || entropy(s[j:e]) < minEnt {
		return 0, 0, false
	}
	return j, e, true
}

// matchAuthScheme tries "Bearer <token>" / "Basic <credentials>" at the word start s[i], with
// id the end of the word. It returns the credential bounds.
func matchAuthScheme(s string, i, id int, markers *markerSet) (vs, ve int, ok bool) {
	w := s[i:id]
	work(12)
	if !equalFold(w, "bearer") && !equalFold(w, "basic") {
		return 0, 0, false
	}
	if id+1 >= len(s) || s[id] != ' ' {
		return 0, 0, false
	}
	return secretValue(s, id+1, 0, 16, minBearerEntropy, markers)
}

// keyWordsByFirst lists the secret key words by their first byte (both cases).
var keyWordsByFirst = func() (t [256][]string) {
	for _, w := range secretKeyWords {
		t[w[0]] = append(t[w[0]], w)
		t[w[0]-'a'+'A'] = append(t[w[0]-'a'+'A'], w)
	}
	return t
}()

// hasSecretKeyWord reports whether key contains a secret key word, ignoring case.
func hasSecretKeyWord(key string) bool {
	work(len(key))
	for k := 0; k < len(key); k++ {
		for _, w := range keyWordsByFirst[key[k]] {
			if len(key)-k >= len(w) {
				work(len(w))
				if equalFold(key[k:k+len(w)], w) {
					return true
				}
			}
		}
	}
	return false
}

// mixedToken reports whether v looks like a generated credential rather than a name: it has
// both a letter and a digit, and no '@' (an address or a Java object id such as
// android.os.BinderProxy@2bd79ce).
func mixedToken(v string) bool {
	work(len(v))
	letter, digit := false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '@':
			return false
		case isDigit(c):
			digit = true
		case isAlpha(c):
			letter = true
		}
	}
	return letter && digit
}
