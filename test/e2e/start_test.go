//go:build e2e

package e2e

import (
	"net"
	"path/filepath"
	"strconv"
	"testing"
)

// A port picked by freePort can be taken by another process before the collector binds it.
// startOnFreePorts (through startCollector) must then start the collector again on new ports
// instead of failing the test: here the first attempt's port is held by a listener of this
// test, once as the OTLP gRPC port that the start waits for, and once as a port only the
// config names (the collector's own telemetry), which no start dials.
func TestStartCollectorRetriesTakenPort(t *testing.T) {
	for _, heldVar := range []string{"FRAISEQL_OTLP_GRPC_PORT", "FRAISEQL_TELEMETRY_PORT"} {
		t.Run(heldVar, func(t *testing.T) {
			held, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer held.Close()
			heldPort := strconv.Itoa(held.Addr().(*net.TCPAddr).Port)

			dataDir := t.TempDir()
			var attempts []map[string]string // the ports of each attempt, by variable
			c := startCollector(t, func() collectorSpec {
				ports := map[string]string{}
				for _, v := range []string{"FRAISEQL_OTLP_GRPC_PORT", "FRAISEQL_OTLP_HTTP_PORT", "FRAISEQL_HEALTH_PORT",
					"FRAISEQL_ZPAGES_PORT", "FRAISEQL_PROMETHEUS_PORT", "FRAISEQL_TELEMETRY_PORT"} {
					ports[v] = freePort(t)
				}
				if len(attempts) == 0 {
					ports[heldVar] = heldPort // taken: this attempt must fail to bind
				}
				attempts = append(attempts, ports)
				spec := collectorSpec{
					Config:   filepath.Join(repoRoot(t), "configs", "local.yaml"),
					GRPCPort: ports["FRAISEQL_OTLP_GRPC_PORT"],
					HTTPPort: ports["FRAISEQL_OTLP_HTTP_PORT"],
					OutDir:   dataDir,
					Env: []string{
						"FRAISEQL_LISTEN_ADDR=127.0.0.1",
						"FRAISEQL_DATA_DIR=" + dataDir,
						"FRAISEQL_ALERTMANAGER_URL=http://127.0.0.1:" + freePort(t),
					},
				}
				for v, p := range ports {
					spec.Env = append(spec.Env, v+"="+p)
				}
				return spec
			})
			if len(attempts) != 2 {
				t.Fatalf("%d start attempts, want 2 (the first on the held port)", len(attempts))
			}
			if got := attempts[1][heldVar]; got == heldPort {
				t.Fatalf("the second attempt got the held port %s again", heldPort)
			}
			// The second attempt's collector is the one answering (the SIGTERM checks are the
			// smoke test's and TestLocalConfigStopsCleanlyUnderLoad's).
			c.requireSurvived(t, overGRPC, signalLogs)
		})
	}
}
