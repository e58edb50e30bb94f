//go:build integration

package pgstats

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
)

// Every way of not reaching a real server is logged with its cause, once at warn level,
// with the fix when it is a configuration matter, and postgresql.up / pgbouncer up is 0.
func TestIntegrationDownServerSaysWhy(t *testing.T) {
	user, pw := env(t, "PGSTATS_USERNAME"), env(t, "PGSTATS_PASSWORD")
	primary, bouncer := env(t, "PGSTATS_PRIMARY"), env(t, "PGSTATS_PGBOUNCER")

	// A TCP listener that accepts and never answers: the startup packet times out.
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer hole.Close()
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedAddr := closed.Addr().String()
	closed.Close()

	tlsOn := func(a ServerAuth) ServerAuth { a.TLS.Insecure = false; return a }
	for _, tc := range []struct {
		name      string
		auth      ServerAuth
		bouncer   bool
		wantCause string
		wantFix   string
	}{
		{"tls refused by postgres", tlsOn(insecureAuth("pg", primary, user, pw)), false, "server does not support TLS", "set tls.insecure: true"},
		{"wrong password postgres", insecureAuth("pg", primary, user, "wrong"), false, "authentication failed", "check username and password"},
		{"wrong password pgbouncer", insecureAuth("pgb", bouncer, user, "wrong"), true, "authentication failed", "check username and password"},
		{"unknown role", insecureAuth("pg", primary, "no_such_role", "x"), false, "authentication failed", "check username"},
		{"connection refused", insecureAuth("pg", closedAddr, user, pw), false, "connection refused", "check endpoint"},
		{"timeout", insecureAuth("pg", hole.Addr().String(), user, pw), false, "timed out", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig()
			cfg.QueryTimeout = time.Second
			if tc.bouncer {
				cfg.PgBouncer = []PgBouncerConfig{{ServerAuth: tc.auth}}
			} else {
				cfg.Postgres = []PostgresConfig{{ServerAuth: tc.auth}}
			}
			require.NoError(t, cfg.Validate())
			core, logs := observer.New(zapcore.DebugLevel)
			set := receivertest.NewNopSettings(metadata.Type)
			set.Logger = zap.New(core)
			s, err := newScraper(cfg, set, newClients)
			require.NoError(t, err)
			require.NoError(t, s.start(context.Background(), nil))
			defer func() { _ = s.shutdown(context.Background()) }()
			for range 3 { // the 2nd and 3rd scrapes are in the dialer's backoff
				m, _ := s.scrape(context.Background())
				name := "postgresql.up"
				if tc.bouncer {
					name = "pgbouncer.up"
				}
				up := points(m, tc.auth.Name, name)
				require.Len(t, up, 1, "no %s", name)
				assert.Zero(t, up[0].value)
			}
			warn := logs.FilterMessageSnippet("server unreachable").FilterLevelExact(zap.WarnLevel).All()
			require.Len(t, warn, 1, "one warning for one cause")
			assert.Contains(t, warn[0].Message, tc.wantCause)
			assert.Contains(t, warn[0].ContextMap()["cause"], tc.wantCause)
			if tc.wantFix != "" {
				assert.Contains(t, warn[0].Message, tc.wantFix)
			}
			debug := logs.FilterMessageSnippet("server unreachable").FilterLevelExact(zap.DebugLevel).All()
			require.Len(t, debug, 2)
			for _, d := range debug {
				assert.True(t, strings.Contains(d.Message, tc.wantCause), "a later up=0 says why too: %s", d.Message)
			}
		})
	}
}
