//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runCollector starts the binary on cfg with env, and stops it when the test ends.
func runCollector(t *testing.T, cfg string, env ...string) {
	t.Helper()
	bin := mustEnv(t, "OTELCOL_BINARY")
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Env = append(os.Environ(), env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", logs.String())
		}
	})
}

// metricPoints collects, from the file exporter's OTLP JSON lines, every data point of
// every metric by name, as raw JSON objects.
func metricPoints(path string) (map[string][]map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string][]map[string]any{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var doc struct {
			ResourceMetrics []struct {
				ScopeMetrics []struct {
					Metrics []map[string]any `json:"metrics"`
				} `json:"scopeMetrics"`
			} `json:"resourceMetrics"`
		}
		if err := json.Unmarshal(line, &doc); err != nil {
			return nil, fmt.Errorf("not OTLP JSON: %w", err)
		}
		for _, rm := range doc.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					name, _ := m["name"].(string)
					for _, kind := range []string{"gauge", "sum", "histogram"} {
						body, ok := m[kind].(map[string]any)
						if !ok {
							continue
						}
						dps, _ := body["dataPoints"].([]any)
						for _, dp := range dps {
							if p, ok := dp.(map[string]any); ok {
								out[name] = append(out[name], p)
							}
						}
					}
				}
			}
		}
	}
	return out, nil
}

// attr returns the string value of a data point attribute.
func attr(p map[string]any, key string) string {
	attrs, _ := p["attributes"].([]any)
	for _, a := range attrs {
		kv, _ := a.(map[string]any)
		if kv["key"] == key {
			v, _ := kv["value"].(map[string]any)
			s, _ := v["stringValue"].(string)
			return s
		}
	}
	return ""
}

// Our processors run in the built distribution: the anomaly processor scores a gauge sent
// over OTLP and emits anomaly.score / anomaly.expected beside the untouched original; the
// cardinality processor limits a counter to 10 series with an exact overflow total; the
// piiredact processor masks an email and a card number in a log body; the incident exporter
// turns an ERROR log into a firing alert on a webhook.
func TestOurProcessorsInDistribution(t *testing.T) {
	gen := mustEnv(t, "TELEMETRYGEN")
	port := freePort(t)
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

	runCollector(t, filepath.Join(repoRoot(t), "test", "e2e", "testdata", "ours.yaml"),
		"E2E_OTLP_PORT="+port, "E2E_OUT_FILE="+out, "E2E_RAW_FILE="+raw,
		"E2E_WEBHOOK_PORT="+strconv.Itoa(hookPort))

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

func attrBool(p map[string]any, key string) bool {
	attrs, _ := p["attributes"].([]any)
	for _, a := range attrs {
		kv, _ := a.(map[string]any)
		if kv["key"] == key {
			v, _ := kv["value"].(map[string]any)
			b, _ := v["boolValue"].(bool)
			return b
		}
	}
	return false
}

// sumValues adds asInt (a JSON string in OTLP JSON) and asDouble values.
func sumValues(points []map[string]any) float64 {
	var total float64
	for _, p := range points {
		switch v := p["asInt"].(type) {
		case string:
			var n float64
			_, _ = fmt.Sscan(v, &n)
			total += n
		case float64:
			total += v
		}
		if d, ok := p["asDouble"].(float64); ok {
			total += d
		}
	}
	return total
}

// sendGen runs telemetrygen for one signal against the collector on port, retrying while the
// collector is still starting.
func sendGen(t *testing.T, gen, port, signal string, args ...string) {
	t.Helper()
	var err error
	var o []byte
	for i := 0; i < 50; i++ {
		o, err = exec.Command(gen, append([]string{signal, "--otlp-endpoint", "127.0.0.1:" + port, "--otlp-insecure"}, args...)...).CombinedOutput()
		if err == nil && !strings.Contains(string(o), "connection refused") {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("telemetrygen %s %v: %v\n%s", signal, args, err, o)
}
