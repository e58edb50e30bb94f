package scan

// Phone numbers. Default: the international E.164 form only. Gate: '+' not glued to a word or
// a digit, then a digit 1–9. Scanner: digits with single separators (' ', '-', '.') and one
// optional pair of parentheses around a group. Validator: 8–15 digits in total.
//
// With national forms on (option), North American numbers (ddd) ddd-dddd, ddd-ddd-dddd,
// ddd.ddd.dddd and ddd ddd dddd are matched too, but only when a context word (phone, tel,
// mobile, cell, fax) occurs in the 32 bytes before, or the caller says the key is about phones.

func isPhoneSep(c byte) bool { return c == ' ' || c == '-' || c == '.' }

// matchE164 tries an international number at the '+' at s[i].
func matchE164(s string, i int) (end int, ok bool) {
	if i > 0 && (isWord(s[i-1]) || s[i-1] == '+') {
		return 0, false
	}
	j := i + 1
	if j >= len(s) || s[j] < '1' || s[j] > '9' {
		return 0, false
	}
	digits := 0
	lastEnd := 0 // end of the last digit group accepted with <= 15 digits
	lastDigits := 0
	paren := false
	for j < len(s) {
		c := s[j]
		switch {
		case isDigit(c):
			g := countDigits(s, j)
			digits += g
			j += g
			if digits > 15 {
				if lastEnd == 0 || g > 15 {
					return 0, false
				}
				j = lastEnd
				digits = lastDigits
				goto done
			}
			lastEnd, lastDigits = j, digits
			if paren && j < len(s) && s[j] == ')' {
				j++
				paren = false
				if j < len(s) && s[j] == ' ' && j+1 < len(s) && isDigit(s[j+1]) {
					j++
				}
			}
			continue
		case isPhoneSep(c) && j+1 < len(s) && isDigit(s[j+1]):
			j++
			continue
		case c == ' ' && j+1 < len(s) && s[j+1] == '(' && !paren:
			j++
			continue
		case c == '(' && !paren && j+1 < len(s) && isDigit(s[j+1]):
			paren = true
			j++
			continue
		}
		break
	}
	j = lastEnd
	digits = lastDigits
done:
	if digits < 8 || lastEnd == 0 {
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
