package scan

import "strings"

// markerSet recognises the processor's own redaction output, so that scanning redacted text
// again finds nothing new (redacting twice equals redacting once): exact strings (the rendered
// masks) and prefixes whose marker runs to the next ']' (the "[HMAC:type:digest]" form).
type markerSet struct {
	first    [256]bool
	exact    []string
	prefixes []string
	// The exact markers share a prefix (the mask template up to {type}: "[REDACTED:"); after
	// it, the next byte selects the few candidates (byIndex: indexes into exact, in order), so
	// a run of '[' or of "[REDACTED:" costs a few compares per marker start, not one per mask.
	common   string
	byNext   [256][]int
	atCommon []int // markers equal to common
}

func newMarkerSet(exact, prefixes []string) *markerSet {
	m := &markerSet{}
	seen := map[string]bool{}
	for _, e := range exact {
		if e != "" && !seen[e] {
			seen[e] = true
			m.exact = append(m.exact, e)
			m.first[e[0]] = true
		}
	}
	if len(m.exact) > 0 {
		m.common = m.exact[0]
		for _, e := range m.exact[1:] {
			k := 0
			for k < len(m.common) && k < len(e) && m.common[k] == e[k] {
				k++
			}
			m.common = m.common[:k]
		}
		for k, e := range m.exact {
			if len(e) == len(m.common) {
				m.atCommon = append(m.atCommon, k)
			} else {
				m.byNext[e[len(m.common)]] = append(m.byNext[e[len(m.common)]], k)
			}
		}
	}
	for _, p := range prefixes {
		if p != "" {
			m.prefixes = append(m.prefixes, p)
			m.first[p[0]] = true
		}
	}
	return m
}

// at returns the length of the marker starting at s[i], or 0. Among exact markers the first
// in the configured order wins.
func (m *markerSet) at(s string, i int) int {
	if m == nil || i >= len(s) || !m.first[s[i]] {
		return 0
	}
	rest := s[i:]
	if len(m.exact) > 0 && strings.HasPrefix(rest, m.common) {
		work(len(m.common))
		best := -1
		for _, k := range m.atCommon {
			if best < 0 || k < best {
				best = k
			}
		}
		if len(rest) > len(m.common) {
			for _, k := range m.byNext[rest[len(m.common)]] {
				e := m.exact[k]
				work(len(e))
				if (best < 0 || k < best) && strings.HasPrefix(rest, e) {
					best = k
				}
			}
		}
		if best >= 0 {
			return len(m.exact[best])
		}
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(rest, p) {
			tail := rest[len(p):]
			if len(tail) > 65 {
				tail = tail[:65] // a marker closes within 64 bytes: look no further
			}
			k := strings.IndexByte(tail, ']')
			work(len(p) + len(tail))
			if k >= 0 && k <= 64 {
				return len(p) + k + 1
			}
		}
	}
	return 0
}
