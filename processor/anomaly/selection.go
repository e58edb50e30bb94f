package anomaly

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxCachedNames bounds the selector cache; when full it is cleared and
// refills from the metric names that keep arriving.
const maxCachedNames = 4096

// nameSelection is the outcome of the name part of the selectors for one
// metric name: none match, all of the metric's points are selected (a
// matching selector has no attribute condition), or only points passing
// the attribute conditions of the listed selectors.
type nameSelection struct {
	any   bool
	all   bool
	attrs []*Selector // matching selectors, all with attribute conditions (when !all)
}

// selectorCache remembers, per metric name, which selectors match it, so a
// regular expression runs once per name instead of once per data point.
// Not safe for concurrent use (the processor holds its lock).
type selectorCache struct {
	include []Selector
	names   map[string]nameSelection
}

func newSelectorCache(include []Selector) *selectorCache {
	return &selectorCache{include: include, names: map[string]nameSelection{}}
}

func (c *selectorCache) forName(name string) nameSelection {
	if ns, ok := c.names[name]; ok {
		return ns
	}
	var ns nameSelection
	for i := range c.include {
		s := &c.include[i]
		if s.re != nil {
			if !s.re.MatchString(name) {
				continue
			}
		} else if s.Name != name {
			continue
		}
		ns.any = true
		if len(s.Attributes) == 0 {
			ns.all, ns.attrs = true, nil
			break
		}
		ns.attrs = append(ns.attrs, s)
	}
	if len(c.names) >= maxCachedNames {
		clear(c.names)
	}
	c.names[strings.Clone(name)] = ns
	return ns
}

// selects reports whether a data point of a metric with this name selection
// is selected.
func (ns *nameSelection) selects(attrs, res pcommon.Map) bool {
	if ns.all {
		return true
	}
	for _, s := range ns.attrs {
		if attrsMatch(s.Attributes, attrs, res) {
			return true
		}
	}
	return false
}

func attrsMatch(want map[string]string, attrs, res pcommon.Map) bool {
	for k, v := range want {
		got, ok := attrs.Get(k)
		if !ok {
			got, ok = res.Get(k)
		}
		if !ok || !valueEquals(got, v) {
			return false
		}
	}
	return true
}

// valueEquals is got.AsString() == want without building the string for
// string values (the common case).
func valueEquals(got pcommon.Value, want string) bool {
	if got.Type() == pcommon.ValueTypeStr {
		return got.Str() == want
	}
	return got.AsString() == want
}
