package engine

// Groups and escalation: incidents join Alertmanager-style groups on their routes; a due
// group flush turns into wishes on the outbox, and escalation steps are added when due.

import (
	"strconv"
	"strings"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/outbox"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/route"
)

// group is one Alertmanager-style group of one route: the incidents whose group_by labels
// match, flushed together when next is due.
type group struct {
	key     string
	route   int
	members map[string]struct{}
	next    time.Time
}

// join puts an incident into its groups on every route.
func (e *Engine) join(i *Incident, now time.Time) {
	if i.Alert.Status == alert.None {
		return
	}
	for _, ri := range i.routes {
		r := &e.cfg.Router.Routes[ri]
		key := route.GroupKey(ri, r.GroupBy, i.Alert.Labels)
		g := e.groups[key]
		if g == nil {
			g = &group{key: key, route: ri, members: map[string]struct{}{}, next: now.Add(r.GroupWait)}
			e.groups[key] = g
		}
		g.members[i.Alert.Fingerprint] = struct{}{}
	}
	if len(i.routes) == 0 && (i.Alert.Status.Open()) {
		e.rec.Suppressed("unrouted")
	}
}

func (e *Engine) member(fp string) bool {
	for _, g := range e.groups {
		if _, ok := g.members[fp]; ok {
			return true
		}
	}
	return false
}

// destsFor lists the non-Alertmanager destinations of a route for an alert: the route's
// own, plus escalation steps that are due (all of them when the alert is over, so
// resolves reach everyone who was told).
func (e *Engine) destsFor(r *route.Route, i *Incident, now time.Time) []string {
	var out []string
	add := func(names []string) {
		for _, n := range names {
			if d, ok := e.cfg.Dests[n]; ok && d.Kind != Alertmanager {
				out = append(out, n)
			}
		}
	}
	add(r.To)
	open := i.Alert.Status.Open()
	for _, s := range r.Escalate {
		if !open || now.Sub(i.Alert.StartsAt) >= s.After {
			add(s.To)
		}
	}
	return out
}

func (e *Engine) want(dest string, i *Incident, st alert.Status, groupKey string, repeat time.Duration, now time.Time) {
	k := outbox.Key{Dest: dest, FP: i.Alert.Fingerprint}
	told := e.out.Get(k) != nil
	if !e.cfg.Dests[dest].chat() {
		repeat = 0
	}
	switch e.out.Want(k, st, i.Alert, groupKey, now, repeat) {
	case outbox.Cancelled:
		e.rec.Suppressed("coalesced")
	case outbox.Nothing:
		if !told && st == alert.Resolved {
			e.rec.Suppressed("grouped") // fired and cleared before anything was sent
		}
	}
}

func (e *Engine) flush(g *group, now time.Time) {
	r := &e.cfg.Router.Routes[g.route]
	next := now.Add(r.GroupInterval)
	for fp := range g.members {
		i := e.inc[fp]
		if i == nil {
			delete(g.members, fp)
			continue
		}
		st := i.Alert.Status
		if st == alert.None {
			continue
		}
		if st.Open() {
			if _, until, ok := route.Suppressing(e.cfg.Windows, i.Alert.Labels, now); ok {
				e.rec.Suppressed("maintenance")
				if until.Before(next) {
					next = until
				}
				continue
			}
		}
		for _, d := range e.destsFor(r, i, now) {
			e.want(d, i, st, g.key, r.RepeatInterval, now)
		}
		if st == alert.Resolved {
			delete(g.members, fp)
		}
	}
	g.next = next
}

// escalate sends due escalation steps of open alerts without waiting for a group flush.
func (e *Engine) escalate(now time.Time) {
	for _, g := range e.groups {
		r := &e.cfg.Router.Routes[g.route]
		if len(r.Escalate) == 0 {
			continue
		}
		for fp := range g.members {
			i := e.inc[fp]
			if i == nil || !i.Alert.Status.Open() {
				continue
			}
			for _, step := range r.Escalate {
				if now.Sub(i.Alert.StartsAt) < step.After {
					continue
				}
				if _, _, ok := route.Suppressing(e.cfg.Windows, i.Alert.Labels, now); ok {
					continue
				}
				for _, d := range step.To {
					if dd, ok := e.cfg.Dests[d]; !ok || dd.Kind == Alertmanager {
						continue
					}
					k := outbox.Key{Dest: d, FP: fp}
					if sl := e.out.Get(k); sl != nil && (sl.Pending != nil || sl.Delivered.Open()) {
						continue
					}
					e.want(d, i, i.Alert.Status, g.key, 0, now)
				}
			}
		}
	}
}

// GroupLabels are the labels of the group an entry was sent in.
func (e *Engine) GroupLabels(groupKey string, a alert.Alert) map[string]string {
	idx := strings.IndexByte(groupKey, '{')
	ri, err := strconv.Atoi(groupKey[:max(idx, 0)])
	if err != nil || ri < 0 || ri >= len(e.cfg.Router.Routes) {
		return map[string]string{}
	}
	return route.GroupLabels(e.cfg.Router.Routes[ri].GroupBy, a.Labels)
}
