package scan

// IBAN. Gate: two upper-case letters that name a country of the IBAN registry, followed by two
// digits, at a word start. Scanner: the country's exact length, contiguous or in groups of four
// separated by single spaces. Validator: the country's BBAN structure (digits where the registry
// says digits, letters where it says letters), check digits 02–98 and ISO 7064 mod-97 == 1.
// mod-97 alone passes one random token in 97; the structure rejects most random upper-case
// tokens (a German BBAN is 18 digits, a British one 4 letters and 14 digits).

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

// ibanBBAN is the BBAN structure of each country, in the registry's notation: n digits, a
// upper-case letters, c either. Where published tables differ, the looser form is kept (a real
// IBAN must never be missed); a country without a reliable published structure is all c. Its
// length plus 4 equals the country's IBAN length (checked by a test).
var ibanBBAN = map[string]string{
	"AD": "8n12c", "AE": "19n", "AL": "8n16c", "AT": "16n", "AZ": "4a20c", "BA": "16n", "BE": "12n",
	"BG": "4a6n8c", "BH": "4a14c", "BI": "23n", "BR": "23n1a1c", "BY": "4c4n16c", "CH": "5n12c",
	"CR": "18n", "CY": "8n16c", "CZ": "20n", "DE": "18n", "DJ": "23n", "DK": "14n", "DO": "4c20n",
	"EE": "16n", "EG": "25n", "ES": "20n", "FI": "14n", "FK": "14c", "FO": "14n", "FR": "10n11c2n",
	"GB": "4a14n", "GE": "2c16n", "GI": "4a15c", "GL": "14n", "GR": "7n16c", "GT": "24c", "HR": "17n",
	"HU": "24n", "IE": "4c14n", "IL": "19n", "IQ": "4a15n", "IS": "22n", "IT": "1a10n12c",
	"JO": "4a4n18c", "KW": "4a22c", "KZ": "3n13c", "LB": "4n20c", "LC": "4a24c", "LI": "5n12c",
	"LT": "16n", "LU": "3n13c", "LV": "4a13c", "LY": "21n", "MC": "10n11c2n", "MD": "20c", "ME": "18n",
	"MK": "3n10c2n", "MN": "16n", "MR": "23n", "MT": "4a5n18c", "MU": "4a19n3a", "NI": "24c",
	"NL": "4a10n", "NO": "11n", "OM": "19c", "PK": "4c16c", "PL": "24n", "PS": "4c21c", "PT": "21n",
	"QA": "4a21c", "RO": "4a16c", "RS": "18n", "RU": "14n15c", "SA": "2n18c", "SC": "4a20n3a", "SD": "14n",
	"SE": "20n", "SI": "15n", "SK": "20n", "SM": "1a10n12c", "SO": "19n", "ST": "21n", "SV": "4a20n",
	"TL": "19n", "TN": "20n", "TR": "5n17c", "UA": "6n19c", "VA": "18n", "VG": "4c16n", "XK": "16n",
	"YE": "26c",
}

// ibanClasses holds, per country (index as ibanLengths), one class byte per BBAN character:
// 'n', 'a' or 'c', expanded from ibanBBAN.
var ibanClasses = func() (t [26 * 26]string) {
	for cc, f := range ibanBBAN {
		t[int(cc[0]-'A')*26+int(cc[1]-'A')] = expandBBAN(f)
	}
	return t
}()

// expandBBAN turns "4a14n" into "aaaann…n"; "" on a malformed structure.
func expandBBAN(f string) string {
	var b []byte
	n := 0
	for i := 0; i < len(f); i++ {
		switch c := f[i]; {
		case isDigit(c):
			n = n*10 + int(c-'0')
		case (c == 'n' || c == 'a' || c == 'c') && n > 0:
			for range n {
				b = append(b, c)
			}
			n = 0
		default:
			return ""
		}
	}
	if n != 0 {
		return ""
	}
	return string(b)
}

// IBANFormat returns the BBAN structure of a country ("4a14n" for GB), or "".
func IBANFormat(cc string) string {
	if IBANLength(cc) == 0 {
		return ""
	}
	return ibanBBAN[cc]
}

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
	return j, bbanFits(buf[4:n], ibanClasses[int(s[i]-'A')*26+int(s[i+1]-'A')]) && validIBAN(buf[:n])
}

// bbanFits reports whether the BBAN b (upper-case letters and digits) has the classes of
// its country; a country without classes accepts any.
func bbanFits(b []byte, classes string) bool {
	if classes == "" {
		return true
	}
	if len(classes) != len(b) {
		return false
	}
	for k, c := range b {
		switch classes[k] {
		case 'n':
			if !isDigit(c) {
				return false
			}
		case 'a':
			if !isUpper(c) {
				return false
			}
		}
	}
	return true
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
