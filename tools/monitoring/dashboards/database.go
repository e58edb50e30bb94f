package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

const pgSel = `postgresql_server_name=~"$server"`

// Database: the service's connection pool, PostgreSQL and PgBouncer (dashboard 2 of the seed).
func Database() (dashboard.Dashboard, error) {
	server := queryVar("server", "PostgreSQL server", `label_values(postgresql_up, postgresql_server_name)`)
	return newDashboard("graphql-database", "FraiseQL / Database",
		"Connection pool utilisation, slow queries, replication lag and transaction rate: the service's db.client pool metrics and the pgstats receiver (PostgreSQL and PgBouncer).",
		vars{jobFrom: "db_client_connection_count", extra: []cog.Builder[dashboard.VariableModel]{server}}).
		WithRow(row("Now")).
		WithPanel(st("Servers up", "short", 4, 4, steps("red", 1, "green"),
			qi("A", `sum(postgresql_up{`+pgSel+`})`, "up"))).
		WithPanel(st("Max replica lag", "s", 5, 4, steps("green", th.ReplicationLagSeconds, "red"),
			qi("A", `max(postgresql_replica_lag_seconds{`+pgSel+`})`, "lag"))).
		WithPanel(st("Pool used", "percentunit", 5, 4, steps("green", th.PoolUsage, "red"),
			qi("A", `max(db_client:pool_usage:ratio{job=~"$job"})`, "pool"))).
		WithPanel(st("Connections / max", "percentunit", 5, 4, steps("green", th.PostgresConnections, "red"),
			qi("A", `max(postgresql:connections:ratio{`+pgSel+`})`, "connections"))).
		WithPanel(st("Buffer cache hit", "percentunit", 5, 4, steps("red", 0.95, "green"),
			qi("A", `min(postgresql:cache_hit:ratio_rate5m{`+pgSel+`})`, "hit"))).
		WithRow(row("Service connection pool")).
		WithPanel(withLimit(ts("Pool utilisation", "percentunit", 8, 8,
			q("A", `db_client:pool_usage:ratio{job=~"$job"}`, "{{job}} {{db_client_connection_pool_name}}")), th.PoolUsage)).
		WithPanel(ts("Waiting for a connection", "short", 8, 8,
			q("A", `sum by (job, db_client_connection_pool_name) (db_client_connection_pending_requests{`+appSel+`})`, "{{job}} {{db_client_connection_pool_name}}"))).
		WithPanel(ts("Query duration P95 by operation", "s", 8, 8,
			qx("A", `histogram_quantile(0.95, sum by (db_operation_name, le) (rate(db_client_operation_duration_seconds_bucket{`+appSel+`}[$__rate_interval])))`, "{{db_operation_name}}"))).
		WithRow(row("PostgreSQL")).
		WithPanel(ts("Connections by state", "short", 8, 8,
			q("A", `sum by (postgresql_server_name, postgresql_connection_state) (postgresql_connection_count{`+pgSel+`})`, "{{postgresql_server_name}} {{postgresql_connection_state}}"),
			q("B", `max by (postgresql_server_name) (postgresql_connection_max{`+pgSel+`})`, "{{postgresql_server_name}} max"))).
		WithPanel(ts("Transactions/s", "ops", 8, 8,
			q("A", `sum by (postgresql_server_name) (postgresql:transactions:rate5m{`+pgSel+`})`, "{{postgresql_server_name}}"))).
		WithPanel(ts("Rollbacks, deadlocks, temp files", "ops", 8, 8,
			q("A", `sum by (postgresql_server_name) (rate(postgresql_rollbacks_total{`+pgSel+`}[$__rate_interval]))`, "{{postgresql_server_name}} rollbacks"),
			q("B", `sum by (postgresql_server_name) (rate(postgresql_deadlocks_total{`+pgSel+`}[$__rate_interval]))`, "{{postgresql_server_name}} deadlocks"),
			q("C", `sum by (postgresql_server_name) (rate(postgresql_temp_files_total{`+pgSel+`}[$__rate_interval]))`, "{{postgresql_server_name}} temp files"))).
		WithPanel(ts("Oldest transaction and idle-in-transaction", "s", 8, 8,
			q("A", `max by (postgresql_server_name) (postgresql_transaction_oldest_age_seconds{`+pgSel+`})`, "{{postgresql_server_name}} oldest"),
			q("B", `max by (postgresql_server_name) (postgresql_transaction_idle_oldest_age_seconds{`+pgSel+`})`, "{{postgresql_server_name}} idle in tx"))).
		WithPanel(ts("Lock waits", "short", 8, 8,
			q("A", `max by (postgresql_server_name) (postgresql_locks_waiting{`+pgSel+`})`, "{{postgresql_server_name}}"))).
		WithPanel(ts("Transaction ID age", "short", 8, 8,
			q("A", `max by (postgresql_server_name, db_namespace) (postgresql_database_xid_age{`+pgSel+`})`, "{{postgresql_server_name}} {{db_namespace}}"))).
		WithPanel(tbl("Slowest statements (share of time, 5m)", "s", 24, 8,
			qt("A", `topk(10, sum by (postgresql_server_name, db_namespace, db_query_text) (rate(postgresql_statement_time_seconds_total{`+pgSel+`}[5m])))`))).
		WithRow(row("Replication")).
		WithPanel(withLimit(ts("Replica lag (replica side, idle-safe)", "s", 8, 8,
			q("A", `max by (postgresql_server_name) (postgresql_replica_lag_seconds{`+pgSel+`})`, "{{postgresql_server_name}}")), th.ReplicationLagSeconds)).
		WithPanel(ts("Lag per standby (primary side)", "bytes", 8, 8,
			q("A", `max by (postgresql_server_name, postgresql_replication_application_name) (postgresql_replication_lag_bytes{`+pgSel+`, postgresql_replication_position="replay"})`, "{{postgresql_server_name}} → {{postgresql_replication_application_name}}"))).
		WithPanel(ts("Slot WAL retained, WAL generated/s", "bytes", 8, 8,
			q("A", `max by (postgresql_server_name, postgresql_replication_slot_name) (postgresql_replication_slot_retained_bytes{`+pgSel+`})`, "{{postgresql_replication_slot_name}} retained"),
			q("B", `sum by (postgresql_server_name) (rate(postgresql_wal_position_bytes_total{`+pgSel+`}[$__rate_interval]))`, "{{postgresql_server_name}} WAL/s"))).
		WithRow(row("PgBouncer")).
		WithPanel(ts("Clients by state", "short", 8, 8,
			q("A", `sum by (pgbouncer_database, pgbouncer_client_state) (pgbouncer_pool_client_connections)`, "{{pgbouncer_database}} {{pgbouncer_client_state}}"))).
		WithPanel(ts("Max client wait", "s", 8, 8,
			q("A", `max by (pgbouncer_database) (pgbouncer_pool_max_wait_seconds)`, "{{pgbouncer_database}}"))).
		WithPanel(ts("Server connections vs pool size", "short", 8, 8,
			q("A", `sum by (pgbouncer_database, pgbouncer_server_state) (pgbouncer_pool_server_connections)`, "{{pgbouncer_database}} {{pgbouncer_server_state}}"),
			q("B", `max by (pgbouncer_database) (pgbouncer_pool_size)`, "{{pgbouncer_database}} pool_size"))).
		Build()
}
