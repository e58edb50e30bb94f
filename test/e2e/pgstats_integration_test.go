//go:build integration

package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// The pgstats receiver runs in the built distribution against the real PostgreSQL primary,
// streaming replica and PgBouncer that test/env/ starts: both servers are up, the primary
// reports its standby's replay lag, the replica reports itself as a replica, and PgBouncer
// pools are read. `make test-integration` builds the binary and sets OTELCOL_BINARY.
func TestPgstatsInDistribution(t *testing.T) {
	for _, v := range []string{"PGSTATS_PRIMARY", "PGSTATS_REPLICA", "PGSTATS_PGBOUNCER", "PGSTATS_USERNAME", "PGSTATS_PASSWORD"} {
		mustEnv(t, v)
	}
	out := filepath.Join(t.TempDir(), "out.jsonl")
	startCollector(t, func() collectorSpec {
		return collectorSpec{Config: filepath.Join(repoRoot(t), "test", "e2e", "testdata", "pgstats.yaml"), Env: []string{"E2E_OUT_FILE=" + out}}
	})

	if err := waitFor(30*time.Second, func() error {
		pts, err := metricPoints(out)
		if err != nil {
			return err
		}
		for _, name := range []string{"postgresql.up", "postgresql.is_replica", "postgresql.replication.lag",
			"postgresql.connection.count", "pgbouncer.pool.client.connections"} {
			if len(pts[name]) == 0 {
				return fmt.Errorf("no %s yet", name)
			}
		}
		for _, p := range pts["postgresql.up"] {
			if v := intValue(p); v != 1 {
				return fmt.Errorf("postgresql.up = %v", v)
			}
		}
		kinds := map[string]bool{}
		for _, p := range pts["postgresql.replication.lag"] {
			kinds[attr(p, "postgresql.replication.lag.kind")] = true
		}
		if !kinds["replay"] {
			return fmt.Errorf("no replay lag from the primary (kinds %v)", kinds)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// intValue reads asInt (a JSON string in OTLP JSON) or asDouble.
func intValue(p map[string]any) float64 {
	return sumValues([]map[string]any{p})
}
