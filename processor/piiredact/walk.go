package piiredact // import "github.com/fraiseql/otelcol-fraiseql/processor/piiredact"

import (
	"strconv"
	"strings"

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
	drops    []string // keys to remove, a stack of per-map segments
	intBuf   [24]byte
	visitFn  func(string, pcommon.Value) bool

	counts []int64 // redactions by kind
	record int64   // redactions in the current record (summary)
	items  int64
	bytes  int64
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

// walkMap visits every entry of m under the current path and removes dropped entries.
func (w *walker) walkMap(m pcommon.Map) {
	if m.Len() == 0 {
		return
	}
	mark := len(w.drops)
	m.Range(w.visitFn)
	if len(w.drops) > mark {
		drops := w.drops[mark:]
		m.RemoveIf(func(k string, _ pcommon.Value) bool {
			for _, d := range drops {
				if d == k {
					return true
				}
			}
			return false
		})
		clear(w.drops[mark:])
		w.drops = w.drops[:mark]
	}
}

func (w *walker) visit(k string, v pcommon.Value) bool {
	n := len(w.path)
	if n > 0 {
		w.path = append(w.path, '.')
	}
	w.path = append(w.path, k...)
	if w.value(k, v) {
		w.drops = append(w.drops, k)
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
	d := strconv.AppendInt(w.intBuf[:0], i, 10)
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
	}
	w.path = w.path[:0]
}
