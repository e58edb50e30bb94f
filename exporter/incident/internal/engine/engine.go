// Package engine ties the incident exporter's cores together without pdata or I/O: rules
// feed per-fingerprint state machines, state changes join Alertmanager-style groups on
// their routes, group flushes (group_wait, group_interval, repeat, maintenance windows,
// escalation) turn into wishes on the outbox, and Alertmanager destinations get the set of
// alerts to (re-)send. Time is always passed in; the caller serialises access and persists
// what TakeDirty returns.
package engine

import (
	"container/list"
	"strconv"
	"strings"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/outbox"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/payload"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/route"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/state"
)

// Kind of signal a rule reads.
type Kind uint8

const (
	Logs Kind = iota
	Metrics
)

// Rule is a compiled rule.
type Rule struct {
	Name     string
	Severity string
	// Labels are the rule's static labels (e.g. team), added to every alert.
	Labels map[string]string
	Kind   Kind
	Params state.Params
	// Identity attribute keys (looked up on the record/point, then its resource).
	Identity    []string
	Summary     *rules.Template
	Description *rules.Template
	RunbookURL  *rules.Template
	// Logs.
	When  rules.LogCondition
	Clear *rules.LogCondition
	// Metrics.
	Metric    string
	Threshold rules.Threshold
	Filter    []rules.AttrCondition
}

// DestKind is a destination type.
type DestKind uint8

const (
	PagerDuty DestKind = iota
	Slack
	Webhook
	Alertmanager
)

// Dest is a destination as the engine sees it.
type Dest struct {
	Name string
	Kind DestKind
}

// chat destinations get repeat reminders.
func (d Dest) chat() bool { return d.Kind == Slack || d.Kind == Webhook }

// Recorder receives the engine's self-telemetry events.
type Recorder interface {
	Transition(rule, from, to string)
	Suppressed(reason string)
	Dropped(dest, reason string)
	TemplateError(rule string)
	// Evicted: a tracked fingerprint in the given phase (inactive, pending, resolved) was
	// forgotten to make room for a new one at max_incidents.
	Evicted(phase string)
	// Rejected: a new fingerprint of rule could not be tracked because every tracked one
	// is open (firing or resolving) or still owed to a destination.
	Rejected(rule string)
}

type nopRecorder struct{}

func (nopRecorder) Transition(string, string, string) {}
func (nopRecorder) Suppressed(string)                 {}
func (nopRecorder) Dropped(string, string)            {}
func (nopRecorder) TemplateError(string)              {}
func (nopRecorder) Evicted(string)                    {}
func (nopRecorder) Rejected(string)                   {}

// Config of an engine.
type Config struct {
	Rules        []*Rule
	Router       route.Router
	Windows      []route.Window
	Dests        map[string]Dest
	MaxIncidents int
	// Retention keeps resolved incidents (flap history, Alertmanager re-sends).
	Retention time.Duration
	Recorder  Recorder
}

// Incident is the persisted record of one fingerprint.
type Incident struct {
	Alert alert.Alert   `json:"alert"`
	M     state.Machine `json:"m"`

	rule      *Rule
	routes    []int
	savedSeen time.Time
	// lru is the incident's place in Engine.lru (least recently observed first).
	lru *list.Element
}

// Rule returns the incident's rule.
func (i *Incident) Rule() *Rule { return i.rule }

type group struct {
	key     string
	route   int
	members map[string]struct{}
	next    time.Time
}

// Engine is the incident brain. Not safe for concurrent use.
type Engine struct {
	cfg    Config
	byName map[string]*Rule
	inc    map[string]*Incident
	groups map[string]*group
	out    *outbox.Outbox
	rec    Recorder
	dirty  map[string]struct{}
	// lru orders the tracked incidents by their last observation (front: oldest), so that
	// at max_incidents the oldest entry that never fired is evicted first (evict.go).
	lru *list.List
	// amChanged: an alert routed to Alertmanager changed since the last AMBatch.
	amChanged bool
}

// New builds an engine.
func New(cfg Config) *Engine {
	e := &Engine{cfg: cfg, byName: map[string]*Rule{}, inc: map[string]*Incident{}, groups: map[string]*group{},
		out: outbox.New(), rec: cfg.Recorder, dirty: map[string]struct{}{}, lru: list.New()}
	if e.rec == nil {
		e.rec = nopRecorder{}
	}
	for _, r := range cfg.Rules {
		e.byName[r.Name] = r
	}
	return e
}

// Dest returns a destination by name.
func (e *Engine) Dest(name string) Dest { return e.cfg.Dests[name] }

// Outbox exposes the notification queue to the delivery workers.
func (e *Engine) Outbox() *outbox.Outbox { return e.out }

// Incident returns the record of a fingerprint (nil when none).
func (e *Engine) Incident(fp string) *Incident { return e.inc[fp] }

// Len is the number of tracked fingerprints.
func (e *Engine) Len() int { return len(e.inc) }

// seenPersistEvery bounds how often a mere LastSeen update is written to storage.
const seenPersistEvery = 10 * time.Second

// Status is what destinations should believe about an incident now.
func Status(i *Incident) alert.Status {
	switch i.M.Phase {
	case state.Firing, state.Resolving:
		if i.M.Flapping {
			return alert.Flapping
		}
		return alert.Firing
	case state.Resolved:
		return alert.Resolved
	}
	return alert.None
}

// Labels of an alert: alertname, severity, the rule's static labels and the identity values.
func Labels(r *Rule, identity map[string]string) map[string]string {
	l := make(map[string]string, len(identity)+len(r.Labels)+2)
	for k, v := range r.Labels {
		l[k] = v
	}
	for k, v := range identity {
		l[k] = v
	}
	l[rules.AlertNameLabel] = r.Name
	l["severity"] = r.Severity
	return l
}

func (e *Engine) newIncident(r *Rule, fp string, identity map[string]string) *Incident {
	i := &Incident{rule: r, Alert: alert.Alert{Fingerprint: fp, Rule: r.Name, Severity: r.Severity, Labels: Labels(r, identity)}}
	i.routes = e.cfg.Router.Match(i.Alert.Labels)
	return i
}

// Observe applies one evaluation of rule r for the identity. data renders templates and is
// called only when texts are (re)rendered. Clear and Seen signals never create incidents.
func (e *Engine) Observe(r *Rule, sig state.Signal, identity map[string]string, data func() *rules.Data, value float64, hasValue bool, now time.Time) {
	fp := rules.Fingerprint(r.Name, identity)
	i := e.inc[fp]
	if i == nil {
		if sig != state.Active {
			return
		}
		if e.cfg.MaxIncidents > 0 && len(e.inc) >= e.cfg.MaxIncidents && !e.evictOne() {
			e.rec.Rejected(r.Name)
			return
		}
		i = e.newIncident(r, fp, identity)
		e.track(i)
	} else {
		e.lru.MoveToBack(i.lru)
	}
	if hasValue && !i.M.Phase.Open() {
		i.Alert.Value, i.Alert.HasValue = value, true
	}
	c := i.M.Observe(r.Params, sig, now)
	e.apply(i, c, data, now)
}

func (e *Engine) render(i *Incident, data func() *rules.Data) {
	if data == nil {
		return
	}
	d := data()
	d.Rule, d.Severity, d.Labels = i.rule.Name, i.rule.Severity, i.Alert.Labels
	if len(i.M.Hits) > 0 {
		d.Count = len(i.M.Hits)
	}
	var err error
	set := func(t *rules.Template, max int, dst *string) {
		if t == nil {
			return
		}
		var e2 error
		*dst, e2 = t.Render(d, max)
		if e2 != nil {
			err = e2
		}
	}
	set(i.rule.Summary, payload.PDSummaryMax, &i.Alert.Summary)
	set(i.rule.Description, 8000, &i.Alert.Description)
	set(i.rule.RunbookURL, 2000, &i.Alert.RunbookURL)
	if err != nil {
		e.rec.TemplateError(i.rule.Name)
	}
}

func (e *Engine) apply(i *Incident, c state.Change, data func() *rules.Data, now time.Time) {
	fp := i.Alert.Fingerprint
	if !c.Changed() {
		if i.M.LastSeen.Sub(i.savedSeen) >= seenPersistEvery {
			e.dirty[fp] = struct{}{}
		}
		return
	}
	if c.From != c.To {
		e.rec.Transition(i.rule.Name, c.From.String(), c.To.String())
	}
	if (c.To == state.Pending && c.From != state.Pending) || c.NewEpisode || c.FlapStart {
		e.render(i, data)
	}
	if c.From == state.Firing && c.To == state.Resolving && i.M.Flapping {
		e.rec.Suppressed("flapping")
	}
	i.Alert.Episode = i.M.Episode
	i.Alert.StartsAt = i.M.StartsAt
	i.Alert.EndsAt = i.M.EndsAt
	i.Alert.Status = Status(i)
	if c.NewEpisode || c.FlapStart || c.FlapEnd || c.To == state.Resolved || (c.From != c.To && i.Alert.Status != alert.None) {
		e.join(i, now)
	}
	e.dirty[fp] = struct{}{}
	e.amChanged = true
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

// Tick advances every timer, flushes due groups and escalates.
func (e *Engine) Tick(now time.Time) {
	for fp, i := range e.inc {
		c := i.M.Tick(i.rule.Params, now)
		e.apply(i, c, nil, now)
		if i.M.Idle(i.rule.Params, now, e.cfg.Retention) && !e.member(fp) && e.out.Forget(fp) {
			e.untrack(i)
		}
	}
	for key, g := range e.groups {
		if !g.next.After(now) {
			e.flush(g, now)
			if len(g.members) == 0 {
				delete(e.groups, key)
			}
		}
	}
	e.escalate(now)
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

// AMChanged reports (and clears) whether an alert changed since the last call, so the
// Alertmanager workers can send at once instead of waiting for their resend interval.
func (e *Engine) AMChanged() bool {
	c := e.amChanged
	e.amChanged = false
	return c
}

// AMBatch lists what Alertmanager destination dest should hold now: open alerts with
// endsAt = now + 4×resend (Prometheus' rule, so a missed re-send does not resolve them),
// and alerts resolved within resolvedFor with their real endsAt. Maintenance windows do
// not apply (Alertmanager has silences; an alert we stopped re-sending would auto-resolve).
func (e *Engine) AMBatch(dest string, now time.Time, resend, resolvedFor time.Duration) []payload.AMItem {
	var out []payload.AMItem
	for _, i := range e.inc {
		if !e.routedTo(i, dest, now) {
			continue
		}
		switch {
		case i.Alert.Status.Open():
			act := alert.ActionTrigger
			if i.Alert.Status == alert.Flapping {
				act = alert.ActionFlapping
			}
			out = append(out, payload.AMItem{Item: payload.Item{Action: act, Alert: i.Alert}, EndsAt: now.Add(4 * resend)})
		case i.Alert.Status == alert.Resolved && now.Sub(i.Alert.EndsAt) <= resolvedFor && i.Alert.Episode > 0:
			out = append(out, payload.AMItem{Item: payload.Item{Action: alert.ActionResolve, Alert: i.Alert}, EndsAt: i.Alert.EndsAt})
		}
	}
	return out
}

func (e *Engine) routedTo(i *Incident, dest string, now time.Time) bool {
	for _, ri := range i.routes {
		r := &e.cfg.Router.Routes[ri]
		for _, d := range r.To {
			if d == dest {
				return true
			}
		}
		for _, s := range r.Escalate {
			if !i.Alert.StartsAt.IsZero() && now.Sub(i.Alert.StartsAt) >= s.After {
				for _, d := range s.To {
					if d == dest {
						return true
					}
				}
			}
		}
	}
	return false
}

// Counts are the number of incidents per (rule, severity, phase, flapping).
type Counts map[CountKey]int

// CountKey is a Counts key.
type CountKey struct {
	Rule, Severity, Phase string
	Flapping              bool
}

// Counts tallies incidents for the state gauges.
func (e *Engine) Counts() Counts {
	c := Counts{}
	for _, i := range e.inc {
		c[CountKey{i.rule.Name, i.rule.Severity, i.M.Phase.String(), i.M.Flapping}]++
	}
	return c
}

// TakeDirty returns incidents changed since the last call (nil: deleted) and dirty slots.
func (e *Engine) TakeDirty() (map[string]*Incident, map[outbox.Key]*outbox.Slot) {
	var incs map[string]*Incident
	if len(e.dirty) > 0 {
		incs = make(map[string]*Incident, len(e.dirty))
		for fp := range e.dirty {
			i := e.inc[fp]
			if i != nil {
				i.savedSeen = i.M.LastSeen
			}
			incs[fp] = i
		}
		clear(e.dirty)
	}
	return incs, e.out.TakeDirty()
}

// Restore loads an incident read from storage. An incident whose rule no longer exists is
// resolved (so destinations that were told get a resolve). Open incidents restart their
// inactivity clock at now: the collector saw nothing while it was down, which is not
// evidence that the problem went away.
func (e *Engine) Restore(i *Incident, now time.Time) {
	r := e.byName[i.Alert.Rule]
	if r == nil {
		r = &Rule{Name: i.Alert.Rule, Severity: i.Alert.Severity, Params: state.Params{Inactivity: time.Minute}}
		if i.M.Phase.Open() || i.M.Phase == state.Pending {
			i.M.Phase, i.M.EndsAt, i.M.LastChange, i.M.Flapping = state.Resolved, now, now, false
			i.Alert.EndsAt, i.Alert.Status = now, alert.Resolved
			e.dirty[i.Alert.Fingerprint] = struct{}{}
		}
	}
	i.rule = r
	if i.Alert.Labels == nil {
		i.Alert.Labels = map[string]string{}
	}
	// Static labels follow the current configuration (a restart may add a team label).
	for k, v := range r.Labels {
		i.Alert.Labels[k] = v
	}
	i.routes = e.cfg.Router.Match(i.Alert.Labels)
	if i.M.Phase.Open() && i.M.LastSeen.Before(now) {
		i.M.LastSeen = now
	}
	i.savedSeen = i.M.LastSeen
	if old := e.inc[i.Alert.Fingerprint]; old != nil {
		e.lru.Remove(old.lru)
	}
	e.inc[i.Alert.Fingerprint] = i
	i.lru = e.lru.PushBack(i)
	// Rejoin groups when destinations may need to hear about it: open, or resolved while
	// some destination still holds it open (slots are restored first).
	if i.Alert.Status.Open() || (i.Alert.Status == alert.Resolved && e.out.Holds(i.Alert.Fingerprint)) {
		e.join(i, now)
	}
	e.amChanged = true
}

// RestoreSlot loads an outbox slot read from storage.
func (e *Engine) RestoreSlot(k outbox.Key, s *outbox.Slot) { e.out.Restore(k, s) }
