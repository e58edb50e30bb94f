package scan

// Email addresses. Gate: an '@'. Scanner: the local part backwards from the '@'
// (A-Z a-z 0-9 . _ % + -, not starting or ending with '.', at most 64 bytes) and the domain
// forwards (labels of letters, digits and inner hyphens, at most 63 bytes each). Validator:
// the domain has at least two labels and its last label (the TLD) is 2–24 letters, or an IDN
// TLD (xn--...). This rejects Class@774, x@0.0.0.0 and x@10.10.34.11.

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// matchEmail looks for an address around the '@' at s[at]. It returns the address bounds.
func matchEmail(s string, at int) (start, end int, ok bool) {
	// Local part.
	i := at
	for i > 0 && at-i < 64 && isLocalByte(s[i-1]) {
		i--
	}
	for i < at && (s[i] == '.' || s[i] == '-' || s[i] == '+') {
		i++
	}
	if i == at || s[at-1] == '.' {
		return 0, 0, false
	}
	if i > 0 && (isLocalByte(s[i-1]) || s[i-1] == '@') {
		return 0, 0, false // local part longer than 64 bytes or a second '@': not an address
	}
	// Domain.
	j := at + 1
	labels := 0
	lastStart, lastEnd := 0, 0
	for {
		k := j
		for k < len(s) && k-j <= 63 && (isAlnum(s[k]) || s[k] == '-') {
			k++
		}
		if k == j || s[j] == '-' || s[k-1] == '-' || k-j > 63 {
			break
		}
		labels++
		lastStart, lastEnd = j, k
		if k+1 < len(s) && s[k] == '.' && isAlnum(s[k+1]) {
			j = k + 1
			continue
		}
		break
	}
	if labels < 2 {
		return 0, 0, false
	}
	if lastEnd < len(s) && (s[lastEnd] == '_' || s[lastEnd] == '@') {
		return 0, 0, false
	}
	if !validTLD(s[lastStart:lastEnd]) {
		return 0, 0, false
	}
	return i, lastEnd, true
}

func validTLD(t string) bool {
	if len(t) > 4 && t[:4] == "xn--" {
		return true
	}
	if len(t) < 2 || len(t) > 24 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isAlpha(t[i]) {
			return false
		}
	}
	return true
}
