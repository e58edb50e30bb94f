package pgclient

import (
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The SQL of the receiver. Every query works for a role with only pg_monitor on
// PostgreSQL 12-17; version differences are chosen by the functions below from
// server_version_num. Positions use pg_last_wal_receive_lsn() on a server in recovery,
// because pg_current_wal_lsn() fails there ("recovery is in progress").

const currentLSN = `(CASE WHEN pg_is_in_recovery()
	THEN COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())
	ELSE pg_current_wal_lsn() END)`

const qServerInfo = `SELECT current_setting('server_version_num')::int,
	pg_is_in_recovery(),
	current_setting('max_connections')::bigint,
	(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
		OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
	COALESCE((SELECT extnamespace::regnamespace::text FROM pg_extension
		WHERE extname = 'pg_stat_statements'), '')`

const qWALPosition = `SELECT pg_wal_lsn_diff(` + currentLSN + `, '0/0')::bigint`

// Bytes behind are clamped at 0: the positions are not read atomically.
const qStandbys = `SELECT COALESCE(application_name, ''), COALESCE(host(client_addr), ''),
	state, COALESCE(sync_state, ''),
	GREATEST(0, pg_wal_lsn_diff(c.cur, sent_lsn))::bigint,
	GREATEST(0, pg_wal_lsn_diff(c.cur, write_lsn))::bigint,
	GREATEST(0, pg_wal_lsn_diff(c.cur, flush_lsn))::bigint,
	GREATEST(0, pg_wal_lsn_diff(c.cur, replay_lsn))::bigint,
	EXTRACT(EPOCH FROM write_lag)::float8,
	EXTRACT(EPOCH FROM flush_lag)::float8,
	EXTRACT(EPOCH FROM replay_lag)::float8
FROM pg_stat_replication, (SELECT ` + currentLSN + ` AS cur) c`

// Caught up is replay >= receive, not equality: right after pg_basebackup the receive
// position starts at a segment boundary behind what was already replayed from the backup.
const qReplica = `SELECT pg_is_wal_replay_paused(),
	COALESCE(pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(), false),
	GREATEST(0, pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()))::bigint,
	EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8`

// No row: no WAL receiver runs. status is NULL without pg_read_all_stats.
const qWALReceiver = `SELECT status, EXTRACT(EPOCH FROM now() - last_msg_receipt_time)::float8
FROM pg_stat_wal_receiver`

// Client backends, excluding this connection and every session with our application_name
// (other collectors of the same kind), grouped by database, user and state.
const qActivity = `SELECT COALESCE(datname, ''), COALESCE(usename, ''), state, count(*)
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
	AND application_name IS DISTINCT FROM $1 AND state IS NOT NULL
GROUP BY 1, 2, 3`

const qTransactionAges = `SELECT
	COALESCE(GREATEST(0, EXTRACT(EPOCH FROM max(now() - xact_start))), 0)::float8,
	COALESCE(GREATEST(0, EXTRACT(EPOCH FROM max(now() - state_change)
		FILTER (WHERE state IN ('idle in transaction', 'idle in transaction (aborted)')))), 0)::float8
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
	AND application_name IS DISTINCT FROM $1`

const qDatabases = `SELECT s.datname, s.xact_commit, s.xact_rollback, s.deadlocks, s.blks_hit,
	s.blks_read, s.temp_files, s.conflicts, age(d.datfrozenxid)::bigint
FROM pg_stat_database s JOIN pg_database d ON d.oid = s.datid
WHERE s.datname IS NOT NULL`

const qLocks = `SELECT mode, granted, count(*) FROM pg_locks
WHERE pid IS DISTINCT FROM pg_backend_pid() GROUP BY 1, 2`

// slotsQuery: wal_status exists from PostgreSQL 13.
func slotsQuery(versionNum int) string {
	walStatus := `''`
	if versionNum >= 130000 {
		walStatus = `COALESCE(wal_status, '')`
	}
	return `SELECT slot_name, slot_type, active,
	GREATEST(0, pg_wal_lsn_diff(c.cur, restart_lsn))::bigint, ` + walStatus + `
FROM pg_replication_slots, (SELECT ` + currentLSN + ` AS cur) c`
}

// checkpointsQuery: PostgreSQL 17 moved the checkpoint counters from pg_stat_bgwriter to
// pg_stat_checkpointer (num_timed, num_requested).
func checkpointsQuery(versionNum int) string {
	if versionNum >= 170000 {
		return `SELECT num_timed, num_requested FROM pg_stat_checkpointer`
	}
	return `SELECT checkpoints_timed, checkpoints_req FROM pg_stat_bgwriter`
}

// statementsQuery: the top statements by total execution time. PostgreSQL 13 renamed
// total_time to total_exec_time. $1 is the limit, $2/$3 the database include/exclude lists.
func statementsQuery(schema string, versionNum int) string {
	total := "total_time"
	if versionNum >= 130000 {
		total = "total_exec_time"
	}
	return fmt.Sprintf(`SELECT s.queryid::text, COALESCE(d.datname, ''), COALESCE(r.rolname, ''),
	left(s.query, 256), s.calls, (s.%[2]s / 1000)::float8, s.rows
FROM %[1]s.pg_stat_statements s
	LEFT JOIN pg_database d ON d.oid = s.dbid
	LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE s.queryid IS NOT NULL AND s.userid <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
	AND (cardinality($2::text[]) = 0 OR d.datname = ANY($2::text[]))
	AND NOT (d.datname = ANY($3::text[]))
ORDER BY s.%[2]s DESC
LIMIT $1`, pgx.Identifier{schema}.Sanitize(), total)
}
