package incident

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/engine"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadatatest"
)

// lockedClock is a fake clock shared by the exporter and a fake server (another goroutine).
type lockedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *lockedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *lockedClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// amConfig routes one logs rule with hostile identity keys to an Alertmanager destination.
func amConfig(am *fakes.Alertmanager) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.EvaluationInterval = 10 * time.Millisecond
	cfg.Rules = []RuleConfig{{
		Name: "ErrorLogs", Signal: "logs", Severity: "error",
		Identity:  []string{"service.name", "1st.attempt", "a-b", "a_b", "pod/é"},
		When:      &LogMatchConfig{Severity: "ERROR"},
		ClearWhen: &LogMatchConfig{BodyContains: "recovered"},
		Summary:   `{{.Rule}}: {{.Body}}`, RunbookURL: "https://runbooks.example.com/errors",
	}}
	cfg.Destinations = []DestinationConfig{{Name: "am", Type: TypeAlertmanager, ClientConfig: confighttp.ClientConfig{Endpoint: am.URL()},
		Alertmanager: &AlertmanagerConfig{ResendInterval: time.Minute, GeneratorURL: "https://collector.example.com/incidents"}}}
	cfg.Routes = []RouteConfig{{To: []string{"am"}, GroupWait: dur(0)}}
	return cfg
}

func amLogs(body string, sev plog.SeverityNumber) plog.Logs {
	ld := makeLogs(1, sev, "checkout", body)
	attrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
	attrs.PutStr("1st.attempt", "yes")
	attrs.PutStr("a-b", "dash")
	attrs.PutStr("a_b", "underscore")
	attrs.PutStr("pod/é", "p-1")
	return ld
}

// startManualAM starts an exporter without background goroutines whose clock and the
// fake's are the same.
func startManualAM(t *testing.T, cfg *Config, host component.Host, clock *lockedClock) (*incidentExporter, *sender, *componenttest.Telemetry) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	tel := componenttest.NewTelemetry()
	x, err := newExporter(metadatatest.NewSettings(tel), cfg)
	require.NoError(t, err)
	x.now = clock.Now
	x.manual = true
	require.NoError(t, x.start(ctx, host))
	var s *sender
	for _, sn := range x.senders {
		sn.backoff.Jitter = func() float64 { return 1 }
		if sn.kind == engine.Alertmanager {
			s = sn
		}
	}
	require.NotNil(t, s)
	return x, s, tel
}

// amRun ticks and steps the Alertmanager sender once per second for d and returns the
// offsets (from the start of the run) at which requests reached the fake.
func amRun(x *incidentExporter, s *sender, am *fakes.Alertmanager, clock *lockedClock, d time.Duration, changed bool) []time.Duration {
	var at []time.Duration
	start := clock.Now()
	last := am.Requests()
	for clock.Now().Sub(start) < d {
		x.tick()
		x.stepAlertmanager(s, changed)
		changed = false
		if n := am.Requests(); n > last {
			at = append(at, clock.Now().Sub(start))
			last = n
		}
		clock.Add(time.Second)
	}
	return at
}

func secs(ns ...int) []time.Duration {
	out := make([]time.Duration, len(ns))
	for i, n := range ns {
		out[i] = time.Duration(n) * time.Second
	}
	return out
}

// TestAlertmanagerDestinationAgainstFake drives the alertmanager destination on a fake
// clock against the Alertmanager 0.25 fake: sanitised names are accepted, firing alerts are
// re-sent every resend_interval with endsAt = now + 4 × resend_interval, an Alertmanager
// restart is repaired by the next re-send (original startsAt), the resolve goes out at once
// with its real endsAt and is re-sent for resolved_resend_for (a restart in that time does
// not re-open it), then nothing more.
func TestAlertmanagerDestinationAgainstFake(t *testing.T) {
	am := fakes.NewAlertmanager()
	defer am.Close()
	t0 := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	clock := &lockedClock{t: t0}
	am.Now = clock.Now
	x, s, _ := startManualAM(t, amConfig(am), componenttest.NewNopHost(), clock)
	defer func() { require.NoError(t, x.shutdown(ctx)) }()

	// Start: nothing to say, nothing sent.
	assert.Empty(t, amRun(x, s, am, clock, 2*time.Second, true))
	require.NoError(t, x.consumeLogs(ctx, amLogs("payment gateway down", plog.SeverityNumberError)))
	fired := clock.Now()
	assert.Equal(t, secs(0, 60, 120), amRun(x, s, am, clock, 150*time.Second, true), "at once, then every resend_interval")
	active := am.Active()
	require.Len(t, active, 1)
	a := active[0]
	assert.Equal(t, map[string]string{"alertname": "ErrorLogs", "severity": "error", "service_name": "checkout", "_1st_attempt": "yes",
		"a_b": "dash", "a_b_2": "underscore", "pod___": "p-1"}, a.Labels, "sanitised, collisions numbered in sorted key order")
	assert.Equal(t, "ErrorLogs: payment gateway down", a.Annotations["summary"])
	assert.Equal(t, "https://runbooks.example.com/errors", a.Annotations["runbook_url"])
	assert.Equal(t, "_1st_attempt=1st.attempt,a_b=a-b,a_b_2=a_b,pod___=pod/é,service_name=service.name", a.Annotations["otel_label_names"])
	assert.Equal(t, "https://collector.example.com/incidents", a.GeneratorURL)
	assert.True(t, a.StartsAt.Equal(fired), "startsAt %v", a.StartsAt)
	assert.True(t, a.EndsAt.Equal(fired.Add(120*time.Second+4*time.Minute)), "endsAt = last send + 4 × resend_interval: %v", a.EndsAt)
	assert.False(t, a.Timeout)

	// Alertmanager restarts (alerts are in RAM only): the next re-send restores the alert
	// with its original startsAt.
	am.Restart()
	assert.Len(t, amRun(x, s, am, clock, 60*time.Second, false), 1)
	require.Len(t, am.Active(), 1)
	assert.True(t, am.Active()[0].StartsAt.Equal(fired))

	// The resolve goes out at once with the real endsAt; Alertmanager lists it no more.
	require.NoError(t, x.consumeLogs(ctx, amLogs("payment gateway recovered", plog.SeverityNumberInfo)))
	resolved := clock.Now()
	sends := amRun(x, s, am, clock, 5*time.Minute, true)
	require.NotEmpty(t, sends)
	assert.Zero(t, sends[0], "resolve sent at once")
	assert.Empty(t, am.Active())
	stored := am.Alerts()
	require.Len(t, stored, 1)
	assert.True(t, stored[0].EndsAt.Equal(resolved), "endsAt %v want %v", stored[0].EndsAt, resolved)

	// Alertmanager restarts inside resolved_resend_for: the re-sent resolve is stored as
	// resolved and does not re-open the alert.
	am.Restart()
	more := amRun(x, s, am, clock, 15*time.Minute, false)
	require.NotEmpty(t, more)
	require.Len(t, am.Alerts(), 1)
	assert.True(t, am.Alerts()[0].EndsAt.Equal(resolved))
	assert.Empty(t, am.Active(), "a re-sent resolve must not re-open the alert")
	last := 5*time.Minute + more[len(more)-1]
	assert.LessOrEqual(t, last, 15*time.Minute, "resolved alerts are re-sent for resolved_resend_for only")
	assert.GreaterOrEqual(t, last, 14*time.Minute, "resolved alerts are re-sent until resolved_resend_for")
	for _, p := range am.Posts() {
		assert.Equal(t, http.StatusOK, p.Status, "the fake rejected a post: %s", p.Body)
	}
}

// TestAlertmanagerDestinationRetriesAndRejects: 5xx and 429 are retried with backoff and
// Retry-After without waiting for the resend interval; a 400 is counted as permanent and
// does not stop the next re-send.
func TestAlertmanagerDestinationRetriesAndRejects(t *testing.T) {
	am := fakes.NewAlertmanager()
	defer am.Close()
	clock := &lockedClock{t: time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)}
	am.Now = clock.Now
	cfg := amConfig(am)
	cfg.Destinations[0].RetryOnFailure = RetryConfig{InitialInterval: 2 * time.Second, MaxInterval: 30 * time.Second}
	x, s, tel := startManualAM(t, cfg, componenttest.NewNopHost(), clock)
	defer func() { require.NoError(t, x.shutdown(ctx)) }()
	defer func() { require.NoError(t, tel.Shutdown(ctx)) }()

	am.Script(fakes.Scripted{Status: http.StatusServiceUnavailable, Times: 3}, fakes.Scripted{Status: http.StatusTooManyRequests, RetryAfter: "7"})
	require.NoError(t, x.consumeLogs(ctx, amLogs("boom", plog.SeverityNumberError)))
	// 503 at 0, +2, +4 (doubling: 2, 4, 8), 429 at 14 with Retry-After 7, delivered at 21.
	assert.Equal(t, secs(0, 2, 6, 14, 21), amRun(x, s, am, clock, 30*time.Second, true))
	require.Len(t, am.Active(), 1)
	assert.Equal(t, int64(4), counterSum(t, tel, "otelcol_exporter_incident_notification_retries", map[string]string{"destination": "am"}))

	// A 400 (as Alertmanager answers a batch with an invalid alert) is permanent: counted,
	// not retried before the next resend interval, which goes out normally.
	am.Script(fakes.Scripted{Status: http.StatusBadRequest, Body: `"invalid label set"`})
	assert.Equal(t, secs(51, 111), amRun(x, s, am, clock, 2*time.Minute, false))
	assert.Equal(t, int64(1), counterSum(t, tel, "otelcol_exporter_incident_notifications_dropped", map[string]string{"destination": "am", "reason": "permanent"}))
	assert.Equal(t, int64(1), counterSum(t, tel, "otelcol_exporter_incident_notifications", map[string]string{"destination": "am", "outcome": "permanent"}))
}

// TestAlertmanagerResendAfterCollectorRestart: a collector restarted on the same storage
// sends every open alert to Alertmanager at start (Alertmanager may have lost them too),
// with the original startsAt.
func TestAlertmanagerResendAfterCollectorRestart(t *testing.T) {
	am := fakes.NewAlertmanager()
	defer am.Close()
	t0 := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	clock := &lockedClock{t: t0}
	am.Now = clock.Now
	dir := t.TempDir()
	run := func() (*incidentExporter, *sender, func()) {
		id, ext := newFileStorage(t, dir)
		cfg := amConfig(am)
		cfg.Storage = &id
		x, s, _ := startManualAM(t, cfg, &storageHost{exts: map[component.ID]component.Component{id: ext}}, clock)
		return x, s, func() {
			require.NoError(t, x.shutdown(ctx))
			require.NoError(t, ext.Shutdown(ctx))
		}
	}
	x, s, stop := run()
	require.NoError(t, x.consumeLogs(ctx, amLogs("boom", plog.SeverityNumberError)))
	require.Len(t, amRun(x, s, am, clock, 10*time.Second, true), 1)
	stop()
	am.Restart()
	clock.Add(10 * time.Minute)

	x, s, stop = run()
	defer stop()
	assert.Equal(t, secs(0), amRun(x, s, am, clock, 5*time.Second, true), "everything is sent at start")
	active := am.Active()
	require.Len(t, active, 1)
	assert.True(t, active[0].StartsAt.Equal(t0), "original startsAt, got %v", active[0].StartsAt)
	assert.True(t, active[0].EndsAt.After(clock.Now()))
}
