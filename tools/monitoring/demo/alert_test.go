//go:build demo

package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The alert probe: a test-only rule (loaded from the demo Prometheus' rules.d) fires on a gauge
// the test sends through the agent, so the path is the real one: OTLP → agent → gateways →
// remote write → Prometheus rule → the SHIPPED Alertmanager config (severity=critical →
// pagerduty-primary) → the PagerDuty fake. The gauge also carries an e-mail address as a label
// value, so the page's payload shows whether PII reached on-call.
type alertProbe struct {
	s       *stack
	n       string
	email   string
	value   atomic.Int64
	done    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	sendErr atomic.Value // string
}

func (a *alertProbe) alertname() string { return "E2EDrill" + strings.ToUpper(a.n[:1]) + a.n[1:] }

func startAlertProbe(t *testing.T, s *stack, n string) *alertProbe {
	a := &alertProbe{s: s, n: n, email: "oncall." + n + "@example.com", done: make(chan struct{})}
	rulesDir := s.get(t, "PROMETHEUS_RULES_DIR")
	prom := s.get(t, "PROMETHEUS_URL")
	rule := fmt.Sprintf(`# written by the end-to-end test (tools/monitoring/demo); removed when it ends
groups:
  - name: e2e-%[1]s
    rules:
      - alert: %[2]s
        expr: e2e_drill_page{drill="%[1]s"} > 0
        labels:
          severity: critical
          team: platform
        annotations:
          summary: End-to-end drill %[1]s
          description: A page raised by the end-to-end test through the whole chain.
          runbook_url: https://github.com/fraiseql/otelcol-fraiseql/blob/main/README.md
`, n, a.alertname())
	path := filepath.Join(rulesDir, "e2e-"+n+".yaml")
	if err := os.WriteFile(path, []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	reload := func() error { return post(prom+"/-/reload", "text/plain", nil) }
	if err := reload(); err != nil {
		t.Fatalf("reloading Prometheus with the drill rule: %v", err)
	}
	t.Cleanup(func() {
		os.Remove(path)
		_ = reload()
	})
	eventually(t, time.Minute, 2*time.Second, "Prometheus loads the drill rule", func() error {
		b, err := getBody(prom + "/api/v1/rules?type=alert")
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), a.alertname()) {
			return fmt.Errorf("rule %s not among the loaded rules", a.alertname())
		}
		return nil
	})

	// The gauge is re-sent every 10 s (a remote-written series has no staleness marker; the
	// rule sees the last value), 1 until the page arrives, then 0.
	a.value.Store(1)
	agent := "http://" + s.get(t, "AGENT_OTLP_HTTP") + "/v1/metrics"
	start := time.Now()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			now := time.Now()
			body := metricsJSON("e2e-probe", gauge("e2e.drill.page",
				point(start, now, float64(a.value.Load()), attrs("drill", n, "customer", a.email))))
			if err := post(agent, "application/json", body); err != nil {
				a.sendErr.Store(err.Error())
			}
			select {
			case <-a.done:
				return
			case <-tick.C:
			}
		}
	}()
	return a
}

func (a *alertProbe) stop() {
	a.once.Do(func() { close(a.done) })
	a.wg.Wait()
}

type pdEvent struct {
	RoutingKey    string         `json:"routing_key"`
	EventAction   string         `json:"event_action"`
	DedupKey      string         `json:"dedup_key"`
	Summary       string         `json:"summary"`
	Severity      string         `json:"severity"`
	CustomDetails map[string]any `json:"custom_details"`
	Effect        string         `json:"effect"`
}

func (a *alertProbe) events(t *testing.T) ([]pdEvent, []byte, error) {
	b, err := getBody(a.s.get(t, "PAGERDUTY_EVENTS_URL"))
	if err != nil {
		return nil, nil, err
	}
	var evs []pdEvent
	if err := json.Unmarshal(b, &evs); err != nil {
		return nil, nil, err
	}
	return evs, b, nil
}

// check: exactly one trigger for the drill alert, with the shipped receiver's routing key and
// severity, then (after the gauge drops to 0) its resolve with the same dedup key.
func (a *alertProbe) check(t *testing.T) {
	name := a.alertname()
	var trigger pdEvent
	eventually(t, 4*time.Minute, 5*time.Second, "PagerDuty fake receives the drill page "+name, func() error {
		evs, _, err := a.events(t)
		if err != nil {
			return err
		}
		for _, e := range evs {
			// The alert name appears in the payload (summary or details, whatever the shipped
			// templates render); the rule's name carries the nonce, so no other page matches.
			if b, _ := json.Marshal(e); e.EventAction == "trigger" && strings.Contains(string(b), name) {
				trigger = e
				return nil
			}
		}
		if msg, _ := a.sendErr.Load().(string); msg != "" {
			return fmt.Errorf("no trigger among %d events; last error sending the drill gauge: %s", len(evs), msg)
		}
		return fmt.Errorf("no trigger for %s among %d events", name, len(evs))
	})
	if trigger.RoutingKey != a.s.get(t, "PAGERDUTY_ROUTING_KEY") {
		t.Errorf("trigger routing key %q, want the demo's %q (pagerduty-primary routing_key_file)", trigger.RoutingKey, a.s.get(t, "PAGERDUTY_ROUTING_KEY"))
	}
	if trigger.Severity != "critical" {
		t.Errorf("trigger severity %q, want critical", trigger.Severity)
	}
	a.value.Store(0)
	// Alertmanager sends the resolve at the group's next flush (group_interval 5m).
	count := func() (triggers, resolves int, err error) {
		evs, _, err := a.events(t)
		if err != nil {
			return 0, 0, err
		}
		for _, e := range evs {
			if e.DedupKey != trigger.DedupKey {
				continue
			}
			switch e.EventAction {
			case "trigger":
				triggers++
			case "resolve":
				if triggers == 0 {
					return 0, 0, fmt.Errorf("a resolve before the trigger for dedup key %s", trigger.DedupKey)
				}
				resolves++
			}
		}
		return triggers, resolves, nil
	}
	eventually(t, 7*time.Minute, 10*time.Second, "PagerDuty fake receives the resolve of "+name, func() error {
		triggers, resolves, err := count()
		if err != nil {
			return err
		}
		if resolves == 0 {
			return fmt.Errorf("%d trigger(s), no resolve yet for dedup key %s", triggers, trigger.DedupKey)
		}
		return nil
	})
	triggers, resolves, err := count()
	if err != nil {
		t.Fatal(err)
	}
	if triggers != 1 || resolves != 1 {
		t.Errorf("dedup key %s: %d triggers and %d resolves, want exactly 1 and 1", trigger.DedupKey, triggers, resolves)
	}
}
