package pgclient

import (
	"crypto/tls"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// ConnOptions says how to reach one server.
type ConnOptions struct {
	Host     string
	Port     uint16
	User     string
	Database string
	// Password is called at every connection attempt, so a password file can rotate.
	Password func() (string, error)
	// TLS nil means a plain connection.
	TLS             *tls.Config
	ApplicationName string
	ConnectTimeout  time.Duration
}

// connConfig builds a pgx config from the options only: PG* environment variables and
// service files do not leak in for the fields we set, and TLS is exactly what was asked.
func connConfig(o ConnOptions, simpleProtocol bool) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig("sslmode=disable")
	if err != nil {
		return nil, err
	}
	cfg.Host, cfg.Port, cfg.User, cfg.Database = o.Host, o.Port, o.User, o.Database
	cfg.TLSConfig = o.TLS
	cfg.Fallbacks = nil
	cfg.ConnectTimeout = o.ConnectTimeout
	if o.Password != nil {
		pw, err := o.Password()
		if err != nil {
			return nil, err
		}
		cfg.Password = pw
	}
	cfg.RuntimeParams = map[string]string{}
	if o.ApplicationName != "" {
		cfg.RuntimeParams["application_name"] = o.ApplicationName
	}
	if simpleProtocol {
		// PgBouncer's admin console speaks only the simple query protocol.
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		cfg.StatementCacheCapacity = 0
		cfg.DescriptionCacheCapacity = 0
	} else {
		// A query that times out is canceled on the server, and the connection is kept
		// (the default handler would close it and force a reconnect).
		cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
		}
	}
	return cfg, nil
}
