package scan

import "strings"

// markerSet recognises the processor's own redaction output, so that scanning redacted text
// again finds nothing new (redacting twice equals redacting once): exact strings (the rendered
// masks) and prefixes whose marker runs to the next ']' (the "[HMAC:type:digest]" form).
type markerSet struct {
	first    [256]bool
	exact    []string
	prefixes []string
}

func newMarkerSet(exact, prefixes []string) *markerSet {
	m := &markerSet{}
	for _, e := range exact {
		if e != "" {
			m.exact = append(m.exact, e)
			m.first[e[0]] = true
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

// at returns the length of the marker starting at s[i], or 0.
func (m *markerSet) at(s string, i int) int {
	if m == nil || i >= len(s) || !m.first[s[i]] {
		return 0
	}
	rest := s[i:]
	for _, e := range m.exact {
		work(len(e))
		if strings.HasPrefix(rest, e) {
			return len(e)
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
