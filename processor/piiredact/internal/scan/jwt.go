package scan

import "bytes"

var algKey = []byte(`"alg"`)

// JSON Web Tokens (JWS compact form). Gate: "eyJ" at a word start (base64url of `{"`).
// Scanner: three base64url segments separated by '.', the first two at least 10 bytes, the
// signature possibly empty (alg none). Validator: the header decodes to a JSON object holding
// "alg", and the payload decodes to a JSON object.

func b64urlSegment(s string, i int) int {
	j := i
	for j < len(s) && class[s[j]]&cB64URL != 0 {
		j++
	}
	work(j - i + 1)
	return j
}

// matchJWT tries a token at the word start s[i].
func matchJWT(s string, i int) (end int, ok bool) {
	// A token starts a base64url run: not after '-' (the one base64url byte that is not a
	// word byte), so that the segments scanned from different starts never overlap.
	if len(s)-i < 25 || s[i:i+3] != "eyJ" || (i > 0 && s[i-1] == '-') {
		return 0, false
	}
	h := b64urlSegment(s, i)
	if h-i < 10 || h >= len(s) || s[h] != '.' {
		return 0, false
	}
	p := b64urlSegment(s, h+1)
	if p-h-1 < 10 || p >= len(s) || s[p] != '.' {
		return 0, false
	}
	sig := b64urlSegment(s, p+1)
	for sig < len(s) && s[sig] == '=' {
		sig++
	}
	if sig < len(s) && (isWord(s[sig]) || s[sig] == '.') {
		return 0, false // more segments (JWE) or glued text
	}
	var hdr [384]byte
	n, ok := decodeB64URL(hdr[:], s[i:h])
	work(n)
	if !ok || n < 9 || hdr[0] != '{' || !bytes.Contains(hdr[:n], algKey) {
		return 0, false
	}
	var pl [3]byte
	if _, ok := decodeB64URL(pl[:], s[h+1:h+5]); !ok || !jsonObjectStart(pl[:]) {
		return 0, false
	}
	return sig, true
}

func jsonObjectStart(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

var b64urlVal = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(a); i++ {
		t[a[i]] = int8(i)
	}
	return t
}()

// decodeB64URL decodes unpadded base64url src into dst, stopping when dst is full. It reports
// false on a byte outside the alphabet.
func decodeB64URL(dst []byte, src string) (int, bool) {
	n := 0
	var acc uint32
	bits := 0
	work(len(src))
	for k := 0; k < len(src); k++ {
		v := b64urlVal[src[k]]
		if v < 0 {
			return n, false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			if n == len(dst) {
				return n, true
			}
			dst[n] = byte(acc >> uint(bits))
			n++
		}
	}
	return n, true
}
