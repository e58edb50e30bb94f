//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Our processors run in the built distribution: the anomaly processor scores a gauge sent
// over OTLP and emits anomaly.score / anomaly.expected beside the untouched original; the
// cardinality processor limits a counter to 10 series with an exact overflow total; the
// piiredact processor masks an email and a card number in a log body; the incident exporter
// turns an ERROR log into a firing alert on a webhook.
func TestOurProcessorsInDistribution(t *testing.T) {
	gen := mustEnv(t, "TELEMETRYGEN")
	dir := t.TempDir()
	out, raw := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "raw.jsonl")
	// The incident exporter's webhook destination: a real HTTP receiver in the test.
	hooks := make(chan map[string]any, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		hooks <- body
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	hookPort := srv.Listener.Addr().(*net.TCPAddr).Port

	var port string
	startCollector(t, func() collectorSpec {
		port = freePort(t)
		return collectorSpec{
			Config:   filepath.Join(repoRoot(t), "test", "e2e", "testdata", "ours.yaml"),
			GRPCPort: port,
			Env: []string{"E2E_OTLP_PORT=" + port, "E2E_OUT_FILE=" + out, "E2E_RAW_FILE=" + raw,
				"E2E_WEBHOOK_PORT=" + strconv.Itoa(hookPort)},
		}
	})

	send := func(args ...string) {
		sendGen(t, gen, port, "metrics", args...)
	}
	send("--otlp-metric-name", "fraiseql.e2e.gauge", "--metric-type", "Gauge", "--metrics", "40", "--rate", "20")
	// 60 distinct series of one delta counter against a limit of 10 per metric.
	send("--otlp-metric-name", "fraiseql.e2e.counter", "--metric-type", "Sum", "--aggregation-temporality", "delta",
		"--metrics", "60", "--rate", "0", "--unique-timeseries")
	// PII in a log body: piiredact masks it before the exporter sees it.
	const email, card = "alice.smith@example.com", "4111 1111 1111 1111"
	sendGen(t, gen, port, "logs", "--logs", "3", "--body", "login ok for "+email+" paid with "+card)
	if err := waitFor(15*time.Second, func() error {
		b, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		body := string(b)
		if !strings.Contains(body, "[REDACTED:email]") || !strings.Contains(body, "[REDACTED:credit_card]") {
			return fmt.Errorf("no redacted log body in the output yet")
		}
		if strings.Contains(body, email) || strings.Contains(body, card) {
			return fmt.Errorf("PII passed through piiredact: %s", body)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// An ERROR log opens an incident: the webhook gets one firing alert named for the rule.
	sendGen(t, gen, port, "logs", "--logs", "2", "--severity-text", "ERROR", "--severity-number", "17",
		"--service", "e2e-incident", "--body", "payment failed")
	select {
	case body := <-hooks:
		alerts, _ := body["alerts"].([]any)
		if body["status"] != "firing" || len(alerts) != 1 {
			t.Fatalf("webhook got %v, want one firing alert", body)
		}
		a, _ := alerts[0].(map[string]any)
		labels, _ := a["labels"].(map[string]any)
		if labels["alertname"] != "E2EErrorLogs" {
			t.Errorf("alert labels %v, want alertname E2EErrorLogs", labels)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the incident exporter posted nothing to the webhook within 20 s")
	}

	if err := waitFor(15*time.Second, func() error {
		pts, err := metricPoints(out)
		if err != nil {
			return err
		}
		if n := len(pts["fraiseql.e2e.gauge"]); n < 40 {
			return fmt.Errorf("%d of 40 original points out so far", n)
		}
		scores := pts["anomaly.score"]
		if len(scores) == 0 {
			return fmt.Errorf("no anomaly.score points yet")
		}
		for _, p := range scores {
			if got := attr(p, "anomaly.metric"); got != "fraiseql.e2e.gauge" {
				return fmt.Errorf("anomaly.score with anomaly.metric=%q", got)
			}
			v, _ := p["asDouble"].(float64)
			if v < 0 || v > 1 {
				return fmt.Errorf("anomaly.score %v outside [0,1]", v)
			}
		}
		if len(pts["anomaly.expected"]) == 0 {
			return fmt.Errorf("no anomaly.expected points")
		}

		// cardinality: at most 10 series out (9 admitted + the overflow series), and the
		// delta total equals the total of the unlimited copy of the same input.
		rawPts, err := metricPoints(raw)
		if err != nil {
			return err
		}
		if n := len(rawPts["fraiseql.e2e.counter"]); n < 60 {
			return fmt.Errorf("%d of 60 raw counter points so far", n)
		}
		series := map[string]bool{}
		overflow := false
		for _, p := range pts["fraiseql.e2e.counter"] {
			b, _ := json.Marshal(p["attributes"])
			series[string(b)] = true
			if attrBool(p, "otel.metric.overflow") {
				overflow = true
			}
		}
		if len(series) > 10 {
			return fmt.Errorf("%d counter series out, limit is 10", len(series))
		}
		if !overflow {
			return fmt.Errorf("no otel.metric.overflow=true series yet")
		}
		if in, got := sumValues(rawPts["fraiseql.e2e.counter"]), sumValues(pts["fraiseql.e2e.counter"]); in != got {
			return fmt.Errorf("counter total %v out, %v in", got, in)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
