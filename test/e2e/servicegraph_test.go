//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// The servicegraph connector in the built binary: telemetrygen sends 5 traces of a client
// span and its server child (service fraiseql-edge), and 3 traces of a lone client span with
// db.system.name=postgresql (service fraiseql-api). The edge metrics come out under Tempo's
// Prometheus names with exact counts, labelled with the collector's instance id, and the
// connector's self-metrics say how the requests were recorded.
func TestServiceGraphEdgesOnTheBinary(t *testing.T) {
	gen := mustEnv(t, "TELEMETRYGEN")
	root := repoRoot(t)
	var otlpPort, promPort, telPort string
	startCollector(t, func() collectorSpec {
		otlpPort, promPort, telPort = freePort(t), freePort(t), freePort(t)
		return collectorSpec{
			Config:   filepath.Join(root, "test", "e2e", "testdata", "servicegraph.yaml"),
			GRPCPort: otlpPort,
			Env:      []string{"E2E_OTLP_PORT=" + otlpPort, "E2E_PROM_PORT=" + promPort, "E2E_TELEMETRY_PORT=" + telPort},
		}
	})

	sendGen(t, gen, otlpPort, "traces", "--service", "fraiseql-edge", "--traces", "5", "--child-spans", "1")
	sendGen(t, gen, otlpPort, "traces", "--service", "fraiseql-api", "--traces", "3", "--child-spans", "0",
		"--telemetry-attributes", `db.system.name="postgresql"`)

	type want struct {
		metric string
		labels map[string]string
		value  float64
	}
	wants := []want{
		{"traces_service_graph_request_total", map[string]string{"client": "fraiseql-edge", "server": "fraiseql-edge", "collector_instance_id": "e2e-gateway-0"}, 5},
		{"traces_service_graph_request_failed_total", map[string]string{"client": "fraiseql-edge", "server": "fraiseql-edge"}, 0},
		{"traces_service_graph_request_server_seconds_count", map[string]string{"client": "fraiseql-edge", "server": "fraiseql-edge"}, 5},
		{"traces_service_graph_request_client_seconds_count", map[string]string{"client": "fraiseql-edge", "server": "fraiseql-edge"}, 5},
		{"traces_service_graph_request_server_seconds_bucket", map[string]string{"client": "fraiseql-edge", "server": "fraiseql-edge", "le": "+Inf"}, 5},
		{"traces_service_graph_request_total", map[string]string{"client": "fraiseql-api", "server": "postgresql", "connection_type": "database"}, 3},
	}
	selfWants := []want{
		{"otelcol_connector_servicegraph_requests_recorded", map[string]string{"kind": "paired"}, 5},
		{"otelcol_connector_servicegraph_requests_recorded", map[string]string{"kind": "database"}, 3},
		{"otelcol_connector_servicegraph_store_items", nil, 0},
	}
	err := waitFor(30*time.Second, func() error {
		for _, w := range []struct {
			port  string
			wants []want
		}{{promPort, wants}, {telPort, selfWants}} {
			samples, err := scrapeSamples("http://127.0.0.1:" + w.port + "/metrics")
			if err != nil {
				return err
			}
			for _, x := range w.wants {
				got, ok := findSample(samples, x.metric, x.labels)
				if !ok {
					return fmt.Errorf("no sample %s%v yet", x.metric, x.labels)
				}
				if got != x.value {
					return fmt.Errorf("%s%v = %v, want %v", x.metric, x.labels, got, x.value)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
