package scan

// Phone numbers. Default: the international E.164 form only. Gate: '+' not glued to a word or
// a digit, then a digit 1–9. Scanner and validator: see matchE164.
//
// With national forms on (option), North American numbers (ddd) ddd-dddd, ddd-ddd-dddd,
// ddd.ddd.dddd and ddd ddd dddd are matched too, but only when a context word (phone, tel,
// mobile, cell, fax) occurs in the 32 bytes before, or the caller says the key is about phones.

func isPhoneSep(c byte) bool { return c == ' ' || c == '-' || c == '.' }

// matchE164 tries an international number at the '+' at s[i]. Forms: contiguous
// (+14155552671: 8–15 digits), or a country code of 1–3 digits followed by groups with single
// separators and at most one pair of parentheses (+44 20 7946 0958, +1 (415) 555-2671). A
// grouped run holding more than 15 digits is not a phone number (it is a list of numbers).
func matchE164(s string, i int) (end int, ok bool) {
	if i > 0 && (isWord(s[i-1]) || s[i-1] == '+') {
		return 0, false
	}
	j := i + 1
	if j >= len(s) || s[j] < '1' || s[j] > '9' {
		return 0, false
	}
	g1 := countDigitsMax(s, j, 15)
	j += g1
	if g1 >= 8 {
		if g1 > 15 || (j < len(s) && (isWord(s[j]) || s[j] == '@')) {
			return 0, false
		}
		return j, true
	}
	if g1 > 3 {
		return 0, false
	}
	digits := g1
	paren := false
	for j < len(s) && digits <= 15 { // more than 15 digits: a list of numbers, stop looking
		k := j
		if isPhoneSep(s[k]) {
			k++
		}
		if k < len(s) && s[k] == '(' && !paren {
			paren = true
			k++
		}
		g := countDigitsMax(s, k, 15)
		if k == j || g == 0 {
			break
		}
		digits += g
		j = k + g
		if paren && j < len(s) && s[j] == ')' {
			j++
		}
	}
	if digits < 8 || digits > 15 {
		return 0, false
	}
	if j < len(s) && (isWord(s[j]) || s[j] == '@') {
		return 0, false
	}
	return j, true
}

var phoneContextWords = [...]string{"phone", "tel", "mobile", "cell", "fax"}

func phoneContext(s string, i int) bool {
	w := i - 32
	if w < 0 {
		w = 0
	}
	win := s[w:i]
	for _, cw := range phoneContextWords {
		if containsFold(win, cw) {
			return true
		}
	}
	return false
}

// matchNANP tries a North American number at s[i] (a digit at a number boundary, or '(').
func matchNANP(s string, i int) (end int, ok bool) {
	j := i
	if s[j] == '(' {
		if j+5 > len(s) || countDigits(s, j+1) != 3 || s[j+4] != ')' {
			return 0, false
		}
		j += 5
		if j < len(s) && s[j] == ' ' {
			j++
		}
		if countDigits(s, j) != 3 || j+3 >= len(s) || s[j+3] != '-' {
			return 0, false
		}
		j += 4
	} else {
		if countDigits(s, j) != 3 || j+3 >= len(s) {
			return 0, false
		}
		sep := s[j+3]
		if !isPhoneSep(sep) || countDigits(s, j+4) != 3 || j+7 >= len(s) || s[j+7] != sep {
			return 0, false
		}
		j += 8
	}
	if countDigits(s, j) != 4 || !digitBoundaryAfter(s, j+4) {
		return 0, false
	}
	return j + 4, true
}
