package scan

// Payment card numbers (PAN). Gate: a digit at a number boundary. Scanner: 13–19 contiguous
// digits, or groups of 4 separated by one kind of separator (' ' or '-'; 4-4-4-x and Amex/
// Diners 4-6-5 / 4-6-4). Validators, in order: issuer prefix and length table, Luhn, not a
// single repeated digit. Number boundaries (see digitBoundaryBefore) reject HDFS blk_-<id>.

// matchCard tries a card number starting at s[i] (a digit at a number boundary).
func matchCard(s string, i int) (end int, ok bool) {
	var buf [19]byte
	n := countDigitsMax(s, i, 19)
	if n >= 13 {
		if n > 19 || !digitBoundaryAfter(s, i+n) {
			return 0, false
		}
		copy(buf[:], s[i:i+n])
		return i + n, validPAN(buf[:n])
	}
	if n != 4 || i+n >= len(s) {
		return 0, false
	}
	sep := s[i+n]
	if sep != ' ' && sep != '-' || afterDigitGroup(s, i, sep) {
		return 0, false
	}
	copy(buf[:], s[i:i+4])
	nd := 4
	j := i + 4
	var groups [5]int
	var ends [5]int
	ng := 0
	for ng < 5 && j < len(s) && s[j] == sep {
		g := countDigitsMax(s, j+1, 19-nd)
		if g == 0 || nd+g > 19 {
			break
		}
		copy(buf[nd:], s[j+1:j+1+g])
		nd += g
		groups[ng] = g
		j += 1 + g
		ends[ng] = j
		ng++
		if g != 4 && (ng != 1 || g != 6) {
			break
		}
	}
	// Amex 4-6-5 / Diners 4-6-4.
	if ng == 2 && groups[0] == 6 && (groups[1] == 5 || groups[1] == 4) && digitBoundaryAfter(s, j) {
		return j, validPAN(buf[:nd])
	}
	// 4-4-4-x: try the longest run first, then drop trailing groups (a card followed by another
	// number), as long as 13 digits remain.
	if groups[0] != 4 {
		return 0, false
	}
	total := 4
	for k := 0; k < ng; k++ {
		total += groups[k]
	}
	for k := ng - 1; k >= 2; k-- {
		if total >= 13 && groups[k] <= 4 && digitBoundaryAfter(s, ends[k]) && allFours(groups[:k]) && validPAN(buf[:total]) {
			return ends[k], true
		}
		total -= groups[k]
	}
	return 0, false
}

func allFours(g []int) bool {
	for _, n := range g {
		if n != 4 {
			return false
		}
	}
	return true
}

// validPAN applies the issuer table, Luhn and the repeated-digit rule to ASCII digits.
func validPAN(d []byte) bool {
	work(3 * len(d))
	return issuerOK(d) && luhn(d) && !sameDigits(d)
}

func prefixNum(d []byte, n int) int {
	v := 0
	for k := 0; k < n && k < len(d); k++ {
		v = v*10 + int(d[k]-'0')
	}
	return v
}

// issuerOK checks the issuer identification number (IIN) prefix against the lengths the
// brand issues.
func issuerOK(d []byte) bool {
	l := len(d)
	p1, p2, p3, p4, p6 := prefixNum(d, 1), prefixNum(d, 2), prefixNum(d, 3), prefixNum(d, 4), prefixNum(d, 6)
	switch {
	case p1 == 4: // Visa
		return l == 13 || l == 16 || l == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return l == 16
	case p2 == 34 || p2 == 37: // American Express
		return l == 15
	case p4 >= 2200 && p4 <= 2204: // Mir
		return l >= 16 && l <= 19
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65, p6 >= 622126 && p6 <= 622925: // Discover
		return l >= 16 && l <= 19
	case p2 == 62: // UnionPay
		return l >= 16 && l <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return l >= 16 && l <= 19
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return l >= 14 && l <= 19
	case p4 == 5018, p4 == 5020, p4 == 5038, p4 == 5893, p4 == 6304, p4 == 6759, p4 >= 6761 && p4 <= 6763: // Maestro
		return l >= 13 && l <= 19
	}
	return false
}

// luhn reports whether ASCII digits pass the Luhn (mod 10) checksum.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for k := len(d) - 1; k >= 0; k-- {
		v := int(d[k] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

func sameDigits(d []byte) bool {
	for k := 1; k < len(d); k++ {
		if d[k] != d[0] {
			return false
		}
	}
	return true
}

// IsCardNumber reports whether d, ASCII digits only (e.g. an integer value printed in
// decimal), is a valid card number: 13–19 digits, issuer table, Luhn, not one repeated digit.
func IsCardNumber(d []byte) bool {
	if len(d) < 13 || len(d) > 19 {
		return false
	}
	for _, c := range d {
		if !isDigit(c) {
			return false
		}
	}
	return validPAN(d)
}

// afterDigitGroup reports whether the group at s[i] continues a run of 4-character groups
// (same separator) that starts like an IBAN, two upper-case letters and two digits
// ("PL28 0711 6901 ..."): then it is the inside of an IBAN, not the start of a card number.
// An IBAN has at most 34 characters, so its first group is at most 8 groups back: the walk
// stops there (without the bound, a run of "4111 " groups made the scan quadratic).
func afterDigitGroup(s string, i int, sep byte) bool {
	for back := 0; back < 8 && i >= 5 && s[i-1] == sep; back++ {
		work(5)
		g := i - 5
		for k := g; k < g+4; k++ {
			if !isAlnum(s[k]) {
				return false
			}
		}
		if g > 0 && isAlnum(s[g-1]) {
			return false
		}
		if isUpper(s[g]) && isUpper(s[g+1]) && isDigit(s[g+2]) && isDigit(s[g+3]) {
			return true
		}
		i = g
	}
	return false
}
