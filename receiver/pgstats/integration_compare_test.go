//go:build integration

package pgstats

// Side by side with Debian's prometheus-postgres-exporter 0.11.1 (test/env/postgres-exporter.sh)
// on the same servers, and the scrape-cost benchmark of both (docs/benchmarks.md, "pgstats").

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// promSample is one line of the Prometheus text format.
type promSample struct {
	name   string
	labels map[string]string
	value  float64
}

var labelRE = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

func scrapeExporter(t testing.TB, endpointVar string) []promSample {
	t.Helper()
	t.Cleanup(http.DefaultClient.CloseIdleConnections) // no keep-alive goroutine outlives the test
	resp, err := http.Get("http://" + env(t, endpointVar) + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out []promSample
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		s := promSample{labels: map[string]string{}, value: v}
		head := line[:sp]
		if i := strings.IndexByte(head, '{'); i >= 0 {
			s.name = head[:i]
			for _, m := range labelRE.FindAllStringSubmatch(head[i:], -1) {
				s.labels[m[1]] = m[2]
			}
		} else {
			s.name = head
		}
		out = append(out, s)
	}
	require.NoError(t, sc.Err())
	return out
}

func promValue(t testing.TB, samples []promSample, name string, want map[string]string) float64 {
	t.Helper()
	var v float64
	n := 0
	for _, s := range samples {
		if s.name != name {
			continue
		}
		ok := true
		for k, w := range want {
			if s.labels[k] != w {
				ok = false
			}
		}
		if ok {
			v, n = s.value, n+1
		}
	}
	require.Equal(t, 1, n, "postgres_exporter %s%v", name, want)
	return v
}

// TestIntegrationSideBySidePostgresExporter scrapes pgstats and postgres_exporter in the
// same second on an idle pair and compares the overlapping values. Differences by design:
// pgstats leaves its own session out of the connection counts (the exporter counts its
// own as active and ours as idle), and its replica lag is idle-safe where the exporter's
// example pg_replication_lag is now() - pg_last_xact_replay_timestamp().
func TestIntegrationSideBySidePostgresExporter(t *testing.T) {
	cfg := itConfig(t)
	cfg.PgBouncer = nil
	s := startScraper(t, cfg)
	// Warm-up: connections open, and on a fresh cluster the first catalog reads prune pages
	// (WAL); then one commit so the replica has replayed a transaction, and catch up.
	scrapeOnce(t, s)
	scrapeExporter(t, "PGSTATS_PE_PRIMARY")
	scrapeExporter(t, "PGSTATS_PE_REPLICA")
	prim := admin(t, "PGSTATS_PRIMARY", "postgres")
	exec1(t, prim, "CREATE TABLE IF NOT EXISTS pgstats_idle (t timestamptz)")
	exec1(t, prim, "INSERT INTO pgstats_idle VALUES (now())")
	waitReplicaCaughtUp(t)
	m := scrapeOnce(t, s)
	pe := scrapeExporter(t, "PGSTATS_PE_PRIMARY")
	peRepl := scrapeExporter(t, "PGSTATS_PE_REPLICA")

	assert.Equal(t, promValue(t, pe, "pg_settings_max_connections", nil),
		value(t, m, "primary", "postgresql.connection.max", nil), "max_connections")
	for _, db := range []string{"bench", "postgres"} {
		assert.Equal(t, promValue(t, pe, "pg_stat_database_deadlocks", map[string]string{"datname": db}),
			value(t, m, "primary", "postgresql.deadlocks", map[string]string{"db.namespace": db}), "deadlocks %s", db)
	}
	for _, kind := range []struct{ pe, ours string }{{"pg_stat_bgwriter_checkpoints_timed_total", "timed"}, {"pg_stat_bgwriter_checkpoints_req_total", "requested"}} {
		assert.Equal(t, promValue(t, pe, kind.pe, nil),
			value(t, m, "primary", "postgresql.checkpoints", map[string]string{"postgresql.checkpoint.kind": kind.ours}), kind.ours)
	}
	slot := env(t, "PGSTATS_SLOT")
	assert.Equal(t, promValue(t, pe, "pg_replication_slots_active", map[string]string{"slot_name": slot}),
		value(t, m, "primary", "postgresql.replication_slot.active", map[string]string{"postgresql.replication_slot.name": slot}))
	assert.InDelta(t, promValue(t, pe, "pg_replication_slots_pg_wal_lsn_diff", map[string]string{"slot_name": slot}),
		value(t, m, "primary", "postgresql.replication_slot.retained_bytes", map[string]string{"postgresql.replication_slot.name": slot}), 1024)
	// pe 0.11 labels this series with the walsender pid as slot_name (its SELECT * bug):
	// match on application_name only.
	assert.InDelta(t, promValue(t, pe, "pg_stat_replication_pg_wal_lsn_diff", map[string]string{"application_name": "replica1"}),
		value(t, m, "primary", "postgresql.replication.lag_bytes", map[string]string{
			"postgresql.replication.application_name": "replica1", "postgresql.replication.position": "replay"}), 1024)

	states := map[string]string{"active": "active", "idle": "idle", "idle_in_transaction": "idle in transaction"}
	for ours, theirs := range states {
		got := value(t, m, "primary", "postgresql.connection.count", map[string]string{"db.namespace": "bench", "postgresql.connection.state": ours})
		assert.Equal(t, promValue(t, pe, "pg_stat_activity_count", map[string]string{"datname": "bench", "state": theirs}), got, "bench %s", ours)
		got = value(t, m, "primary", "postgresql.connection.count", map[string]string{"db.namespace": "postgres", "postgresql.connection.state": ours})
		assert.InDelta(t, promValue(t, pe, "pg_stat_activity_count", map[string]string{"datname": "postgres", "state": theirs}), got, 2,
			"postgres %s: ±2 (each tool's own session)", ours)
	}

	ourLag := value(t, m, "replica", "postgresql.replica.lag", nil)
	theirLag := promValue(t, peRepl, "pg_replication_lag", nil)
	assert.Equal(t, 0.0, ourLag, "caught-up replica")
	assert.GreaterOrEqual(t, theirLag, ourLag)
	t.Logf("replica lag on a caught-up replica: pgstats %.1f s, postgres_exporter pg_replication_lag %.1f s (naive)", ourLag, theirLag)
	t.Logf("series: postgres_exporter primary %d + replica %d", len(pe), len(peRepl))
}

// BenchmarkScrapeCost: one scrape of the primary and the replica by pgstats versus one
// scrape of both postgres_exporter instances (HTTP GET of /metrics, body read), on the
// same servers while pgbench writes on the primary. Run:
//
//	go test -tags integration -run '^$' -bench BenchmarkScrapeCost -benchtime 40x -benchmem ./receiver/pgstats/
func BenchmarkScrapeCost(b *testing.B) {
	initBench(b)
	host, port, err := splitEndpoint(env(b, "PGSTATS_PRIMARY"))
	require.NoError(b, err)
	load := exec.Command(env(b, "PGSTATS_PGBENCH"), "-h", host, "-p", fmt.Sprint(port), "-U", env(b, "PGSTATS_ADMIN_USERNAME"),
		"-T", "600", "-c", "4", "-j", "2", "-n", "bench")
	load.Env = append(os.Environ(), "PGPASSWORD="+env(b, "PGSTATS_ADMIN_PASSWORD"))
	require.NoError(b, load.Start())
	b.Cleanup(func() { _ = load.Process.Kill(); _ = load.Wait() })
	time.Sleep(2 * time.Second)

	b.Run("pgstats", func(b *testing.B) {
		cfg := itConfig(b)
		cfg.PgBouncer = nil
		s := startScraper(b, cfg)
		scrapeOnce(b, s)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.scrape(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("postgres_exporter", func(b *testing.B) {
		get := func(ep string) {
			resp, err := http.Get("http://" + ep + "/metrics")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		p, r := env(b, "PGSTATS_PE_PRIMARY"), env(b, "PGSTATS_PE_REPLICA")
		b.Cleanup(http.DefaultClient.CloseIdleConnections)
		get(p)
		b.ReportAllocs()
		for b.Loop() {
			done := make(chan struct{})
			go func() { get(r); close(done) }()
			get(p)
			<-done
		}
	})
}
