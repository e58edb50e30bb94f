package piiredact // import "github.com/fraiseql/otelcol-fraiseql/processor/piiredact"

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/scan"
)

// walker carries the per-call state of a walk over pdata: reusable buffers (so clean values
// cost no allocation), the current key path and the counters recorded at the end.
type walker struct {
	p   *piiProcessor
	sig signal

	findings []scan.Finding
	path     []byte   // current key path: "user.email", "body.user.email"
	idx      int      // index of the entry visited in the current map
	rm       []int    // indexes of the entries to remove, a stack of per-map segments
	renames  []rename // entries whose key held PII, a stack of per-map segments
	drops    []int    // indexes of the metrics to remove
	intBuf   [24]byte
	byteBuf  []byte
	clean    [256]string // keys and short fields found clean lately, direct-mapped (cleanSlot)
	visitFn  func(string, pcommon.Value) bool

	counts       []int64 // redactions by kind
	record       int64   // redactions in the current record (summary)
	items        int64
	bytes        int64
	keysReplaced int64
	removed      [numFields]int64
}

// rename is a map entry to put back under its redacted key.
type rename struct {
	key string
	val pcommon.Value
}

func newWalker(p *piiProcessor) *walker {
	w := &walker{
		p:        p,
		findings: make([]scan.Finding, 0, 16),
		path:     make([]byte, 0, 128),
		counts:   make([]int64, p.numKinds),
	}
	w.visitFn = w.visit
	return w
}

func (w *walker) count(k scan.Kind, n int64) {
	w.counts[k] += n
	w.record += n
}

// attrs walks an attribute map (keys addressable as themselves, nested maps as key.sub).
func (w *walker) attrs(m pcommon.Map) {
	w.path = w.path[:0]
	w.walkMap(m)
}

// walkMap visits every entry of m under the current path, removes dropped entries and puts
// the entries whose key held PII back under their redacted key (at the end of the map). Two
// keys redacted to the same text (two masked e-mail addresses) cannot both stay: the second
// is removed and counted. Removal goes by index in one pass (Range and RemoveIf walk the
// entries in the same order), so it is linear in the size of the map.
func (w *walker) walkMap(m pcommon.Map) {
	if m.Len() == 0 {
		return
	}
	mark, rmark, idx := len(w.rm), len(w.renames), w.idx
	w.idx = 0
	m.Range(w.visitFn)
	w.idx = idx
	if len(w.rm) == mark {
		return
	}
	rm := w.rm[mark:]
	i := 0
	m.RemoveIf(func(string, pcommon.Value) bool {
		r := len(rm) > 0 && rm[0] == i
		if r {
			rm = rm[1:]
		}
		i++
		return r
	})
	for _, r := range w.renames[rmark:] {
		if _, exists := m.Get(r.key); exists {
			w.removed[fieldAttribute]++
			continue
		}
		r.val.MoveTo(m.PutEmpty(r.key))
		w.keysReplaced++
	}
	clear(w.renames[rmark:])
	w.renames = w.renames[:rmark]
	w.rm = w.rm[:mark]
}

func (w *walker) visit(k string, v pcommon.Value) bool {
	idx := w.idx
	w.idx++
	n := len(w.path)
	if n > 0 {
		w.path = append(w.path, '.')
	}
	w.path = append(w.path, k...)
	if w.value(k, v) {
		w.rm = append(w.rm, idx)
		w.removed[fieldAttribute]++
	} else if !w.isClean(k) && !w.inSet(w.p.ignoreKeys) {
		// The key itself: a map keyed by e-mail address, card number, ...
		if !w.p.scanner.MayMatch(k) {
			w.markClean(k)
		} else if nk, changed, drop := w.text(k, 0); drop {
			w.rm = append(w.rm, idx)
			w.removed[fieldAttribute]++
		} else if changed {
			val := pcommon.NewValueEmpty()
			v.MoveTo(val)
			w.rm = append(w.rm, idx)
			w.renames = append(w.renames, rename{nk, val})
		} else {
			w.markClean(k)
		}
	}
	w.path = w.path[:n]
	return true
}

// walkSlice visits the elements of s under the current path (no index in the path) with the
// key of the slice.
func (w *walker) walkSlice(key string, s pcommon.Slice) {
	var drop []int
	for i := 0; i < s.Len(); i++ {
		if w.value(key, s.At(i)) {
			drop = append(drop, i)
			w.removed[fieldAttribute]++
		}
	}
	if len(drop) > 0 {
		i := 0
		s.RemoveIf(func(pcommon.Value) bool {
			r := len(drop) > 0 && drop[0] == i
			if r {
				drop = drop[1:]
			}
			i++
			return r
		})
	}
}

func (w *walker) inSet(set map[string]struct{}) bool {
	if set == nil {
		return false
	}
	_, ok := set[string(w.path)]
	return ok
}

// value handles one value with the given (leaf) key at the current path. It returns true when
// the value must be removed.
func (w *walker) value(key string, v pcommon.Value) (drop bool) {
	p := w.p
	if w.inSet(p.ignoreKeys) {
		return false
	}
	if p.sensitiveOn && p.keys.Sensitive(key) && !w.inSet(p.allowKeys) {
		return w.sensitive(v)
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return w.strValue(key, v)
	case pcommon.ValueTypeInt:
		return w.intValue(v)
	case pcommon.ValueTypeDouble:
		return w.doubleValue(v)
	case pcommon.ValueTypeBytes:
		return w.bytesValue(v)
	case pcommon.ValueTypeMap:
		w.walkMap(v.Map())
	case pcommon.ValueTypeSlice:
		w.walkSlice(key, v.Slice())
	}
	return false
}

// sensitive redacts the whole value of a sensitive key (strings, numbers, maps, slices,
// bytes; booleans and empty values are kept).
func (w *walker) sensitive(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeEmpty, pcommon.ValueTypeBool:
		return false
	case pcommon.ValueTypeStr:
		s := v.Str()
		w.bytes += int64(len(s))
		if s == "" || s == w.p.sensitiveMask || strings.HasPrefix(s, scan.HashPrefix) {
			return false // empty or already redacted
		}
	}
	w.count(scan.SensitiveKey, 1)
	if w.p.sensitiveAction == scan.ActionDrop {
		return true
	}
	v.SetStr(w.p.redactor.Replacement(scan.SensitiveKey, v.AsString()))
	return false
}

// intValue catches card numbers sent as integers.
func (w *walker) intValue(v pcommon.Value) bool {
	if !w.p.cardOn {
		return false
	}
	i := v.Int()
	if i < 1_000_000_000_000 { // fewer than 13 digits
		return false
	}
	return w.cardNumber(v, strconv.AppendInt(w.intBuf[:0], i, 10))
}

// doubleValue catches card numbers sent as doubles: integral values of 13 to 19 digits are
// checked like ints (a double holds every 16-digit PAN below 2^53 exactly).
func (w *walker) doubleValue(v pcommon.Value) bool {
	if !w.p.cardOn {
		return false
	}
	f := v.Double()
	if !(f >= 1e12 && f < 1e19) || f != math.Trunc(f) {
		return false
	}
	return w.cardNumber(v, strconv.AppendUint(w.intBuf[:0], uint64(f), 10))
}

// cardNumber masks v (an int or a double printed as the digits d) when d is a card number.
func (w *walker) cardNumber(v pcommon.Value, d []byte) bool {
	if !scan.IsCardNumber(d) {
		return false
	}
	w.count(scan.CreditCard, 1)
	pol := w.p.redactor.Policy(scan.CreditCard)
	if pol.Action == scan.ActionDrop {
		return true
	}
	v.SetStr(w.p.redactor.Replacement(scan.CreditCard, string(d)))
	return false
}

// bytesValue scans a bytes value that holds text: valid UTF-8, or any bytes without control
// characters other than tab, CR and LF (text in a legacy 8-bit encoding, or with a stray
// invalid byte, as in "jane.doe\xff@example.com"). Binary data (protobuf, compressed or
// encrypted blobs, images) holds control bytes and is left alone: a mask inside it would
// corrupt it, and detectors would match noise. The value stays bytes.
func (w *walker) bytesValue(v pcommon.Value) bool {
	bs := v.Bytes()
	n := bs.Len()
	if n == 0 {
		return false
	}
	w.byteBuf = w.byteBuf[:0]
	for i := 0; i < n; i++ {
		w.byteBuf = append(w.byteBuf, bs.At(i))
	}
	if !utf8.Valid(w.byteBuf) && !isText(w.byteBuf) {
		return false
	}
	w.bytes += int64(n)
	// The scan reads the buffer as a string without copying it; the buffer is not written
	// until the scan and the redaction (which builds a new string) are done.
	s := unsafe.String(&w.byteBuf[0], n)
	out, changed, drop := w.text(s, 0)
	if drop {
		return true
	}
	if changed {
		v.SetEmptyBytes().FromRaw([]byte(out))
	}
	return false
}

// isText reports whether b holds no control byte other than tab, CR and LF.
func isText(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return false
		}
	}
	return true
}

// strValue scans a string attribute value.
func (w *walker) strValue(key string, v pcommon.Value) bool {
	s := v.Str()
	if s == "" {
		return false
	}
	w.bytes += int64(len(s))
	p := w.p
	if p.dbOn && p.dbKeys != nil {
		if _, ok := p.dbKeys[key]; ok {
			if out, changed := scan.RedactSQL(s); changed {
				w.count(scan.DBStatement, 1)
				if p.dbAction == scan.ActionDrop {
					return true
				}
				v.SetStr(out)
				s = out
			}
		}
	}
	var ctx scan.Context
	if key == "url.query" {
		ctx |= scan.CtxQuery
	}
	if p.phoneNational && scan.IsPhoneKey(key) {
		ctx |= scan.CtxPhone
	}
	out, changed, drop := w.text(s, ctx)
	if drop {
		return true
	}
	if changed {
		v.SetStr(out)
	}
	return false
}

// text scans and redacts free text. drop reports a finding whose action is drop.
func (w *walker) text(s string, ctx scan.Context) (out string, changed, drop bool) {
	fs := w.p.scanner.Scan(s, ctx, w.findings[:0])
	w.findings = fs[:0]
	if len(fs) == 0 {
		return s, false, false
	}
	for _, f := range fs {
		w.count(f.Kind, 1)
	}
	out, drop = w.p.redactor.Apply(s, fs)
	return out, !drop, drop
}

// plainText scans a string that cannot be removed (span name, status message, string log
// body): on drop it becomes the drop value.
func (w *walker) plainText(s string, dropValue string) (string, bool) {
	if s == "" {
		return s, false
	}
	w.bytes += int64(len(s))
	out, changed, drop := w.text(s, 0)
	if drop {
		return dropValue, true
	}
	return out, changed
}

// short scans a short text field (scope name and version, severity text, metric unit and
// description) behind the prefilter: most such values cannot hold anything.
func (w *walker) short(s, dropValue string) (string, bool) {
	if s == "" || w.isClean(s) {
		return s, false
	}
	if !w.p.scanner.MayMatch(s) {
		w.markClean(s)
		return s, false
	}
	out, changed := w.plainText(s, dropValue)
	if !changed {
		w.markClean(s)
	}
	return out, changed
}

// The clean cache remembers keys and short fields (up to 64 bytes) in which nothing was
// found, so the next span or record with the same keys skips the prefilter and the scan: the
// scan is deterministic for one configuration, and walkers belong to one processor. Two-way
// set-associative: a set of two slots holds the last two strings that hashed to it.
func cleanSet(s string) int {
	n := len(s)
	h := uint32(n*131+int(s[0])*31+int(s[n/2])*7+int(s[n-1])) * 2654435761
	return int(h>>8) & (len(walker{}.clean) - 2)
}

func (w *walker) isClean(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	i := cleanSet(s)
	return w.clean[i] == s || w.clean[i+1] == s
}

func (w *walker) markClean(s string) {
	if s != "" && len(s) <= 64 {
		i := cleanSet(s)
		w.clean[i+1] = w.clean[i]
		// A copy: the cache outlives the batch, and must not depend on a producer keeping
		// its strings immutable (one built with unsafe over a reused buffer would not be).
		w.clean[i] = strings.Clone(s)
	}
}

// findings scans s and counts what it finds; for fields that are removed, not rewritten.
func (w *walker) findingsIn(s string) int {
	if s == "" || !w.p.scanner.MayMatch(s) {
		return 0
	}
	w.bytes += int64(len(s))
	fs := w.p.scanner.Scan(s, 0, w.findings[:0])
	w.findings = fs[:0]
	for _, f := range fs {
		w.count(f.Kind, 1)
	}
	return len(fs)
}

// schemaURL returns the schema URL to keep: "" when it holds PII (a masked URL is no schema).
func (w *walker) schemaURL(u string) (string, bool) {
	if w.findingsIn(u) == 0 {
		return u, false
	}
	w.removed[fieldSchemaURL]++
	return "", true
}

// scope walks an instrumentation scope: name, version, attributes.
func (w *walker) scope(sc pcommon.InstrumentationScope) {
	if out, changed := w.short(sc.Name(), ""); changed {
		sc.SetName(out)
	}
	if out, changed := w.short(sc.Version(), ""); changed {
		sc.SetVersion(out)
	}
	w.attrs(sc.Attributes())
}

// traceState removes the list members of a W3C trace_state that hold PII (an entry is opaque
// to everyone but its vendor: masking inside it would break it; removing it is allowed).
func (w *walker) traceState(ts pcommon.TraceState) {
	raw := ts.AsRaw()
	if raw == "" {
		return
	}
	w.bytes += int64(len(raw))
	fs := w.p.scanner.Scan(raw, 0, w.findings[:0])
	w.findings = fs[:0]
	if len(fs) == 0 {
		return
	}
	for _, f := range fs {
		w.count(f.Kind, 1)
	}
	var b strings.Builder
	fi := 0
	for start := 0; start <= len(raw); {
		end := strings.IndexByte(raw[start:], ',')
		if end < 0 {
			end = len(raw)
		} else {
			end += start
		}
		for fi < len(fs) && fs[fi].End <= start {
			fi++
		}
		if fi < len(fs) && fs[fi].Start < end {
			w.removed[fieldTraceStateEntry]++
		} else {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(raw[start:end])
		}
		start = end + 1
	}
	ts.FromRaw(b.String())
}

// body walks a log body: strings are scanned as text, maps and slices under the path "body".
func (w *walker) body(v pcommon.Value) {
	w.path = append(w.path[:0], "body"...)
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if w.inSet(w.p.ignoreKeys) {
			return
		}
		if out, changed := w.plainText(v.Str(), ""); changed {
			v.SetStr(out)
		}
	case pcommon.ValueTypeMap:
		if !w.inSet(w.p.ignoreKeys) {
			w.walkMap(v.Map())
		}
	case pcommon.ValueTypeSlice:
		if !w.inSet(w.p.ignoreKeys) {
			w.walkSlice("body", v.Slice())
		}
	case pcommon.ValueTypeInt:
		if w.intValue(v) {
			v.SetStr("")
		}
	case pcommon.ValueTypeDouble:
		if w.doubleValue(v) {
			v.SetStr("")
		}
	case pcommon.ValueTypeBytes:
		if !w.inSet(w.p.ignoreKeys) && w.bytesValue(v) {
			v.SetEmptyBytes()
		}
	}
	w.path = w.path[:0]
}
