package scan

import "net/netip"

// IP addresses. IPv4 gate: a digit at a number boundary; scanner: four dot-separated groups of
// 1–3 digits, not continued by '.'+digit (a longer version or OID). IPv6 gate: a run of hex
// digits, ':' and '.' holding at least two ':' and one decimal digit; both are validated by
// net/netip.ParseAddr (octets <= 255, no leading zeros, proper IPv6 group counts).
// The unspecified addresses (0.0.0.0, ::) are never reported: they identify nobody, and Java
// prints 0:0:0:0:0:0:0:0. A dotted quad preceded by a "version" word (or 'v') in the 16 bytes
// before, or directly preceded by 'v' or '~' (Windows package names: amd64~~6.1.1.0), is a version
// string, not an address. With ipKeepLoopback, loopback addresses (127.0.0.0/8, ::1, and
// their IPv4-mapped forms) are kept: like the unspecified ones they name "this host" on
// every machine. With ipKeepPrivate, private (RFC 1918 / ULA) and link-local addresses are
// kept; they can identify a host in a small network, so they are redacted by default.

// matchIPv4 tries a dotted quad at s[i] (a digit at a number boundary).
func matchIPv4(s string, i int) (end int, ok bool) {
	j := i
	for part := 0; part < 4; part++ {
		if part > 0 {
			if j >= len(s) || s[j] != '.' {
				return 0, false
			}
			j++
		}
		n := countDigits(s, j)
		if n == 0 || n > 3 {
			return 0, false
		}
		j += n
	}
	if j < len(s) && (isWord(s[j]) || (s[j] == '.' && j+1 < len(s) && isDigit(s[j+1]))) {
		return 0, false
	}
	return j, true
}

func versionContext(s string, i int) bool {
	if i > 0 && (s[i-1] == 'v' || s[i-1] == 'V' || s[i-1] == '~') { // v1.2.3.4, Windows amd64~~6.1.1.0
		return true
	}
	w := i - 16
	if w < 0 {
		w = 0
	}
	return containsFold(s[w:i], "version") || containsFold(s[w:i], "ver ")
}

// ipv6Candidate returns the end of the hex/':'/'.' run at s[i] if it may be an IPv6 address.
func ipv6Candidate(s string, i int) (end int, ok bool) {
	colons, decimal := 0, false
	j := i
	for j < len(s) && j-i <= 45 {
		c := s[j]
		if c == ':' {
			colons++
		} else if isDigit(c) {
			decimal = true
		} else if !isHex(c) && c != '.' {
			break
		}
		j++
	}
	work(j - i + 1)
	for j > i && (s[j-1] == '.' || (s[j-1] == ':' && (j-2 < i || s[j-2] != ':'))) {
		j-- // a trailing '.' or a single trailing ':' (as in "addr: ") is punctuation
	}
	if colons < 2 || !decimal || (j < len(s) && (isWord(s[j]) || s[j] == ':')) {
		return 0, false
	}
	return j, true
}

// ipKeep is the set of address classes the ip detector keeps.
type ipKeep uint8

const (
	ipKeepLoopback ipKeep = 1 << iota
	ipKeepPrivate
)

// reportIP reports whether the parsed address a should be redacted.
func reportIP(a netip.Addr, keep ipKeep) bool {
	a = a.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if a.IsUnspecified() {
		return false
	}
	if keep&ipKeepLoopback != 0 && a.IsLoopback() {
		return false
	}
	if keep&ipKeepPrivate != 0 && (a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) {
		return false
	}
	return true
}

// matchIP tries IPv6 then IPv4 at s[i] (a hex digit or ':' at a word start). end > 0 with
// ok == false means: a token the caller skips, not an address to report.
func matchIP(s string, i int, keep ipKeep) (end int, ok bool) {
	// An IPv6 address cannot start inside a longer colon-separated run ("0:0:...:0:2181").
	inRun := i >= 2 && s[i-1] == ':' && (isHex(s[i-2]) || s[i-2] == ':')
	if inRun {
		// nothing: the run was (or will be) taken whole from its start
	} else if e, ok := ipv6Candidate(s, i); ok {
		// The whole colon run is one token: an address or nothing (never a part of it).
		if plausibleIPv6(s[i:e]) {
			work(e - i)
			if a, err := netip.ParseAddr(s[i:e]); err == nil && a.Zone() == "" {
				return e, reportIP(a, keep)
			}
		}
		return e, false
	}
	if !isDigit(s[i]) || !digitBoundaryBefore(s, i) {
		return 0, false
	}
	e, ok := matchIPv4(s, i)
	if !ok {
		return 0, false
	}
	if !validIPv4(s[i:e]) {
		return 0, false
	}
	work(e - i)
	a, err := netip.ParseAddr(s[i:e])
	if err != nil || versionContext(s, i) {
		return 0, false
	}
	return e, reportIP(a, keep)
}

// validIPv4 checks a dotted quad without allocating (netip.ParseAddr allocates its errors):
// four decimal octets <= 255 without leading zeros.
func validIPv4(s string) bool {
	work(len(s))
	parts := 0
	for i := 0; i <= len(s); {
		n := countDigits(s, i)
		if n == 0 || n > 3 || (n > 1 && s[i] == '0') {
			return false
		}
		v := 0
		for k := i; k < i+n; k++ {
			v = v*10 + int(s[k]-'0')
		}
		if v > 255 {
			return false
		}
		parts++
		i += n
		if i == len(s) {
			break
		}
		if s[i] != '.' {
			return false
		}
		i++
	}
	return parts == 4
}

// plausibleIPv6 checks the group structure of an IPv6 candidate without allocating, so that
// netip.ParseAddr (which allocates its errors) only sees likely addresses.
func plausibleIPv6(s string) bool {
	work(len(s))
	groups := 0
	dbl := false
	i := 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		dbl = true
		i = 2
	}
	for i < len(s) {
		j := i
		for j < len(s) && isHex(s[j]) && j-i < 5 {
			j++
		}
		if j == i || j-i > 4 {
			return false
		}
		if j < len(s) && s[j] == '.' {
			if !validIPv4(s[i:]) {
				return false
			}
			groups += 2
			break
		}
		groups++
		if j == len(s) {
			break
		}
		if s[j] != ':' {
			return false
		}
		if j+1 < len(s) && s[j+1] == ':' {
			if dbl {
				return false
			}
			dbl = true
			j++
			if j+1 == len(s) {
				break
			}
		} else if j+1 == len(s) {
			return false
		}
		i = j + 1
	}
	return (dbl && groups < 8) || (!dbl && groups == 8)
}
