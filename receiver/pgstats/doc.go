// Package pgstats is a scraper receiver for PostgreSQL replication, connection and
// PgBouncer pool health. See README.md.
//
//go:generate mdatagen metadata.yaml
package pgstats // import "github.com/fraiseql/otelcol-fraiseql/receiver/pgstats"
