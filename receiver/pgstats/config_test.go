package pgstats

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"

	"github.com/fraiseql/otelcol-fraiseql/internal/factorytest"
	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cfg, err := factorytest.LoadConfig[*Config](t, NewFactory(), name)
	require.NoError(t, err)
	require.NoError(t, confmap.Validate(cfg))
	return cfg
}

func TestLoadConfigDefault(t *testing.T) {
	cfg := loadConfig(t, "")
	assert.Equal(t, 15*time.Second, cfg.CollectionInterval)
	assert.Equal(t, 5*time.Second, cfg.QueryTimeout)
	assert.Equal(t, "otelcol-pgstats", cfg.ApplicationName)
	assert.Equal(t, 20, cfg.TopStatements)
	require.Len(t, cfg.Postgres, 1)
	assert.False(t, cfg.Postgres[0].TLS.Insecure, "TLS is on unless turned off")
}

func TestLoadConfigCustom(t *testing.T) {
	cfg := loadConfig(t, "custom")
	assert.Equal(t, 30*time.Second, cfg.CollectionInterval)
	assert.Equal(t, 2*time.Second, cfg.QueryTimeout)
	assert.Equal(t, "otel-gw", cfg.ApplicationName)
	assert.Equal(t, 5, cfg.TopStatements)
	require.Len(t, cfg.Postgres, 2)
	p := cfg.Postgres[0]
	assert.Equal(t, "primary", p.Name)
	assert.Equal(t, "/etc/secrets/pg", p.PasswordFile)
	assert.Equal(t, "app", p.Database)
	assert.Equal(t, []string{"app", "billing"}, p.Databases)
	assert.True(t, p.TLS.Insecure)
	assert.Equal(t, []string{"template0"}, cfg.Postgres[1].ExcludeDatabases)
	assert.Equal(t, "/etc/ssl/pg-ca.pem", cfg.Postgres[1].TLS.CAFile)
	require.Len(t, cfg.PgBouncer, 1)
	assert.Equal(t, "bouncer", cfg.PgBouncer[0].Name)
	assert.Contains(t, cfg.Metrics.PostgresqlConnectionCount.EnabledAttributes, metadata.PostgresqlConnectionCountMetricAttributeKeyPostgresqlUser)
	assert.False(t, cfg.Metrics.PostgresqlStatementCalls.Enabled)
}

func TestValidateErrorsNameTheField(t *testing.T) {
	ok := func() *Config {
		c := createDefaultConfig()
		c.Postgres = []PostgresConfig{{ServerAuth: ServerAuth{Endpoint: "db:5432", Username: "otel"}}}
		return c
	}
	for _, tt := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no servers", func(c *Config) { c.Postgres = nil }, "postgres, pgbouncer: at least one server"},
		{"endpoint missing", func(c *Config) { c.Postgres[0].Endpoint = "" }, "postgres[0].endpoint: must be set"},
		{"endpoint without port", func(c *Config) { c.Postgres[0].Endpoint = "db" }, "postgres[0].endpoint"},
		{"endpoint bad port", func(c *Config) { c.Postgres[0].Endpoint = "db:99999" }, "port must be 1-65535"},
		{"no username", func(c *Config) { c.Postgres[0].Username = "" }, "postgres[0].username: must be set"},
		{"both passwords", func(c *Config) { c.Postgres[0].Password = "x"; c.Postgres[0].PasswordFile = "/f" }, "postgres[0].password_file: set either"},
		{"include and exclude", func(c *Config) {
			c.Postgres[0].Databases = []string{"app"}
			c.Postgres[0].ExcludeDatabases = []string{"app"}
		}, `postgres[0].databases: "app" is also in exclude_databases`},
		{"duplicate names", func(c *Config) {
			c.PgBouncer = []PgBouncerConfig{{ServerAuth: ServerAuth{Endpoint: "db:5432", Username: "otel"}}}
		}, `pgbouncer[0].name: "db:5432" is also used by postgres[0]`},
		{"query timeout", func(c *Config) { c.QueryTimeout = 0 }, "query_timeout: must be positive"},
		{"query timeout over scrape timeout", func(c *Config) { c.Timeout = time.Second }, "query_timeout: 5s is longer than the scrape timeout"},
		{"application name", func(c *Config) { c.ApplicationName = "" }, "application_name"},
		{"top statements", func(c *Config) { c.TopStatements = -1 }, "top_statements"},
		{"bouncer username", func(c *Config) {
			c.PgBouncer = []PgBouncerConfig{{ServerAuth: ServerAuth{Name: "b", Endpoint: "pgb:6432"}}}
		}, "pgbouncer[0].username: must be set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ok()
			require.NoError(t, c.Validate())
			tt.mutate(c)
			assert.ErrorContains(t, c.Validate(), tt.want)
		})
	}
}

func TestPasswordFileIsReadAtEachCall(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(f, []byte("first\n"), 0o600))
	a := ServerAuth{PasswordFile: f}
	pw, err := a.password()
	require.NoError(t, err)
	assert.Equal(t, "first", pw)
	require.NoError(t, os.WriteFile(f, []byte("rotated"), 0o600))
	pw, err = a.password()
	require.NoError(t, err)
	assert.Equal(t, "rotated", pw)
	_, err = ServerAuth{PasswordFile: filepath.Join(t.TempDir(), "missing")}.password()
	assert.ErrorContains(t, err, "password_file")
}

// The collector validates every nested config that has a Validate (tls here) and names
// its path (postgres::0::tls): Config.Validate must not report it a second time.
func TestNestedTLSLeftToTheFramework(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.Postgres = []PostgresConfig{{ServerAuth: ServerAuth{Endpoint: "db:5432", Username: "u"}}}
	cfg.Postgres[0].TLS.MinVersion = "1.9"
	require.Error(t, cfg.Postgres[0].TLS.Validate())
	require.NoError(t, cfg.Validate())
}
