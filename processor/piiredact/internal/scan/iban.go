package scan

// IBAN. Gate: two upper-case letters that name a country of the IBAN registry, followed by two
// digits, at a word start. Scanner: the country's exact length, contiguous or in groups of four
// separated by single spaces. Validator: check digits 02–98 and ISO 7064 mod-97 == 1.

// ibanLengths maps a country code (index (c0-'A')*26 + c1-'A') to the IBAN length.
var ibanLengths = func() (t [26 * 26]uint8) {
	for cc, n := range map[string]uint8{
		"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
		"BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
		"DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
		"GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
		"IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
		"LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
		"MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
		"PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
		"SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
		"TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
	} {
		t[int(cc[0]-'A')*26+int(cc[1]-'A')] = n
	}
	return t
}()

// IBANLength returns the IBAN length of a two-letter upper-case country code, or 0.
func IBANLength(cc string) int {
	if len(cc) != 2 || !isUpper(cc[0]) || !isUpper(cc[1]) {
		return 0
	}
	return int(ibanLengths[int(cc[0]-'A')*26+int(cc[1]-'A')])
}

// matchIBAN tries an IBAN at the word start s[i].
func matchIBAN(s string, i int) (end int, ok bool) {
	if i+4 > len(s) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return 0, false
	}
	want := IBANLength(s[i : i+2])
	if want == 0 {
		return 0, false
	}
	var buf [34]byte
	n := 0
	j := i
	grouped := false
	for j < len(s) && n < want {
		c := s[j]
		switch {
		case isUpper(c) || isDigit(c):
			buf[n] = c
			n++
			j++
		case c == ' ' && n%4 == 0 && n > 0 && (n == 4 || grouped) && j+1 < len(s) && (isUpper(s[j+1]) || isDigit(s[j+1])):
			grouped = true
			j++
		default:
			return 0, false
		}
	}
	work(j - i)
	if n != want || (j < len(s) && isAlnum(s[j])) {
		return 0, false
	}
	return j, validIBAN(buf[:n])
}

// validIBAN checks the check digits range and the mod-97 checksum of an upper-case IBAN
// without spaces.
func validIBAN(b []byte) bool {
	if len(b) < 15 {
		return false
	}
	cd := int(b[2]-'0')*10 + int(b[3]-'0')
	if cd < 2 || cd > 98 {
		return false
	}
	work(len(b))
	r := 0
	for k := 0; k < len(b); k++ {
		c := b[(k+4)%len(b)]
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	return r == 1
}
