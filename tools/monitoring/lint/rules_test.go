package lint

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

const runbookBase = "https://github.com/fraiseql/otelcol-fraiseql/blob/main/docs/runbooks/"

func TestAtLeastFortyAlerts(t *testing.T) {
	rs := loadRules(t)
	if n := len(alerts(rs)); n < 40 {
		t.Fatalf("%d alerts, the issue asks for at least 40", n)
	}
	seen := map[string]string{}
	for _, r := range rs {
		if prev, ok := seen[r.name()]; ok && r.Alert != "" {
			t.Errorf("alert %s defined twice (%s, %s)", r.name(), prev, r.File)
		}
		seen[r.name()] = r.File
	}
}

var alertName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)

// pint rule/label, rule/for, rule/link, alerts/annotation.
func TestAlertsCarryRequiredFields(t *testing.T) {
	for _, r := range alerts(loadRules(t)) {
		where := r.File + " " + r.Alert
		if !alertName.MatchString(r.Alert) {
			t.Errorf("%s: alert name is not UpperCamelCase", where)
		}
		switch r.Labels["severity"] {
		case "critical", "error", "warning", "info":
		default:
			t.Errorf("%s: severity %q is not critical|error|warning|info (docs/alerts.md, severity ladder)", where, r.Labels["severity"])
		}
		switch r.Labels["team"] {
		case "api", "database", "security", "platform":
		default:
			t.Errorf("%s: team %q is not api|database|security|platform", where, r.Labels["team"])
		}
		if a, ok := r.Labels["action"]; ok && a != "ticket" {
			t.Errorf("%s: action %q (only ticket is routed)", where, a)
		}
		// first_action: the notification templates print it next to the runbook link.
		for _, k := range []string{"summary", "description", "first_action", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[k]) == "" {
				t.Errorf("%s: annotation %s missing", where, k)
			}
		}
		if want := runbookBase + r.Alert + ".md"; r.Annotations["runbook_url"] != want {
			t.Errorf("%s: runbook_url %q, want %q", where, r.Annotations["runbook_url"], want)
		}
		if r.For == 0 {
			t.Errorf("%s: for is not set (a single bad evaluation would page)", where)
		}
		if time.Duration(r.For) > 3*time.Hour {
			t.Errorf("%s: for %v is longer than 3h", where, r.For)
		}
		if len(r.Annotations["summary"]) > 120 {
			t.Errorf("%s: summary longer than 120 characters (PagerDuty and Slack titles)", where)
		}
	}
}

// Stubs of Prometheus' template functions: parsing with them catches syntax errors and
// unknown functions (pint alerts/template); rendering is tested by promtool.
var templateFuncs = template.FuncMap{
	"humanize": fmt.Sprint, "humanize1024": fmt.Sprint, "humanizeDuration": fmt.Sprint,
	"humanizePercentage": fmt.Sprint, "humanizeTimestamp": fmt.Sprint, "toUpper": strings.ToUpper,
	"title": strings.ToUpper, "query": fmt.Sprint, "first": fmt.Sprint, "label": fmt.Sprint, "value": fmt.Sprint,
}

func TestAnnotationTemplatesParse(t *testing.T) {
	for _, r := range alerts(loadRules(t)) {
		for k, v := range r.Annotations {
			src := "{{$labels := .Labels}}{{$value := .Value}}" + v
			if _, err := template.New(k).Funcs(templateFuncs).Parse(src); err != nil {
				t.Errorf("%s %s: annotation %s: %v", r.File, r.Alert, k, err)
			}
		}
		for k, v := range r.Labels {
			if strings.Contains(v, "{{") {
				t.Errorf("%s %s: label %s is templated (it would split the alert into many)", r.File, r.Alert, k)
			}
		}
	}
}

var recordName = regexp.MustCompile(`^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$`)

func TestRecordingRuleNames(t *testing.T) {
	for _, r := range loadRules(t) {
		if r.Record != "" && !recordName.MatchString(r.Record) {
			t.Errorf("%s: recording %q is not level:metric:operations", r.File, r.Record)
		}
	}
}

// pint promql/regexp: a regex matcher without any regex syntax should be an equality.
func TestRegexMatchersAreRegexes(t *testing.T) {
	for _, r := range loadRules(t) {
		for _, vs := range selectors(r.AST) {
			for _, m := range vs.LabelMatchers {
				if (m.Type.String() == "=~" || m.Type.String() == "!~") && !strings.ContainsAny(m.Value, `.*+?[](){}|\^$`) {
					t.Errorf("%s %s: %s%s%q has no regex syntax, use = or !=", r.File, r.name(), m.Name, m.Type, m.Value)
				}
			}
		}
	}
}

// rangeFuncs take a range vector of counters.
var counterFuncs = map[string]bool{"rate": true, "increase": true, "irate": true, "resets": true}

// pint promql/rate and promql/counter: windows long enough for the data's interval, and
// rate()/increase() only over counters (histogram _bucket/_count/_sum are counters).
func TestRateWindowsAndCounters(t *testing.T) {
	series := loadCatalog(t)
	recs := recordNames(loadRules(t))
	check := func(where string, e parser.Expr) {
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			call, ok := n.(*parser.Call)
			if !ok || !counterFuncs[call.Func.Name] {
				return nil
			}
			for _, a := range call.Args {
				ms, ok := a.(*parser.MatrixSelector)
				if !ok {
					continue
				}
				vs := ms.VectorSelector.(*parser.VectorSelector)
				// OTLP data arrives every 60 s (the SDK's default export interval): a window
				// needs at least 4 intervals to survive one late or lost export.
				if ms.Range < 4*time.Minute {
					t.Errorf("%s: %s(%s[%v]) window shorter than 4m", where, call.Func.Name, vs.Name, ms.Range)
				}
				if s, ok := series[vs.Name]; ok {
					typ := s.Metric.Type
					if typ != "counter" && typ != "histogram" && call.Func.Name != "resets" {
						t.Errorf("%s: %s() over %s, a %s", where, call.Func.Name, vs.Name, typ)
					}
				} else if recs[vs.Name] {
					t.Errorf("%s: %s() over recording %s (recordings are rates or ratios already)", where, call.Func.Name, vs.Name)
				}
			}
			return nil
		})
	}
	for _, r := range loadRules(t) {
		check(r.File+" "+r.name(), r.AST)
	}
	for _, b := range loadBoards(t) {
		for _, p := range b.allPanels() {
			for _, tg := range p.Targets {
				if tg.Datasource == nil || tg.Datasource.Type != "prometheus" {
					continue
				}
				e, err := promParser.ParseExpr(promQL(tg.Expr))
				if err == nil {
					check(b.File+" "+p.Title, e)
				}
			}
		}
	}
}

// pint promql/aggregate: an aggregation in a rule keeps the identity label of the source it
// aggregates (job, host_name, postgresql_server_name, ...), so alerts say where the problem is
// and Alertmanager's group_by and inhibitions work.
func TestRuleAggregationsKeepIdentity(t *testing.T) {
	series := loadCatalog(t)
	for _, r := range loadRules(t) {
		parser.Inspect(r.AST, func(n parser.Node, _ []parser.Node) error {
			agg, ok := n.(*parser.AggregateExpr)
			if !ok || agg.Without {
				return nil
			}
			group := map[string]bool{}
			for _, vs := range selectors(agg.Expr) {
				if s, ok := series[vs.Name]; ok {
					for _, l := range s.GroupBy {
						group[l] = true
					}
				}
			}
			if len(group) == 0 {
				return nil // only recordings inside: their own rule was checked
			}
			for _, l := range agg.Grouping {
				if group[l] {
					return nil
				}
			}
			t.Errorf("%s %s: %s by (%s) drops every identity label of its source (%s)", r.File, r.name(), agg.Op, strings.Join(agg.Grouping, ", "), strings.Join(sortedKeys(group), ", "))
			return nil
		})
	}
}

// firstThreshold is the number on the right of the first comparison, following the left
// operand of and/or/unless.
func firstThreshold(e parser.Expr) (float64, bool) {
	switch x := e.(type) {
	case *parser.ParenExpr:
		return firstThreshold(x.Expr)
	case *parser.BinaryExpr:
		if x.Op.IsComparisonOperator() {
			if n, ok := unparen(x.RHS).(*parser.NumberLiteral); ok {
				return n.Val, true
			}
			return 0, false
		}
		if x.Op == parser.LAND || x.Op == parser.LOR || x.Op == parser.LUNLESS {
			return firstThreshold(x.LHS)
		}
	}
	return 0, false
}

func unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

func TestThresholdsMatchGoConstants(t *testing.T) {
	byName := map[string]rule{}
	for _, r := range alerts(loadRules(t)) {
		byName[r.Alert] = r
	}
	for name, want := range thresholds.ByAlert {
		r, ok := byName[name]
		if !ok {
			t.Errorf("thresholds.ByAlert names %s, which is not an alert", name)
			continue
		}
		got, ok := firstThreshold(r.AST)
		if !ok {
			t.Errorf("%s: no numeric comparison found in %q", name, r.Expr)
			continue
		}
		if got != want {
			t.Errorf("%s: rule compares with %v, thresholds.ByAlert says %v (change both, or the dashboards lie)", name, got, want)
		}
	}
}

// The anomaly threshold appears in every place that names it: the incident exporter owns
// AnomalyScoreHigh (docs/alerts.md), so each incident rule on anomaly.score and each anomaly
// processor of the collector configs uses the processor's shipped threshold.
func TestAnomalyThresholdEverywhere(t *testing.T) {
	for _, r := range incidentRules(t) {
		if r.Metric != "anomaly.score" {
			continue
		}
		if r.Threshold == nil || *r.Threshold != thresholds.AnomalyScore {
			t.Errorf("%s: incident rule %s threshold %v, want thresholds.AnomalyScore %v", r.File, r.Name, r.Threshold, thresholds.AnomalyScore)
		}
	}
}
