package incident // import "github.com/fraiseql/otelcol-fraiseql/exporter/incident"

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"time"
	_ "time/tzdata" // maintenance windows name IANA zones; do not depend on the host's zoneinfo

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/engine"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/route"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/state"
)

// Errors from the compile* functions start with ".field" so callers can prefix the path.

func fieldErr(field, format string, a ...any) error {
	return fmt.Errorf(".%s: %s", field, fmt.Sprintf(format, a...))
}

// prefixErr puts prefix before every error of err, also each error of a joined one (a
// plain fmt.Errorf("%s%w") would prefix only the first line of errors.Join's text).
func prefixErr(prefix string, err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs := j.Unwrap()
		out := make([]error, 0, len(errs))
		for _, e := range errs {
			out = append(out, prefixErr(prefix, e))
		}
		return errors.Join(out...)
	}
	return fmt.Errorf("%s%w", prefix, err)
}

// compileThreshold reports each problem under its own field: op, threshold,
// clear_threshold (the hysteresis band is the clear_threshold's).
func compileThreshold(r *RuleConfig) (rules.Threshold, error) {
	op := rules.Compare(r.Op)
	if op == "" {
		op = rules.GT
	}
	t := rules.Threshold{Op: op, Threshold: *r.Threshold, Clear: *r.Threshold}
	if r.ClearThreshold != nil {
		t.Clear = *r.ClearThreshold
	}
	var errs []error
	switch op {
	case rules.GT, rules.GE, rules.LT, rules.LE:
	default:
		errs = append(errs, fieldErr("op", "unknown op %q (want >, >=, < or <=)", r.Op))
	}
	if math.IsNaN(t.Threshold) || math.IsInf(t.Threshold, 0) {
		errs = append(errs, fieldErr("threshold", "must be a finite number, got %v", t.Threshold))
	}
	if r.ClearThreshold != nil && (math.IsNaN(t.Clear) || math.IsInf(t.Clear, 0)) {
		errs = append(errs, fieldErr("clear_threshold", "must be a finite number, got %v", t.Clear))
	}
	if len(errs) == 0 {
		if err := t.Validate(); err != nil {
			errs = append(errs, fieldErr("clear_threshold", "%v", err))
		}
	}
	return t, errors.Join(errs...)
}

func compileAttrs(field string, in []AttrMatchConfig) ([]rules.AttrCondition, error) {
	var out []rules.AttrCondition
	for i, a := range in {
		op := rules.AttrOp(a.Op)
		if op == "" {
			op = rules.OpEquals
		}
		c, err := rules.NewAttrCondition(a.Key, op, a.Value)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("%s[%d]", field, i), "%v", err)
		}
		out = append(out, c)
	}
	return out, nil
}

func compileLogMatch(field string, m *LogMatchConfig) (rules.LogCondition, error) {
	var c rules.LogCondition
	var errs []error
	if m.Severity != "" {
		n, err := rules.ParseSeverity(m.Severity)
		if err != nil {
			errs = append(errs, fieldErr(field+".severity", "%v", err))
		}
		c.MinSeverity = n
	}
	c.BodyContains = m.BodyContains
	if m.BodyRegex != "" {
		re, err := regexp.Compile(m.BodyRegex)
		if err != nil {
			errs = append(errs, fieldErr(field+".body_regex", "%v", err))
		}
		c.BodyRegex = re
	}
	attrs, err := compileAttrs(field+".attributes", m.Attributes)
	if err != nil {
		errs = append(errs, err)
	}
	c.Attrs = attrs
	if len(errs) == 0 && c.Empty() {
		errs = append(errs, fieldErr(field, "needs at least one of severity, body_contains, body_regex, attributes"))
	}
	return c, errors.Join(errs...)
}

func compileTemplate(field, src string) (*rules.Template, error) {
	if src == "" {
		return nil, nil
	}
	t, err := rules.ParseTemplate(field, src)
	if err != nil {
		return nil, fieldErr(field, "invalid template: %v", err)
	}
	return t, nil
}

const defaultSummaryLogs = `{{.Rule}}{{with index .Labels "service.name"}} in {{.}}{{end}}: {{truncate 200 .Body}}`
const defaultSummaryMetrics = `{{.Rule}}{{with index .Labels "service.name"}} in {{.}}{{end}}: {{.Metric}} = {{printf "%.4g" .Value}} (threshold {{printf "%g" .Threshold}})`

func compileRule(r *RuleConfig) (*engine.Rule, error) {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	out := &engine.Rule{Name: r.Name, Severity: r.Severity, Identity: r.Identity}
	if !validSeverity(r.Severity) {
		add(fieldErr("severity", "must be one of critical, error, warning, info; got %q", r.Severity))
	}
	if out.Identity == nil {
		out.Identity = []string{"service.name"}
	}
	for i, k := range out.Identity {
		if k == "" || k == rules.AlertNameLabel || k == "severity" {
			add(fieldErr(fmt.Sprintf("identity[%d]", i), "must be a non-empty attribute key other than alertname and severity"))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Labels)) {
		switch {
		case k == "" || k == rules.AlertNameLabel || k == "severity":
			add(fieldErr("labels", "key %q: must be a non-empty key other than alertname and severity", k))
		case slices.Contains(out.Identity, k):
			add(fieldErr("labels", "key %q is also an identity key", k))
		case r.Labels[k] == "":
			add(fieldErr("labels."+k, "must not be empty"))
		}
	}
	if len(r.Labels) > 0 {
		out.Labels = maps.Clone(r.Labels)
	}
	summary := r.Summary
	switch r.Signal {
	case "logs":
		out.Kind = engine.Logs
		if summary == "" {
			summary = defaultSummaryLogs
		}
		if r.When == nil {
			add(fieldErr("when", "is required for a logs rule"))
		} else {
			c, err := compileLogMatch("when", r.When)
			add(err)
			out.When = c
		}
		if r.ClearWhen != nil {
			c, err := compileLogMatch("clear_when", r.ClearWhen)
			add(err)
			out.Clear = &c
		}
		if r.MinCount < 0 {
			add(fieldErr("min_count", "must not be negative"))
		}
		if r.MinCount > 10000 {
			add(fieldErr("min_count", "must be at most 10000"))
		}
		if r.MinCount > 1 && r.Window <= 0 {
			add(fieldErr("window", "is required (positive) when min_count > 1"))
		}
		if r.Metric != "" || r.Threshold != nil {
			add(fieldErr("metric", "metric and threshold are for metrics rules"))
		}
	case "metrics":
		out.Kind = engine.Metrics
		if summary == "" {
			summary = defaultSummaryMetrics
		}
		if r.Metric == "" {
			add(fieldErr("metric", "is required for a metrics rule"))
		}
		out.Metric = r.Metric
		if r.Threshold == nil {
			add(fieldErr("threshold", "is required for a metrics rule"))
		} else {
			t, err := compileThreshold(r)
			add(err)
			out.Threshold = t
		}
		attrs, err := compileAttrs("attributes", r.Attributes)
		add(err)
		out.Filter = attrs
		if r.When != nil || r.ClearWhen != nil || r.MinCount != 0 {
			add(fieldErr("when", "when, clear_when and min_count are for logs rules"))
		}
	case "":
		add(fieldErr("signal", "is required (logs or metrics)"))
	default:
		add(fieldErr("signal", "must be logs or metrics, got %q", r.Signal))
	}
	var err error
	out.Summary, err = compileTemplate("summary", summary)
	add(err)
	out.Description, err = compileTemplate("description", r.Description)
	add(err)
	out.RunbookURL, err = compileTemplate("runbook_url", r.RunbookURL)
	add(err)
	for name, d := range map[string]time.Duration{"for": r.For, "keep_firing_for": r.KeepFiringFor, "inactivity": r.Inactivity, "window": r.Window,
		"flap.window": r.Flap.Window, "flap.hold_down": r.Flap.HoldDown} {
		if d < 0 {
			add(fieldErr(name, "must not be negative"))
		}
	}
	if r.Flap.MaxTransitions < 0 {
		add(fieldErr("flap.max_transitions", "must not be negative"))
	}
	p := state.Params{For: r.For, KeepFiringFor: r.KeepFiringFor, Inactivity: r.Inactivity, MinCount: r.MinCount, Window: r.Window}
	if p.Inactivity == 0 {
		p.Inactivity = defaultInactivity
	}
	if !r.Flap.Disabled {
		p.FlapMax, p.FlapWindow, p.HoldDown = r.Flap.MaxTransitions, r.Flap.Window, r.Flap.HoldDown
		if p.FlapMax == 0 {
			p.FlapMax = defaultFlapMax
		}
		if p.FlapWindow == 0 {
			p.FlapWindow = defaultFlapWindow
		}
		if p.HoldDown == 0 {
			p.HoldDown = defaultHoldDown
		}
	}
	out.Params = p
	return out, errors.Join(errs...)
}

func durOr(p *time.Duration, def time.Duration) time.Duration {
	if p == nil {
		return def
	}
	return *p
}

func compileRoute(r *RouteConfig) (route.Route, error) {
	m, err := route.NewMatchers(r.Match, r.MatchRE)
	if err != nil {
		return route.Route{}, fieldErr("match_re", "%v", err)
	}
	out := route.Route{Match: m, To: r.To, Continue: r.Continue, GroupBy: r.GroupBy,
		Timing: route.Timing{GroupWait: durOr(r.GroupWait, defaultGroupWait), GroupInterval: durOr(r.GroupInterval, defaultGroupInterval), RepeatInterval: durOr(r.RepeatInterval, defaultRepeatInterval)}}
	if len(out.GroupBy) == 0 {
		out.GroupBy = []string{route.GroupAll}
	}
	for _, e := range r.Escalate {
		out.Escalate = append(out.Escalate, route.Escalation{After: e.After, To: e.To})
	}
	return out, nil
}

func compileWindow(w *WindowConfig) (route.Window, error) {
	var errs []error
	out := route.Window{Name: w.Name, Duration: w.Duration}
	if w.Name == "" {
		errs = append(errs, fieldErr("name", "is required"))
	}
	m, err := route.NewMatchers(w.Match, w.MatchRE)
	if err != nil {
		errs = append(errs, fieldErr("match_re", "%v", err))
	}
	out.Match = m
	out.Start, out.End = w.Start, w.End
	if w.Cron != "" {
		if out.Cron, err = route.ParseCron(w.Cron); err != nil {
			errs = append(errs, fieldErr("cron", "%v", err))
		}
	}
	out.Loc = time.UTC
	if w.Timezone != "" {
		if out.Loc, err = time.LoadLocation(w.Timezone); err != nil {
			errs = append(errs, fieldErr("timezone", "%v", err))
		}
	}
	if len(errs) == 0 {
		if err := out.Validate(); err != nil {
			errs = append(errs, fieldErr("start", "%v", err))
		}
	}
	return out, errors.Join(errs...)
}

// engineConfig compiles a validated configuration.
func (c *Config) engineConfig(rec engine.Recorder) (engine.Config, error) {
	ec := engine.Config{Dests: map[string]engine.Dest{}, MaxIncidents: c.MaxIncidents, Retention: c.Retention, Recorder: rec}
	for i := range c.Rules {
		r, err := compileRule(&c.Rules[i])
		if err != nil {
			return ec, prefixErr(fmt.Sprintf("rules[%d]", i), err)
		}
		ec.Rules = append(ec.Rules, r)
	}
	kinds := map[DestinationType]engine.DestKind{TypePagerDuty: engine.PagerDuty, TypeSlack: engine.Slack, TypeWebhook: engine.Webhook, TypeAlertmanager: engine.Alertmanager}
	var all []string
	for _, d := range c.Destinations {
		ec.Dests[d.Name] = engine.Dest{Name: d.Name, Kind: kinds[d.Type]}
		all = append(all, d.Name)
	}
	routes := c.Routes
	if len(routes) == 0 {
		routes = []RouteConfig{{To: all}}
	}
	for i := range routes {
		r, err := compileRoute(&routes[i])
		if err != nil {
			return ec, prefixErr(fmt.Sprintf("routes[%d]", i), err)
		}
		ec.Router.Routes = append(ec.Router.Routes, r)
	}
	for i := range c.Maintenance {
		w, err := compileWindow(&c.Maintenance[i])
		if err != nil {
			return ec, prefixErr(fmt.Sprintf("maintenance[%d]", i), err)
		}
		ec.Windows = append(ec.Windows, w)
	}
	return ec, nil
}
