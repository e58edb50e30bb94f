//go:build demo

package demo

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The PII probe: a trace (error status, so tail sampling keeps it), a log record and a metric
// carrying an e-mail address, a card number and an IBAN, sent to the agent's OTLP/HTTP port.
// Downstream (Jaeger, VictoriaLogs, Prometheus label values, the fakes' payloads) the probe
// must be found, with the values redacted, and the raw values nowhere.
type piiProbe struct {
	s       *stack
	n       string
	traceID string
	email   string
	secrets []string // raw values that must not appear anywhere downstream
}

const (
	piiCard    = "4111 1111 1111 1111"
	piiCardRaw = "4111111111111111"
	piiIBAN    = "DE89370400440532013000"
)

func sendPIIProbe(t *testing.T, s *stack, n string) *piiProbe {
	p := &piiProbe{s: s, n: n, traceID: randHex(16), email: "jane." + n + "@example.com"}
	p.secrets = []string{p.email, "jane." + n, piiCard, piiCardRaw, piiIBAN}
	agent := "http://" + s.get(t, "AGENT_OTLP_HTTP")
	now := time.Now()
	root, child := randHex(8), randHex(8)
	traces := tracesJSON("e2e-pii-probe",
		span(p.traceID, root, "", "POST /graphql", now, 40*time.Millisecond, true,
			attrs("user.email", p.email, "graphql.document", "mutation { pay(card: \""+piiCard+"\", iban: \""+piiIBAN+"\") }", "probe", n)),
		span(p.traceID, child, root, "SELECT users", now.Add(5*time.Millisecond), 10*time.Millisecond, false,
			attrs("db.query.text", "SELECT id FROM users WHERE email = '"+p.email+"'", "db.system.name", "postgresql")),
	)
	logs := logJSON("e2e-pii-probe", logRecord(now, "ERROR", 17,
		"e2e-pii-"+n+" payment failed for "+p.email+" card "+piiCard+" iban "+piiIBAN, p.traceID, root,
		attrs("user.email", p.email, "probe", n)))
	metrics := metricsJSON("e2e-pii-probe", gauge("e2e.pii.probe", point(now, now, 1, attrs("user.email", p.email, "probe", n))))
	for path, body := range map[string][]byte{"/v1/traces": traces, "/v1/logs": logs, "/v1/metrics": metrics} {
		if err := post(agent+path, "application/json", body); err != nil {
			t.Fatalf("sending the PII probe: %v", err)
		}
	}
	return p
}

func (p *piiProbe) leaked(where, text string) error {
	for _, sec := range p.secrets {
		if strings.Contains(text, sec) {
			return fmt.Errorf("%s contains %q", where, sec)
		}
	}
	return nil
}

func (p *piiProbe) check(t *testing.T, alert *alertProbe) {
	s := p.s
	// Jaeger: the trace arrives, both spans, redacted.
	eventually(t, 3*time.Minute, 5*time.Second, "the PII probe trace in Jaeger", func() error {
		tr, raw, err := jaegerTraceByID(s.get(t, "TRACES_URL"), p.traceID)
		if err != nil {
			return err
		}
		if len(tr.Spans) != 2 {
			return fmt.Errorf("trace %s has %d spans, want 2", p.traceID, len(tr.Spans))
		}
		if !strings.Contains(string(raw), "[REDACTED:email]") || !strings.Contains(string(raw), "[REDACTED:credit_card]") {
			t.Errorf("Jaeger trace %s: no [REDACTED:email]/[REDACTED:credit_card] mask: the values were not redacted as configured", p.traceID)
		}
		if err := p.leaked("Jaeger trace "+p.traceID, string(raw)); err != nil {
			t.Error(err)
		}
		return nil
	})
	// VictoriaLogs: the record arrives, redacted; no record anywhere holds the raw values.
	logsURL := s.get(t, "LOGS_URL")
	eventually(t, 3*time.Minute, 5*time.Second, "the PII probe log in VictoriaLogs", func() error {
		recs, err := logsQuery(logsURL, `_time:30m "e2e-pii-`+p.n+`"`, 10)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return fmt.Errorf("no record with e2e-pii-%s", p.n)
		}
		for _, r := range recs {
			if err := p.leaked("VictoriaLogs record", fmt.Sprint(r)); err != nil {
				t.Error(err)
			}
		}
		if !strings.Contains(recs[0]["_msg"], "[REDACTED:email]") {
			t.Errorf("VictoriaLogs message %q: e-mail not masked", recs[0]["_msg"])
		}
		return nil
	})
	for _, sec := range p.secrets {
		recs, err := logsQuery(logsURL, `_time:30m `+quoteLogsQL(sec), 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 0 {
			t.Errorf("VictoriaLogs finds %q in %d record(s), e.g. %v", sec, len(recs), recs[0])
		}
	}
	// Prometheus: the probe series arrives; no label value anywhere holds a raw value.
	prom := s.get(t, "PROMETHEUS_URL")
	eventually(t, 3*time.Minute, 5*time.Second, "the PII probe metric in Prometheus", func() error {
		n, samples, err := promQuery(prom, `last_over_time(e2e_pii_probe{probe="`+p.n+`"}[30m])`)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no e2e_pii_probe series for probe %s", p.n)
		}
		if got := samples[0].Metric["user_email"]; got != "[REDACTED:email]" {
			t.Errorf("e2e_pii_probe user_email=%q, want [REDACTED:email]", got)
		}
		return nil
	})
	var labels struct {
		Data []string `json:"data"`
	}
	if err := getJSON(prom+"/api/v1/labels", &labels); err != nil {
		t.Fatal(err)
	}
	for _, l := range labels.Data {
		b, err := getBody(prom + "/api/v1/label/" + url.PathEscape(l) + "/values")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.leaked("Prometheus values of label "+l, string(b)); err != nil {
			t.Error(err)
		}
	}
	// The fakes: what on-call received (the drill page carries the probe's e-mail as a label).
	fakes := []string{s.get(t, "PAGERDUTY_EVENTS_URL"), s.get(t, "SLACK_MESSAGES_URL")}
	eventually(t, 5*time.Minute, 10*time.Second, "the drill page (with a masked e-mail label) reaches the PagerDuty fake", func() error {
		b, err := getBody(fakes[0])
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), alert.alertname()) {
			return fmt.Errorf("no page for %s yet", alert.alertname())
		}
		if !strings.Contains(string(b), "[REDACTED:email]") {
			t.Errorf("the drill page does not show the masked customer label")
		}
		return nil
	})
	for _, u := range fakes {
		b, err := getBody(u)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.leaked(u, string(b)); err != nil {
			t.Error(err)
		}
		if strings.Contains(string(b), alert.email) {
			t.Errorf("%s contains the drill's raw e-mail %s", u, alert.email)
		}
	}
}

// quoteLogsQL: a LogsQL phrase filter for s (matches s in the message).
func quoteLogsQL(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}
