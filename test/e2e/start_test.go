//go:build e2e

package e2e

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A port picked by freePort can be taken by another process before the collector binds it.
// startCollector must then start the collector again on fresh ports instead of failing the
// test: here the first spec's gRPC port is held by a listener of this test.
func TestStartCollectorRetriesTakenPort(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldPort := strconv.Itoa(held.Addr().(*net.TCPAddr).Port)

	dataDir := t.TempDir()
	var specs []collectorSpec
	c := startCollector(t, func() collectorSpec {
		spec := collectorSpec{
			Config:   filepath.Join(repoRoot(t), "configs", "local.yaml"),
			GRPCPort: freePort(t),
			HTTPPort: freePort(t),
			OutDir:   dataDir,
		}
		if len(specs) == 0 {
			spec.GRPCPort = heldPort // taken: this attempt must fail to bind
		}
		spec.Env = []string{
			"FRAISEQL_LISTEN_ADDR=127.0.0.1",
			"FRAISEQL_DATA_DIR=" + dataDir,
			"FRAISEQL_OTLP_GRPC_PORT=" + spec.GRPCPort,
			"FRAISEQL_OTLP_HTTP_PORT=" + spec.HTTPPort,
			"FRAISEQL_HEALTH_PORT=" + freePort(t),
			"FRAISEQL_ZPAGES_PORT=" + freePort(t),
			"FRAISEQL_PROMETHEUS_PORT=" + freePort(t),
			"FRAISEQL_TELEMETRY_PORT=" + freePort(t),
			"FRAISEQL_ALERTMANAGER_URL=http://127.0.0.1:" + freePort(t),
		}
		specs = append(specs, spec)
		return spec
	})
	if len(specs) != 2 {
		t.Fatalf("%d start attempts, want 2 (the first on the held port)", len(specs))
	}
	if strings.HasSuffix(c.GRPC, ":"+heldPort) {
		t.Fatalf("collector reported started on the held port %s", heldPort)
	}
	// The second attempt's collector is the one answering (the SIGTERM checks are the smoke
	// test's and TestLocalConfigStopsCleanlyUnderLoad's).
	c.requireSurvived(t, overGRPC, signalLogs)
}
