//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
// over OTLP and emits anomaly.score / anomaly.expected beside the untouched original.
func TestOurProcessorsInDistribution(t *testing.T) {
	gen := mustEnv(t, "TELEMETRYGEN")
	port := freePort(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	runCollector(t, filepath.Join(repoRoot(t), "test", "e2e", "testdata", "ours.yaml"),
		"E2E_OTLP_PORT="+port, "E2E_OUT_FILE="+out)

	send := func(args ...string) {
		t.Helper()
		var err error
		var o []byte
		// The collector may still be starting: retry the first send for a few seconds.
		for i := 0; i < 50; i++ {
			o, err = exec.Command(gen, append([]string{"metrics", "--otlp-endpoint", "127.0.0.1:" + port, "--otlp-insecure"}, args...)...).CombinedOutput()
			if err == nil && !strings.Contains(string(o), "connection refused") {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("telemetrygen %v: %v\n%s", args, err, o)
	}
	send("--otlp-metric-name", "fraiseql.e2e.gauge", "--metric-type", "Gauge", "--metrics", "40", "--rate", "20")

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
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
