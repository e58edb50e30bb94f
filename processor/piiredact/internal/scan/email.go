package scan

// Email addresses. Gate: an '@'. Scanner: the local part backwards from the '@'
// (A-Z a-z 0-9 . _ % + -, not starting or ending with '.', at most 64 bytes) and the domain
// forwards (labels of letters, digits and inner hyphens, at most 63 bytes each). Validator:
// the domain has at least two labels and its last label (the TLD) is 2–24 letters, or an IDN
// TLD (xn--...). This rejects Class@774, x@0.0.0.0 and x@10.10.34.11.
//
// Bytes >= 0x80 belong to the local part and to the domain labels: internationalized
// addresses (josé@exämple.de, RFC 6531) are addresses, and so is an address with an invalid
// UTF-8 byte inside (jane.doe\xff@example.com): a JSON encoder downstream turns the byte into
// U+FFFD and the address still names its owner. Both ends of a match stay at ASCII bytes, so a
// valid UTF-8 text stays valid after masking. Windows: 64 bytes back from the '@'; forwards,
// the domain runs to the first byte that is not a label byte or '.', at the latest the next
// '@', so no byte is walked from two gates.

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c >= 0x80
}

func isLabelByte(c byte) bool { return isAlnum(c) || c == '-' || c >= 0x80 }

// matchEmail looks for an address around the '@' at s[at]. It returns the address bounds.
func matchEmail(s string, at int) (start, end int, ok bool) {
	// Local part.
	i := at
	for i > 0 && at-i < 64 && isLocalByte(s[i-1]) {
		i--
	}
	work(at - i + 1)
	if i > 0 && isLocalByte(s[i-1]) {
		if !hasNonASCII(s[i:at]) {
			return 0, 0, false // an ASCII local part longer than 64 bytes: not an address
		}
		// Text glued to the address ("联系jane@..."): mask the 64 bytes before the '@',
		// starting on a character boundary.
		for i < at && s[i]&0xC0 == 0x80 {
			i++
		}
	}
	for i < at && (s[i] == '.' || s[i] == '-' || s[i] == '+') {
		i++
	}
	if i == at || s[at-1] == '.' {
		return 0, 0, false
	}
	// A local part glued to a previous '@' ("a@b.cc@d.ee", "x@y.zz%@d.ee") is taken as it is:
	// the finding then overlaps the previous address and both are masked as one, so that
	// redacting twice gives the same text as redacting once.
	// Domain: ASCII labels first, so that text glued after an ASCII domain
	// ("jane@example.com。") is not taken for its TLD; then labels with non-ASCII bytes
	// (an internationalized domain).
	end, ok = domainEnd(s, at+1, isDomainByte)
	if !ok {
		end, ok = domainEnd(s, at+1, isLabelByte)
	}
	if !ok {
		return 0, 0, false
	}
	return i, end, true
}

func isDomainByte(c byte) bool { return isAlnum(c) || c == '-' }

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// domainEnd returns the end of a domain of at least two labels of label bytes starting at
// s[j], with a valid TLD.
func domainEnd(s string, j int, label func(byte) bool) (end int, ok bool) {
	labels := 0
	lastStart, lastEnd := 0, 0
	for {
		k := j
		for k < len(s) && k-j <= 63 && label(s[k]) {
			k++
		}
		work(k - j + 1)
		if k == j || s[j] == '-' || s[k-1] == '-' || k-j > 63 {
			break
		}
		labels++
		lastStart, lastEnd = j, k
		if k+1 < len(s) && s[k] == '.' && label(s[k+1]) && s[k+1] != '-' {
			j = k + 1
			continue
		}
		break
	}
	if labels < 2 {
		return 0, false
	}
	if lastEnd < len(s) && (s[lastEnd] == '_' || s[lastEnd] == '@') {
		return 0, false
	}
	if !validTLD(s[lastStart:lastEnd]) {
		return 0, false
	}
	return lastEnd, true
}

func validTLD(t string) bool {
	if len(t) > 4 && t[:4] == "xn--" {
		return true
	}
	if len(t) < 2 || len(t) > 24 {
		return false
	}
	if t[0] >= 0x80 {
		// A TLD in Unicode (.рф, .中国): non-ASCII bytes only.
		for i := 0; i < len(t); i++ {
			if t[i] < 0x80 {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(t); i++ {
		if !isAlpha(t[i]) {
			return false
		}
	}
	return true
}
