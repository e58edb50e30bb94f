//go:build e2e || integration

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

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// mustEnv returns a required environment variable; make test-e2e sets them.
func mustEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run these tests with `make test-e2e`", name)
	}
	return v
}

// collectorConfigs lists the collector configs: configs/*.yaml and configs/examples/*.yaml.
// Other folders under configs/ hold Prometheus, Alertmanager, Grafana, Loki and Tempo files,
// which their own tests check with their own tools.
func collectorConfigs(t *testing.T) []string {
	t.Helper()
	root := repoRoot(t)
	var out []string
	for _, pattern := range []string{"configs/*.yaml", "configs/examples/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Fatal("no collector configs found under configs/")
	}
	return out
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

func waitFor(d time.Duration, f func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
