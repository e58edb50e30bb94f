package lint

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/catalog"
)

// checkSelectors reports selectors whose metric is neither in the catalog nor a recording
// rule, label matchers on labels the metric does not have, and by-clauses grouping on labels
// none of the aggregated metrics has.
func checkSelectors(t reporter, where string, e parser.Expr, series map[string]*catalog.Series, recs map[string]bool) {
	t.Helper()
	known := func(name string) bool { return series[name] != nil || recs[name] }
	for _, vs := range selectors(e) {
		names := []string{vs.Name}
		if vs.Name == "" {
			names = nil
			for _, m := range vs.LabelMatchers {
				if m.Name != labels.MetricName {
					continue
				}
				re := regexp.MustCompile("^(?:" + m.Value + ")$")
				for n := range series {
					if re.MatchString(n) {
						names = append(names, n)
					}
				}
				if len(names) == 0 {
					t.Errorf("%s: __name__=~%q matches no catalog metric", where, m.Value)
				}
			}
		}
		for _, n := range names {
			if !known(n) {
				t.Errorf("%s: %s is neither a catalog metric nor a recording rule", where, n)
				continue
			}
			s := series[n]
			if s == nil || s.OpenLabels {
				continue
			}
			for _, m := range vs.LabelMatchers {
				if m.Name != labels.MetricName && !s.Labels[m.Name] {
					t.Errorf("%s: %s has no label %s (catalog: %s)", where, n, m.Name, strings.Join(sortedKeys(s.Labels), ","))
				}
			}
		}
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		agg, ok := n.(*parser.AggregateExpr)
		if !ok || len(agg.Grouping) == 0 {
			return nil
		}
		var inner []*catalog.Series
		for _, vs := range selectors(agg.Expr) {
			s := series[vs.Name]
			if s == nil || s.OpenLabels {
				return nil // recordings or open-label metrics: labels not declared
			}
			inner = append(inner, s)
		}
		for _, l := range agg.Grouping {
			ok := false
			for _, s := range inner {
				ok = ok || s.Labels[l]
			}
			if !ok && len(inner) > 0 {
				t.Errorf("%s: %s by (%s): no aggregated metric has label %s", where, agg.Op, strings.Join(agg.Grouping, ","), l)
			}
		}
		return nil
	})
}

func TestRuleSelectorsNameCatalogMetrics(t *testing.T) {
	rs := loadRules(t)
	series, recs := loadCatalog(t), recordNames(rs)
	for _, r := range rs {
		checkSelectors(t, r.File+" "+r.name(), r.AST, series, recs)
	}
}

func TestDashboardExpressionsParseAndNameCatalogMetrics(t *testing.T) {
	series, recs := loadCatalog(t), recordNames(loadRules(t))
	n := 0
	for _, b := range loadBoards(t) {
		for _, p := range b.allPanels() {
			for _, tg := range p.Targets {
				if tg.Datasource == nil || tg.Datasource.Type != "prometheus" {
					continue
				}
				where := b.File + " / " + p.Title + " / " + tg.RefID
				e, err := promParser.ParseExpr(promQL(tg.Expr))
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				n++
				checkSelectors(t, where, e, series, recs)
			}
		}
		for _, v := range b.Templating.List {
			if v.Type != "query" {
				continue
			}
			q, _ := v.Query.(string)
			m := regexp.MustCompile(`^label_values\((.*),\s*([a-z_]+)\)$`).FindStringSubmatch(q)
			if m == nil {
				t.Errorf("%s: variable %s query %q is not label_values(selector, label)", b.File, v.Name, q)
				continue
			}
			e, err := promParser.ParseExpr(promQL(m[1]))
			if err != nil {
				t.Errorf("%s: variable %s: %v", b.File, v.Name, err)
				continue
			}
			checkSelectors(t, b.File+" variable "+v.Name, e, series, recs)
			for _, vs := range selectors(e) {
				if s := series[vs.Name]; s != nil && !s.OpenLabels && !s.Labels[m[2]] {
					t.Errorf("%s: variable %s reads label %s, which %s does not have", b.File, v.Name, m[2], vs.Name)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d Prometheus targets checked", n)
	}
}

// The checks above must be able to fail: a wrong name, a wrong label and a bad grouping.
func TestSelectorCheckCatchesMistakes(t *testing.T) {
	series := loadCatalog(t)
	for _, bad := range []string{
		`rate(otelcol_receiver_refused_spans_total[5m])`,                                    // _total the collector does not emit
		`pg_replication_lag{job="x"}`,                                                       // the mixin's old name
		`sum by (job) (rate(http_server_request_duration_seconds_count{status="500"}[5m]))`, // wrong label
		`sum by (http_status) (rate(http_server_request_duration_seconds_count[5m]))`,       // grouping on a label that does not exist
	} {
		e, err := promParser.ParseExpr(bad)
		if err != nil {
			t.Fatal(err)
		}
		var c collector
		checkSelectors(&c, "probe", e, series, map[string]bool{})
		if len(c.errs) == 0 {
			t.Errorf("checkSelectors accepted %s", bad)
		}
	}
}

// reporter is the part of *testing.T the checks use, so a check can be run against a
// collector to prove it reports a mistake.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

type collector struct{ errs []string }

func (c *collector) Helper() {}
func (c *collector) Errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}
