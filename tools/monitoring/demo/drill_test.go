//go:build demo

package demo

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The CI subset of the on-call drills (`make drill SCENARIO=replication-lag`, internal/drill):
// WAL replay is paused on the demo's replica while the primary writes every second, on the
// shipped rules and routes. The goal of docs/alerts.md ("Time to page"): the lag passes 10 s
// about 10 s after the fault and is paged within 60 s of that, so the page must be accepted
// by the PagerDuty fake within 70 s of the fault; exactly one page, on the db service, and
// its resolve after replay resumes. It runs beside the other checks (it touches only the
// database); ~3 minutes.
const (
	drillLagAlert  = "PostgresReplicationLagHigh"
	drillLagWithin = 70 * time.Second
)

// drillEvent is an event the PagerDuty fake accepted (GET /pagerduty/events).
type drillEvent struct {
	RoutingKey    string         `json:"routing_key"`
	EventAction   string         `json:"event_action"`
	DedupKey      string         `json:"dedup_key"`
	Summary       string         `json:"summary"`
	CustomDetails map[string]any `json:"custom_details"`
	Effect        string         `json:"effect"` // opened, deduplicated, ...
	ReceivedAt    time.Time      `json:"received_at"`
}

// about: the shipped templates put the firing instances, each starting with its alert name,
// in custom_details.firing.
func (e drillEvent) about(alert string) bool {
	firing, _ := e.CustomDetails["firing"].(string)
	return strings.Contains(firing, alert) || strings.Contains(e.Summary, alert)
}

func checkReplicationLagDrill(t *testing.T, s *stack) {
	pg := demoPostgres(t, s)
	dbKey := s.get(t, "PAGERDUTY_ROUTING_KEY_DB")
	events := func() ([]drillEvent, error) {
		var evs []drillEvent
		err := getJSON(s.get(t, "PAGERDUTY_EVENTS_URL"), &evs)
		return evs, err
	}

	// The fault.
	pg.exec(t, s.get(t, "POSTGRES_PRIMARY"), "CREATE TABLE IF NOT EXISTS e2e_drill_wal (at timestamptz)")
	start := time.Now()
	pg.exec(t, s.get(t, "POSTGRES_REPLICA"), "SELECT pg_wal_replay_pause()")
	ctx, stopWrites := context.WithCancel(context.Background())
	var writer sync.WaitGroup
	writer.Add(1)
	go func() { // WAL keeps moving, so the paused replica falls behind
		defer writer.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				_ = pg.run(ctx, s.get(t, "POSTGRES_PRIMARY"), "INSERT INTO e2e_drill_wal VALUES (now())")
			}
		}
	}()
	var once sync.Once
	removeFault := func() {
		once.Do(func() {
			stopWrites()
			writer.Wait()
			if err := pg.run(context.Background(), s.get(t, "POSTGRES_REPLICA"), "SELECT pg_wal_replay_resume()"); err != nil {
				t.Errorf("resuming WAL replay on the replica: %v", err)
			}
			_ = pg.run(context.Background(), s.get(t, "POSTGRES_PRIMARY"), "DROP TABLE IF EXISTS e2e_drill_wal")
		})
	}
	t.Cleanup(removeFault)

	// The page: waited for up to 4 minutes, so a miss reports how late it came.
	var page drillEvent
	eventually(t, 4*time.Minute, 2*time.Second, "the PagerDuty fake receives the "+drillLagAlert+" page", func() error {
		evs, err := events()
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.EventAction == "trigger" && !e.ReceivedAt.Before(start) && e.about(drillLagAlert) {
				page = e
				return nil
			}
		}
		return fmt.Errorf("no trigger about %s among %d events", drillLagAlert, len(evs))
	})
	after := page.ReceivedAt.Sub(start)
	t.Logf("%s paged %.0f s after the fault (goal %s), dedup key %s", drillLagAlert, after.Seconds(), drillLagWithin, page.DedupKey)
	if after > drillLagWithin {
		t.Errorf("%s paged %.0f s after the fault; the goal is %s (docs/alerts.md, Time to page)", drillLagAlert, after.Seconds(), drillLagWithin)
	}
	if page.RoutingKey != dbKey {
		t.Errorf("the page went to routing key %q, want the db service's %q", page.RoutingKey, dbKey)
	}
	removeFault()

	// The resolve (pages flush every group_interval, 1m), then the counts over the whole drill.
	eventually(t, 4*time.Minute, 5*time.Second, "the PagerDuty fake receives the resolve of "+page.DedupKey, func() error {
		evs, err := events()
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.EventAction == "resolve" && e.DedupKey == page.DedupKey && !e.ReceivedAt.Before(page.ReceivedAt) {
				return nil
			}
		}
		return fmt.Errorf("no resolve for dedup key %s yet", page.DedupKey)
	})
	evs, err := events()
	if err != nil {
		t.Fatal(err)
	}
	opened, dbPages := 0, 0
	for _, e := range evs {
		if e.EventAction != "trigger" || e.Effect != "opened" || e.ReceivedAt.Before(start) {
			continue
		}
		if e.about(drillLagAlert) {
			opened++
			if e.RoutingKey != dbKey {
				t.Errorf("%s paged routing key %q too (dedup key %s): only the db service should be paged", drillLagAlert, e.RoutingKey, e.DedupKey)
			}
		}
		if e.RoutingKey == dbKey {
			dbPages++
		}
	}
	if opened != 1 || dbPages != 1 {
		t.Errorf("during the drill: %d PagerDuty incidents opened about %s and %d on the db service, want exactly 1 and 1", opened, drillLagAlert, dbPages)
	}
}

// demoPostgres is psql with the demo's database admin role (test/env/postgres.sh env, run on
// the demo's data/demo/run).
type demoPG struct{ psql, user, password string }

func demoPostgres(t *testing.T, s *stack) demoPG {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.root, "test", "env", "postgres.sh"), "env")
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), "FRAISEQL_ENV_DIR="+filepath.Join(s.root, "data", "demo", "run"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("test/env/postgres.sh env: %v", err)
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	pg := demoPG{psql: env["PGSTATS_PSQL"], user: env["PGSTATS_ADMIN_USERNAME"], password: env["PGSTATS_ADMIN_PASSWORD"]}
	if pg.psql == "" || pg.user == "" || pg.password == "" {
		t.Fatalf("test/env/postgres.sh env: no PGSTATS_PSQL, PGSTATS_ADMIN_USERNAME or PGSTATS_ADMIN_PASSWORD")
	}
	return pg
}

func (p demoPG) run(ctx context.Context, hostPort, sql string) error {
	host, port, ok := strings.Cut(hostPort, ":")
	if !ok {
		return fmt.Errorf("%q is not host:port", hostPort)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", p.user, "-d", "postgres", "-c", sql)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+p.password, "PGAPPNAME=e2e-drill", "PGCONNECT_TIMEOUT=10")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("psql %s %q: %v: %s", hostPort, sql, err, bytes.TrimSpace(out))
	}
	return nil
}

func (p demoPG) exec(t *testing.T, hostPort, sql string) {
	t.Helper()
	if err := p.run(context.Background(), hostPort, sql); err != nil {
		t.Fatal(err)
	}
}
