// Package engine ties the incident exporter's cores together without pdata or I/O: rules
// feed per-fingerprint state machines, state changes join Alertmanager-style groups on
// their routes, group flushes (group_wait, group_interval, repeat, maintenance windows,
// escalation) turn into wishes on the outbox, and Alertmanager destinations get the set of
// alerts to (re-)send. Time is always passed in; the caller serialises access and persists
// what TakeDirty returns.
package engine

import (
	"container/list"
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

func (nopRecorder) Suppressed(string) {}

func (nopRecorder) Dropped(string, string) {}

func (nopRecorder) TemplateError(string) {}

func (nopRecorder) Evicted(string) {}

func (nopRecorder) Rejected(string) {}

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
