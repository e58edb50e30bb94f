// Package route holds the incident exporter's routing model without pdata: label
// matchers, routes (match → destinations, continue, grouping and timing, escalation
// steps), group keys, and maintenance windows (fixed or cron + duration in a time zone).
package route

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Matchers are label conditions that must all hold: exact values and anchored regexes.
type Matchers struct {
	Equal map[string]string
	Regex map[string]*regexp.Regexp
}

// NewMatchers compiles the regexes; the error names the offending label.
func NewMatchers(equal, regex map[string]string) (Matchers, error) {
	m := Matchers{Equal: equal}
	for k, v := range regex {
		re, err := regexp.Compile("^(?:" + v + ")$")
		if err != nil {
			return m, fmt.Errorf("label %q: invalid regex %q: %w", k, v, err)
		}
		if m.Regex == nil {
			m.Regex = map[string]*regexp.Regexp{}
		}
		m.Regex[k] = re
	}
	return m, nil
}

// Empty reports matchers that match every label set.
func (m Matchers) Empty() bool { return len(m.Equal) == 0 && len(m.Regex) == 0 }

// Match reports whether labels satisfy every matcher (a missing label is "").
func (m Matchers) Match(labels map[string]string) bool {
	for k, v := range m.Equal {
		if labels[k] != v {
			return false
		}
	}
	for k, re := range m.Regex {
		if !re.MatchString(labels[k]) {
			return false
		}
	}
	return true
}

// Timing of a route's groups (Alertmanager semantics): the first notification of a new
// group waits GroupWait, later changes are sent at most every GroupInterval; chat
// destinations are reminded of still-firing alerts every RepeatInterval (0: never).
type Timing struct {
	GroupWait      time.Duration
	GroupInterval  time.Duration
	RepeatInterval time.Duration
}

// Escalation: an alert still firing After its start is also sent To these destinations.
type Escalation struct {
	After time.Duration
	To    []string
}

// GroupAll as the only group_by entry groups by every label (one group per alert).
const GroupAll = "..."

// Route sends matching alerts to destinations.
type Route struct {
	Match    Matchers
	To       []string
	Continue bool
	GroupBy  []string
	Timing
	Escalate []Escalation
}

// Router evaluates routes in order: the first match wins unless it has Continue.
type Router struct {
	Routes []Route
}

// Match returns the indexes of the routes an alert with these labels takes.
func (r *Router) Match(labels map[string]string) []int {
	var out []int
	for i := range r.Routes {
		if r.Routes[i].Match.Match(labels) {
			out = append(out, i)
			if !r.Routes[i].Continue {
				break
			}
		}
	}
	return out
}

// GroupKey identifies the group of an alert on a route: the route index and the values
// of its group_by labels (all labels for GroupAll), in a stable, quoted form.
func GroupKey(route int, groupBy []string, labels map[string]string) string {
	var keys []string
	if len(groupBy) == 1 && groupBy[0] == GroupAll {
		keys = make([]string, 0, len(labels))
		for k := range labels {
			keys = append(keys, k)
		}
	} else {
		keys = append([]string(nil), groupBy...)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(strconv.Itoa(route))
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// GroupLabels are the labels a group is keyed by.
func GroupLabels(groupBy []string, labels map[string]string) map[string]string {
	out := map[string]string{}
	if len(groupBy) == 1 && groupBy[0] == GroupAll {
		for k, v := range labels {
			out[k] = v
		}
		return out
	}
	for _, k := range groupBy {
		if v, ok := labels[k]; ok {
			out[k] = v
		}
	}
	return out
}
