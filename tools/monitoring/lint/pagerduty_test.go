package lint

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type pdConfig struct {
	Services []struct {
		ID                     string `yaml:"id"`
		Name                   string `yaml:"name"`
		EscalationPolicy       string `yaml:"escalation_policy"`
		AcknowledgementTimeout int    `yaml:"acknowledgement_timeout"`
		Integration            struct {
			Type           string `yaml:"type"`
			RoutingKeyFile string `yaml:"routing_key_file"`
		} `yaml:"integration"`
	} `yaml:"services"`
	EscalationPolicies []struct {
		ID       string `yaml:"id"`
		NumLoops int    `yaml:"num_loops"`
		Rules    []struct {
			Delay   int `yaml:"escalation_delay_in_minutes"`
			Targets []struct {
				Type string `yaml:"type"`
				ID   string `yaml:"id"`
			} `yaml:"targets"`
		} `yaml:"rules"`
	} `yaml:"escalation_policies"`
	Schedules []struct {
		ID string `yaml:"id"`
	} `yaml:"schedules"`
	Users []struct {
		ID string `yaml:"id"`
	} `yaml:"users"`
}

type amConfig struct {
	Receivers []struct {
		Name             string `yaml:"name"`
		PagerdutyConfigs []struct {
			RoutingKeyFile string `yaml:"routing_key_file"`
			RoutingKey     string `yaml:"routing_key"`
			ServiceKey     string `yaml:"service_key"`
		} `yaml:"pagerduty_configs"`
	} `yaml:"receivers"`
}

func loadYAML(t *testing.T, path string, v any) {
	t.Helper()
	if err := yaml.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// configs/pagerduty/services.yaml (PagerDuty as code) agrees with Alertmanager and the
// runbooks: one service per team, each paged by its own Alertmanager receiver with its own
// routing key file, each with an escalation policy that reaches a second person within 15
// minutes and the team lead within 30 (the runbooks' "after 30 min"), and an acknowledgement
// timeout so an acknowledged but unresolved page escalates again.
func TestPagerDutyAsCode(t *testing.T) {
	var pd pdConfig
	loadYAML(t, repo("configs", "pagerduty", "services.yaml"), &pd)
	var am amConfig
	loadYAML(t, repo("configs", "alertmanager", "alertmanager.yml"), &am)

	targets := map[string]bool{}
	for _, s := range pd.Schedules {
		targets["schedule_reference/"+s.ID] = true
	}
	for _, u := range pd.Users {
		targets["user_reference/"+u.ID] = true
	}
	policies := map[string]bool{}
	for _, p := range pd.EscalationPolicies {
		policies[p.ID] = true
		if len(p.Rules) < 2 {
			t.Errorf("escalation policy %s: %d levels, want at least 2 (a page nobody acknowledges must reach a second person)", p.ID, len(p.Rules))
		}
		if p.NumLoops < 1 {
			t.Errorf("escalation policy %s: num_loops %d, want >= 1", p.ID, p.NumLoops)
		}
		elapsed := 0
		for i, r := range p.Rules {
			if r.Delay < 5 {
				t.Errorf("escalation policy %s level %d: delay %d min, want >= 5 (time to acknowledge)", p.ID, i+1, r.Delay)
			}
			if i == 0 && r.Delay > 15 {
				t.Errorf("escalation policy %s: first level waits %d min, want <= 15", p.ID, r.Delay)
			}
			if i == len(p.Rules)-1 && elapsed > 30 {
				t.Errorf("escalation policy %s: last level reached after %d min, want <= 30", p.ID, elapsed)
			}
			if len(r.Targets) == 0 {
				t.Errorf("escalation policy %s level %d: no target", p.ID, i+1)
			}
			for _, tg := range r.Targets {
				if !targets[tg.Type+"/"+tg.ID] {
					t.Errorf("escalation policy %s level %d: unknown target %s %s", p.ID, i+1, tg.Type, tg.ID)
				}
			}
			elapsed += r.Delay
		}
	}

	amKeys := map[string]string{}
	for _, r := range am.Receivers {
		for _, c := range r.PagerdutyConfigs {
			if c.RoutingKey != "" || c.ServiceKey != "" {
				t.Errorf("receiver %s: inline PagerDuty key; use routing_key_file", r.Name)
			}
			if !strings.HasPrefix(r.Name, "pagerduty-") {
				t.Errorf("receiver %s pages PagerDuty but is not named pagerduty-<service>", r.Name)
			}
			amKeys[strings.TrimPrefix(r.Name, "pagerduty-")] = c.RoutingKeyFile
		}
	}
	services, files := map[string]bool{}, map[string]string{}
	for _, s := range pd.Services {
		services[s.ID] = true
		if !policies[s.EscalationPolicy] {
			t.Errorf("service %s: unknown escalation policy %q", s.ID, s.EscalationPolicy)
		}
		if s.AcknowledgementTimeout < 600 || s.AcknowledgementTimeout > 3600 {
			t.Errorf("service %s: acknowledgement_timeout %ds, want 10 to 60 minutes", s.ID, s.AcknowledgementTimeout)
		}
		f := s.Integration.RoutingKeyFile
		if prev, ok := files[f]; ok {
			t.Errorf("services %s and %s share the routing key file %s (one key per service)", prev, s.ID, f)
		}
		files[f] = s.ID
		if got, ok := amKeys[s.ID]; !ok {
			t.Errorf("service %s: no Alertmanager receiver pagerduty-%s", s.ID, s.ID)
		} else if got != f {
			t.Errorf("service %s: Alertmanager reads %q, the service's key is %q", s.ID, got, f)
		}
	}
	for id := range amKeys {
		if !services[id] {
			t.Errorf("receiver pagerduty-%s has no service in configs/pagerduty/services.yaml", id)
		}
	}
	for team, id := range pagerDutyService {
		if !services[id] {
			t.Errorf("team %s: PagerDuty service %s missing", team, id)
		}
	}

	// Runbooks name the PagerDuty services by their names.
	names := map[string]bool{}
	for _, s := range pd.Services {
		names[s.Name] = true
	}
	re := regexp.MustCompile(`PagerDuty (?:service )?"([^"]+)"`)
	rbs, _ := filepath.Glob(repo("docs", "runbooks", "*.md"))
	for _, f := range rbs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !names[m[1]] {
				t.Errorf("%s names PagerDuty service %q, not in configs/pagerduty/services.yaml", filepath.Base(f), m[1])
			}
		}
	}
}
