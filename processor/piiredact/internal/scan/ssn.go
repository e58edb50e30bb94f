package scan

// US Social Security numbers, dashed form ddd-dd-dddd. Gate: a digit at a number boundary
// followed by '-' at offset 3. Validator (SSA rules as in VRL and Presidio): area 001–899
// except 666, group 01–99, serial 0001–9999, not one repeated digit, not the well-known
// invalid/advertised numbers 078-05-1120, 219-09-9999 and 123-45-6789. Bare nine-digit runs are
// not matched in text (they are counted as SSNs only under a sensitive key such as "ssn").

func matchSSN(s string, i int) (end int, ok bool) {
	work(11)
	if i+11 > len(s) || s[i+3] != '-' || s[i+6] != '-' {
		return 0, false
	}
	for _, k := range [...]int{0, 1, 2, 4, 5, 7, 8, 9, 10} {
		if !isDigit(s[i+k]) {
			return 0, false
		}
	}
	if !digitBoundaryAfter(s, i+11) {
		return 0, false
	}
	v := s[i : i+11]
	area := int(v[0]-'0')*100 + int(v[1]-'0')*10 + int(v[2]-'0')
	group := int(v[4]-'0')*10 + int(v[5]-'0')
	serial := int(v[7]-'0')*1000 + int(v[8]-'0')*100 + int(v[9]-'0')*10 + int(v[10]-'0')
	if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return 0, false
	}
	switch v {
	case "078-05-1120", "219-09-9999", "123-45-6789":
		return 0, false
	}
	same := true
	for _, k := range [...]int{1, 2, 4, 5, 7, 8, 9, 10} {
		if v[k] != v[0] {
			same = false
			break
		}
	}
	return i + 11, !same
}
