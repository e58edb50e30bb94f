package main

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/catalog"
)

// -panels keeps the matching panels, their queries, the recordings they read (transitively)
// and only the series those select; a pattern matching nothing is an error.
func TestSelectPanels(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..")
	cat, err := catalog.Load(filepath.Join(root, "configs", "metrics", "catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	series, err := cat.Series()
	if err != nil {
		t.Fatal(err)
	}
	queries, panels, err := loadDashboards(filepath.Join(root, "configs", "grafana", "dashboards"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := loadRules(filepath.Join(root, "configs", "prometheus", "rules"))
	if err != nil {
		t.Fatal(err)
	}

	// A raw-metric panel: no recording rule, only its own series.
	s, err := selectPanels(regexp.MustCompile(`^FraiseQL / Database / Max client wait$`), queries, panels, rules, series)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.panels) != 1 || len(s.queries) != 1 || len(s.rules) != 0 {
		t.Errorf("Max client wait: %d panels, %d queries, %d rules; want 1, 1, 0", len(s.panels), len(s.queries), len(s.rules))
	}
	if len(s.series) != 1 || !s.series["pgbouncer_pool_max_wait_seconds"] {
		t.Errorf("Max client wait: series %v, want only pgbouncer_pool_max_wait_seconds", s.series)
	}

	// A panel on a recording rule: the rule comes along, and the series its expression reads.
	s, err = selectPanels(regexp.MustCompile(`^FraiseQL / Database / Buffer cache hit$`), queries, panels, rules, series)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.rules) != 1 || s.rules[0].Rule.Record != "postgresql:cache_hit:ratio_rate5m" {
		t.Errorf("Buffer cache hit: rules %v, want postgresql:cache_hit:ratio_rate5m", s.rules)
	}
	for _, n := range []string{"postgresql_blocks_hit_total", "postgresql_blocks_read_total"} {
		if !s.series[n] {
			t.Errorf("Buffer cache hit: series %s not selected (have %v)", n, s.series)
		}
	}

	if _, err := selectPanels(regexp.MustCompile(`no such panel`), queries, panels, rules, series); err == nil {
		t.Error("a pattern matching no panel: no error")
	}
}
