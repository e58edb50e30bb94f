package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

// schemaSQL creates the demo's tables in schema `demo` and seeds them; every statement is
// idempotent and the whole runs under an advisory lock, so concurrent starts are safe.
var schemaSQL = []string{
	`SELECT pg_advisory_xact_lock(727272)`,
	`CREATE SCHEMA IF NOT EXISTS demo`,
	`CREATE TABLE IF NOT EXISTS demo.users (
		id bigserial PRIMARY KEY,
		email text NOT NULL UNIQUE,
		password_hash text NOT NULL,
		tier text NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now())`,
	`CREATE TABLE IF NOT EXISTS demo.api_keys (
		id bigserial PRIMARY KEY,
		key_hash text NOT NULL UNIQUE,
		tier text NOT NULL,
		revoked boolean NOT NULL DEFAULT false,
		expires_at timestamptz)`,
	`CREATE TABLE IF NOT EXISTS demo.products (
		id bigserial PRIMARY KEY,
		name text NOT NULL UNIQUE,
		price_cents integer NOT NULL,
		stock integer NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS demo.orders (
		id bigserial PRIMARY KEY,
		user_id bigint NOT NULL REFERENCES demo.users(id),
		product_id bigint NOT NULL REFERENCES demo.products(id),
		quantity integer NOT NULL,
		status text NOT NULL,
		card_last4 text NOT NULL,
		note text,
		created_at timestamptz NOT NULL DEFAULT now())`,
	`CREATE INDEX IF NOT EXISTS orders_user_created ON demo.orders (user_id, created_at DESC)`,
	`INSERT INTO demo.users (email, password_hash, tier)
		SELECT 'user' || g || '@example.com',
		       encode(sha256(convert_to('user' || g || '@example.com:` + DemoPassword + `', 'UTF8')), 'hex'),
		       CASE WHEN g % 10 = 9 THEN 'enterprise' WHEN g % 10 >= 6 THEN 'pro' ELSE 'free' END
		FROM generate_series(1, 100) g
		ON CONFLICT (email) DO NOTHING`,
	`INSERT INTO demo.products (name, price_cents, stock)
		SELECT 'Product ' || g, 100 + (g * 37) % 9900, (g * 13) % 500
		FROM generate_series(1, 500) g
		ON CONFLICT (name) DO NOTHING`,
	`INSERT INTO demo.api_keys (key_hash, tier, revoked, expires_at) VALUES
		(encode(sha256(convert_to('demo-key-free', 'UTF8')), 'hex'), 'free', false, NULL),
		(encode(sha256(convert_to('demo-key-pro', 'UTF8')), 'hex'), 'pro', false, NULL),
		(encode(sha256(convert_to('demo-key-enterprise', 'UTF8')), 'hex'), 'enterprise', false, NULL),
		(encode(sha256(convert_to('demo-key-revoked', 'UTF8')), 'hex'), 'pro', true, NULL),
		(encode(sha256(convert_to('demo-key-expired', 'UTF8')), 'hex'), 'free', false, '2020-01-01Z')
		ON CONFLICT (key_hash) DO NOTHING`,
}

// DemoPassword is the password of every seeded user (user1@example.com .. user100@example.com).
const DemoPassword = "correct-horse"

// EnsureSchema creates and seeds the schema if missing.
func EnsureSchema(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, s := range schemaSQL {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("schema: %w (statement %.60q)", err, s)
			}
		}
		return nil
	})
}

// OpenPool connects a pgx pool to dsn (normally PgBouncer) with the telemetry of the
// contract. name is db.client.connection.pool.name (primary, replica). Unless the DSN sets
// default_query_exec_mode, statements use the extended protocol without named prepared
// statements, which works through PgBouncer in transaction pooling mode.
func OpenPool(ctx context.Context, dsn, name string, size int32, mp metric.MeterProvider, tp trace.TracerProvider) (*pgxpool.Pool, error) {
	m := mp.Meter(ScopeName)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("--db %s: %w", name, err)
	}
	if !strings.Contains(dsn, "default_query_exec_mode") {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	if size > 0 {
		cfg.MaxConns = size
	}
	tr, err := telemetry.NewPoolTracer(mp, tp, m, name, cfg.ConnConfig.Database)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pool %s: %w", name, err)
	}
	if err := telemetry.RegisterPoolMetrics(m, pool, tr); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}
