package incident // import "github.com/fraiseql/otelcol-fraiseql/exporter/incident"

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/payload"
)

// Config of the incident exporter.
type Config struct {
	// Storage is the ID of a storage extension (e.g. file_storage/incident) that keeps
	// incident state and the notification outbox across restarts. Without it state lives
	// in memory only (a warning is logged at start).
	Storage *component.ID `mapstructure:"storage"`
	// EvaluationInterval is how often timers (for, keep_firing_for, inactivity, group
	// flushes, escalations, maintenance windows) are evaluated.
	EvaluationInterval time.Duration `mapstructure:"evaluation_interval"`
	// MaxIncidents caps tracked fingerprints; new ones beyond it are dropped and counted.
	MaxIncidents int `mapstructure:"max_incidents"`
	// Retention keeps resolved incidents (flap history, Alertmanager re-sends of resolves).
	Retention time.Duration `mapstructure:"retention"`

	Rules        []RuleConfig        `mapstructure:"rules"`
	Routes       []RouteConfig       `mapstructure:"routes"`
	Maintenance  []WindowConfig      `mapstructure:"maintenance"`
	Destinations []DestinationConfig `mapstructure:"destinations"`
}

// RuleConfig is one alerting rule.
type RuleConfig struct {
	Name string `mapstructure:"name"`
	// Signal is "logs" or "metrics".
	Signal   string `mapstructure:"signal"`
	Severity string `mapstructure:"severity"`
	// Labels are static labels added to every alert of the rule (for example team, which
	// routes the alert to the owning team). They cannot be alertname, severity or an
	// identity key.
	Labels map[string]string `mapstructure:"labels"`
	// Identity attribute keys (record/point attributes first, then resource attributes).
	// Their values, with the rule name, make the fingerprint. Default: service.name.
	Identity    []string `mapstructure:"identity"`
	Summary     string   `mapstructure:"summary"`
	Description string   `mapstructure:"description"`
	RunbookURL  string   `mapstructure:"runbook_url"`

	// Logs.
	When      *LogMatchConfig `mapstructure:"when"`
	ClearWhen *LogMatchConfig `mapstructure:"clear_when"`
	MinCount  int             `mapstructure:"min_count"`
	Window    time.Duration   `mapstructure:"window"`

	// Metrics.
	Metric         string            `mapstructure:"metric"`
	Op             string            `mapstructure:"op"`
	Threshold      *float64          `mapstructure:"threshold"`
	ClearThreshold *float64          `mapstructure:"clear_threshold"`
	Attributes     []AttrMatchConfig `mapstructure:"attributes"`

	For           time.Duration `mapstructure:"for"`
	KeepFiringFor time.Duration `mapstructure:"keep_firing_for"`
	Inactivity    time.Duration `mapstructure:"inactivity"`
	Flap          FlapConfig    `mapstructure:"flap"`
}

// LogMatchConfig is a conjunction of conditions on a log record.
type LogMatchConfig struct {
	// Severity is the minimum severity (TRACE..FATAL, optionally 2-4, or 1-24).
	Severity     string            `mapstructure:"severity"`
	BodyContains string            `mapstructure:"body_contains"`
	BodyRegex    string            `mapstructure:"body_regex"`
	Attributes   []AttrMatchConfig `mapstructure:"attributes"`
}

// AttrMatchConfig tests one attribute: op is equals (default), not_equals, regex,
// not_regex, exists or not_exists.
type AttrMatchConfig struct {
	Key   string `mapstructure:"key"`
	Op    string `mapstructure:"op"`
	Value string `mapstructure:"value"`
}

// FlapConfig is flap damping: more than MaxTransitions episode starts within Window make
// the incident flapping: one notice, then quiet until stable for HoldDown.
type FlapConfig struct {
	Disabled       bool          `mapstructure:"disabled"`
	MaxTransitions int           `mapstructure:"max_transitions"`
	Window         time.Duration `mapstructure:"window"`
	HoldDown       time.Duration `mapstructure:"hold_down"`
}

// RouteConfig sends matching alerts to destinations (first match wins unless continue).
type RouteConfig struct {
	Match          map[string]string  `mapstructure:"match"`
	MatchRE        map[string]string  `mapstructure:"match_re"`
	To             []string           `mapstructure:"to"`
	Continue       bool               `mapstructure:"continue"`
	GroupBy        []string           `mapstructure:"group_by"`
	GroupWait      *time.Duration     `mapstructure:"group_wait"`
	GroupInterval  *time.Duration     `mapstructure:"group_interval"`
	RepeatInterval *time.Duration     `mapstructure:"repeat_interval"`
	Escalate       []EscalationConfig `mapstructure:"escalate"`
}

// EscalationConfig: still firing After its start → also notify To.
type EscalationConfig struct {
	After time.Duration `mapstructure:"after"`
	To    []string      `mapstructure:"to"`
}

// WindowConfig is a maintenance window: start/end (RFC 3339) or cron + duration + timezone.
type WindowConfig struct {
	Name     string            `mapstructure:"name"`
	Match    map[string]string `mapstructure:"match"`
	MatchRE  map[string]string `mapstructure:"match_re"`
	Start    time.Time         `mapstructure:"start"`
	End      time.Time         `mapstructure:"end"`
	Cron     string            `mapstructure:"cron"`
	Duration time.Duration     `mapstructure:"duration"`
	Timezone string            `mapstructure:"timezone"`
}

// DestinationType is the kind of a destination.
type DestinationType string

// Destination types.
const (
	TypePagerDuty    DestinationType = "pagerduty"
	TypeSlack        DestinationType = "slack"
	TypeWebhook      DestinationType = "webhook"
	TypeAlertmanager DestinationType = "alertmanager"
)

// DestinationConfig is one destination: a name, a type, the HTTP client (confighttp, with
// endpoint, timeout, TLS, proxy, headers), the block of its type, and delivery settings.
type DestinationConfig struct {
	Name string          `mapstructure:"name"`
	Type DestinationType `mapstructure:"type"`
	// ClientConfig is the HTTP client. Its endpoint is the PagerDuty enqueue URL (default
	// https://events.pagerduty.com/v2/enqueue), the webhook URL or the Alertmanager base
	// URL; Slack takes its URL from slack.webhook_url (a secret) instead.
	ClientConfig confighttp.ClientConfig `mapstructure:",squash"`

	PagerDuty    *PagerDutyConfig    `mapstructure:"pagerduty"`
	Slack        *SlackConfig        `mapstructure:"slack"`
	Webhook      *WebhookConfig      `mapstructure:"webhook"`
	Alertmanager *AlertmanagerConfig `mapstructure:"alertmanager"`

	// Delivery (not Alertmanager, which is sent its whole alert set periodically).
	RateLimit      float64       `mapstructure:"rate_limit"`
	Burst          int           `mapstructure:"burst"`
	MaxAge         time.Duration `mapstructure:"max_age"`
	RetryOnFailure RetryConfig   `mapstructure:"retry_on_failure"`
}

// PagerDutyConfig is the pagerduty block.
type PagerDutyConfig struct {
	// RoutingKey is the Events API v2 integration key (32 characters).
	RoutingKey     configopaque.String `mapstructure:"routing_key"`
	Source         string              `mapstructure:"source"`
	Client         string              `mapstructure:"client"`
	ClientURL      string              `mapstructure:"client_url"`
	DedupKeyPrefix string              `mapstructure:"dedup_key_prefix"`
}

// SlackConfig is the slack block.
type SlackConfig struct {
	// WebhookURL is the incoming-webhook URL (a secret: it is the credential).
	WebhookURL configopaque.String `mapstructure:"webhook_url"`
}

// WebhookConfig is the (optional) webhook block.
type WebhookConfig struct {
	// Secret signs each request: X-Incident-Signature = HMAC-SHA256 of timestamp.body.
	Secret configopaque.String `mapstructure:"secret"`
	// ExternalURL fills the payload's externalURL.
	ExternalURL string `mapstructure:"external_url"`
}

// AlertmanagerConfig is the (optional) alertmanager block.
type AlertmanagerConfig struct {
	ResendInterval    time.Duration `mapstructure:"resend_interval"`
	ResolvedResendFor time.Duration `mapstructure:"resolved_resend_for"`
	GeneratorURL      string        `mapstructure:"generator_url"`
}

// RetryConfig is the backoff between delivery attempts, with the fields and semantics of
// the collector's configretry.BackOffConfig (initial_interval, multiplied by multiplier
// after each failure up to max_interval, each wait randomized by +-randomization_factor)
// except that a notification is never given up before max_age: there is no enabled and
// no max_elapsed_time. A Retry-After from the destination takes precedence.
type RetryConfig struct {
	InitialInterval     time.Duration `mapstructure:"initial_interval"`
	RandomizationFactor float64       `mapstructure:"randomization_factor"`
	Multiplier          float64       `mapstructure:"multiplier"`
	MaxInterval         time.Duration `mapstructure:"max_interval"`
}

// Defaults applied to zero values.
const (
	defaultEvaluationInterval = time.Second
	defaultMaxIncidents       = 10000
	defaultRetention          = 24 * time.Hour
	defaultInactivity         = 15 * time.Minute
	defaultFlapMax            = 3
	defaultFlapWindow         = 10 * time.Minute
	defaultHoldDown           = 10 * time.Minute
	defaultGroupWait          = 30 * time.Second
	defaultGroupInterval      = 5 * time.Minute
	defaultRepeatInterval     = 4 * time.Hour
	defaultMaxAge             = 24 * time.Hour
	defaultRetryInitial       = 5 * time.Second
	defaultRetryMax           = 5 * time.Minute
	defaultRetryMultiplier    = 2.0
	defaultRetryRandomization = 0.5
	defaultTimeout            = 10 * time.Second
	defaultResendInterval     = time.Minute
	defaultResolvedResendFor  = 15 * time.Minute
	defaultPagerDutyURL       = "https://events.pagerduty.com/v2/enqueue"
	defaultDedupPrefix        = "otelcol-fraiseql"
)

func createDefaultConfig() component.Config {
	return &Config{
		EvaluationInterval: defaultEvaluationInterval,
		MaxIncidents:       defaultMaxIncidents,
		Retention:          defaultRetention,
	}
}

func validSeverity(s string) bool {
	for _, v := range payload.PDSeverities {
		if s == v {
			return true
		}
	}
	return false
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Validate checks the whole configuration; every error names its field.
func (c *Config) Validate() error {
	var errs []error
	add := func(field string, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if c.EvaluationInterval <= 0 {
		add("evaluation_interval", "must be positive")
	}
	if c.MaxIncidents < 0 {
		add("max_incidents", "must not be negative")
	}
	if c.Retention < 0 {
		add("retention", "must not be negative")
	}
	if len(c.Rules) == 0 {
		add("rules", "at least one rule is required")
	}
	if len(c.Destinations) == 0 {
		add("destinations", "at least one destination is required")
	}
	names := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		f := fmt.Sprintf("rules[%d]", i)
		if r.Name == "" {
			add(f+".name", "is required")
		} else if names[r.Name] {
			add(f+".name", "duplicate rule name %q", r.Name)
		}
		names[r.Name] = true
		if _, err := compileRule(r); err != nil {
			errs = append(errs, prefixErr(f, err))
		}
	}
	dests := map[string]bool{}
	for i := range c.Destinations {
		d := &c.Destinations[i]
		f := fmt.Sprintf("destinations[%d]", i)
		if d.Name == "" {
			add(f+".name", "is required")
		} else if dests[d.Name] {
			add(f+".name", "duplicate destination name %q", d.Name)
		}
		dests[d.Name] = true
		if err := d.validate(); err != nil {
			errs = append(errs, prefixErr(f, err))
		}
	}
	for i := range c.Routes {
		r := &c.Routes[i]
		f := fmt.Sprintf("routes[%d]", i)
		if len(r.To) == 0 {
			add(f+".to", "at least one destination is required")
		}
		for j, n := range r.To {
			if !dests[n] {
				add(fmt.Sprintf("%s.to[%d]", f, j), "unknown destination %q", n)
			}
		}
		for j, s := range r.Escalate {
			if s.After <= 0 {
				add(fmt.Sprintf("%s.escalate[%d].after", f, j), "must be positive")
			}
			if len(s.To) == 0 {
				add(fmt.Sprintf("%s.escalate[%d].to", f, j), "at least one destination is required")
			}
			for k, n := range s.To {
				if !dests[n] {
					add(fmt.Sprintf("%s.escalate[%d].to[%d]", f, j, k), "unknown destination %q", n)
				}
			}
		}
		for name, v := range map[string]*time.Duration{"group_wait": r.GroupWait, "group_interval": r.GroupInterval, "repeat_interval": r.RepeatInterval} {
			if v != nil && *v < 0 {
				add(f+"."+name, "must not be negative")
			}
		}
		if r.GroupInterval != nil && *r.GroupInterval == 0 {
			add(f+".group_interval", "must be positive")
		}
		if _, err := compileRoute(r); err != nil {
			errs = append(errs, prefixErr(f, err))
		}
	}
	for i := range c.Maintenance {
		if _, err := compileWindow(&c.Maintenance[i]); err != nil {
			errs = append(errs, prefixErr(fmt.Sprintf("maintenance[%d]", i), err))
		}
	}
	return errors.Join(errs...)
}

func (d *DestinationConfig) validate() error {
	var errs []error
	add := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf(".%s: %s", field, fmt.Sprintf(format, a...)))
	}
	blocks := map[DestinationType]bool{TypePagerDuty: d.PagerDuty != nil, TypeSlack: d.Slack != nil, TypeWebhook: d.Webhook != nil, TypeAlertmanager: d.Alertmanager != nil}
	for _, t := range []DestinationType{TypePagerDuty, TypeSlack, TypeWebhook, TypeAlertmanager} {
		if blocks[t] && t != d.Type {
			add(string(t), "is for type %s destinations; this one is type %q", t, d.Type)
		}
	}
	switch d.Type {
	case TypePagerDuty:
		if d.PagerDuty == nil {
			add("pagerduty", "is required for a pagerduty destination (routing_key)")
			break
		}
		p := d.PagerDuty
		if n := len(string(p.RoutingKey)); n != payload.PDRoutingKeyLen {
			add("pagerduty.routing_key", "must be %d characters (PagerDuty integration key), got %d", payload.PDRoutingKeyLen, n)
		}
		if d.ClientConfig.Endpoint != "" && !httpURL(d.ClientConfig.Endpoint) {
			add("endpoint", "must be an http(s) URL")
		}
		if len(p.DedupKeyPrefix) > 128 {
			add("pagerduty.dedup_key_prefix", "must be at most 128 characters (dedup_key is at most 255)")
		}
		if p.ClientURL != "" && !httpURL(p.ClientURL) {
			add("pagerduty.client_url", "must be an http(s) URL")
		}
	case TypeSlack:
		if d.Slack == nil || !httpURL(string(d.Slack.WebhookURL)) {
			add("slack.webhook_url", "is required and must be an http(s) URL")
		}
		if d.ClientConfig.Endpoint != "" {
			add("endpoint", "is not used for slack; set slack.webhook_url")
		}
	case TypeWebhook:
		if !httpURL(d.ClientConfig.Endpoint) {
			add("endpoint", "is required and must be an http(s) URL")
		}
	case TypeAlertmanager:
		if !httpURL(d.ClientConfig.Endpoint) {
			add("endpoint", "is required and must be the Alertmanager base URL (http(s)://host:port)")
		}
		if a := d.Alertmanager; a != nil {
			if a.ResendInterval < 0 {
				add("alertmanager.resend_interval", "must not be negative")
			}
			if a.ResolvedResendFor < 0 {
				add("alertmanager.resolved_resend_for", "must not be negative")
			}
			if a.GeneratorURL != "" && !httpURL(a.GeneratorURL) {
				add("alertmanager.generator_url", "must be an http(s) URL")
			}
		}
	case "":
		add("type", "is required (pagerduty, slack, webhook or alertmanager)")
	default:
		add("type", "unknown type %q (want pagerduty, slack, webhook or alertmanager)", d.Type)
	}
	if d.RateLimit < 0 {
		add("rate_limit", "must not be negative")
	}
	if d.Burst < 0 {
		add("burst", "must not be negative")
	}
	if d.MaxAge < 0 {
		add("max_age", "must not be negative")
	}
	r := d.RetryOnFailure
	if r.InitialInterval < 0 {
		add("retry_on_failure.initial_interval", "must not be negative")
	}
	if r.MaxInterval < 0 {
		add("retry_on_failure.max_interval", "must not be negative")
	}
	if r.InitialInterval > 0 && r.MaxInterval > 0 && r.MaxInterval < r.InitialInterval {
		add("retry_on_failure.max_interval", "must be >= retry_on_failure.initial_interval")
	}
	if r.Multiplier != 0 && r.Multiplier < 1 {
		add("retry_on_failure.multiplier", "must be at least 1, got %g", r.Multiplier)
	}
	if r.RandomizationFactor < 0 || r.RandomizationFactor >= 1 {
		add("retry_on_failure.randomization_factor", "must be in [0, 1), got %g", r.RandomizationFactor)
	}
	return errors.Join(errs...)
}
