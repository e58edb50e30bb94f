package incident

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadatatest"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/payload"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
)

func baseConfig(pd *fakes.PagerDuty, sl *fakes.Slack, wh *fakes.Webhook) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.EvaluationInterval = 10 * time.Millisecond
	cfg.Rules = []RuleConfig{
		{Name: "ErrorLogs", Signal: "logs", Severity: "error", When: &LogMatchConfig{Severity: "ERROR"},
			Summary: `{{.Rule}} in {{index .Labels "service.name"}}: {{.Body}}`, RunbookURL: "https://runbooks.example.com/errors"},
		{Name: "ReplicationLag", Signal: "metrics", Severity: "critical", Metric: "postgresql.replication.lag", Threshold: flt(10), ClearThreshold: flt(5),
			Identity: []string{"service.name", "replica"}, Flap: FlapConfig{Disabled: true}},
	}
	var to []string
	if pd != nil {
		cfg.Destinations = append(cfg.Destinations, DestinationConfig{Name: "pd", Type: TypePagerDuty, ClientConfig: confighttp.ClientConfig{Endpoint: pd.URL()}, PagerDuty: &PagerDutyConfig{RoutingKey: testRoutingKey},
			RetryOnFailure: RetryConfig{InitialInterval: 20 * time.Millisecond, MaxInterval: 100 * time.Millisecond}})
		to = append(to, "pd")
	}
	if sl != nil {
		cfg.Destinations = append(cfg.Destinations, DestinationConfig{Name: "slack", Type: TypeSlack, Slack: &SlackConfig{WebhookURL: configopaqueString(sl.URL())}, RateLimit: 100, Burst: 10,
			RetryOnFailure: RetryConfig{InitialInterval: 20 * time.Millisecond, MaxInterval: 100 * time.Millisecond}})
		to = append(to, "slack")
	}
	if wh != nil {
		cfg.Destinations = append(cfg.Destinations, DestinationConfig{Name: "hooks", Type: TypeWebhook, ClientConfig: confighttp.ClientConfig{Endpoint: wh.URL}, Webhook: &WebhookConfig{Secret: configopaqueString(string(wh.Secret))}})
		to = append(to, "hooks")
	}
	cfg.Routes = []RouteConfig{{To: to, GroupWait: dur(0), GroupInterval: dur(50 * time.Millisecond)}}
	return cfg
}

type pair struct {
	logs    exporter.Logs
	metrics exporter.Metrics
}

func startPair(t *testing.T, set exporter.Settings, cfg *Config, host *storageHost) pair {
	t.Helper()
	require.NoError(t, cfg.Validate())
	f := NewFactory()
	l, err := f.CreateLogs(ctx, set, cfg)
	require.NoError(t, err)
	m, err := f.CreateMetrics(ctx, set, cfg)
	require.NoError(t, err)
	var h = componenttest.NewNopHost()
	if host != nil {
		require.NoError(t, l.Start(ctx, host))
		require.NoError(t, m.Start(ctx, host))
	} else {
		require.NoError(t, l.Start(ctx, h))
		require.NoError(t, m.Start(ctx, h))
	}
	return pair{l, m}
}

func (p pair) stop(t *testing.T) {
	require.NoError(t, p.logs.Shutdown(ctx))
	require.NoError(t, p.metrics.Shutdown(ctx))
}

func effects(pd *fakes.PagerDuty) []string {
	var out []string
	for _, e := range pd.Events() {
		out = append(out, e.Action+":"+e.Effect)
	}
	return out
}

func TestEndToEndThroughFactory(t *testing.T) {
	pd, sl, wh := fakes.NewPagerDuty(), fakes.NewSlack(), fakes.NewWebhook([]byte("hook-secret"))
	defer pd.Close()
	defer sl.Close()
	defer wh.Close()
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(ctx)) }()
	p := startPair(t, metadatatest.NewSettings(tel), baseConfig(pd, sl, wh), nil)
	defer p.stop(t)

	// 1,000 identical ERROR logs (in two batches) and some INFO noise: one incident.
	require.NoError(t, p.logs.ConsumeLogs(ctx, makeLogs(500, plog.SeverityNumberError, "checkout", "connection refused")))
	require.NoError(t, p.logs.ConsumeLogs(ctx, makeLogs(500, plog.SeverityNumberError, "checkout", "connection refused")))
	require.NoError(t, p.logs.ConsumeLogs(ctx, makeLogs(100, plog.SeverityNumberInfo, "api", "fine")))
	require.Eventually(t, func() bool { return len(pd.Events()) == 1 && len(sl.Messages()) == 1 && len(wh.Requests()) == 1 }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond) // several group intervals: nothing more may arrive
	assert.Equal(t, []string{"trigger:opened"}, effects(pd))
	assert.Len(t, sl.Messages(), 1)
	assert.Len(t, wh.Requests(), 1)
	ev := pd.Events()[0]
	assert.Equal(t, "ErrorLogs in checkout: connection refused", ev.Summary)
	assert.Equal(t, "error", ev.Severity)
	assert.Equal(t, "otelcol-fraiseql:"+rules.Fingerprint("ErrorLogs", map[string]string{"service.name": "checkout"}), ev.DedupKey)
	assert.Equal(t, "https://runbooks.example.com/errors", ev.Links[0]["href"])
	assert.Contains(t, sl.Messages()[0].Text, "[FIRING] ErrorLogs")
	hook := wh.Requests()[0]
	assert.Equal(t, "firing", hook.Body["status"])
	assert.NotEmpty(t, hook.Headers.Get(payload.HeaderSignature))
	assert.Zero(t, wh.Denied())

	// A metric threshold with hysteresis: 12 > 10 fires, 7 holds, 3 resolves.
	require.NoError(t, p.metrics.ConsumeMetrics(ctx, makeGauge("postgresql.replication.lag", 12, "postgres")))
	require.Eventually(t, func() bool { return len(pd.Events()) == 2 }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, p.metrics.ConsumeMetrics(ctx, makeGauge("postgresql.replication.lag", 7, "postgres")))
	time.Sleep(150 * time.Millisecond)
	assert.Len(t, pd.Events(), 2, "a value inside the hysteresis band must not resolve")
	require.NoError(t, p.metrics.ConsumeMetrics(ctx, makeGauge("postgresql.replication.lag", 3, "postgres")))
	require.Eventually(t, func() bool { return len(pd.Events()) == 3 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{"trigger:opened", "trigger:opened", "resolve:resolved"}, effects(pd))
	assert.Equal(t, "critical", pd.Events()[1].Severity)
	assert.Equal(t, 1, pd.OpenAlerts())
	require.Eventually(t, func() bool { return len(sl.Messages()) == 3 }, 5*time.Second, 10*time.Millisecond)
	assert.Contains(t, sl.Messages()[2].Text, "[RESOLVED] ReplicationLag")

	// Bad points are counted, not fatal.
	require.NoError(t, p.metrics.ConsumeMetrics(ctx, makeGauge("postgresql.replication.lag", nan, "postgres")))
	assert.Equal(t, int64(1), counterSum(t, tel, "otelcol_exporter_incident_points_invalid", map[string]string{"rule": "ReplicationLag"}))

	// Self-metrics (the counter follows the fake's answer: wait for it).
	require.Eventually(t, func() bool {
		return counterSum(t, tel, "otelcol_exporter_incident_notifications", map[string]string{"destination": "pd", "action": "resolve"}) == 1
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, int64(2), counterSum(t, tel, "otelcol_exporter_incident_notifications", map[string]string{"destination": "pd", "action": "trigger", "outcome": "delivered"}))
	assert.Equal(t, int64(1), counterSum(t, tel, "otelcol_exporter_incident_notifications", map[string]string{"destination": "pd", "action": "resolve", "outcome": "delivered"}))
	assert.Equal(t, int64(1), counterSum(t, tel, "otelcol_exporter_incident_transitions", map[string]string{"rule": "ReplicationLag", "to": "resolved"}))
	n, ok := gaugeValue(t, tel, "otelcol_exporter_incident_active", map[string]string{"rule": "ErrorLogs", "severity": "error"})
	assert.True(t, ok)
	assert.Equal(t, int64(1), n)
	n, ok = gaugeValue(t, tel, "otelcol_exporter_incident_outbox_depth", map[string]string{"destination": "pd"})
	assert.True(t, ok)
	assert.Equal(t, int64(0), n)
	n, _ = gaugeValue(t, tel, "otelcol_exporter_incident_states", map[string]string{"state": "resolved"})
	assert.Equal(t, int64(1), n)
	assert.Equal(t, int64(0), counterSum(t, tel, "otelcol_exporter_incident_state_store_errors", nil))
}

func TestRejectingDestinationDoesNotBlockOthers(t *testing.T) {
	pd, sl := fakes.NewPagerDuty(), fakes.NewSlack()
	defer pd.Close()
	defer sl.Close()
	sl.Script(fakes.Scripted{Status: http.StatusBadRequest, Body: "invalid_payload", Times: 1000})
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(ctx)) }()
	p := startPair(t, metadatatest.NewSettings(tel), baseConfig(pd, sl, nil), nil)
	defer p.stop(t)
	for _, svc := range []string{"a", "b", "c"} {
		require.NoError(t, p.logs.ConsumeLogs(ctx, makeLogs(3, plog.SeverityNumberFatal, svc, "boom")))
	}
	require.Eventually(t, func() bool { return len(pd.Events()) == 3 }, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		return counterSum(t, tel, "otelcol_exporter_incident_notifications_dropped", map[string]string{"destination": "slack", "reason": "permanent"}) >= 1
	}, 5*time.Second, 10*time.Millisecond)
	assert.Empty(t, sl.Messages())
	for _, e := range sl.Errors() {
		assert.Equal(t, "invalid_payload", e)
	}
	// Permanent failures are not retried: no transient outcome for slack.
	assert.Zero(t, counterSum(t, tel, "otelcol_exporter_incident_notification_retries", map[string]string{"destination": "slack"}))
}

func TestStartFailsOnMissingStorage(t *testing.T) {
	wh := fakes.NewWebhook(nil)
	defer wh.Close()
	cfg := baseConfig(nil, nil, wh)
	sid := mustID(t, "file_storage/missing")
	cfg.Storage = &sid
	f := NewFactory()
	l, err := f.CreateLogs(ctx, metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
	require.NoError(t, err)
	err = l.Start(ctx, componenttest.NewNopHost())
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), `storage: extension "file_storage/missing" not found`), err.Error())
	require.NoError(t, l.Shutdown(ctx))
}
