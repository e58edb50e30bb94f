//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The binary starts on configs/local.yaml (ports moved to free ones through the config's
// own ${env:...} variables), takes traces, metrics and logs from telemetrygen over OTLP gRPC,
// writes all three to its file exporter, answers its health check, and stops on SIGTERM
// within 5 s.
func TestSmokeLocalConfig(t *testing.T) {
	bin := mustEnv(t, "OTELCOL_BINARY")
	gen := mustEnv(t, "TELEMETRYGEN")
	dataDir := t.TempDir()
	grpcPort, healthPort := freePort(t), freePort(t)

	cmd := exec.Command(bin, "--config", filepath.Join(repoRoot(t), "configs", "local.yaml"))
	cmd.Env = append(os.Environ(),
		"FRAISEQL_LISTEN_ADDR=127.0.0.1",
		"FRAISEQL_DATA_DIR="+dataDir,
		"FRAISEQL_OTLP_GRPC_PORT="+grpcPort,
		"FRAISEQL_OTLP_HTTP_PORT="+freePort(t),
		"FRAISEQL_HEALTH_PORT="+healthPort,
		"FRAISEQL_ZPAGES_PORT="+freePort(t),
		"FRAISEQL_PROMETHEUS_PORT="+freePort(t),
		"FRAISEQL_TELEMETRY_PORT="+freePort(t),
	)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			if err := <-exited; err != nil {
				t.Logf("collector after kill: %v", err)
			}
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", logs.String())
		}
	})

	healthURL := "http://127.0.0.1:" + healthPort + "/"
	if err := waitFor(30*time.Second, func() error {
		select {
		case err := <-exited:
			stopped = true
			return fmt.Errorf("collector exited early: %v", err)
		default:
		}
		resp, err := http.Get(healthURL)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("health check answered %d", resp.StatusCode)
		}
		return nil
	}); err != nil {
		t.Fatalf("collector not healthy: %v", err)
	}

	endpoint := "127.0.0.1:" + grpcPort
	for _, sig := range []struct{ signal, countFlag string }{
		{"traces", "--traces"}, {"metrics", "--metrics"}, {"logs", "--logs"},
	} {
		out, err := exec.Command(gen, sig.signal,
			"--otlp-endpoint", endpoint, "--otlp-insecure",
			sig.countFlag, "3", "--service", "smoke-"+sig.signal,
		).CombinedOutput()
		if err != nil {
			t.Fatalf("telemetrygen %s: %v\n%s", sig.signal, err, out)
		}
	}

	// The file exporter writes one OTLP JSON document per batch and signal.
	file := filepath.Join(dataDir, "telemetry.jsonl")
	want := map[string]string{"resourceSpans": "smoke-traces", "resourceMetrics": "smoke-metrics", "resourceLogs": "smoke-logs"}
	if err := waitFor(20*time.Second, func() error {
		found, err := servicesInFile(file)
		if err != nil {
			return err
		}
		for kind, svc := range want {
			if !found[kind][svc] {
				return fmt.Errorf("no %s from service %s yet in %s", kind, svc, file)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// SIGTERM: a clean shutdown inside 5 s.
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("collector exited with %v after SIGTERM", err)
		}
		t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatal("collector still running 5 s after SIGTERM")
	}
}

// servicesInFile maps resourceSpans/resourceMetrics/resourceLogs to the service.name values
// seen in the file exporter's JSON lines.
func servicesInFile(path string) (map[string]map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	found := map[string]map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var doc map[string][]struct {
			Resource struct {
				Attributes []struct {
					Key   string `json:"key"`
					Value struct {
						StringValue string `json:"stringValue"`
					} `json:"value"`
				} `json:"attributes"`
			} `json:"resource"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			return nil, fmt.Errorf("%s: a line is not OTLP JSON: %w", path, err)
		}
		for kind, resources := range doc {
			if found[kind] == nil {
				found[kind] = map[string]bool{}
			}
			for _, r := range resources {
				for _, a := range r.Resource.Attributes {
					if a.Key == "service.name" {
						found[kind][a.Value.StringValue] = true
					}
				}
			}
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, os.ErrClosed) {
		return nil, err
	}
	return found, nil
}
