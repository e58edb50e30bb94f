package scan

import (
	"fmt"
	"testing"
)

// Every registry country has a BBAN structure whose length plus 4 is its IBAN length, and
// no structure names a country without a length.
func TestIBANStructureTable(t *testing.T) {
	for i, n := range ibanLengths {
		if n == 0 {
			continue
		}
		cc := string([]byte{byte('A' + i/26), byte('A' + i%26)})
		f := IBANFormat(cc)
		classes := expandBBAN(f)
		if f == "" || classes == "" {
			t.Errorf("%s: no BBAN structure (%q)", cc, f)
			continue
		}
		if len(classes)+4 != int(n) {
			t.Errorf("%s: structure %s is %d long, IBAN length %d wants %d", cc, f, len(classes), n, n-4)
		}
	}
	for cc := range ibanBBAN {
		if IBANLength(cc) == 0 {
			t.Errorf("%s: structure without a length", cc)
		}
	}
	for _, bad := range []string{"", "4", "a", "4x", "0n", "4a14"} {
		if got := expandBBAN(bad); got != "" {
			t.Errorf("expandBBAN(%q) = %q, want \"\"", bad, got)
		}
	}
}

// ibanWith builds a mod-97-valid IBAN of country cc around bban.
func ibanWith(cc, bban string) string {
	s := bban + cc + "00"
	r := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	return fmt.Sprintf("%s%02d%s", cc, 98-r, bban)
}

// bbanOf fills classes with digits and letters (a 'c' position alternates between them).
func bbanOf(classes string) []byte {
	b := make([]byte, len(classes))
	for k, c := range classes {
		switch {
		case c == 'n' || (c == 'c' && k%2 == 0):
			b[k] = byte('0' + (k*7+3)%10)
		default:
			b[k] = byte('A' + (k*5+1)%26)
		}
	}
	return b
}

// For every country, an IBAN that follows its structure is found; the same IBAN with one
// letter where the structure wants a digit (or a digit where it wants a letter), with check
// digits recomputed so that mod-97 still holds, is not: mod-97 alone would pass it.
func TestIBANStructure(t *testing.T) {
	for cc, f := range ibanBBAN {
		classes := expandBBAN(f)
		good := ibanWith(cc, string(bbanOf(classes)))
		runCases(t, only(IBAN), []detCase{{"iban " + good + " ok", w(good)}})
		for k, c := range classes {
			if c == 'c' {
				continue
			}
			b := bbanOf(classes)
			if c == 'n' {
				b[k] = 'X'
			} else {
				b[k] = '7'
			}
			bad := ibanWith(cc, string(b))
			if !validIBAN([]byte(bad)) {
				t.Fatalf("%s: test IBAN %s fails mod-97", cc, bad)
			}
			runCases(t, only(IBAN), []detCase{{"iban " + bad + " ok", nil}})
			break // one position per class is enough
		}
	}
}

// Upper-case tokens that happen to start with a country code and two digits and pass mod-97
// (1 in 97 of them do) are not IBANs unless they follow the country's structure.
func TestIBANRandomTokens(t *testing.T) {
	runCases(t, only(IBAN), []detCase{
		{ibanWith("DE", "ABCDEF0123456789XY"), nil}, // DE: 18 digits
		{ibanWith("GB", "1234ABCDEFGHIJKLMN"), nil}, // GB: 4 letters, 14 digits
		{ibanWith("NL", "ABNA04171643QQ"), nil},     // NL: 4 letters, 10 digits
		{ibanWith("GB", "WEST12345698765432"), w(ibanWith("GB", "WEST12345698765432"))},
	})
}
