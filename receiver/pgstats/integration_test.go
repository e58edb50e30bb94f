//go:build integration

package pgstats

// Integration tests against the real PostgreSQL 15 primary, streaming replica (physical
// slot) and PgBouncer of test/env (postgres.sh, pgbouncer.sh). Every scenario restores the
// environment it changed (replay resumed, replica restarted, sessions closed). Run them
// with test/run-integration.sh, or export the `env` output of both scripts and
// `go test -tags integration ./receiver/pgstats/`.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
)

var pgbenchInit sync.Once

// pgbench runs the pgbench of test/env against the primary's bench database.
func pgbench(t testing.TB, args ...string) {
	t.Helper()
	host, port, err := splitEndpoint(env(t, "PGSTATS_PRIMARY"))
	require.NoError(t, err)
	full := append([]string{"-h", host, "-p", fmt.Sprint(port), "-U", env(t, "PGSTATS_ADMIN_USERNAME")}, args...)
	full = append(full, "bench")
	cmd := exec.Command(env(t, "PGSTATS_PGBENCH"), full...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+env(t, "PGSTATS_ADMIN_PASSWORD"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "pgbench %v: %s", args, out)
}

func initBench(t testing.TB) {
	pgbenchInit.Do(func() { pgbench(t, "-i", "-s", "2", "-q") })
}

// waitReplicaCaughtUp waits until the replica has replayed everything the primary wrote.
func waitReplicaCaughtUp(t testing.TB) {
	t.Helper()
	prim := admin(t, "PGSTATS_PRIMARY", "postgres")
	repl := admin(t, "PGSTATS_REPLICA", "postgres")
	eventually(t, 30*time.Second, "replica caught up", func() (bool, string) {
		var cur string
		var replayed bool
		if err := prim.QueryRow(context.Background(), "SELECT pg_current_wal_lsn()::text").Scan(&cur); err != nil {
			return false, err.Error()
		}
		if err := repl.QueryRow(context.Background(),
			"SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0", cur).Scan(&replayed); err != nil {
			return false, err.Error()
		}
		return replayed, "primary at " + cur
	})
}

// Scenario: an idle primary. The naive replica lag (now() - pg_last_xact_replay_timestamp())
// grows second by second; postgresql.replica.lag stays 0, and the primary-side lags stay
// present and near 0 (PostgreSQL reports NULL for them once the standby is idle).
func TestIntegrationIdleReplicaLagStaysZero(t *testing.T) {
	prim := admin(t, "PGSTATS_PRIMARY", "postgres")
	repl := admin(t, "PGSTATS_REPLICA", "postgres")
	// Autovacuum commits (e.g. an autoanalyze of a fresh table) would reset the naive lag;
	// keep the primary truly idle for the scenario and restore the setting afterwards.
	exec1(t, prim, "ALTER SYSTEM SET autovacuum = off")
	exec1(t, prim, "SELECT pg_reload_conf()")
	t.Cleanup(func() {
		c := admin(t, "PGSTATS_PRIMARY", "postgres")
		exec1(t, c, "ALTER SYSTEM RESET autovacuum")
		exec1(t, c, "SELECT pg_reload_conf()")
	})
	// One commit, so the replica has a last replayed transaction timestamp.
	exec1(t, prim, "CREATE TABLE IF NOT EXISTS pgstats_idle (t timestamptz)")
	exec1(t, prim, "INSERT INTO pgstats_idle VALUES (now())")
	waitReplicaCaughtUp(t)
	s := startScraper(t, itConfig(t))

	const idle = 30 * time.Second
	start := time.Now()
	var naive float64
	for time.Since(start) < idle {
		m := scrapeOnce(t, s)
		assert.Equal(t, 0.0, value(t, m, "replica", "postgresql.replica.lag", nil), "replica lag on an idle primary")
		assert.Equal(t, 0.0, value(t, m, "replica", "postgresql.replica.lag_bytes", nil))
		assert.Equal(t, 1.0, value(t, m, "replica", "postgresql.replica.wal_receiver.connected", map[string]string{"postgresql.replica.wal_receiver.status": "streaming"}))
		// Primary side: the last measured lag (milliseconds) until PostgreSQL nulls it once
		// the standby reports it is idle, then 0: present and never growing.
		for _, kind := range []string{"write", "flush", "replay"} {
			assert.Less(t, value(t, m, "primary", "postgresql.replication.lag", map[string]string{
				"postgresql.replication.lag.kind": kind, "postgresql.replication.application_name": "replica1"}), 0.5, kind)
		}
		assert.Equal(t, 0.0, value(t, m, "primary", "postgresql.replication.lag_bytes", map[string]string{
			"postgresql.replication.position": "replay"}))
		// The receiver's own session is not counted: nothing else is active on postgres.
		assert.Equal(t, 0.0, value(t, m, "primary", "postgresql.connection.count", map[string]string{
			"db.namespace": "postgres", "postgresql.connection.state": "active"}))
		require.NoError(t, repl.QueryRow(context.Background(),
			"SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8").Scan(&naive))
		time.Sleep(3 * time.Second)
	}
	assert.Greater(t, naive, idle.Seconds()-5, "the naive lag grew meanwhile (the trap the guard avoids)")
	t.Logf("naive replica lag after %s idle: %.1f s; postgresql.replica.lag stayed 0", idle, naive)
}

// Scenario: replay paused on the replica while pgbench writes on the primary: lag in
// seconds and bytes rises on both sides; after resuming it returns to 0.
func TestIntegrationReplayPauseUnderLoad(t *testing.T) {
	initBench(t)
	waitReplicaCaughtUp(t)
	repl := admin(t, "PGSTATS_REPLICA", "postgres")
	exec1(t, repl, "SELECT pg_wal_replay_pause()")
	t.Cleanup(func() { exec1(t, admin(t, "PGSTATS_REPLICA", "postgres"), "SELECT pg_wal_replay_resume()") })
	s := startScraper(t, itConfig(t))

	pgbench(t, "-T", "6", "-c", "4", "-j", "2", "-n")
	m := scrapeOnce(t, s)
	assert.Equal(t, 1.0, value(t, m, "replica", "postgresql.replica.replay_paused", nil))
	assert.Greater(t, value(t, m, "replica", "postgresql.replica.lag", nil), 1.0)
	assert.Greater(t, value(t, m, "replica", "postgresql.replica.lag_bytes", nil), 100000.0)
	want := map[string]string{"postgresql.replication.application_name": "replica1"}
	want["postgresql.replication.position"] = "replay"
	replayBytes := value(t, m, "primary", "postgresql.replication.lag_bytes", want)
	assert.Greater(t, replayBytes, 100000.0)
	delete(want, "postgresql.replication.position")
	want["postgresql.replication.lag.kind"] = "replay"
	assert.Greater(t, value(t, m, "primary", "postgresql.replication.lag", want), 0.5)
	// Pausing replay does not hold WAL in a physical slot (restart_lsn follows flush).
	t.Logf("paused: primary replay lag %.0f B, replica lag %.1f s, slot retained %.0f B", replayBytes,
		value(t, m, "replica", "postgresql.replica.lag", nil),
		value(t, m, "primary", "postgresql.replication_slot.retained_bytes", nil))

	exec1(t, repl, "SELECT pg_wal_replay_resume()")
	eventually(t, 20*time.Second, "lag back to 0 after resume", func() (bool, string) {
		m := scrapeOnce(t, s)
		r, _ := lookup(m, "replica", "postgresql.replica.lag", nil)
		rb, _ := lookup(m, "replica", "postgresql.replica.lag_bytes", nil)
		p, _ := lookup(m, "primary", "postgresql.replication.lag_bytes", map[string]string{"postgresql.replication.position": "replay"})
		paused, _ := lookup(m, "replica", "postgresql.replica.replay_paused", nil)
		return r == 0 && rb == 0 && p == 0 && paused == 0, fmt.Sprintf("replica lag %g s %g B, primary replay %g B, paused %g", r, rb, p, paused)
	})
}

// lastMetrics returns the most recent batch the sink received.
func lastMetrics(sink *consumertest.MetricsSink) (pmetric.Metrics, bool) {
	all := sink.AllMetrics()
	if len(all) == 0 {
		return pmetric.Metrics{}, false
	}
	return all[len(all)-1], true
}

// Scenario: the replica is stopped while the receiver runs (through the factory, a 500 ms
// interval): the replica's postgresql.up is 0 and the collector keeps scraping; on the
// primary the standby is gone, the slot is inactive and its retained WAL grows under
// load. The replica is restarted and everything recovers.
func TestIntegrationReplicaStoppedAndRecovered(t *testing.T) {
	initBench(t)
	waitReplicaCaughtUp(t)
	cfg := itConfig(t)
	cfg.CollectionInterval = 500 * time.Millisecond
	sink := new(consumertest.MetricsSink)
	rcv, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	eventually(t, 10*time.Second, "first scrape with replica up", func() (bool, string) {
		m, ok := lastMetrics(sink)
		if !ok {
			return false, "no scrape yet"
		}
		v, _ := lookup(m, "replica", "postgresql.up", nil)
		return v == 1, "replica up " + fmt.Sprint(v)
	})

	envScript(t, "stop-replica")
	t.Cleanup(func() { envScript(t, "start-replica") })
	var retainedBefore float64
	eventually(t, 20*time.Second, "replica down, standby gone, slot inactive", func() (bool, string) {
		m, _ := lastMetrics(sink)
		up, _ := lookup(m, "replica", "postgresql.up", nil)
		sb, _ := lookup(m, "primary", "postgresql.replication.standbys", map[string]string{"postgresql.replication.state": "streaming"})
		active, _ := lookup(m, "primary", "postgresql.replication_slot.active", nil)
		retainedBefore, _ = lookup(m, "primary", "postgresql.replication_slot.retained_bytes", nil)
		return up == 0 && sb == 0 && active == 0, fmt.Sprintf("replica up %g, standbys %g, slot active %g", up, sb, active)
	})
	pgbench(t, "-T", "3", "-c", "2", "-n")
	eventually(t, 10*time.Second, "slot retains the WAL written meanwhile", func() (bool, string) {
		m, _ := lastMetrics(sink)
		r, _ := lookup(m, "primary", "postgresql.replication_slot.retained_bytes", nil)
		return r > retainedBefore+100000, fmt.Sprintf("retained %g B (before load %g B)", r, retainedBefore)
	})
	m, _ := lastMetrics(sink)
	assert.Equal(t, 1.0, value(t, m, "primary", "postgresql.replication_slot.wal_status", map[string]string{
		"postgresql.replication_slot.wal_status": "reserved"}))
	assert.Equal(t, 1.0, value(t, m, "primary", "postgresql.up", nil), "the primary is still scraped")

	envScript(t, "start-replica")
	eventually(t, 60*time.Second, "replica back: up, streaming, slot active, nothing retained", func() (bool, string) {
		m, _ := lastMetrics(sink)
		up, _ := lookup(m, "replica", "postgresql.up", nil)
		sb, _ := lookup(m, "primary", "postgresql.replication.standbys", map[string]string{"postgresql.replication.state": "streaming"})
		active, _ := lookup(m, "primary", "postgresql.replication_slot.active", nil)
		lag, _ := lookup(m, "replica", "postgresql.replica.lag", nil)
		return up == 1 && sb == 1 && active == 1 && lag == 0, fmt.Sprintf("replica up %g, standbys %g, slot active %g, replica lag %g", up, sb, active, lag)
	})
}

// Scenario: a session idle in transaction and a session waiting on its lock.
func TestIntegrationIdleInTransactionAndLockWait(t *testing.T) {
	initBench(t)
	holder := admin(t, "PGSTATS_PRIMARY", "bench")
	ctx := context.Background()
	tx, err := holder.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	_, err = tx.Exec(ctx, "LOCK TABLE pgbench_branches IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)

	waiter := admin(t, "PGSTATS_PRIMARY", "bench")
	waitCtx, cancelWait := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := waiter.Exec(waitCtx, "SELECT count(*) FROM pgbench_branches"); done <- err }()
	t.Cleanup(func() {
		cancelWait()
		if err := <-done; err != nil {
			t.Logf("waiting query ended: %v", err)
		}
	})

	time.Sleep(3 * time.Second)
	s := startScraper(t, itConfig(t))
	m := scrapeOnce(t, s)
	assert.GreaterOrEqual(t, value(t, m, "primary", "postgresql.connection.count", map[string]string{
		"db.namespace": "bench", "postgresql.connection.state": "idle_in_transaction"}), 1.0)
	assert.GreaterOrEqual(t, value(t, m, "primary", "postgresql.connection.count", map[string]string{
		"db.namespace": "bench", "postgresql.connection.state": "active"}), 1.0, "the waiting session is active")
	assert.GreaterOrEqual(t, value(t, m, "primary", "postgresql.transaction.idle_oldest_age", nil), 2.5)
	assert.GreaterOrEqual(t, value(t, m, "primary", "postgresql.transaction.oldest_age", nil), 2.5)
	assert.GreaterOrEqual(t, value(t, m, "primary", "postgresql.locks.waiting", nil), 1.0)
	assert.GreaterOrEqual(t, value(t, m, "primary", "postgresql.locks", map[string]string{
		"postgresql.lock.mode": "AccessExclusiveLock", "postgresql.lock.granted": "true"}), 1.0)
	assert.GreaterOrEqual(t, value(t, m, "primary", "postgresql.locks", map[string]string{
		"postgresql.lock.mode": "AccessShareLock", "postgresql.lock.granted": "false"}), 1.0)

	require.NoError(t, tx.Rollback(ctx))
	require.NoError(t, <-done)
	done <- nil
	m = scrapeOnce(t, s)
	assert.Equal(t, 0.0, value(t, m, "primary", "postgresql.connection.count", map[string]string{
		"db.namespace": "bench", "postgresql.connection.state": "idle_in_transaction"}))
	assert.Equal(t, 0.0, value(t, m, "primary", "postgresql.locks.waiting", nil))
}

// Scenario: two sessions update the same rows in opposite order: one deadlock.
func TestIntegrationDeadlockCounter(t *testing.T) {
	a := admin(t, "PGSTATS_PRIMARY", "bench")
	b := admin(t, "PGSTATS_PRIMARY", "bench")
	exec1(t, a, "CREATE TABLE IF NOT EXISTS pgstats_dl (id int PRIMARY KEY, v int)")
	exec1(t, a, "INSERT INTO pgstats_dl VALUES (1, 0), (2, 0) ON CONFLICT DO NOTHING")
	s := startScraper(t, itConfig(t))
	before := value(t, scrapeOnce(t, s), "primary", "postgresql.deadlocks", map[string]string{"db.namespace": "bench"})

	ctx := context.Background()
	ta, err := a.Begin(ctx)
	require.NoError(t, err)
	tb, err := b.Begin(ctx)
	require.NoError(t, err)
	_, err = ta.Exec(ctx, "UPDATE pgstats_dl SET v = v + 1 WHERE id = 1")
	require.NoError(t, err)
	_, err = tb.Exec(ctx, "UPDATE pgstats_dl SET v = v + 1 WHERE id = 2")
	require.NoError(t, err)
	errA := make(chan error, 1)
	go func() { _, err := ta.Exec(ctx, "UPDATE pgstats_dl SET v = v + 1 WHERE id = 2"); errA <- err }()
	time.Sleep(300 * time.Millisecond)
	_, errB := tb.Exec(ctx, "UPDATE pgstats_dl SET v = v + 1 WHERE id = 1")
	ea := <-errA
	assert.True(t, (ea == nil) != (errB == nil), "exactly one side is the deadlock victim: a=%v b=%v", ea, errB)
	_ = ta.Rollback(ctx)
	_ = tb.Rollback(ctx)
	// A backend reports its deadlock count with its other pending statistics when it goes
	// idle after a later transaction, at the latest when it disconnects.
	time.Sleep(1100 * time.Millisecond)
	exec1(t, a, "SELECT 1")
	exec1(t, b, "SELECT 1")

	eventually(t, 10*time.Second, "deadlocks +1", func() (bool, string) {
		after := value(t, scrapeOnce(t, s), "primary", "postgresql.deadlocks", map[string]string{"db.namespace": "bench"})
		return after == before+1, fmt.Sprintf("before %g after %g", before, after)
	})
}

// Scenario: more clients than the PgBouncer pool size: clients wait (cl_waiting > 0).
func TestIntegrationPgBouncerWaitingClients(t *testing.T) {
	poolSize := 2
	require.Equal(t, fmt.Sprint(poolSize), env(t, "PGSTATS_PGBOUNCER_POOL_SIZE"))
	host, port, err := splitEndpoint(env(t, "PGSTATS_PGBOUNCER"))
	require.NoError(t, err)
	const clients = 6
	ctx := context.Background()
	var wg sync.WaitGroup
	for range clients {
		cfg, err := pgx.ParseConfig("sslmode=disable")
		require.NoError(t, err)
		cfg.Host, cfg.Port, cfg.Database = host, port, "bench"
		cfg.User, cfg.Password = env(t, "PGSTATS_ADMIN_USERNAME"), env(t, "PGSTATS_ADMIN_PASSWORD")
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		c, err := pgx.ConnectConfig(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close(ctx) })
		wg.Go(func() { _, _ = c.Exec(ctx, "SELECT pg_sleep(2)") })
	}
	s := startScraper(t, itConfig(t))
	pool := map[string]string{"pgbouncer.database": "bench", "pgbouncer.user": env(t, "PGSTATS_ADMIN_USERNAME")}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range pool {
			m[a] = b
		}
		return m
	}
	eventually(t, 3*time.Second, "clients waiting for the pool", func() (bool, string) {
		m := scrapeOnce(t, s)
		w, _ := lookup(m, "pgbouncer", "pgbouncer.pool.client.connections", with("pgbouncer.client.state", "waiting"))
		a, _ := lookup(m, "pgbouncer", "pgbouncer.pool.client.connections", with("pgbouncer.client.state", "active"))
		sv, _ := lookup(m, "pgbouncer", "pgbouncer.pool.server.connections", with("pgbouncer.server.state", "active"))
		return w == clients-float64(poolSize) && a == float64(poolSize) && sv == float64(poolSize),
			fmt.Sprintf("cl_waiting %g cl_active %g sv_active %g", w, a, sv)
	})
	m := scrapeOnce(t, s)
	assert.Equal(t, float64(poolSize), value(t, m, "pgbouncer", "pgbouncer.pool.size", map[string]string{"pgbouncer.database": "bench"}))
	assert.Greater(t, value(t, m, "pgbouncer", "pgbouncer.pool.max_wait", pool), 0.0)
	assert.Equal(t, 200.0, value(t, m, "pgbouncer", "pgbouncer.clients.max", nil))
	assert.Equal(t, 1.0, value(t, m, "pgbouncer", "pgbouncer.up", nil))
	wg.Wait()
	m = scrapeOnce(t, s)
	assert.Equal(t, 0.0, value(t, m, "pgbouncer", "pgbouncer.pool.client.connections", with("pgbouncer.client.state", "waiting")))
	assert.Greater(t, value(t, m, "pgbouncer", "pgbouncer.stats.wait_time", map[string]string{"pgbouncer.database": "bench"}), 0.0)
	assert.GreaterOrEqual(t, value(t, m, "pgbouncer", "pgbouncer.stats.queries", map[string]string{"pgbouncer.database": "bench"}), float64(clients))
}

// Scenario: a role without pg_monitor. The scrape does not fail; what the role cannot read
// is absent (not zero, not a guess), the rest is there.
func TestIntegrationRoleWithoutPgMonitor(t *testing.T) {
	cfg := itConfig(t)
	user, pw := env(t, "PGSTATS_NOPRIV_USERNAME"), env(t, "PGSTATS_NOPRIV_PASSWORD")
	cfg.Postgres = []PostgresConfig{
		{ServerAuth: insecureAuth("primary", env(t, "PGSTATS_PRIMARY"), user, pw)},
		{ServerAuth: insecureAuth("replica", env(t, "PGSTATS_REPLICA"), user, pw)},
	}
	cfg.PgBouncer = nil
	s := startScraper(t, cfg)
	m := scrapeOnce(t, s) // require.NoError inside: no failed scrape
	for _, srv := range []string{"primary", "replica"} {
		assert.Equal(t, 1.0, value(t, m, srv, "postgresql.up", nil))
		for _, absent := range []string{"postgresql.connection.count", "postgresql.transaction.oldest_age", "postgresql.statement.calls"} {
			_, n := lookup(m, srv, absent, nil)
			assert.Zero(t, n, "%s %s must be absent without pg_monitor", srv, absent)
		}
		_, n := lookup(m, srv, "postgresql.commits", map[string]string{"db.namespace": "bench"})
		assert.Equal(t, 1, n, "%s: pg_stat_database is readable by any role", srv)
		_, n = lookup(m, srv, "postgresql.connection.max", nil)
		assert.Equal(t, 1, n)
	}
	for _, absent := range []string{"postgresql.replication.lag", "postgresql.replication.lag_bytes", "postgresql.replication.standbys"} {
		_, n := lookup(m, "primary", absent, nil)
		assert.Zero(t, n, "primary %s: pg_stat_replication hides state and positions without pg_monitor", absent)
	}
	_, n := lookup(m, "primary", "postgresql.replication_slot.active", nil)
	assert.Equal(t, 1, n, "pg_replication_slots is readable by any role")
	// pg_stat_wal_receiver.status is NULL without pg_read_all_stats: the connected metric is
	// absent and the replica lag falls back to the LSN guard (0 while caught up).
	_, n = lookup(m, "replica", "postgresql.replica.wal_receiver.connected", nil)
	assert.Zero(t, n)
	assert.Equal(t, 0.0, value(t, m, "replica", "postgresql.replica.lag", nil))
}
