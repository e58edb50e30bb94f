package scan

import (
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"
)

func TestEmail(t *testing.T) {
	runCases(t, only(Email), []detCase{
		{"contact john.doe@example.com now", w("john.doe@example.com")},
		{"a@b.co", w("a@b.co")},
		{"<Jane.O'Neil+tag@mail.sub.example.org>", w("Neil+tag@mail.sub.example.org")},
		{"user_1@xn--bcher-kva.xn--p1ai", w("user_1@xn--bcher-kva.xn--p1ai")},
		{"mailto:ops@example.com.", w("ops@example.com")},
		{"two: a@x.io, b@y.io", w("a@x.io", "b@y.io")},
		// non-ASCII and invalid UTF-8 bytes belong to the address
		{"jane.doe\xff@example.com", w("jane.doe\xff@example.com")},
		{"mail josé@example.com", w("josé@example.com")},
		{"jane@bücher.de", w("jane@bücher.de")},
		{"jane@example.com。next", w("jane@example.com")},
		{"メール：jane@example.com", w("メール：jane@example.com")},
		{strings.Repeat("語", 30) + "jane@example.com", w(strings.Repeat("語", 20) + "jane@example.com")},
		// near misses
		{"QuorumPeer$QuorumServer@774 SendWorker@679", nil},
		{"attempt_1445144423722_0020_m_000002_0@0.0.0.0", nil},
		{"CoarseGrainedScheduler@10.10.34.11:48986", nil},
		{"00000001@2016/9/27", nil},
		{"root@localhost", nil},
		{"x@host.123", nil},
		{"@example.com", nil},
		{"a.@example.com", nil},
		{"a@-example.com", nil},
	})
}

// luhnFix returns digits with its last digit replaced to pass Luhn.
func luhnFix(digits string) string {
	b := []byte(digits)
	for d := byte('0'); d <= '9'; d++ {
		b[len(b)-1] = d
		if luhn(b) {
			return string(b)
		}
	}
	panic("unreachable")
}

// TestCards are the brands' published test numbers.
var TestCards = []string{
	"4111111111111111", "4012888888881881", "4222222222222", // Visa 16, 16, 13
	"5555555555554444", "5105105105105100", "2223003122003222", // Mastercard
	"378282246310005", "371449635398431", // Amex
	"6011111111111117", "6011000990139424", // Discover
	"30569309025904", "38520000023237", // Diners
	"3530111333300000", "3566002020360505", // JCB
	"6200000000000005",    // UnionPay
	"6759649826438453",    // Maestro
	"4000056655665556",    // Visa debit
	"2200000000000004",    // Mir-shaped
	"4111111111111111003", // Visa 19 (Luhn-fixed below)
}

func TestCardTestNumbersPassValidators(t *testing.T) {
	for _, c := range TestCards {
		if len(c) == 19 {
			c = luhnFix(c)
		}
		if !validPAN([]byte(c)) {
			t.Errorf("%s: rejected (issuer %v, luhn %v)", c, issuerOK([]byte(c)), luhn([]byte(c)))
		}
	}
}

func TestCreditCard(t *testing.T) {
	visa19 := luhnFix("4111111111111111003")
	blk := luhnFix("4" + "608999687919862906") // 19 digits, passes issuer + Luhn
	runCases(t, only(CreditCard), []detCase{
		{"card 4111111111111111 ok", w("4111111111111111")},
		{"pan=5555555555554444;", w("5555555555554444")},
		{"4111 1111 1111 1111", w("4111 1111 1111 1111")},
		{"4111-1111-1111-1111.", w("4111-1111-1111-1111")},
		{"amex 3782 822463 10005 x", w("3782 822463 10005")},
		{"diners 3056 930902 5904", w("3056 930902 5904")},
		{visa19, w(visa19)},
		{"(" + blk + ")", w(blk)},
		// near misses
		{"4111111111111112", nil},                                      // bad Luhn
		{"blk_-" + blk + " terminating", nil},                          // HDFS block id
		{"blk_" + blk, nil},                                            // glued to a word
		{"0000000000000000", nil},                                      // one repeated digit
		{"attempt_1445144423722_0020", nil},                            // epoch in an id
		{"1445144423722", nil},                                         // no issuer
		{"4111 1111-1111 1111", nil},                                   // mixed separators
		{"2005-06-03-15.42.50.363779 R02-M1-N0", nil},                  // BGL dates
		{"41111111111111111111", nil},                                  // 20 digits
		{"4111111111111111.5", nil},                                    // decimal continues
		{"id 4111 1111 1111 1111 1111 1111", w("4111 1111 1111 1111")}, // a card followed by numbers
		{"4111 1111 1111 1111 666-12-3456", w("4111 1111 1111 1111")},
		{"4111 1111 1111 1112 1111", nil},
		{"v4111111111111111", nil},            // glued
		{"12345678901234 9999999999999", nil}, // no issuer
		{"4111 1111 1111 1111-2222", nil},     // continues with other separator
		{"x 1234 5678 9012 3456", nil},        // no issuer
		{"5555555555554444" + "0", nil},       // 17-digit MC
	})
}

func TestIBAN(t *testing.T) {
	runCases(t, only(IBAN), []detCase{
		{"iban DE89370400440532013000 ok", w("DE89370400440532013000")},
		{"GB82WEST12345698765432", w("GB82WEST12345698765432")},
		{"FR1420041010050500013M02606", w("FR1420041010050500013M02606")},
		{"NL91ABNA0417164300.", w("NL91ABNA0417164300")},
		{"to DE89 3704 0044 0532 0130 00 via", w("DE89 3704 0044 0532 0130 00")},
		{"BE68539007547034", w("BE68539007547034")},
		// near misses
		{"DE88370400440532013000", nil},  // wrong check digits
		{"XX89370400440532013000", nil},  // unknown country
		{"DE8937040044053201300", nil},   // short
		{"DE893704004405320130001", nil}, // long
		{"de89370400440532013000", nil},  // lower case
		{"DE89 3704 0044 0532 0130 0", nil},
		{"ADE89370400440532013000", nil}, // glued
	})
}

func TestUSSSN(t *testing.T) {
	runCases(t, only(USSSN), []detCase{
		{"ssn 536-22-1234.", w("536-22-1234")},
		{"078-05-1121", w("078-05-1121")},
		{"899-99-9998", w("899-99-9998")},
		// near misses
		{"666-12-3456", nil}, {"000-12-3456", nil}, {"912-12-3456", nil},
		{"123-00-4567", nil}, {"536-22-0000", nil}, {"078-05-1120", nil},
		{"123-45-6789", nil}, {"111-11-1111", nil}, {"2016-09-28", nil},
		{"555-12-34567", nil}, {"1536-22-1234", nil}, {"R02-536-22-1234", nil},
		{"536-22-1234-5", nil}, {"536221234", nil}, {"536 22 1234", nil},
	})
}

func TestPhone(t *testing.T) {
	runCases(t, only(Phone), []detCase{
		{"call +14155552671 now", w("+14155552671")},
		{"+44 20 7946 0958", w("+44 20 7946 0958")},
		{"+1 (415) 555-2671.", w("+1 (415) 555-2671")},
		{"+49-30-1234567", w("+49-30-1234567")},
		{"tel:+33142685300", w("+33142685300")},
		// near misses
		{"2016-09-28T04:30:30+0000", nil},
		{"+1234", nil},
		{"offset +0530", nil},
		{"a+14155552671", nil},
		{"+1234567890123456789", nil},
		{"+89537 23650 23685", nil},         // no 1–3 digit country code
		{"+44 20 7946 0958 1702 2639", nil}, // more than 15 digits: a list of numbers
		{"+14155552671 1702", w("+14155552671")},
		{"x = 1 +2", nil},
		// national form is off by default
		{"phone: (415) 555-2671", nil},
	})
	var o Options
	o.Enabled[Phone] = true
	o.PhoneNational = true
	nat := New(o)
	runCases(t, nat, []detCase{
		{"phone: (415) 555-2671", w("(415) 555-2671")},
		{"Mobile 415-555-2671", w("415-555-2671")},
		{"tel. 415.555.2671", w("415.555.2671")},
		{"order 415-555-2671", nil}, // no context word
		{"phone 415-555-26710", nil},
	})
	if got := nat.Scan("415 555 2671", CtxPhone, nil); len(got) != 1 {
		t.Errorf("phone key context: got %v", got)
	}
}

func TestIP(t *testing.T) {
	runCases(t, only(IP), []detCase{
		{"from 10.0.0.1 port", w("10.0.0.1")},
		{"rhost=218.188.2.4", w("218.188.2.4")},
		{"/10.251.42.84:50010", w("10.251.42.84")},
		{"8.8.8.8.", w("8.8.8.8")},
		{"addr 2001:db8::1 ok", w("2001:db8::1")},
		{"[2001:db8::1]:8080", w("2001:db8::1")},
		{"fe80::1ff:fe23:4567:890a", w("fe80::1ff:fe23:4567:890a")},
		{"::1", w("::1")},
		{"::ffff:192.0.2.128", w("::ffff:192.0.2.128")},
		// near misses
		{"wcp.dll version 0.0.0.6", nil},
		{"Windows version 6.1.1.0 build", nil},
		{"v1.2.3.4", nil},
		{"1.2.3.4.5", nil},
		{"0.0.0.0:8080", nil},
		{"/0:0:0:0:0:0:0:0:2181", nil},
		{"256.1.1.1", nil},
		{"18:01:47,978", nil},
		{"00:1a:2b:3c:4d:5e", nil},
		{"Foo::bar", nil},
		{"lib-1.2.3.4", nil},
		{"beef::", nil}, // no decimal digit
	})
	// Loopback is redacted when not kept (only() keeps nothing); unspecified never is.
	runCases(t, only(IP), []detCase{
		{"127.0.0.1:8080", w("127.0.0.1")},
		{"::ffff:127.0.0.1", w("::ffff:127.0.0.1")},
		{"listen 0.0.0.0 and ::", nil},
		{"::ffff:0.0.0.0", nil},
	})
	var o Options
	o.Enabled[IP] = true
	o.IPKeepPrivate = true
	runCases(t, New(o), []detCase{
		{"10.0.0.1 192.168.1.2 fe80::1 ::ffff:10.1.2.3 8.8.4.4", w("8.8.4.4")},
		// Private does not include loopback: that is IPKeepLoopback.
		{"127.0.0.1 ::1", w("127.0.0.1", "::1")},
	})
}

// With IPKeepLoopback, loopback addresses (and their IPv4-mapped form) are kept, the
// unspecified ones are kept as always, and private and public addresses are still redacted.
func TestIPKeepLoopback(t *testing.T) {
	var o Options
	o.Enabled[IP] = true
	o.IPKeepLoopback = true
	runCases(t, New(o), []detCase{
		{"dial tcp 127.0.0.1:5432: connection refused", nil},
		{"127.255.0.9 and [::1]:4317 and ::ffff:127.0.0.1", nil},
		{"bind 0.0.0.0:4317, [::]:4318", nil},
		{"peer 10.0.0.7 via 192.168.1.2 from 203.0.113.9", w("10.0.0.7", "192.168.1.2", "203.0.113.9")},
		{"fe80::1 fd00::1 2001:db8::1", w("fe80::1", "fd00::1", "2001:db8::1")},
		{"128.0.0.1 ::2", w("128.0.0.1", "::2")},
	})
	o.IPKeepPrivate = true
	runCases(t, New(o), []detCase{
		{"127.0.0.1 10.0.0.1 ::1 fe80::1 8.8.4.4", w("8.8.4.4")},
	})
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestJWT(t *testing.T) {
	tok := b64(`{"alg":"HS256","typ":"JWT"}`) + "." + b64(`{"sub":"1234567890","name":"John Doe"}`) + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	none := b64(`{"alg":"none"}`) + "." + b64(`{"sub":"1234567890"}`) + "."
	runCases(t, only(JWT), []detCase{
		{"Bearer " + tok + " x", w(tok)},
		{"t=" + none, w(none)},
		// near misses
		{b64(`{"typ":"JWT"}`) + "." + b64(`{"sub":"1234567890"}`) + ".abc", nil}, // no alg
		{"eyJhbGciOiJIUzI1NiJ9.notbase64!!.x", nil},
		{"eyJhbGciOiJIUzI1NiJ9." + b64("not json at all") + ".sig", nil},
		{tok + ".extra.segments", nil},
		{"xeyJ" + tok[3:], nil},
		{"eyJ", nil},
	})
}

func TestSecret(t *testing.T) {
	ghp := "ghp_" + strings.Repeat("aB3dE5", 6)
	stripe := "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
	google := "AIza" + "SyA-1234567890abcdefghijklmnopqrstu"
	slack := "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
	runCases(t, only(Secret), []detCase{
		{"key AKIAIOSFODNN7EXAMPLE used", w("AKIAIOSFODNN7EXAMPLE")},
		{"token " + ghp, w(ghp)},
		{stripe + ",", w(stripe)},
		{google, w(google)},
		{slack, w(slack)},
		{"glpat-" + "xY7zQ2mN9pL4kR8sT1vW", w("glpat-xY7zQ2mN9pL4kR8sT1vW")},
		{"k:" + pem + " tail", w(pem)},
		{"-----BEGIN PRIVATE KEY-----\nMIIE (truncated", w("-----BEGIN PRIVATE KEY-----\nMIIE (truncated")},
		{"api_key=Zx9Lq2Vb7Rt4Yp1Wm8Kd&x=1", w("Zx9Lq2Vb7Rt4Yp1Wm8Kd")},
		{`{"db_password": "Tr0ub4dor&3xQ9zLk"}`, w("Tr0ub4dor&3xQ9zLk")},
		{`pwd=Tr0ub4dor&3xQ9zLk`, nil}, // unquoted value ends at &: too short
		{`"client_secret":"9f8e7d6c5b4a3f2e1d0c"`, w("9f8e7d6c5b4a3f2e1d0c")},
		{"Authorization: Bearer abc123XYZ456def789GHI", w("abc123XYZ456def789GHI")},
		// near misses
		{"Failed password for root from 1.2.3.4 port 22 ssh2", nil},
		{"Failed password for invalid user admin", nil},
		{"token=Token{9f4ef63 u0 com.android/.Foo}", nil},
		{"password=hunter2", nil},
		{"password=aaaaaaaaaaaaaaaa", nil}, // low entropy
		{"secret: [REDACTED]", nil},
		{"AKIAIOSFODNN7EXAMPL", nil},
		{"xAKIAIOSFODNN7EXAMPLE", nil},
		{"ghp_short", nil},
		{"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", nil},
		{"Bearer authentication failed", nil},
		{"token_count=12", nil},
	})
}

func TestURL(t *testing.T) {
	runCases(t, only(URL), []detCase{
		{"postgres://app:s3cr3t@db.example.com:5432/x", w("s3cr3t")},
		{"see https://u:p%40ss@h/p?q=1", w("p%40ss")},
		{"https://example.com/cb?code=abc123&state=xyz", w("abc123")},
		{"GET /api?page=2&access_token=t0k3n#frag", w("t0k3n")},
		{"https://h/p?Signature=abc&X-Amz-Credential=AKID%2F2024", w("abc", "AKID%2F2024")},
		// near misses
		{"https://user@example.com/x", nil},
		{"http://example.com/?page=2&sort=asc", nil},
		{"https://example.com/token/abc", nil},
		{"std::vector", nil},
		{"https://u:@h/", nil},
	})
	if got := only(URL).Scan("token=abc&x=1", CtxQuery, nil); len(got) != 1 || got[0].Start != 6 || got[0].End != 9 {
		t.Errorf("url.query context: %v", got)
	}
}

func TestScanOverlapsMerge(t *testing.T) {
	sc := all()
	s := "mail 4111111111111111@example.com"
	fs := sc.Scan(s, 0, nil)
	if len(fs) != 1 || s[fs[0].Start:fs[0].End] != "4111111111111111@example.com" {
		t.Fatalf("got %v", fs)
	}
}

func TestScanCleanAppendsNothing(t *testing.T) {
	sc := all()
	dst := make([]Finding, 1, 8)
	out := sc.Scan("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating", 0, dst)
	if len(out) != 1 {
		t.Fatalf("appended %d findings", len(out)-1)
	}
}

func TestIPAfterLabel(t *testing.T) {
	runCases(t, only(IP), []detCase{
		{"data:10.0.0.1 id:8.8.8.8", w("10.0.0.1", "8.8.8.8")},
	})
}

func TestIPValidatorsAgreeWithNetip(t *testing.T) {
	for _, s := range []string{"1.2.3.4", "255.255.255.255", "256.1.1.1", "01.2.3.4", "0.0.0.0", "1.2.3", "1.2.3.4.5", "1..2.3"} {
		_, err := netip.ParseAddr(s)
		if validIPv4(s) != (err == nil) {
			t.Errorf("validIPv4(%q) = %v, netip err %v", s, validIPv4(s), err)
		}
	}
	for _, s := range []string{"::", "::1", "2001:db8::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7", "::ffff:1.2.3.4",
		"1::2::3", "12345::1", "fe80::1ff:fe23:4567:890a", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6::7:8"} {
		_, err := netip.ParseAddr(s)
		if err == nil && !plausibleIPv6(s) {
			t.Errorf("plausibleIPv6(%q) rejects a valid address", s)
		}
		if err != nil && plausibleIPv6(s) && s != "1:2:3:4:5:6::7:8" {
			t.Errorf("plausibleIPv6(%q) accepts an invalid address (%v)", s, err)
		}
	}
}

func TestURLPasswordIsNotEmail(t *testing.T) {
	runCases(t, all(), []detCase{
		{"https://bob:hunter2@api.example.com/v1", w("hunter2")},
	})
}

func TestSecretCorpusTraps(t *testing.T) {
	runCases(t, only(Secret), []detCase{
		{"opening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{3b04890 u0", nil},
		{"Bad activity token: android.os.BinderProxy@2bd79ce", nil},
		{"session_token=QWxhZGRpbjpvcGVuIHNlc2FtZQ", w("QWxhZGRpbjpvcGVuIHNlc2FtZQ")},
	})
	runCases(t, only(IP), []detCase{
		{"Package_for_KB3121255~31bf3856ad364e35~amd64~~6.1.1.0, Applicable", nil},
	})
}

func TestGroupedNumbersInsideIBAN(t *testing.T) {
	runCases(t, only(CreditCard), []detCase{
		{"PL28 0711 6901 4111 1111 1111 1111", nil}, // card digits inside a (bad) IBAN
		{"card 4111 1111 1111 1111", w("4111 1111 1111 1111")},
		{"pid 1702 4111 1111 1111 1111  2113", w("4111 1111 1111 1111")},
		{"1N01 4111 1111 1111 1111", w("4111 1111 1111 1111")},
	})
	runCases(t, only(IBAN), []detCase{
		{"x AT61 1904 3002 3457 3201 I y", w("AT61 1904 3002 3457 3201")},
	})
}
