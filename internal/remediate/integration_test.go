//go:build integration

package remediate

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run with test/run-integration.sh (or export `test/env/postgres.sh env`)", name)
	}
	return v
}

func connect(t *testing.T, user, password, app string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dsn := fmt.Sprintf("postgres://%s:%s@%s/postgres?sslmode=disable&application_name=%s", user, password, env(t, "PGSTATS_PRIMARY"), app)
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// A session of an ordinary role is left idle inside a transaction (the pool-exhaustion
// fault). The remediation role has only pg_signal_backend and pg_read_all_stats. Dry-run
// (the default) reports the session and leaves it alone; execute terminates it, and the
// timeline records both. An active statement of another session is not touched.
func TestTerminateIdleInTransactionOnRealPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := connect(t, env(t, "PGSTATS_ADMIN_USERNAME"), env(t, "PGSTATS_ADMIN_PASSWORD"), "remediate-it-admin")
	const role, pw = "remediate_it", "remediate_it_pw"
	for _, q := range []string{
		`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'remediate_it') THEN CREATE ROLE remediate_it LOGIN PASSWORD 'remediate_it_pw'; END IF; END $$`,
		`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'remediate_it_app') THEN CREATE ROLE remediate_it_app LOGIN PASSWORD 'remediate_it_app_pw'; END IF; END $$`,
		`GRANT pg_signal_backend, pg_read_all_stats TO remediate_it`,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	leaky := connect(t, "remediate_it_app", "remediate_it_app_pw", "leaky-client")
	if _, err := leaky.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := leaky.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	var leakyPID int32
	if err := leaky.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&leakyPID); err != nil {
		t.Fatal(err)
	}
	// a busy, healthy session: must not be selected
	busy := connect(t, "remediate_it_app", "remediate_it_app_pw", "busy-client")
	go func() { _, _ = busy.Exec(context.Background(), "SELECT pg_sleep(8)") }()
	time.Sleep(2500 * time.Millisecond)

	rem := connect(t, role, pw, "remediate")
	tl, err := OpenTimeline(filepath.Join(t.TempDir(), "timeline.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	act := TerminateIdleInTransaction{MinIdle: 2 * time.Second, Max: 10}
	now := time.Now()
	s := &Server{Secret: secret, Actions: map[string]Action{act.Name(): act}, Allowed: map[string]bool{act.Name(): true},
		Timeout: 10 * time.Second, DB: rem, Timeline: tl, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }}
	h := s.Handler()

	code, es := call(t, h, "/hooks/terminate-idle-in-transaction", firingBody, now)
	if code != http.StatusOK || len(es) != 1 || es[0].Outcome != "dry_run" {
		t.Fatalf("dry-run: %d %+v", code, es)
	}
	if !hasPID(es[0].Targets, leakyPID) {
		t.Fatalf("dry-run did not report the idle session %d: %+v", leakyPID, es[0].Targets)
	}
	for _, tg := range es[0].Targets {
		if tg.Application == "busy-client" || tg.Application == "remediate" || tg.Done {
			t.Fatalf("dry-run selected or signalled %+v", tg)
		}
	}
	if _, err := leaky.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatalf("dry-run touched the session: %v", err)
	}

	s.Execute = true
	now = now.Add(time.Second)
	time.Sleep(2500 * time.Millisecond) // idle again for MinIdle after the probe above
	code, es = call(t, h, "/hooks/terminate-idle-in-transaction", firingBody, now)
	if code != http.StatusOK || es[0].Outcome != "executed" {
		t.Fatalf("execute: %d %+v", code, es)
	}
	var done bool
	for _, tg := range es[0].Targets {
		if tg.PID == leakyPID {
			done = tg.Done
		}
		if tg.Application == "busy-client" {
			t.Fatalf("execute selected the busy session %+v", tg)
		}
	}
	if !done {
		t.Fatalf("idle session %d not terminated: %+v", leakyPID, es[0].Targets)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", leakyPID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %d still present 5 s after termination", leakyPID)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := leaky.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("the terminated session still answers")
	}
	if got := tl.For("fp1"); len(got) != 2 || got[0].Outcome != "dry_run" || got[1].Outcome != "executed" {
		t.Fatalf("timeline %+v", got)
	}
}

func hasPID(ts []Target, pid int32) bool {
	for _, t := range ts {
		if t.PID == pid {
			return true
		}
	}
	return false
}
