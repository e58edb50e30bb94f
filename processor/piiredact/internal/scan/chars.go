package scan

import "math"

const (
	cDigit uint8 = 1 << iota
	cUpper
	cLower
	cUnder
	cHex
	cB64URL // base64url alphabet: A-Z a-z 0-9 - _
)

const (
	cAlpha = cUpper | cLower
	cAlnum = cAlpha | cDigit
	cWord  = cAlnum | cUnder
)

var class = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] |= cDigit | cHex | cB64URL
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= cUpper | cB64URL
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= cLower | cB64URL
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] |= cHex
		t[c-'a'+'A'] |= cHex
	}
	t['_'] |= cUnder | cB64URL
	t['-'] |= cB64URL
	return t
}()

func isDigit(c byte) bool { return c-'0' < 10 }
func isUpper(c byte) bool { return c-'A' < 26 }
func isAlpha(c byte) bool { return class[c]&cAlpha != 0 }
func isAlnum(c byte) bool { return class[c]&cAlnum != 0 }
func isWord(c byte) bool  { return class[c]&cWord != 0 }
func isHex(c byte) bool   { return class[c]&cHex != 0 }

func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

// countDigits returns the length of the run of ASCII digits at s[i:].
func countDigits(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	work(j - i + 1)
	return j - i
}

// countDigitsMax is countDigits looking at no more than max+1 bytes: it returns max+1 when
// the run is longer than max.
func countDigitsMax(s string, i, max int) int {
	j := i
	for j < len(s) && j-i <= max && isDigit(s[j]) {
		j++
	}
	work(j - i + 1)
	return j - i
}

// equalFold reports whether s equals the lower-case ASCII word w, ignoring case.
func equalFold(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ { // callers count the work (it is bounded by len(w))
		if lower(s[i]) != w[i] {
			return false
		}
	}
	return true
}

// containsFold reports whether s contains the lower-case ASCII word w, ignoring case.
func containsFold(s, w string) bool {
	if len(w) == 0 {
		return true
	}
	work(len(s))
	for i := 0; i+len(w) <= len(s); i++ {
		if lower(s[i]) == w[0] {
			work(len(w))
			if equalFold(s[i:i+len(w)], w) {
				return true
			}
		}
	}
	return false
}

// entropy returns the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	if len(s) == 0 {
		return 0
	}
	work(len(s) + 256)
	var counts [256]uint16
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	var h float64
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}

// digitBoundaryBefore reports whether a number may start at s[i]: the byte before it is not a
// word byte, and not a '.', '-' or ',' glued to a word (as in blk_-123, v1.2 or x,123).
func digitBoundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	p := s[i-1]
	if isWord(p) {
		return false
	}
	if (p == '.' || p == '-' || p == ',') && i >= 2 && isWord(s[i-2]) {
		return false
	}
	return true
}

// digitBoundaryAfter reports whether a number may end before s[j]: the next byte is not a word
// byte, and not a '.', '-' or ',' followed by a digit (which would continue the number).
func digitBoundaryAfter(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	c := s[j]
	if isWord(c) {
		return false
	}
	if (c == '.' || c == '-' || c == ',') && j+1 < len(s) && isDigit(s[j+1]) {
		return false
	}
	return true
}
