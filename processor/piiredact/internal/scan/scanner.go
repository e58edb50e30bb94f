package scan

import (
	"regexp"
	"slices"
	"strings"
)

// Context tells the scanner what the text is, from the attribute key it came from.
type Context uint8

const (
	// CtxQuery: the text is a URL query string without its '?' (url.query).
	CtxQuery Context = 1 << iota
	// CtxPhone: the key names a phone number, so national forms need no context word.
	CtxPhone
)

// Pattern is a user RE2 pattern. It runs only when its literal prefix (regexp.LiteralPrefix)
// or, if it has none, one of its keywords occurs in the text; with neither, it runs on every
// text.
type Pattern struct {
	Name     string
	Regexp   *regexp.Regexp
	Keywords []string
	prefix   string
}

// Options selects the detectors and their options.
type Options struct {
	// Enabled turns the text detectors on (Email, CreditCard, IBAN, USSSN, Phone, IP, JWT,
	// Secret, URL). SensitiveKey and DBStatement are not text detectors.
	Enabled [NumBuiltin]bool
	// PhoneNational also matches North American national forms next to a context word.
	PhoneNational bool
	// IPKeepLoopback keeps loopback addresses (127.0.0.0/8, ::1).
	IPKeepLoopback bool
	// IPKeepPrivate keeps private (RFC 1918, ULA) and link-local addresses.
	IPKeepPrivate bool
	// Patterns are user patterns; pattern i reports Kind NumBuiltin+i.
	Patterns []Pattern
	// AllowValues exempt what they match: a finding inside a match is dropped.
	AllowValues []*regexp.Regexp
	// Markers are exact redaction outputs (rendered masks) skipped by the scan; MarkerPrefixes
	// are prefixes of outputs that run to the next ']' (hash outputs).
	Markers, MarkerPrefixes []string
}

// Scanner finds PII in text. It is safe for concurrent use.
type Scanner struct {
	on            [NumBuiltin]bool
	phoneNational bool
	ipKeep        ipKeep
	patterns      []Pattern
	allow         []*regexp.Regexp
	markers       *markerSet
	punct         [256]bool // punctuation bytes that start a detector
}

// New builds a Scanner.
func New(o Options) *Scanner {
	sc := &Scanner{
		on:            o.Enabled,
		phoneNational: o.PhoneNational,
		allow:         o.AllowValues,
		markers:       newMarkerSet(o.Markers, o.MarkerPrefixes),
	}
	if o.IPKeepLoopback {
		sc.ipKeep |= ipKeepLoopback
	}
	if o.IPKeepPrivate {
		sc.ipKeep |= ipKeepPrivate
	}
	for _, p := range o.Patterns {
		p.prefix, _ = p.Regexp.LiteralPrefix()
		sc.patterns = append(sc.patterns, p)
	}
	sc.punct['@'] = sc.on[Email]
	sc.punct['+'] = sc.on[Phone]
	sc.punct['('] = sc.on[Phone] && sc.phoneNational
	sc.punct[':'] = sc.on[URL] || sc.on[IP]
	sc.punct['?'] = sc.on[URL]
	sc.punct['&'] = sc.on[URL]
	sc.punct['-'] = sc.on[Secret]
	return sc
}

// PatternName returns the name of a user pattern kind.
func (sc *Scanner) PatternName(k Kind) string {
	if k >= NumBuiltin && int(k-NumBuiltin) < len(sc.patterns) {
		return sc.patterns[k-NumBuiltin].Name
	}
	return k.String()
}

// Scan appends the findings in s to dst, sorted by start and without overlaps, and returns
// the extended slice. It allocates nothing when s holds no finding (given a dst with room).
func (sc *Scanner) Scan(s string, ctx Context, dst []Finding) []Finding {
	base := len(dst)
	n := len(s)
	if ctx&CtxQuery != 0 && sc.on[URL] {
		if vs, ve, ok := matchQueryParam(s, 0, sc.markers); ok {
			dst = append(dst, Finding{vs, ve, URL})
		}
	}
	var runs runEnds
	i, steps := 0, 0
	for i < n {
		steps++
		c := s[i]
		if sc.markers.first[c] {
			if m := sc.markers.at(s, i); m > 0 {
				i += m
				continue
			}
		}
		if class[c]&cWord != 0 {
			i = sc.word(s, i, ctx, &dst, &runs)
			continue
		}
		if sc.punct[c] {
			if e := sc.punctuation(s, i, &dst); e > i {
				i = e
				continue
			}
		}
		i++
	}
	work(steps)
	if len(sc.patterns) > 0 {
		dst = sc.scanPatterns(s, dst)
	}
	if len(dst) == base {
		return dst
	}
	sortFindings(dst[base:])
	if len(sc.allow) > 0 {
		dst = sc.applyAllow(s, dst, base)
	}
	return normalize(dst, base)
}

// runEnds remembers, for the scan of one text, where the last runs of identifier bytes and of
// each secret body alphabet end. The main loop only moves forward, so a word start before
// such an end lies inside the same run and shares its end: every run is walked once, however
// many word starts it holds ("xoxb-xoxb-xoxb-..." would otherwise be walked 250 bytes from
// each of them).
type runEnds struct {
	ident int
	body  [numBodySets]int
}

// identEnd returns the end of the identifier at s[i] (at most 64 bytes, else -1).
func (r *runEnds) identEnd(s string, i int) int {
	if r.ident <= i {
		j := i
		for j < len(s) && isIdentByte(s[j]) {
			j++
		}
		work(j - i + 1)
		r.ident = j
	}
	if r.ident-i > 64 {
		return -1
	}
	return r.ident
}

// bodyEnd returns the end of the run of set bytes at s[i].
func (r *runEnds) bodyEnd(set bodySet, s string, i int) int {
	if r.body[set] <= i {
		j := i
		for j < len(s) && inBody(set, s[j]) {
			j++
		}
		work(j - i + 1)
		r.body[set] = j
	}
	return r.body[set]
}

// word runs the word-start detectors at s[i] and returns where the main loop goes on.
func (sc *Scanner) word(s string, i int, ctx Context, dst *[]Finding, runs *runEnds) int {
	n := len(s)
	we := i + 1
	for we < n && class[s[we]]&cWord != 0 {
		we++
	}
	work(we - i)
	c := s[i]
	if isDigit(c) {
		if sc.on[IP] {
			if e, ok := matchIP(s, i, sc.ipKeep); e > 0 {
				if ok {
					*dst = append(*dst, Finding{i, e, IP})
				}
				return e
			}
		}
		if !digitBoundaryBefore(s, i) {
			return we
		}
		if sc.on[USSSN] {
			if e, ok := matchSSN(s, i); ok {
				*dst = append(*dst, Finding{i, e, USSSN})
				return e
			}
		}
		if sc.on[CreditCard] {
			if e, ok := matchCard(s, i); ok {
				*dst = append(*dst, Finding{i, e, CreditCard})
				return e
			}
		}
		if sc.on[Phone] && sc.phoneNational {
			if e, ok := matchNANP(s, i); ok && (ctx&CtxPhone != 0 || phoneContext(s, i)) {
				*dst = append(*dst, Finding{i, e, Phone})
				return e
			}
		}
		return we
	}
	if sc.on[IP] && isHex(c) {
		if e, ok := matchIP(s, i, sc.ipKeep); e > 0 {
			if ok {
				*dst = append(*dst, Finding{i, e, IP})
			}
			return e
		}
	}
	if sc.on[IBAN] && isUpper(c) && i+1 < n && isUpper(s[i+1]) {
		if e, ok := matchIBAN(s, i); ok {
			*dst = append(*dst, Finding{i, e, IBAN})
			return e
		}
	}
	if sc.on[JWT] && c == 'e' {
		if e, ok := matchJWT(s, i); ok {
			*dst = append(*dst, Finding{i, e, JWT})
			return e
		}
	}
	if sc.on[Secret] {
		if hasSecretRule(c) {
			if e, ok := matchPrefixSecret(s, i, runs); ok {
				*dst = append(*dst, Finding{i, e, Secret})
				return e
			}
		}
		if id := runs.identEnd(s, i); id > 0 && id < n {
			switch s[id] {
			case '=', ':', '"', '\'', ' ':
				if vs, ve, ok := matchKVSecret(s, i, id, sc.markers); ok {
					*dst = append(*dst, Finding{vs, ve, Secret})
					return ve
				}
			}
		}
		if l := we - i; (l == 5 || l == 6) && we < n && s[we] == ' ' {
			if vs, ve, ok := matchAuthScheme(s, i, we, sc.markers); ok {
				*dst = append(*dst, Finding{vs, ve, Secret})
				return ve
			}
		}
	}
	return we
}

// punctuation runs the detectors gated by the punctuation byte s[i]; it returns the end of a
// match or i.
func (sc *Scanner) punctuation(s string, i int, dst *[]Finding) int {
	switch s[i] {
	case '@':
		if start, end, ok := matchEmail(s, i); ok {
			*dst = append(*dst, Finding{start, end, Email})
			return end
		}
	case '+':
		if e, ok := matchE164(s, i); ok {
			*dst = append(*dst, Finding{i, e, Phone})
			return e
		}
	case '(':
		if i == 0 || !isWord(s[i-1]) {
			// The number first (a few bytes), the context words (32 bytes back) only then.
			if e, ok := matchNANP(s, i); ok && phoneContext(s, i) {
				*dst = append(*dst, Finding{i, e, Phone})
				return e
			}
		}
	case ':':
		if sc.on[URL] {
			if ps, pe, ok := matchURLUserinfo(s, i, sc.markers); ok {
				*dst = append(*dst, Finding{ps, pe, URL})
				return pe + 1 // past the '@': user:password@host is not an e-mail address
			}
		}
		if sc.on[IP] && i+1 < len(s) && s[i+1] == ':' && (i == 0 || (!isWord(s[i-1]) && s[i-1] != ':')) {
			if e, ok := matchIP(s, i, sc.ipKeep); e > 0 {
				if ok {
					*dst = append(*dst, Finding{i, e, IP})
				}
				return e
			}
		}
	case '?', '&':
		if vs, ve, ok := matchQueryParam(s, i+1, sc.markers); ok {
			*dst = append(*dst, Finding{vs, ve, URL})
			return ve
		}
	case '-':
		if e, ok := matchPEM(s, i); ok {
			*dst = append(*dst, Finding{i, e, Secret})
			return e
		}
	}
	return i
}

func (sc *Scanner) scanPatterns(s string, dst []Finding) []Finding {
	for k := range sc.patterns {
		p := &sc.patterns[k]
		if p.prefix != "" {
			if !strings.Contains(s, p.prefix) {
				continue
			}
		} else if len(p.Keywords) > 0 {
			hit := false
			for _, kw := range p.Keywords {
				if strings.Contains(s, kw) {
					hit = true
					break
				}
			}
			if !hit {
				continue
			}
		}
		for _, m := range p.Regexp.FindAllStringIndex(s, -1) {
			if m[1] > m[0] && sc.markers.at(s, m[0]) == 0 {
				dst = append(dst, Finding{m[0], m[1], NumBuiltin + Kind(k)})
			}
		}
	}
	return dst
}

// applyAllow drops the findings of dst[base:] (sorted by start) that lie inside a match of an
// allow pattern. The matches of one pattern are sorted and disjoint, so only the last match
// starting at or before a finding can hold it: one forward pass over both lists.
func (sc *Scanner) applyAllow(s string, dst []Finding, base int) []Finding {
	for _, re := range sc.allow {
		ms := re.FindAllStringIndex(s, -1)
		if len(ms) == 0 {
			continue
		}
		out := dst[:base]
		m := -1
		for _, f := range dst[base:] {
			for m+1 < len(ms) && ms[m+1][0] <= f.Start {
				m++
			}
			if m < 0 || f.End > ms[m][1] {
				out = append(out, f)
			}
		}
		dst = out
	}
	return dst
}

// sortFindings sorts fs by start, longer first at the same start. The main loop appends in
// order, so the usual case is one check; user patterns append out of order and take a
// stable merge sort (n log n in the number of findings, never quadratic).
func sortFindings(fs []Finding) {
	work(len(fs))
	if slices.IsSortedFunc(fs, cmpFinding) {
		return
	}
	slices.SortStableFunc(fs, cmpFinding) // stable: at equal bounds the earlier finding names the type
}

func cmpFinding(a, b Finding) int {
	if a.Start != b.Start {
		return a.Start - b.Start
	}
	return b.End - a.End
}

// normalize merges the overlaps of dst[base:] (sorted by sortFindings), keeping the kind of
// the earlier finding.
func normalize(dst []Finding, base int) []Finding {
	fs := dst[base:]
	work(len(fs))
	w := 0
	for r := 0; r < len(fs); r++ {
		if w > 0 && fs[r].Start < fs[w-1].End {
			if fs[r].End > fs[w-1].End {
				fs[w-1].End = fs[r].End
			}
			continue
		}
		fs[w] = fs[r]
		w++
	}
	return dst[:base+w]
}
