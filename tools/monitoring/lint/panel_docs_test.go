package lint

import (
	"os"
	"strings"
	"testing"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/dashboards"
)

// Every panel says what it answers, what normal looks like and which alert goes with it;
// every runbook link names an alert that exists and a runbook file that exists.
func TestEveryPanelHasDescriptionAndRunbookLinks(t *testing.T) {
	alertNames := map[string]bool{}
	for _, r := range alerts(loadRules(t)) {
		alertNames[r.Alert] = true
	}
	// Alerts raised in the pipeline (anomaly, log rules) are catalogued in docs/alerts.md.
	catalogued := string(readFile(t, repo("docs", "alerts.md")))
	linked := 0
	for _, b := range loadBoards(t) {
		for _, p := range b.allPanels() {
			if p.Type == "row" {
				continue
			}
			where := b.File + " / " + p.Title
			if !strings.Contains(p.Description, "Normal: ") || !strings.Contains(p.Description, "Alert: ") {
				t.Errorf("%s: description lacks the question, the normal and the alert: %q", where, p.Description)
			}
			for _, l := range p.Links {
				name, ok := strings.CutPrefix(l.URL, dashboards.RunbookBase)
				name, ok2 := strings.CutSuffix(name, ".md")
				if !ok || !ok2 {
					t.Errorf("%s: link %q is not a runbook link", where, l.URL)
					continue
				}
				if name == "" || (!alertNames[name] && !strings.Contains(catalogued, name)) {
					t.Errorf("%s: runbook link to %s, which is not an alert", where, name)
				}
				if _, err := os.Stat(repo("docs", "runbooks", name+".md")); err != nil {
					t.Errorf("%s: %v", where, err)
				}
				if !strings.Contains(p.Description, name) {
					t.Errorf("%s: links runbook %s the description does not name", where, name)
				}
				linked++
			}
		}
	}
	if linked < 50 {
		t.Errorf("only %d runbook links", linked)
	}
}

// Every dashboard has the alert and deploy annotations, and their queries parse and name
// catalog metrics.
func TestAnnotations(t *testing.T) {
	series, recs := loadCatalog(t), recordNames(loadRules(t))
	for _, b := range loadBoards(t) {
		names := map[string]bool{}
		for _, a := range b.Annotations.List {
			names[a.Name] = true
			if a.Expr == "" {
				continue
			}
			e, err := promParser.ParseExpr(promQL(a.Expr))
			if err != nil {
				t.Errorf("%s annotation %s: %v", b.File, a.Name, err)
				continue
			}
			checkSelectors(t, b.File+" annotation "+a.Name, e, series, recs)
		}
		for _, n := range []string{"Alerts firing", "Deploys", "Collector restarts"} {
			if !names[n] {
				t.Errorf("%s: annotation %q missing", b.File, n)
			}
		}
	}
}

// In dashboards with the collector-role variable, every collector panel follows it.
func TestCollectorRoleVariable(t *testing.T) {
	for _, b := range loadBoards(t) {
		hasRole := false
		for _, v := range b.Templating.List {
			hasRole = hasRole || v.Name == "role"
		}
		for _, p := range b.allPanels() {
			for _, tg := range p.Targets {
				if hasRole && strings.Contains(tg.Expr, "otelcol_") && !strings.Contains(tg.Expr, "$role") {
					t.Errorf("%s / %s: collector query without $role: %s", b.File, p.Title, tg.Expr)
				}
				if strings.Contains(tg.Expr, "$role") && !hasRole {
					t.Errorf("%s / %s: uses $role, the dashboard has no role variable", b.File, p.Title)
				}
			}
		}
	}
}

// Every quantile of a raw duration histogram asks for exemplars, so the points link to
// traces (recording rules carry no exemplars, so they are not asked).
func TestLatencyHistogramPanelsShowExemplars(t *testing.T) {
	n := 0
	for _, b := range loadBoards(t) {
		for _, p := range b.allPanels() {
			if p.Type != "timeseries" {
				continue
			}
			for _, tg := range p.Targets {
				if !strings.Contains(tg.Expr, "histogram_quantile") || !strings.Contains(tg.Expr, "_duration_seconds_bucket") {
					continue
				}
				n++
				if !tg.Exemplar {
					t.Errorf("%s / %s %s: latency histogram query without exemplar: true", b.File, p.Title, tg.RefID)
				}
			}
		}
	}
	if n < 4 {
		t.Errorf("only %d latency histogram targets", n)
	}
}
