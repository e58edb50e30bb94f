package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/catalog"
)

var promParser = parser.NewParser(parser.Options{})

// panelQuery is one Prometheus target of a dashboard panel.
type panelQuery struct {
	Board, Panel, Ref, Expr string
	Instant                 bool
}

type jsonPanel struct {
	Title      string `json:"title"`
	Type       string `json:"type"`
	Datasource struct {
		Type string `json:"type"`
	} `json:"datasource"`
	Targets []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Instant    bool   `json:"instant"`
		Datasource struct {
			Type string `json:"type"`
		} `json:"datasource"`
	} `json:"targets"`
	Panels []jsonPanel `json:"panels"` // a collapsed row's panels
}

type jsonBoard struct {
	Title  string      `json:"title"`
	Panels []jsonPanel `json:"panels"`
}

// panelRef is one panel (rows excluded) and the datasource types of its targets.
type panelRef struct {
	Board, Panel string
	Kinds        []string
}

// loadDashboards reads every dashboard: its Prometheus targets (what dashbench measures) and
// every panel, so the per-panel table also lists the panels another datasource answers.
func loadDashboards(dir string) ([]panelQuery, []panelRef, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, nil, fmt.Errorf("no dashboards in %s", dir)
	}
	sort.Strings(files)
	var out []panelQuery
	var panels []panelRef
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		var d jsonBoard
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f, err)
		}
		var walk func([]jsonPanel)
		walk = func(ps []jsonPanel) {
			for _, p := range ps {
				if p.Type == "row" {
					walk(p.Panels)
					continue
				}
				ref := panelRef{Board: d.Title, Panel: p.Title}
				for _, t := range p.Targets {
					kind := t.Datasource.Type
					if kind == "" {
						kind = p.Datasource.Type
					}
					if !slices.Contains(ref.Kinds, kind) {
						ref.Kinds = append(ref.Kinds, kind)
					}
					if kind != "prometheus" || t.Expr == "" {
						continue
					}
					out = append(out, panelQuery{Board: d.Title, Panel: p.Title, Ref: t.RefID, Expr: t.Expr, Instant: t.Instant})
				}
				panels = append(panels, ref)
			}
		}
		walk(d.Panels)
	}
	return out, panels, nil
}

type ruleRef struct {
	Group    string
	Interval model.Duration
	Rule     rulefmt.Rule
}

func loadRules(dir string) ([]ruleRef, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	sort.Strings(files)
	var out []ruleRef
	for _, f := range files {
		rgs, errs := rulefmt.ParseFile(f, false, model.LegacyValidation, promParser, slog.Default())
		if len(errs) > 0 {
			return nil, errs[0]
		}
		for _, g := range rgs.Groups {
			for _, r := range g.Rules {
				out = append(out, ruleRef{Group: g.Name, Interval: g.Interval, Rule: r})
			}
		}
	}
	return out, nil
}

var grafanaVar = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}?`)

// expand replaces Grafana's variables the way Grafana does for "All" selections.
func expand(expr, step, rateInterval, rng string) string {
	r := strings.NewReplacer("$__rate_interval", rateInterval, "$__interval", step, "$__range", rng)
	return grafanaVar.ReplaceAllString(r.Replace(expr), ".*")
}

// usage collects, per catalog series name, the label names queries match or group on, so the
// generator gives each series exactly the labels the dashboards and rules look at.
func usage(exprs []string, series map[string]*catalog.Series) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(name, label string) {
		if series[name] == nil {
			return
		}
		if out[name] == nil {
			out[name] = map[string]bool{}
		}
		if label != "" && label != labels.MetricName {
			out[name][label] = true
		}
	}
	for _, s := range exprs {
		e, err := promParser.ParseExpr(expand(s, "1m", "5m", "1h"))
		if err != nil {
			continue
		}
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			switch x := n.(type) {
			case *parser.VectorSelector:
				names := []string{x.Name}
				for _, m := range x.LabelMatchers {
					if m.Name == labels.MetricName && m.Type == labels.MatchRegexp {
						for n := range series {
							if m.Matches(n) {
								names = append(names, n)
							}
						}
					}
				}
				for _, n := range names {
					add(n, "")
					for _, m := range x.LabelMatchers {
						add(n, m.Name)
					}
				}
			case *parser.AggregateExpr:
				parser.Inspect(x.Expr, func(n parser.Node, _ []parser.Node) error {
					if vs, ok := n.(*parser.VectorSelector); ok {
						for _, l := range x.Grouping {
							if series[vs.Name] != nil && series[vs.Name].Labels[l] {
								add(vs.Name, l)
							}
						}
					}
					return nil
				})
			}
			return nil
		})
	}
	return out
}
