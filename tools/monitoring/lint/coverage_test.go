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

// incidentRule is one rule of an `incident` exporter in configs/*.yaml.
type incidentRule struct {
	File      string
	Name      string            `yaml:"name"`
	Severity  string            `yaml:"severity"`
	Labels    map[string]string `yaml:"labels"`
	Metric    string            `yaml:"metric"`
	Desc      string            `yaml:"description"`
	Runbook   string            `yaml:"runbook_url"`
	Threshold *float64          `yaml:"threshold"`
}

// incidentRules lists the rules of every `incident` exporter in configs/*.yaml.
func incidentRules(t *testing.T) []incidentRule {
	t.Helper()
	files, err := filepath.Glob(repo("configs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []incidentRule
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			Exporters map[string]struct {
				Rules []incidentRule `yaml:"rules"`
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
				r.File = filepath.Base(f)
				out = append(out, r)
			}
		}
	}
	return out
}

// incidentRuleNames lists the rule names of every `incident` exporter in configs/*.yaml.
func incidentRuleNames(t *testing.T) []string {
	var out []string
	for _, r := range incidentRules(t) {
		out = append(out, r.Name)
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

// routeRow is one row of configs/alertmanager/routes_test.tsv.
type routeRow struct {
	Receivers string
	Labels    map[string]string
}

func loadRouteTable(t *testing.T) []routeRow {
	t.Helper()
	f, err := os.Open(repo("configs", "alertmanager", "routes_test.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []routeRow
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
		rows = append(rows, routeRow{Receivers: parts[0], Labels: l})
	}
	return rows
}

// pagerDutyService is the PagerDuty service (configs/pagerduty/services.yaml) of each team.
var pagerDutyService = map[string]string{"api": "api", "database": "db", "platform": "platform", "security": "security"}

// ladderReceivers is the severity ladder of docs/alerts.md: the receivers, in order, that an
// alert with these labels must reach.
//
//	CRITICAL  severity=critical  the team's PagerDuty service + #incidents + stakeholder status
//	HIGH      severity=error     the team's PagerDuty service + the team's Slack channel
//	MEDIUM    severity=warning   the team's Slack channel (action=ticket: a ticket instead)
//	LOW       severity=info      nowhere (dashboards)
func ladderReceivers(l map[string]string) string {
	if l["alertname"] == "Watchdog" {
		return "deadmans-switch"
	}
	team := l["team"]
	pd, known := pagerDutyService[team]
	if !known {
		pd, team = "platform", "observability"
	}
	switch l["severity"] {
	case "critical":
		return "pagerduty-" + pd + ",slack-incidents,status-stakeholders"
	case "error":
		return "pagerduty-" + pd + ",slack-" + team
	case "warning":
		if l["action"] == "ticket" {
			return "tickets"
		}
		return "slack-" + team
	case "info":
		return "null"
	}
	return "slack-observability"
}

// Every Prometheus alert and every incident rule has a row in the Alertmanager route table
// with its own name, severity, team and action, so test/monitoring.sh proves (amtool) where
// each one goes; every row expects the receivers of the severity ladder.
func TestEveryAlertIsInTheRouteTable(t *testing.T) {
	rows := loadRouteTable(t)
	have := map[string]bool{}
	for _, r := range rows {
		have[r.Labels["alertname"]+"/"+r.Labels["severity"]+"/"+r.Labels["team"]+"/"+r.Labels["action"]] = true
		if want := ladderReceivers(r.Labels); r.Receivers != want {
			t.Errorf("route table row %v expects %s, the severity ladder says %s", r.Labels, r.Receivers, want)
		}
	}
	for _, r := range alerts(loadRules(t)) {
		key := r.Alert + "/" + r.Labels["severity"] + "/" + r.Labels["team"] + "/" + r.Labels["action"]
		if !have[key] {
			t.Errorf("%s: no route table row alertname=%s severity=%s team=%s (action %q)", r.File, r.Alert, r.Labels["severity"], r.Labels["team"], r.Labels["action"])
		}
	}
	for _, r := range incidentRules(t) {
		team := r.Labels["team"]
		if _, ok := pagerDutyService[team]; !ok {
			t.Errorf("%s: incident rule %s has team %q, want one of api|database|platform|security (labels: {team: ...})", r.File, r.Name, team)
		}
		if !have[r.Name+"/"+r.Severity+"/"+team+"/"] {
			t.Errorf("%s: incident rule %s: no route table row alertname=%s severity=%s team=%s", r.File, r.Name, r.Name, r.Severity, team)
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

// One path per alert (docs/alerts.md): a name is raised by Prometheus or by an incident
// exporter, never both, so one fault does not page twice with two label sets.
func TestOnePathPerAlert(t *testing.T) {
	prom := map[string]string{}
	for _, r := range alerts(loadRules(t)) {
		prom[r.Alert] = r.File
	}
	for _, r := range incidentRules(t) {
		if f, ok := prom[r.Name]; ok {
			t.Errorf("%s is raised by Prometheus (%s) and by the incident exporter (%s): keep one owner", r.Name, f, r.File)
		}
	}
}

// Incident rules' notifications carry a runbook link and a first action (their description;
// the notification templates print it), like the Prometheus rules' first_action annotation.
func TestIncidentRulesCarryRunbookAndFirstAction(t *testing.T) {
	for _, r := range incidentRules(t) {
		if want := runbookBase + r.Name + ".md"; r.Runbook != want {
			t.Errorf("%s: incident rule %s runbook_url %q, want %q", r.File, r.Name, r.Runbook, want)
		}
		if !strings.HasPrefix(r.Desc, "First action: ") {
			t.Errorf("%s: incident rule %s: description must start with \"First action: \" (got %q)", r.File, r.Name, r.Desc)
		}
	}
}
