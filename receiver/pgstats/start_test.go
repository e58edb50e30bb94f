package pgstats

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
)

// A password_file that does not exist passes validate (it may be mounted later) but must
// fail start naming the field and the path, not report the server as unreachable.
func TestStartFailsOnUnreadablePasswordFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "pg-password")
	for _, tc := range []struct {
		name, want string
		mutate     func(c *Config)
	}{
		{"postgres", "postgres[0].password_file: cannot read " + `"` + missing + `"`, func(c *Config) {
			c.Postgres = []PostgresConfig{{ServerAuth: ServerAuth{Endpoint: "127.0.0.1:1", Username: "u", PasswordFile: missing}}}
		}},
		{"pgbouncer", "pgbouncer[0].password_file: cannot read " + `"` + missing + `"`, func(c *Config) {
			c.PgBouncer = []PgBouncerConfig{{ServerAuth: ServerAuth{Endpoint: "127.0.0.1:1", Username: "u", PasswordFile: missing}}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := createDefaultConfig()
			tc.mutate(cfg)
			require.NoError(t, cfg.Validate())
			r, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			require.NoError(t, err)
			err = r.Start(context.Background(), componenttest.NewNopHost())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "no such file or directory")
			require.NoError(t, r.Shutdown(context.Background()))
		})
	}
}
