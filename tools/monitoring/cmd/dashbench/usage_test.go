package main

import (
	"path/filepath"
	"slices"
	"testing"
)

// Every panel of the shipped dashboards is listed (so the per-panel table covers them all),
// with the datasource types of its targets, and every Prometheus target is a query.
func TestLoadDashboardsListsEveryPanel(t *testing.T) {
	queries, panels, err := loadDashboards(filepath.Join("..", "..", "..", "..", "configs", "grafana", "dashboards"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	byPanel := map[string]bool{}
	for _, p := range panels {
		if len(p.Kinds) == 0 {
			t.Errorf("%s / %s: no target", p.Board, p.Panel)
		}
		for _, k := range p.Kinds {
			kinds[k]++
		}
		byPanel[p.Board+"/"+p.Panel] = true
	}
	for _, q := range queries {
		if !byPanel[q.Board+"/"+q.Panel] {
			t.Errorf("query of %s / %s has no panel entry", q.Board, q.Panel)
		}
	}
	for _, k := range []string{"prometheus", "loki", "tempo", "victoriametrics-logs-datasource"} {
		if kinds[k] == 0 {
			t.Errorf("no panel of datasource type %s (have %v)", k, kinds)
		}
	}
	if got := len(panels); got < len(queries)/3 || !slices.ContainsFunc(panels, func(p panelRef) bool { return p.Panel == "Log search" }) {
		t.Errorf("%d panels for %d queries, Log search missing or too few panels", got, len(queries))
	}
	t.Logf("%d panels, %d Prometheus queries, datasource types %v", len(panels), len(queries), kinds)
}
