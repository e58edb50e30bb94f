package incident

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"

	"github.com/fraiseql/otelcol-fraiseql/internal/factorytest"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cfg, err := factorytest.LoadConfig[*Config](t, NewFactory(), name)
	require.NoError(t, err)
	return cfg
}

func TestLoadConfig(t *testing.T) {
	min := loadConfig(t, "")
	require.NoError(t, confmap.Validate(min))
	assert.Equal(t, time.Second, min.EvaluationInterval)
	assert.Equal(t, 10000, min.MaxIncidents)

	full := loadConfig(t, "full")
	require.NoError(t, confmap.Validate(full))
	assert.Equal(t, "file_storage/incident", full.Storage.String())
	assert.Equal(t, 2*time.Second, full.EvaluationInterval)
	require.Len(t, full.Rules, 2)
	assert.Equal(t, 0.4, *full.Rules[0].ClearThreshold)
	assert.Equal(t, "https://runbooks.example.com/anomaly", full.Rules[0].RunbookURL)
	assert.Equal(t, "not_equals", full.Rules[1].When.Attributes[0].Op)
	assert.Equal(t, 20*time.Minute, full.Rules[1].Flap.HoldDown)
	require.Len(t, full.Routes, 2)
	assert.Equal(t, time.Duration(0), *full.Routes[0].GroupWait)
	assert.Nil(t, full.Routes[1].GroupWait)
	assert.Equal(t, "Europe/Paris", full.Maintenance[0].Timezone)
	assert.Equal(t, "0123456789abcdef0123456789abcdef", string(full.Destinations[0].PagerDuty.RoutingKey))
	assert.Equal(t, 5*time.Second, full.Destinations[2].ClientConfig.Timeout)

	ec, err := full.engineConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, 4, ec.Rules[1].Params.FlapMax)
	assert.Equal(t, 15*time.Minute, ec.Rules[0].Params.Inactivity) // default
	assert.Equal(t, time.Minute, ec.Router.Routes[0].GroupInterval)
	assert.Equal(t, 2*time.Hour, ec.Router.Routes[1].RepeatInterval)
	assert.Equal(t, 30*time.Second, ec.Router.Routes[1].GroupWait) // default

	err = confmap.Validate(loadConfig(t, "bad_destination"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "destinations[0].pagerduty.routing_key: must be 32 characters")
}

func validConfig() *Config {
	th := 0.5
	cfg := createDefaultConfig().(*Config)
	cfg.Rules = []RuleConfig{{Name: "A", Signal: "metrics", Severity: "critical", Metric: "anomaly.score", Threshold: &th}}
	cfg.Destinations = []DestinationConfig{{Name: "pd", Type: TypePagerDuty, PagerDuty: &PagerDutyConfig{RoutingKey: "0123456789abcdef0123456789abcdef"}}}
	return cfg
}

// Every error of a rule with several problems keeps the rule's path, and each problem is
// reported under its own field.
func TestValidateEveryErrorKeepsItsPath(t *testing.T) {
	nan := math.NaN()
	cfg := validConfig()
	cfg.Rules[0].Severity = "page"
	cfg.Rules[0].Op = "=="
	cfg.Rules[0].Threshold = &nan
	cfg.Rules[0].For = -time.Second
	cfg.Maintenance = []WindowConfig{{Cron: "0 25 * * *", Duration: time.Hour}}
	err := cfg.Validate()
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		assert.Regexp(t, `^(rules\[0\]|maintenance\[0\])\.[a-z_]+: `, l)
	}
	for _, want := range []string{"rules[0].severity: ", "rules[0].op: ", "rules[0].threshold: ", "rules[0].for: ", "maintenance[0].name: ", "maintenance[0].cron: "} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "clear_threshold")
}

func TestValidateNamesTheField(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	neg := -time.Second
	cases := []struct {
		name   string
		mutate func(c *Config)
		want   string
	}{
		{"no rules", func(c *Config) { c.Rules = nil }, "rules: at least one rule is required"},
		{"no destinations", func(c *Config) { c.Destinations = nil }, "destinations: at least one destination is required"},
		{"interval", func(c *Config) { c.EvaluationInterval = 0 }, "evaluation_interval: must be positive"},
		{"rule name", func(c *Config) { c.Rules[0].Name = "" }, "rules[0].name: is required"},
		{"dup rule", func(c *Config) { c.Rules = append(c.Rules, c.Rules[0]) }, `rules[1].name: duplicate rule name "A"`},
		{"severity", func(c *Config) { c.Rules[0].Severity = "page" }, "rules[0].severity: must be one of critical, error, warning, info"},
		{"signal", func(c *Config) { c.Rules[0].Signal = "traces" }, "rules[0].signal: must be logs or metrics"},
		{"metric", func(c *Config) { c.Rules[0].Metric = "" }, "rules[0].metric: is required"},
		{"threshold", func(c *Config) { c.Rules[0].Threshold = nil }, "rules[0].threshold: is required"},
		{"hysteresis", func(c *Config) { c.Rules[0].ClearThreshold = f(0.9) }, "rules[0].clear_threshold: clear_threshold 0.9 must be <= threshold 0.5"},
		{"op", func(c *Config) { c.Rules[0].Op = "==" }, `rules[0].op: unknown op "=="`},
		{"nan threshold", func(c *Config) { c.Rules[0].Threshold = f(math.NaN()) }, "rules[0].threshold: must be a finite number, got NaN"},
		{"inf clear_threshold", func(c *Config) { c.Rules[0].ClearThreshold = f(math.Inf(-1)) }, "rules[0].clear_threshold: must be a finite number, got -Inf"},
		{"template", func(c *Config) { c.Rules[0].Summary = "{{.Rule" }, "rules[0].summary: invalid template"},
		{"runbook template", func(c *Config) { c.Rules[0].RunbookURL = "{{nosuchfunc}}" }, "rules[0].runbook_url: invalid template"},
		{"identity", func(c *Config) { c.Rules[0].Identity = []string{"alertname"} }, "rules[0].identity[0]"},
		{"label alertname", func(c *Config) { c.Rules[0].Labels = map[string]string{"alertname": "x"} }, `rules[0].labels: key "alertname"`},
		{"label identity", func(c *Config) {
			c.Rules[0].Identity = []string{"team"}
			c.Rules[0].Labels = map[string]string{"team": "api"}
		}, `rules[0].labels: key "team" is also an identity key`},
		{"label empty", func(c *Config) { c.Rules[0].Labels = map[string]string{"team": ""} }, "rules[0].labels.team: must not be empty"},
		{"negative for", func(c *Config) { c.Rules[0].For = -time.Second }, "rules[0].for: must not be negative"},
		{"logs when", func(c *Config) { c.Rules[0] = RuleConfig{Name: "L", Signal: "logs", Severity: "error"} }, "rules[0].when: is required"},
		{"empty when", func(c *Config) {
			c.Rules[0] = RuleConfig{Name: "L", Signal: "logs", Severity: "error", When: &LogMatchConfig{}}
		}, "rules[0].when: needs at least one of"},
		{"bad log severity", func(c *Config) {
			c.Rules[0] = RuleConfig{Name: "L", Signal: "logs", Severity: "error", When: &LogMatchConfig{Severity: "LOUD"}}
		}, "rules[0].when.severity: unknown severity"},
		{"bad body regex", func(c *Config) {
			c.Rules[0] = RuleConfig{Name: "L", Signal: "logs", Severity: "error", When: &LogMatchConfig{BodyRegex: "("}}
		}, "rules[0].when.body_regex"},
		{"bad attr op", func(c *Config) {
			c.Rules[0] = RuleConfig{Name: "L", Signal: "logs", Severity: "error", When: &LogMatchConfig{Attributes: []AttrMatchConfig{{Key: "k", Op: "like"}}}}
		}, "rules[0].when.attributes[0]: unknown op"},
		{"min_count window", func(c *Config) {
			c.Rules[0] = RuleConfig{Name: "L", Signal: "logs", Severity: "error", When: &LogMatchConfig{Severity: "ERROR"}, MinCount: 5}
		}, "rules[0].window: is required"},
		{"block of another type", func(c *Config) { c.Destinations[0].Slack = &SlackConfig{} }, `destinations[0].slack: is for type slack destinations; this one is type "pagerduty"`},
		{"pagerduty block", func(c *Config) { c.Destinations[0].PagerDuty = nil }, "destinations[0].pagerduty: is required for a pagerduty destination"},
		{"multiplier", func(c *Config) { c.Destinations[0].RetryOnFailure.Multiplier = 0.5 }, "destinations[0].retry_on_failure.multiplier: must be at least 1"},
		{"randomization", func(c *Config) { c.Destinations[0].RetryOnFailure.RandomizationFactor = 1 }, "destinations[0].retry_on_failure.randomization_factor: must be in [0, 1)"},
		{"dest type", func(c *Config) { c.Destinations[0].Type = "email" }, `destinations[0].type: unknown type "email"`},
		{"dest name", func(c *Config) { c.Destinations = append(c.Destinations, c.Destinations[0]) }, `destinations[1].name: duplicate destination name "pd"`},
		{"slack url", func(c *Config) { c.Destinations[0] = DestinationConfig{Name: "s", Type: TypeSlack} }, "destinations[0].slack.webhook_url: is required"},
		{"webhook endpoint", func(c *Config) {
			c.Destinations[0] = DestinationConfig{Name: "w", Type: TypeWebhook, ClientConfig: confighttp.ClientConfig{Endpoint: "ftp://x"}}
		}, "destinations[0].endpoint: is required and must be an http(s) URL"},
		{"am endpoint", func(c *Config) { c.Destinations[0] = DestinationConfig{Name: "a", Type: TypeAlertmanager} }, "destinations[0].endpoint: is required and must be the Alertmanager base URL"},
		{"retry", func(c *Config) {
			c.Destinations[0].RetryOnFailure = RetryConfig{InitialInterval: time.Minute, MaxInterval: time.Second}
		}, "destinations[0].retry_on_failure.max_interval"},
		{"route dest", func(c *Config) { c.Routes = []RouteConfig{{To: []string{"nope"}}} }, `routes[0].to[0]: unknown destination "nope"`},
		{"route regex", func(c *Config) { c.Routes = []RouteConfig{{To: []string{"pd"}, MatchRE: map[string]string{"a": "("}}} }, "routes[0].match_re"},
		{"group wait", func(c *Config) { c.Routes = []RouteConfig{{To: []string{"pd"}, GroupWait: &neg}} }, "routes[0].group_wait: must not be negative"},
		{"escalate", func(c *Config) {
			c.Routes = []RouteConfig{{To: []string{"pd"}, Escalate: []EscalationConfig{{To: []string{"x"}}}}}
		}, "routes[0].escalate[0].after: must be positive"},
		{"window tz", func(c *Config) {
			c.Maintenance = []WindowConfig{{Name: "w", Cron: "0 2 * * *", Duration: time.Hour, Timezone: "Mars/Olympus"}}
		}, "maintenance[0].timezone"},
		{"window cron", func(c *Config) { c.Maintenance = []WindowConfig{{Name: "w", Cron: "0 25 * * *", Duration: time.Hour}} }, "maintenance[0].cron"},
		{"window end before start", func(c *Config) {
			c.Maintenance = []WindowConfig{{Name: "w", Start: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
		}, "maintenance[0].start: end must be after start"},
		{"window empty", func(c *Config) { c.Maintenance = []WindowConfig{{Name: "w"}} }, "maintenance[0].start: set start/end or cron/duration"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			require.NoError(t, cfg.Validate())
			c.mutate(cfg)
			err := cfg.Validate()
			require.Error(t, err)
			assert.True(t, strings.Contains(err.Error(), c.want), "error %q does not contain %q", err, c.want)
		})
	}
}
