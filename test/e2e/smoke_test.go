//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"
)

// The binary starts on configs/local.yaml (ports moved to free ones through the config's
// own ${env:...} variables), takes traces, metrics and logs from telemetrygen over OTLP gRPC,
// writes all three to its file exporter, answers its health check, and stops on SIGTERM
// within 5 s.
func TestSmokeLocalConfig(t *testing.T) {
	gen := mustEnv(t, "TELEMETRYGEN")
	c := startLocalCollector(t)

	healthURL := "http://" + c.Health + "/"
	if err := waitFor(30*time.Second, func() error {
		if !c.alive() {
			return fmt.Errorf("collector exited: %v", c.waitErr)
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

	for _, sig := range []struct{ signal, countFlag string }{
		{"traces", "--traces"}, {"metrics", "--metrics"}, {"logs", "--logs"},
	} {
		out, err := exec.Command(gen, sig.signal,
			"--otlp-endpoint", c.GRPC, "--otlp-insecure",
			sig.countFlag, "3", "--service", "smoke-"+sig.signal,
		).CombinedOutput()
		if err != nil {
			t.Fatalf("telemetrygen %s: %v\n%s", sig.signal, err, out)
		}
	}

	// The file exporters write one OTLP JSON document per batch, one file per signal.
	want := map[otlpSignal]struct{ kind, svc string }{
		signalTraces:  {"resourceSpans", "smoke-traces"},
		signalMetrics: {"resourceMetrics", "smoke-metrics"},
		signalLogs:    {"resourceLogs", "smoke-logs"},
	}
	if err := waitFor(20*time.Second, func() error {
		for sig, w := range want {
			found, err := servicesInFile(c.outFile(sig))
			if err != nil {
				return err
			}
			if !found[w.kind][w.svc] {
				return fmt.Errorf("no %s from service %s yet in %s", w.kind, w.svc, c.outFile(sig))
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// SIGTERM: a clean shutdown inside 5 s.
	c.requireStopsOnSIGTERM(t)
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
