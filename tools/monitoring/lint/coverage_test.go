package lint

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type promtoolTests struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name      string `yaml:"name"`
		AlertTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// Every alert has a promtool case where it fires and one where it stays quiet.
func TestEveryAlertHasFiringAndQuietTest(t *testing.T) {
	files, _ := filepath.Glob(repo("configs", "prometheus", "tests", "*.yaml"))
	fires, quiet := map[string]int{}, map[string]int{}
	for _, f := range files {
		var pt promtoolTests
		if err := yaml.Unmarshal(readFile(t, f), &pt); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, rf := range pt.RuleFiles {
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), rf)); err != nil {
				t.Errorf("%s: rule file %s: %v", filepath.Base(f), rf, err)
			}
		}
		for _, tc := range pt.Tests {
			for _, at := range tc.AlertTest {
				if len(at.ExpAlerts) > 0 {
					fires[at.Alertname]++
				} else {
					quiet[at.Alertname]++
				}
			}
		}
	}
	names := map[string]bool{}
	for _, r := range alerts(loadRules(t)) {
		names[r.Alert] = true
		if fires[r.Alert] == 0 {
			t.Errorf("%s: no promtool test where it fires", r.Alert)
		}
		if quiet[r.Alert] == 0 {
			t.Errorf("%s: no promtool test where it stays quiet", r.Alert)
		}
	}
	for n := range fires {
		if !names[n] {
			t.Errorf("promtool tests name %s, which is not an alert", n)
		}
	}
}

var runbookSections = []string{"## Meaning", "## Impact", "## First checks", "## Fixes", "## Escalation"}

// Every alert has docs/runbooks/<Alert>.md with the five sections; no runbook is orphaned.
func TestEveryAlertHasRunbook(t *testing.T) {
	names := map[string]bool{}
	for _, r := range alerts(loadRules(t)) {
		names[r.Alert] = true
		b, err := os.ReadFile(repo("docs", "runbooks", r.Alert+".md"))
		if err != nil {
			t.Errorf("%s: %v", r.Alert, err)
			continue
		}
		s := string(b)
		if !strings.HasPrefix(s, "# "+r.Alert) {
			t.Errorf("%s: runbook does not start with # %s", r.Alert, r.Alert)
		}
		for _, sec := range runbookSections {
			if !strings.Contains(s, sec) {
				t.Errorf("%s: runbook lacks %q", r.Alert, sec)
			}
		}
		if !strings.Contains(s, "```promql") && !strings.Contains(s, "```logql") && !strings.Contains(s, "```sql") {
			t.Errorf("%s: runbook has no query to run", r.Alert)
		}
	}
	// The incident exporter's rules in the collector configs page with runbooks too.
	for _, n := range incidentRuleNames(t) {
		names[n] = true
	}
	files, _ := filepath.Glob(repo("docs", "runbooks", "*.md"))
	for _, f := range files {
		n := strings.TrimSuffix(filepath.Base(f), ".md")
		if n != "README" && !names[n] {
			t.Errorf("runbook %s has no alert and no incident rule", filepath.Base(f))
		}
	}
}

// incidentRuleNames lists the rule names of every `incident` exporter in configs/*.yaml.
func incidentRuleNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(repo("configs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			Exporters map[string]struct {
				Rules []struct {
					Name string `yaml:"name"`
				} `yaml:"rules"`
			} `yaml:"exporters"`
		}
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for id, e := range cfg.Exporters {
			if id != "incident" && !strings.HasPrefix(id, "incident/") {
				continue
			}
			for _, r := range e.Rules {
				out = append(out, r.Name)
			}
		}
	}
	return out
}

// PromQL blocks in runbooks parse and name catalog metrics, like the rules.
func TestRunbookQueriesParse(t *testing.T) {
	series, recs := loadCatalog(t), recordNames(loadRules(t))
	block := regexp.MustCompile("(?s)```promql\n(.*?)```")
	files, _ := filepath.Glob(repo("docs", "runbooks", "*.md"))
	files = append(files, repo("docs", "queries.md"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Error(err)
			continue
		}
		for _, m := range block.FindAllStringSubmatch(string(b), -1) {
			for _, line := range strings.Split(strings.TrimSpace(m[1]), "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				e, err := promParser.ParseExpr(promQL(line))
				if err != nil {
					t.Errorf("%s: %q: %v", filepath.Base(f), line, err)
					continue
				}
				checkSelectors(t, filepath.Base(f)+": "+line, e, series, recs)
			}
		}
	}
}

// Every (severity, team, action) an alert carries has a row in the Alertmanager route table,
// so test/monitoring.sh proves where each alert goes.
func TestEveryAlertRouteIsInTheRouteTable(t *testing.T) {
	f, err := os.Open(repo("configs", "alertmanager", "routes_test.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 2)
		if len(parts) != 2 {
			t.Errorf("route table row %q has no tab", line)
			continue
		}
		l := map[string]string{}
		for _, kv := range strings.Fields(parts[1]) {
			k, v, _ := strings.Cut(kv, "=")
			l[k] = v
		}
		rows[l["severity"]+"/"+l["team"]+"/"+l["action"]] = true
	}
	for _, r := range alerts(loadRules(t)) {
		key := r.Labels["severity"] + "/" + r.Labels["team"] + "/" + r.Labels["action"]
		if !rows[key] {
			t.Errorf("%s: no route table row for severity/team/action %s", r.Alert, key)
		}
	}
}

// The alert catalog (docs/alerts.md) lists every alert with its reason.
func TestAlertCatalogListsEveryAlert(t *testing.T) {
	doc := string(readFile(t, repo("docs", "alerts.md")))
	for _, r := range alerts(loadRules(t)) {
		if !strings.Contains(doc, "["+r.Alert+"](runbooks/"+r.Alert+".md)") {
			t.Errorf("docs/alerts.md does not list %s", r.Alert)
		}
	}
}
