//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// SIGTERM while all three pipelines of configs/local.yaml are busy: the collector flushes
// and exits cleanly. With one file exporter shared by the three pipelines (local.yaml before
// it got one per signal), contrib's v0.161.0 file exporter was shut down with the first
// pipeline while the others still flushed into it and panicked in every run
// (open-telemetry/opentelemetry-collector-contrib#46871).
func TestLocalConfigStopsCleanlyUnderLoad(t *testing.T) {
	gen := mustEnv(t, "TELEMETRYGEN")
	for round := 1; round <= 2; round++ {
		c := startLocalCollector(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		done := make(chan struct{}, 3)
		for _, sig := range []string{"traces", "metrics", "logs"} {
			cmd := exec.CommandContext(ctx, gen, sig,
				"--otlp-endpoint", c.GRPC, "--otlp-insecure",
				"--rate", "2000", "--duration", "10s", "--workers", "2", "--service", "load-"+sig)
			if err := cmd.Start(); err != nil {
				cancel()
				t.Fatalf("telemetrygen %s: %v", sig, err)
			}
			go func() { _ = cmd.Wait(); done <- struct{}{} }()
		}
		// Stop the collector mid-stream, once its file output shows the load arriving.
		if err := waitFor(15*time.Second, func() error { return dirHasData(c.OutDir) }); err != nil {
			cancel()
			t.Fatalf("round %d: load never reached the file exporters: %v", round, err)
		}
		time.Sleep(time.Second) // every pipeline busy, batches in flight
		c.requireStopsOnSIGTERM(t)
		cancel()
		for range 3 {
			<-done
		}
		if t.Failed() {
			t.Fatalf("round %d: the collector did not stop cleanly under load (its output is logged at cleanup)", round)
		}
	}
}

// dirHasData fails until some *.jsonl file in dir (the file exporters' output) is not empty.
func dirHasData(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() > 0 {
			return nil
		}
	}
	return fmt.Errorf("no data in %s/*.jsonl yet", dir)
}
