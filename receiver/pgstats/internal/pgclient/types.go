// Package pgclient reads PostgreSQL and PgBouncer health data over one kept-open connection
// per server. It knows nothing of pdata: it returns plain structs that the pgstats scraper
// maps to metrics, and the pure decisions (lag guards, SHOW column mapping, version gates)
// live here so they can be tested, fuzzed and benchmarked alone.
package pgclient // import "github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/pgclient"

import "context"

// ServerInfo is what the scraper needs first: version, role, limits and privileges.
type ServerInfo struct {
	VersionNum     int   // server_version_num, e.g. 150018
	InRecovery     bool  // pg_is_in_recovery()
	MaxConnections int64 // max_connections
	// Privileged is true when the role can read other sessions' activity
	// (superuser or member of pg_read_all_stats, which pg_monitor includes).
	Privileged bool
	// StatementsSchema is the schema of the pg_stat_statements extension in the
	// connected database, or "" when it is not installed there.
	StatementsSchema string
}

// Standby is one row of pg_stat_replication. Positions are bytes behind the server's
// current WAL position (nil when PostgreSQL reports NULL, e.g. without privileges);
// lags are seconds (nil when PostgreSQL reports NULL, e.g. once the standby caught up).
type Standby struct {
	ApplicationName, ClientAddress, State, SyncState string
	StateKnown                                       bool
	SentBytes, WriteBytes, FlushBytes, ReplayBytes   *int64
	WriteLag, FlushLag, ReplayLag                    *float64
}

// Replica is the replica-side view (only meaningful when the server is in recovery).
type Replica struct {
	ReplayPaused bool
	// CaughtUp: everything received has been replayed (replay LSN >= receive LSN).
	CaughtUp bool
	// PendingBytes: received - replayed, clamped at 0; nil when nothing was received.
	PendingBytes *int64
	// LastReplayAge: now() - pg_last_xact_replay_timestamp(); nil before the first replay.
	LastReplayAge *float64
	// ReceiverStatus: pg_stat_wal_receiver.status, "stopped" when no WAL receiver runs,
	// "" when it cannot be read (no privileges).
	ReceiverStatus string
	// LastMessageAge: now() - last_msg_receipt_time of the WAL receiver.
	LastMessageAge *float64
}

// Slot is one replication slot.
type Slot struct {
	Name, Type    string
	Active        bool
	RetainedBytes *int64 // current position - restart_lsn; nil when restart_lsn is NULL
	WALStatus     string // PostgreSQL 13+; "" before
}

// ActivityCount is a number of client backends with one database, user and state.
type ActivityCount struct {
	Database, User, State string
	Count                 int64
}

// TransactionAges are the oldest open transaction and the longest idle-in-transaction
// session, in seconds (0 when there is none).
type TransactionAges struct {
	Oldest, IdleOldest float64
}

// DatabaseStats is one row of pg_stat_database joined with pg_database.
type DatabaseStats struct {
	Name                                           string
	Commits, Rollbacks, Deadlocks, BlksHit, BlksRd int64
	TempFiles, Conflicts                           int64
	XIDAge                                         int64
}

// LockCount is a number of locks with one mode and granted flag.
type LockCount struct {
	Mode    string
	Granted bool
	Count   int64
}

// Checkpoints are the cumulative timed and requested checkpoints.
type Checkpoints struct {
	Timed, Requested int64
}

// Statement is one pg_stat_statements entry.
type Statement struct {
	QueryID, Database, User, Query string
	Calls, Rows                    int64
	TotalSeconds                   float64
}

// DatabaseFilter selects databases: Include empty means all; Exclude always wins.
type DatabaseFilter struct {
	Include, Exclude []string
}

// Postgres is everything the scraper reads from one PostgreSQL server. Every method runs
// one query on the server's kept-open connection. The pgx implementation is *PGClient; the
// scraper's unit tests use a fake.
type Postgres interface {
	ServerInfo(ctx context.Context) (ServerInfo, error)
	WALPosition(ctx context.Context) (int64, error)
	Standbys(ctx context.Context) ([]Standby, error)
	Replica(ctx context.Context) (Replica, error)
	Slots(ctx context.Context, versionNum int) ([]Slot, error)
	Activity(ctx context.Context) ([]ActivityCount, error)
	TransactionAges(ctx context.Context) (TransactionAges, error)
	Databases(ctx context.Context) ([]DatabaseStats, error)
	Locks(ctx context.Context) ([]LockCount, error)
	Checkpoints(ctx context.Context, versionNum int) (Checkpoints, error)
	Statements(ctx context.Context, schema string, versionNum, limit int, f DatabaseFilter) ([]Statement, error)
	Close(ctx context.Context) error
}

// Pool is one row of PgBouncer's SHOW POOLS. Client and Server are keyed by state
// (the cl_/sv_ column name without prefix); only columns the PgBouncer version has are set.
type Pool struct {
	Database, User string
	Client         map[string]int64
	Server         map[string]int64
	// MaxWait is maxwait + maxwait_us/1e6 in seconds; HasMaxWait false when absent.
	MaxWait    float64
	HasMaxWait bool
}

// BouncerDatabase is one row of SHOW DATABASES.
type BouncerDatabase struct {
	Name     string
	PoolSize int64
}

// BouncerStats is one row of SHOW STATS (times converted from microseconds to seconds).
type BouncerStats struct {
	Database                             string
	Transactions, Queries                int64
	TransactionTime, QueryTime, WaitTime float64
}

// PgBouncer is what the scraper reads from one PgBouncer admin console.
type PgBouncer interface {
	Pools(ctx context.Context) ([]Pool, error)
	Databases(ctx context.Context) ([]BouncerDatabase, error)
	Stats(ctx context.Context) ([]BouncerStats, error)
	// MaxClientConn is max_client_conn from SHOW CONFIG.
	MaxClientConn(ctx context.Context) (int64, error)
	Close(ctx context.Context) error
}
