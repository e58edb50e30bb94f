package pgstats

import (
	"context"
	"errors"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/pgclient"
)

// fakePG is a PostgreSQL client that returns fixed rows, as the pgx client would decode
// them; errs makes one query fail (keyed by method name). It lets the unit tests cover the
// rows -> metrics mapping; the SQL itself is covered by the integration tests.
type fakePG struct {
	info        pgclient.ServerInfo
	wal         int64
	standbys    []pgclient.Standby
	replica     pgclient.Replica
	slots       []pgclient.Slot
	activity    []pgclient.ActivityCount
	tx          pgclient.TransactionAges
	databases   []pgclient.DatabaseStats
	locks       []pgclient.LockCount
	checkpoints pgclient.Checkpoints
	statements  []pgclient.Statement
	errs        map[string]error
	calls       map[string]int
	closed      bool
	// slow delays ServerInfo (a slow server).
	slow time.Duration
}

func (f *fakePG) call(name string) error {
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[name]++
	return f.errs[name]
}

func (f *fakePG) ServerInfo(context.Context) (pgclient.ServerInfo, error) {
	time.Sleep(f.slow)
	return f.info, f.call("ServerInfo")
}
func (f *fakePG) WALPosition(context.Context) (int64, error) { return f.wal, f.call("WALPosition") }
func (f *fakePG) Standbys(context.Context) ([]pgclient.Standby, error) {
	return f.standbys, f.call("Standbys")
}
func (f *fakePG) Replica(context.Context) (pgclient.Replica, error) {
	return f.replica, f.call("Replica")
}
func (f *fakePG) Slots(context.Context, int) ([]pgclient.Slot, error) {
	return f.slots, f.call("Slots")
}
func (f *fakePG) Activity(context.Context) ([]pgclient.ActivityCount, error) {
	return f.activity, f.call("Activity")
}
func (f *fakePG) TransactionAges(context.Context) (pgclient.TransactionAges, error) {
	return f.tx, f.call("TransactionAges")
}
func (f *fakePG) Databases(context.Context) ([]pgclient.DatabaseStats, error) {
	return f.databases, f.call("Databases")
}
func (f *fakePG) Locks(context.Context) ([]pgclient.LockCount, error) {
	return f.locks, f.call("Locks")
}
func (f *fakePG) Checkpoints(context.Context, int) (pgclient.Checkpoints, error) {
	return f.checkpoints, f.call("Checkpoints")
}
func (f *fakePG) Statements(_ context.Context, _ string, _, limit int, _ pgclient.DatabaseFilter) ([]pgclient.Statement, error) {
	st := f.statements
	if len(st) > limit {
		st = st[:limit]
	}
	return st, f.call("Statements")
}
func (f *fakePG) Close(context.Context) error { f.closed = true; return nil }

type fakeBouncer struct {
	pools     []pgclient.Pool
	databases []pgclient.BouncerDatabase
	stats     []pgclient.BouncerStats
	maxClient int64
	down      bool
}

var errDown = &pgclient.ConnError{Err: errors.New("dial tcp 127.0.0.1:1: connection refused")}

func (f *fakeBouncer) err() error {
	if f.down {
		return errDown
	}
	return nil
}
func (f *fakeBouncer) Pools(context.Context) ([]pgclient.Pool, error) { return f.pools, f.err() }
func (f *fakeBouncer) Databases(context.Context) ([]pgclient.BouncerDatabase, error) {
	return f.databases, f.err()
}
func (f *fakeBouncer) Stats(context.Context) ([]pgclient.BouncerStats, error) {
	return f.stats, f.err()
}
func (f *fakeBouncer) MaxClientConn(context.Context) (int64, error) { return f.maxClient, f.err() }
func (f *fakeBouncer) Close(context.Context) error                  { return nil }

func i64(v int64) *int64     { return &v }
func f64(v float64) *float64 { return &v }

// primaryFake: PG 15 primary, one streaming standby that has caught up (lag columns NULL),
// one lagging standby, an inactive slot retaining WAL, sessions in several states.
func primaryFake() *fakePG {
	return &fakePG{
		info: pgclient.ServerInfo{VersionNum: 150018, MaxConnections: 100, Privileged: true, StatementsSchema: "public"},
		wal:  84208912,
		standbys: []pgclient.Standby{
			{ApplicationName: "replica1", ClientAddress: "10.0.0.2", State: "streaming", StateKnown: true, SyncState: "async",
				SentBytes: i64(0), WriteBytes: i64(0), FlushBytes: i64(0), ReplayBytes: i64(0)},
			{ApplicationName: "replica2", ClientAddress: "10.0.0.3", State: "streaming", StateKnown: true, SyncState: "async",
				SentBytes: i64(0), WriteBytes: i64(0), FlushBytes: i64(112), ReplayBytes: i64(2176080),
				WriteLag: f64(0.0012), FlushLag: f64(0.0031), ReplayLag: f64(7.97)},
		},
		slots: []pgclient.Slot{
			{Name: "replica1", Type: "physical", Active: true, RetainedBytes: i64(0), WALStatus: "reserved"},
			{Name: "gone", Type: "physical", Active: false, RetainedBytes: i64(1835008), WALStatus: "extended"},
		},
		activity: []pgclient.ActivityCount{
			{Database: "app", User: "web", State: "active", Count: 3},
			{Database: "app", User: "web", State: "idle", Count: 10},
			{Database: "app", User: "batch", State: "idle", Count: 2},
			{Database: "app", User: "web", State: "idle in transaction", Count: 1},
		},
		tx: pgclient.TransactionAges{Oldest: 62.5, IdleOldest: 61.25},
		databases: []pgclient.DatabaseStats{
			{Name: "app", Commits: 1000, Rollbacks: 7, Deadlocks: 1, BlksHit: 50000, BlksRd: 300, TempFiles: 2, XIDAge: 1234},
			{Name: "postgres", Commits: 44, XIDAge: 1200},
		},
		locks: []pgclient.LockCount{
			{Mode: "AccessExclusiveLock", Granted: true, Count: 1},
			{Mode: "RowExclusiveLock", Granted: false, Count: 2},
		},
		checkpoints: pgclient.Checkpoints{Timed: 10, Requested: 3},
		statements: []pgclient.Statement{
			{QueryID: "-7295637501469390887", Database: "app", User: "web", Query: "SELECT * FROM users WHERE id = $1", Calls: 5000, TotalSeconds: 12.5, Rows: 5000},
			{QueryID: "8959830892740710558", Database: "app", User: "batch", Query: "UPDATE accounts SET balance = balance + $1", Calls: 10, TotalSeconds: 3.25, Rows: 10},
		},
	}
}

// replicaFake: PG 15 replica with replay paused under load.
func replicaFake() *fakePG {
	return &fakePG{
		info: pgclient.ServerInfo{VersionNum: 150018, InRecovery: true, MaxConnections: 100, Privileged: true},
		wal:  86384992,
		replica: pgclient.Replica{ReplayPaused: true, CaughtUp: false, PendingBytes: i64(2190000),
			LastReplayAge: f64(11.6), ReceiverStatus: "streaming", LastMessageAge: f64(0.4)},
		databases:   []pgclient.DatabaseStats{{Name: "app", Commits: 10, Conflicts: 4, XIDAge: 1234}},
		checkpoints: pgclient.Checkpoints{Timed: 2},
	}
}

func bouncerFake() *fakeBouncer {
	return &fakeBouncer{
		pools: []pgclient.Pool{{Database: "app", User: "web",
			Client:  map[string]int64{"active": 5, "waiting": 15, "active_cancel_req": 0, "waiting_cancel_req": 0, "future_state": 9},
			Server:  map[string]int64{"active": 5, "idle": 0, "used": 0, "tested": 0, "login": 0},
			MaxWait: 5.3, HasMaxWait: true}},
		databases: []pgclient.BouncerDatabase{{Name: "app", PoolSize: 5}},
		stats:     []pgclient.BouncerStats{{Database: "app", Transactions: 9440, Queries: 47200, TransactionTime: 40.1, QueryTime: 38.2, WaitTime: 100.7}},
		maxClient: 200,
	}
}
