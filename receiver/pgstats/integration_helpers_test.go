//go:build integration

package pgstats

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
)

// env returns a variable exported by test/env (postgres.sh, pgbouncer.sh env); missing
// means the services were not started: a failure, not a skip.
func env(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the integration tests with test/run-integration.sh (or export `test/env/postgres.sh env` and `test/env/pgbouncer.sh env`)", name)
	}
	return v
}

func insecureAuth(name, endpoint, user, password string) ServerAuth {
	a := ServerAuth{Name: name, Endpoint: endpoint, Username: user, Password: configopaque.String(password)}
	a.TLS.Insecure = true
	return a
}

// itConfig scrapes the primary and the replica as the pg_monitor role, and PgBouncer.
func itConfig(t testing.TB) *Config {
	cfg := createDefaultConfig()
	user, pw := env(t, "PGSTATS_USERNAME"), env(t, "PGSTATS_PASSWORD")
	cfg.Postgres = []PostgresConfig{
		{ServerAuth: insecureAuth("primary", env(t, "PGSTATS_PRIMARY"), user, pw)},
		{ServerAuth: insecureAuth("replica", env(t, "PGSTATS_REPLICA"), user, pw)},
	}
	cfg.PgBouncer = []PgBouncerConfig{{ServerAuth: insecureAuth("pgbouncer", env(t, "PGSTATS_PGBOUNCER"), user, pw)}}
	cfg.QueryTimeout = 3 * time.Second
	require.NoError(t, cfg.Validate())
	return cfg
}

// startScraper builds the scraper with real pgx clients and starts it.
func startScraper(t testing.TB, cfg *Config) *pgScraper {
	t.Helper()
	s, err := newScraper(cfg, receivertest.NewNopSettings(metadata.Type), newClients)
	require.NoError(t, err)
	require.NoError(t, s.start(context.Background(), nil))
	t.Cleanup(func() { _ = s.shutdown(context.Background()) })
	return s
}

func scrapeOnce(t testing.TB, s *pgScraper) pmetric.Metrics {
	t.Helper()
	m, err := s.scrape(context.Background())
	require.NoError(t, err)
	return m
}

// value returns the single point of name whose attributes include want; fails when there
// is not exactly one.
func value(t testing.TB, m pmetric.Metrics, server, name string, want map[string]string) float64 {
	t.Helper()
	v, n := lookup(m, server, name, want)
	if n != 1 {
		t.Fatalf("%s/%s%v: %d matching points, want 1; all: %s", server, name, want, n, dump(m, server, name))
	}
	return v
}

func lookup(m pmetric.Metrics, server, name string, want map[string]string) (float64, int) {
	var v float64
	n := 0
	for _, p := range points(m, server, name) {
		ok := true
		for k, w := range want {
			if p.attrs[k] != w {
				ok = false
			}
		}
		if ok {
			v = p.value
			n++
		}
	}
	return v, n
}

func dump(m pmetric.Metrics, server, name string) string {
	var parts []string
	for _, p := range points(m, server, name) {
		parts = append(parts, fmt.Sprintf("%v=%g", p.attrs, p.value))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// admin opens a superuser connection to a server of test/env ("PGSTATS_PRIMARY", ...).
func admin(t testing.TB, endpointVar, db string) *pgx.Conn {
	t.Helper()
	host, port, err := splitEndpoint(env(t, endpointVar))
	require.NoError(t, err)
	cfg, err := pgx.ParseConfig("sslmode=disable")
	require.NoError(t, err)
	cfg.Host, cfg.Port, cfg.Database = host, port, db
	cfg.User, cfg.Password = env(t, "PGSTATS_ADMIN_USERNAME"), env(t, "PGSTATS_ADMIN_PASSWORD")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func exec1(t testing.TB, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := c.Exec(ctx, sql, args...)
	require.NoError(t, err, sql)
}

// envScript runs test/env/postgres.sh with a subcommand (stop-replica, start-replica ...).
func envScript(t testing.TB, sub string) {
	t.Helper()
	out, err := exec.Command(env(t, "PGSTATS_ENV_SCRIPT"), sub).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", env(t, "PGSTATS_ENV_SCRIPT"), sub, out)
}

// eventually polls cond every 250 ms until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, msg := cond()
		if ok {
			return
		}
		last = msg
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: not reached within %s; last: %s", what, timeout, last)
}
