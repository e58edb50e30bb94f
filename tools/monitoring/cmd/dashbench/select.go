package main

import (
	"fmt"
	"regexp"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/catalog"
)

// selection is what a run limited by -panels measures: the panels whose "dashboard / panel"
// matches the pattern, their queries, the recording rules those queries read (with the
// recordings those read in turn) and the catalog series all of them select.
type selection struct {
	queries []panelQuery
	panels  []panelRef
	rules   []ruleRef
	series  map[string]bool
}

// selectPanels keeps the panels whose "dashboard / panel" title matches re. Label usage for
// the data still comes from every query and rule (generate), so a metric shared with panels
// left out gets the same series as in a full run; only the metrics nothing selected reads are
// not generated.
func selectPanels(re *regexp.Regexp, queries []panelQuery, panels []panelRef, rules []ruleRef, series map[string]*catalog.Series) (*selection, error) {
	s := &selection{series: map[string]bool{}}
	for _, p := range panels {
		if re.MatchString(p.Board + " / " + p.Panel) {
			s.panels = append(s.panels, p)
		}
	}
	if len(s.panels) == 0 {
		return nil, fmt.Errorf("-panels %q matches no panel (patterns match \"<dashboard title> / <panel title>\")", re)
	}
	recs := map[string][]int{}
	for i, r := range rules {
		if r.Rule.Record != "" {
			recs[r.Rule.Record] = append(recs[r.Rule.Record], i)
		}
	}
	keep := map[int]bool{}
	var exprs []string
	var visit func(expr string)
	visit = func(expr string) {
		exprs = append(exprs, expr)
		e, err := promParser.ParseExpr(expand(expr, "1m", "5m", "1h"))
		if err != nil {
			return
		}
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok {
				for _, i := range recs[vs.Name] {
					if !keep[i] {
						keep[i] = true
						visit(rules[i].Rule.Expr)
					}
				}
			}
			return nil
		})
	}
	for _, q := range queries {
		if re.MatchString(q.Board + " / " + q.Panel) {
			s.queries = append(s.queries, q)
			visit(q.Expr)
		}
	}
	for i, r := range rules {
		if keep[i] {
			s.rules = append(s.rules, r)
		}
	}
	for name := range usage(exprs, series) {
		s.series[name] = true
	}
	return s, nil
}
