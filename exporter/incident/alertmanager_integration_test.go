//go:build integration

package incident

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadatatest"
)

// Environment set by test/env/alertmanager.sh env (via test/run-integration.sh).
func mustEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run through `make test-integration` (test/env/alertmanager.sh env)", name)
	}
	return v
}

// amClient keeps no idle connections (goleak checks the package's goroutines).
var amClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

func getAlerts(t *testing.T, base, alertname string) []amAlert {
	t.Helper()
	q := url.Values{"filter": {fmt.Sprintf(`alertname="%s"`, alertname)}}
	resp, err := amClient.Get(base + "/api/v2/alerts?" + q.Encode())
	if err != nil {
		return nil // Alertmanager restarting
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var out []amAlert
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// amNotifications records what Alertmanager sends to its webhook receiver.
type amNotifications struct {
	mu   sync.Mutex
	msgs []map[string]any
}

func (n *amNotifications) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	if json.Unmarshal(b, &m) == nil {
		n.mu.Lock()
		n.msgs = append(n.msgs, m)
		n.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

// statuses lists (status, endsAt) of the alerts Alertmanager notified for alertname.
func (n *amNotifications) statuses(alertname string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, m := range n.msgs {
		alerts, _ := m["alerts"].([]any)
		for _, a := range alerts {
			am, _ := a.(map[string]any)
			labels, _ := am["labels"].(map[string]any)
			if labels["alertname"] == alertname {
				out = append(out, fmt.Sprint(am["status"]))
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestAlertmanagerEndToEnd posts through the exporter to a real Alertmanager 0.25 and reads
// the alerts back: label names sanitised (service.name → service_name) with alertname and
// severity; Alertmanager notifies its webhook and a contract-checking PagerDuty fake;
// Alertmanager restarted mid-incident gets the alert back from our re-send; the resolve
// sets endsAt, so Alertmanager drops it from the active list and notifies "resolved".
func TestAlertmanagerEndToEnd(t *testing.T) {
	base := mustEnv(t, "ALERTMANAGER_URL")
	hookPort := mustEnv(t, "ALERTMANAGER_WEBHOOK_PORT")
	routingKey := mustEnv(t, "ALERTMANAGER_PD_ROUTING_KEY")
	script := mustEnv(t, "ALERTMANAGER_SCRIPT")

	// What Alertmanager notifies: its webhook and its PagerDuty receiver, on one listener.
	pd := fakes.NewPagerDutyUnstarted()
	notes := &amNotifications{}
	mux := http.NewServeMux()
	mux.Handle("/v2/enqueue", pd.Server.Config.Handler)
	mux.Handle("/webhook", notes)
	ln, err := net.Listen("tcp", "127.0.0.1:"+hookPort)
	require.NoError(t, err)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	rule := fmt.Sprintf("IncidentIT%d", time.Now().UnixNano())
	cfg := createDefaultConfig().(*Config)
	cfg.EvaluationInterval = 50 * time.Millisecond
	cfg.Rules = []RuleConfig{{
		Name: rule, Signal: "logs", Severity: "critical",
		Identity:    []string{"service.name", "deployment.environment.name", "1st.attempt"},
		When:        &LogMatchConfig{Severity: "ERROR"},
		ClearWhen:   &LogMatchConfig{BodyContains: "recovered"},
		Summary:     "{{.Rule}}: {{.Body}}",
		RunbookURL:  "https://runbooks.example.com/it",
		Description: "from the integration test",
	}}
	cfg.Destinations = []DestinationConfig{{Name: "am", Type: TypeAlertmanager, ClientConfig: confighttp.ClientConfig{Endpoint: base},
		Alertmanager: &AlertmanagerConfig{ResendInterval: time.Second}, RetryOnFailure: RetryConfig{InitialInterval: 100 * time.Millisecond, MaxInterval: 500 * time.Millisecond}}}
	// Alertmanager outlives the test; a kept-alive connection to it would outlive the
	// exporter (confighttp's instrumented transport ignores CloseIdleConnections) and trip
	// goleak. Production keeps connections alive (they expire after idle_conn_timeout).
	// confighttp has no other programmatic switch for keep-alives in v0.161.0 (a set
	// Keepalive section means "enabled").
	cfg.Destinations[0].ClientConfig.DisableKeepAlives = true //nolint:staticcheck // see above
	p := startPair(t, metadatatest.NewSettings(componenttest.NewTelemetry()), cfg, nil)
	defer p.stop(t)

	logs := func(body string, sev plog.SeverityNumber) plog.Logs {
		ld := makeLogs(1, sev, "checkout", body)
		rl := ld.ResourceLogs().At(0)
		rl.Resource().Attributes().PutStr("deployment.environment.name", "it")
		rl.ScopeLogs().At(0).LogRecords().At(0).Attributes().PutStr("1st.attempt", "yes")
		return ld
	}
	require.NoError(t, p.logs.ConsumeLogs(ctx, logs("payment gateway down", plog.SeverityNumberError)))

	var got []amAlert
	require.Eventually(t, func() bool {
		got = getAlerts(t, base, rule)
		return len(got) == 1
	}, 10*time.Second, 100*time.Millisecond, "alert never reached Alertmanager")
	a := got[0]
	assert.Equal(t, map[string]string{"alertname": rule, "severity": "critical", "service_name": "checkout",
		"deployment_environment_name": "it", "_1st_attempt": "yes"}, a.Labels)
	assert.Equal(t, "active", a.Status.State)
	assert.Equal(t, rule+": payment gateway down", a.Annotations["summary"])
	assert.Equal(t, "https://runbooks.example.com/it", a.Annotations["runbook_url"])
	assert.Contains(t, a.Annotations["otel_label_names"], "service_name=service.name")
	assert.WithinDuration(t, time.Now().Add(4*time.Second), a.EndsAt, 3*time.Second, "endsAt = now + 4×resend_interval")

	require.Eventually(t, func() bool { return contains(notes.statuses(rule), "firing") }, 15*time.Second, 100*time.Millisecond,
		"Alertmanager did not notify its webhook")
	require.Eventually(t, func() bool {
		for _, e := range pd.Events() {
			if e.RoutingKey == routingKey && e.Action == "trigger" && strings.Contains(e.Summary, rule) {
				return true
			}
		}
		return false
	}, 15*time.Second, 100*time.Millisecond, "Alertmanager's PagerDuty event was not accepted by the contract fake: %v", pd.Rejected())

	// Alertmanager keeps alerts in RAM: restart it mid-incident; our re-send restores it.
	out, err := exec.Command(script, "stop").CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = exec.Command(script, "start").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Eventually(t, func() bool { return len(getAlerts(t, base, rule)) == 1 }, 10*time.Second, 100*time.Millisecond,
		"alert not restored after the Alertmanager restart")

	// Resolve: endsAt set, Alertmanager notifies resolved (webhook and PagerDuty).
	require.NoError(t, p.logs.ConsumeLogs(ctx, logs("payment gateway recovered", plog.SeverityNumberInfo)))
	require.Eventually(t, func() bool { return len(getAlerts(t, base, rule)) == 0 }, 10*time.Second, 100*time.Millisecond,
		"resolved alert still active in Alertmanager")
	require.Eventually(t, func() bool { return contains(notes.statuses(rule), "resolved") }, 15*time.Second, 100*time.Millisecond,
		"Alertmanager did not notify the resolve")
	require.Eventually(t, func() bool {
		for _, e := range pd.Events() {
			if e.Action == "resolve" && e.Effect == "resolved" {
				return true
			}
		}
		return false
	}, 15*time.Second, 100*time.Millisecond)
	assert.Empty(t, pd.Rejected(), "Alertmanager sent PagerDuty events the contract fake rejects")
}

// TestAlertmanagerRejectsDottedNames documents why sanitising matters: Alertmanager 0.25
// answers 400 to a dotted label name (what contrib's alertmanagerexporter forwards).
func TestAlertmanagerRejectsDottedNames(t *testing.T) {
	base := mustEnv(t, "ALERTMANAGER_URL")
	resp, err := amClient.Post(base+"/api/v2/alerts", "application/json", strings.NewReader(`[{"labels":{"alertname":"x","service.name":"a"}}]`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, err = amClient.Post(base+"/api/v2/alerts", "text/plain", strings.NewReader(`[{"labels":{"alertname":"x"}}]`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
}
