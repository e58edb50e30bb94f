package pgstats

import (
	"context"
	"crypto/tls"
	"fmt"

	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/pgclient"
)

// pgTarget is one configured PostgreSQL server and its client.
type pgTarget struct {
	name   string
	host   string
	port   int64
	filter pgclient.DatabaseFilter
	client pgclient.Postgres
}

// bouncerTarget is one configured PgBouncer and its client.
type bouncerTarget struct {
	name   string
	host   string
	port   int64
	client pgclient.PgBouncer
}

// clientsFunc builds the targets at start; tests substitute fakes.
type clientsFunc func(ctx context.Context, cfg *Config, set receiver.Settings, tb *metadata.TelemetryBuilder) ([]*pgTarget, []*bouncerTarget, error)

// newClients builds pgx clients for every configured server. Nothing connects here: each
// client connects at its first scrape and keeps the connection.
func newClients(ctx context.Context, cfg *Config, _ receiver.Settings, tb *metadata.TelemetryBuilder) ([]*pgTarget, []*bouncerTarget, error) {
	observer := func(kind string) pgclient.ConnectObserver {
		return func(ok bool) {
			outcome := "ok"
			if !ok {
				outcome = "failed"
			}
			tb.ReceiverPgstatsConnects.Add(context.Background(), 1, metric.WithAttributes(
				attribute.String("kind", kind), attribute.String("outcome", outcome)))
		}
	}
	var pgs []*pgTarget
	for i, p := range cfg.Postgres {
		o, err := connOptions(ctx, p.ServerAuth, cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("postgres[%d].%w", i, err)
		}
		o.Database = p.Database
		if o.Database == "" {
			o.Database = "postgres"
		}
		pgs = append(pgs, &pgTarget{
			name: p.displayName(), host: o.Host, port: int64(o.Port),
			filter: pgclient.DatabaseFilter{Include: p.Databases, Exclude: p.ExcludeDatabases},
			client: pgclient.NewPostgres(o, observer("postgresql")),
		})
	}
	var bs []*bouncerTarget
	for i, b := range cfg.PgBouncer {
		o, err := connOptions(ctx, b.ServerAuth, cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("pgbouncer[%d].%w", i, err)
		}
		bs = append(bs, &bouncerTarget{
			name: b.displayName(), host: o.Host, port: int64(o.Port),
			client: pgclient.NewPgBouncer(o, observer("pgbouncer")),
		})
	}
	return pgs, bs, nil
}

func connOptions(ctx context.Context, a ServerAuth, cfg *Config) (pgclient.ConnOptions, error) {
	host, port, err := splitEndpoint(a.Endpoint)
	if err != nil {
		return pgclient.ConnOptions{}, fmt.Errorf("endpoint: %w", err)
	}
	// The password file is read again at every connection (so a mounted secret can
	// rotate), but one that cannot be read at start is a configuration error: fail now
	// with its path instead of reporting the server as unreachable without dialing.
	if a.PasswordFile != "" {
		if _, err := a.password(); err != nil {
			return pgclient.ConnOptions{}, err
		}
	}
	tlsCfg, err := a.TLS.LoadTLSConfig(ctx)
	if err != nil {
		return pgclient.ConnOptions{}, fmt.Errorf("tls: %w", err)
	}
	if tlsCfg != nil && tlsCfg.ServerName == "" && !tlsCfg.InsecureSkipVerify {
		tlsCfg = tlsCfg.Clone()
		tlsCfg.ServerName = host
	}
	return pgclient.ConnOptions{
		Host: host, Port: port, User: a.Username,
		Password:        a.password,
		TLS:             (*tls.Config)(tlsCfg),
		ApplicationName: cfg.ApplicationName,
		ConnectTimeout:  cfg.QueryTimeout,
	}, nil
}
