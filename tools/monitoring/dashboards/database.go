package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"

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
		WithPanel(ts("Checkpoints/min by kind", "opm", 12, 8,
			q("A", `60 * sum by (postgresql_server_name, postgresql_checkpoint_kind) (rate(postgresql_checkpoints_total{`+pgSel+`}[$__rate_interval]))`, "{{postgresql_server_name}} {{postgresql_checkpoint_kind}}"))).
		WithPanel(ts("Locks by mode (held, awaited)", "short", 12, 8,
			q("A", `sum by (postgresql_server_name, postgresql_lock_mode, postgresql_lock_granted) (postgresql_locks{`+pgSel+`})`, "{{postgresql_server_name}} {{postgresql_lock_mode}} granted={{postgresql_lock_granted}}"))).
		WithPanel(tbl("Slowest statements (share of time, 5m)", "s", 12, 8,
			qt("A", `topk(10, sum by (postgresql_server_name, db_namespace, db_query_text) (rate(postgresql_statement_time_seconds_total{`+pgSel+`}[5m])))`))).
		WithPanel(tbl("Mean time per call (top 10, 5m)", "s", 12, 8,
			qt("A", `topk(10, sum by (postgresql_server_name, db_namespace, db_query_text) (rate(postgresql_statement_time_seconds_total{`+pgSel+`}[5m])) / (sum by (postgresql_server_name, db_namespace, db_query_text) (rate(postgresql_statement_calls_total{`+pgSel+`}[5m])) > 0))`))).
		WithPanel(tbl("Most called statements (calls/s, 5m)", "ops", 12, 8,
			qt("A", `topk(10, sum by (postgresql_server_name, db_namespace, db_query_text) (rate(postgresql_statement_calls_total{`+pgSel+`}[5m])))`))).
		WithPanel(tbl("Rows per call (top 10, 5m)", "short", 12, 8,
			qt("A", `topk(10, sum by (postgresql_server_name, db_namespace, db_query_text) (rate(postgresql_statement_rows_total{`+pgSel+`}[5m])) / (sum by (postgresql_server_name, db_namespace, db_query_text) (rate(postgresql_statement_calls_total{`+pgSel+`}[5m])) > 0))`))).
		WithRow(row("Replication")).
		WithPanel(stateStat("Server role", 6,
			qi("A", `max by (postgresql_server_name) (postgresql_is_replica{`+pgSel+`})`, "{{postgresql_server_name}}"),
			state{"0", "primary", "blue"}, state{"1", "replica", "purple"})).
		WithPanel(stateStat("WAL receiver (replicas)", 6,
			qi("A", `max by (postgresql_server_name, postgresql_replica_wal_receiver_status) (postgresql_replica_wal_receiver_connected{`+pgSel+`})`, "{{postgresql_server_name}} ({{postgresql_replica_wal_receiver_status}})"),
			state{"1", "streaming", "green"}, state{"0", "disconnected", "red"})).
		WithPanel(stateStat("WAL replay (replicas)", 6,
			qi("A", `max by (postgresql_server_name) (postgresql_replica_replay_paused{`+pgSel+`})`, "{{postgresql_server_name}}"),
			state{"0", "replaying", "green"}, state{"1", "paused", "orange"})).
		WithPanel(st("Standbys streaming (primary side)", "short", 6, 4, nil,
			qi("A", `sum by (postgresql_server_name) (postgresql_replication_standbys{`+pgSel+`, postgresql_replication_state="streaming"})`, "{{postgresql_server_name}}")).
			TextMode(common.BigValueTextModeValueAndName).ColorMode(common.BigValueColorModeNone)).
		WithPanel(withLimit(ts("Replica lag (replica side, idle-safe)", "s", 8, 8,
			q("A", `max by (postgresql_server_name) (postgresql_replica_lag_seconds{`+pgSel+`})`, "{{postgresql_server_name}}")), th.ReplicationLagSeconds)).
		WithPanel(ts("Replay backlog (replica side)", "bytes", 8, 8,
			q("A", `max by (postgresql_server_name) (postgresql_replica_lag_bytes{`+pgSel+`})`, "{{postgresql_server_name}}"))).
		WithPanel(withLimit(ts("Lag per standby in time (primary side)", "s", 8, 8,
			q("A", `max by (postgresql_server_name, postgresql_replication_application_name, postgresql_replication_lag_kind) (postgresql_replication_lag_seconds{`+pgSel+`})`, "{{postgresql_server_name}} → {{postgresql_replication_application_name}} {{postgresql_replication_lag_kind}}")), th.ReplicationLagSeconds)).
		WithPanel(ts("Lag per standby (primary side)", "bytes", 8, 8,
			q("A", `max by (postgresql_server_name, postgresql_replication_application_name) (postgresql_replication_lag_bytes{`+pgSel+`, postgresql_replication_position="replay"})`, "{{postgresql_server_name}} → {{postgresql_replication_application_name}}"))).
		WithPanel(ts("Slot WAL retained, WAL generated/s", "bytes", 8, 8,
			q("A", `max by (postgresql_server_name, postgresql_replication_slot_name) (postgresql_replication_slot_retained_bytes{`+pgSel+`})`, "{{postgresql_replication_slot_name}} retained"),
			q("B", `sum by (postgresql_server_name) (rate(postgresql_wal_position_bytes_total{`+pgSel+`}[$__rate_interval]))`, "{{postgresql_server_name}} WAL/s"))).
		WithPanel(ts("Recovery conflicts/s (replicas)", "ops", 8, 8,
			q("A", `sum by (postgresql_server_name, db_namespace) (rate(postgresql_conflicts_total{`+pgSel+`}[$__rate_interval]))`, "{{postgresql_server_name}} {{db_namespace}}"))).
		WithPanel(ts("Last message from upstream (replicas)", "s", 8, 8,
			q("A", `max by (postgresql_server_name) (postgresql_replica_last_message_age_seconds{`+pgSel+`})`, "{{postgresql_server_name}}"))).
		WithPanel(tbl("Replication slots now (active, WAL status)", "short", 16, 8,
			qt("A", `max by (postgresql_server_name, postgresql_replication_slot_name, postgresql_replication_slot_type) (postgresql_replication_slot_active{`+pgSel+`}) * on (postgresql_server_name, postgresql_replication_slot_name) group_left (postgresql_replication_slot_wal_status) (max by (postgresql_server_name, postgresql_replication_slot_name, postgresql_replication_slot_wal_status) (postgresql_replication_slot_wal_status{`+pgSel+`}) == 1)`)).
			OverrideByName("Value", []dashboard.DynamicConfigValue{
				{Id: "displayName", Value: "consumer"},
				{Id: "mappings", Value: []map[string]any{{"type": "value", "options": map[string]any{
					"0": map[string]any{"text": "inactive", "color": "orange"}, "1": map[string]any{"text": "active", "color": "green"}}}}},
				{Id: "custom.cellOptions", Value: map[string]any{"type": "color-background"}},
			})).
		WithRow(row("PgBouncer")).
		WithPanel(stateStat("PgBouncer up", 4,
			qi("A", `max by (postgresql_server_name, server_address, server_port) (pgbouncer_up)`, "{{server_address}}:{{server_port}}"),
			state{"1", "up", "green"}, state{"0", "down", "red"}).Height(8)).
		WithPanel(ts("Clients by state", "short", 10, 8,
			q("A", `sum by (pgbouncer_database, pgbouncer_client_state) (pgbouncer_pool_client_connections)`, "{{pgbouncer_database}} {{pgbouncer_client_state}}"))).
		WithPanel(ts("Client connections / max_client_conn", "percentunit", 10, 8,
			q("A", `sum by (server_address, server_port) (pgbouncer_pool_client_connections) / on (server_address, server_port) max by (server_address, server_port) (pgbouncer_clients_max)`, "{{server_address}}:{{server_port}}")).Min(0)).
		WithPanel(withLimit(ts("Max client wait", "s", 8, 8,
			q("A", `max by (pgbouncer_database) (pgbouncer_pool_max_wait_seconds)`, "{{pgbouncer_database}}")), th.PgBouncerMaxWaitSeconds)).
		WithPanel(ts("Mean wait for a server per transaction", "s", 8, 8,
			q("A", `sum by (pgbouncer_database) (rate(pgbouncer_stats_wait_time_seconds_total[$__rate_interval])) / (sum by (pgbouncer_database) (rate(pgbouncer_stats_transactions_total[$__rate_interval])) > 0)`, "{{pgbouncer_database}}"))).
		WithPanel(ts("Server connections vs pool size", "short", 8, 8,
			q("A", `sum by (pgbouncer_database, pgbouncer_server_state) (pgbouncer_pool_server_connections)`, "{{pgbouncer_database}} {{pgbouncer_server_state}}"),
			q("B", `max by (pgbouncer_database) (pgbouncer_pool_size)`, "{{pgbouncer_database}} pool_size"))).
		WithPanel(ts("Pooled transactions and queries/s", "ops", 12, 8,
			q("A", `sum by (pgbouncer_database) (rate(pgbouncer_stats_transactions_total[$__rate_interval]))`, "{{pgbouncer_database}} transactions"),
			q("B", `sum by (pgbouncer_database) (rate(pgbouncer_stats_queries_total[$__rate_interval]))`, "{{pgbouncer_database}} queries"))).
		WithPanel(ts("Mean transaction and query time", "s", 12, 8,
			q("A", `sum by (pgbouncer_database) (rate(pgbouncer_stats_transaction_time_seconds_total[$__rate_interval])) / (sum by (pgbouncer_database) (rate(pgbouncer_stats_transactions_total[$__rate_interval])) > 0)`, "{{pgbouncer_database}} transaction"),
			q("B", `sum by (pgbouncer_database) (rate(pgbouncer_stats_query_time_seconds_total[$__rate_interval])) / (sum by (pgbouncer_database) (rate(pgbouncer_stats_queries_total[$__rate_interval])) > 0)`, "{{pgbouncer_database}} query"))).
		Build()
}

// state is one value of a 0/1 status gauge: its text and colour.
type state struct{ value, text, color string }

// stateStat shows a status gauge per series as text (primary/replica, up/down), one value per
// series with its name, coloured by the mapping instead of thresholds.
func stateStat(title string, span uint32, target cog.Builder[variants.Dataquery], states ...state) *stat.PanelBuilder {
	opts := map[string]dashboard.ValueMappingResult{}
	for i, s := range states {
		opts[s.value] = dashboard.ValueMappingResult{Text: cog.ToPtr(s.text), Color: cog.ToPtr(s.color), Index: cog.ToPtr(int32(i))}
	}
	return st(title, "short", span, 4, nil, target).
		TextMode(common.BigValueTextModeValueAndName).
		Mappings([]dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText, Options: opts}}})
}
