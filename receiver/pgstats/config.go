package pgstats // import "github.com/fraiseql/otelcol-fraiseql/receiver/pgstats"

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
)

// Config is the pgstats receiver configuration.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	metadata.MetricsBuilderConfig  `mapstructure:",squash"`

	// Postgres lists the PostgreSQL servers (primaries and replicas) to scrape.
	Postgres []PostgresConfig `mapstructure:"postgres"`
	// PgBouncer lists the PgBouncer admin consoles to scrape.
	PgBouncer []PgBouncerConfig `mapstructure:"pgbouncer"`
	// QueryTimeout bounds each monitoring query (the query is canceled on the server and
	// its metrics are absent from that scrape); `timeout` bounds the whole scrape.
	QueryTimeout time.Duration `mapstructure:"query_timeout"`
	// ApplicationName is set on every connection; sessions with this application_name
	// are left out of the connection and transaction metrics.
	ApplicationName string `mapstructure:"application_name"`
	// TopStatements is how many pg_stat_statements entries (by total execution time) are
	// reported per server; 0 turns statement metrics off.
	TopStatements int `mapstructure:"top_statements"`
}

// ServerAuth is the part common to PostgreSQL servers and PgBouncers.
type ServerAuth struct {
	// Name identifies the server in metrics (postgresql.server.name); defaults to endpoint.
	Name string `mapstructure:"name"`
	// Endpoint is host:port.
	Endpoint string              `mapstructure:"endpoint"`
	Username string              `mapstructure:"username"`
	Password configopaque.String `mapstructure:"password"`
	// PasswordFile is read at every connection attempt (trailing newline trimmed), so a
	// mounted secret can rotate. Exclusive with password.
	PasswordFile string                 `mapstructure:"password_file"`
	TLS          configtls.ClientConfig `mapstructure:"tls"`
}

// PostgresConfig is one PostgreSQL server.
type PostgresConfig struct {
	ServerAuth `mapstructure:",squash"`
	// Database is the database the receiver connects to (pg_stat_statements is read from
	// the extension installed there). Server-wide views are read from any database.
	Database string `mapstructure:"database"`
	// Databases limits per-database metrics to these databases (empty: all).
	Databases []string `mapstructure:"databases"`
	// ExcludeDatabases removes databases from per-database metrics.
	ExcludeDatabases []string `mapstructure:"exclude_databases"`
}

// PgBouncerConfig is one PgBouncer admin console (the user must be in admin_users or
// stats_users).
type PgBouncerConfig struct {
	ServerAuth `mapstructure:",squash"`
}

func createDefaultConfig() *Config {
	cc := scraperhelper.NewDefaultControllerConfig()
	cc.CollectionInterval = 15 * time.Second
	return &Config{
		ControllerConfig:     cc,
		MetricsBuilderConfig: metadata.NewDefaultMetricsBuilderConfig(),
		QueryTimeout:         5 * time.Second,
		ApplicationName:      "otelcol-pgstats",
		TopStatements:        20,
	}
}

// Validate checks the configuration; every error names the field.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Postgres) == 0 && len(c.PgBouncer) == 0 {
		errs = append(errs, errors.New("postgres, pgbouncer: at least one server must be configured"))
	}
	if c.QueryTimeout <= 0 {
		errs = append(errs, fmt.Errorf("query_timeout: must be positive, got %s", c.QueryTimeout))
	}
	if c.Timeout > 0 && c.QueryTimeout > c.Timeout {
		errs = append(errs, fmt.Errorf("query_timeout: %s is longer than the scrape timeout %s", c.QueryTimeout, c.Timeout))
	}
	if c.ApplicationName == "" || len(c.ApplicationName) > 63 {
		errs = append(errs, errors.New("application_name: must be 1 to 63 characters"))
	}
	if c.TopStatements < 0 || c.TopStatements > 1000 {
		errs = append(errs, fmt.Errorf("top_statements: must be between 0 and 1000, got %d", c.TopStatements))
	}
	names := map[string]string{}
	unique := func(field, name string) {
		if prev, ok := names[name]; ok {
			errs = append(errs, fmt.Errorf("%s.name: %q is also used by %s; server names must be unique", field, name, prev))
			return
		}
		names[name] = field
	}
	for i, p := range c.Postgres {
		field := fmt.Sprintf("postgres[%d]", i)
		errs = append(errs, p.ServerAuth.validate(field)...)
		unique(field, p.displayName())
		exclude := map[string]bool{}
		for _, d := range p.ExcludeDatabases {
			exclude[d] = true
		}
		for _, d := range p.Databases {
			if exclude[d] {
				errs = append(errs, fmt.Errorf("%s.databases: %q is also in exclude_databases", field, d))
			}
		}
	}
	for i, b := range c.PgBouncer {
		field := fmt.Sprintf("pgbouncer[%d]", i)
		errs = append(errs, b.ServerAuth.validate(field)...)
		unique(field, b.displayName())
	}
	return errors.Join(errs...)
}

func (a ServerAuth) validate(field string) []error {
	var errs []error
	if _, _, err := splitEndpoint(a.Endpoint); err != nil {
		errs = append(errs, fmt.Errorf("%s.endpoint: %w", field, err))
	}
	if a.Username == "" {
		errs = append(errs, fmt.Errorf("%s.username: must be set", field))
	}
	if a.Password != "" && a.PasswordFile != "" {
		errs = append(errs, fmt.Errorf("%s.password_file: set either password or password_file, not both", field))
	}
	return errs
}

func (a ServerAuth) displayName() string {
	if a.Name != "" {
		return a.Name
	}
	return a.Endpoint
}

// password returns the password, from password_file when set.
func (a ServerAuth) password() (string, error) {
	if a.PasswordFile == "" {
		return string(a.Password), nil
	}
	b, err := os.ReadFile(a.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("password_file: cannot read %q: %w", a.PasswordFile, errors.Unwrap(err))
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// splitEndpoint parses host:port.
func splitEndpoint(ep string) (string, uint16, error) {
	if ep == "" {
		return "", 0, errors.New("must be set as host:port")
	}
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		return "", 0, fmt.Errorf("%q is not host:port: %w", ep, err)
	}
	if host == "" {
		return "", 0, fmt.Errorf("%q has no host", ep)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return "", 0, fmt.Errorf("%q: port must be 1-65535", ep)
	}
	return host, uint16(p), nil
}
