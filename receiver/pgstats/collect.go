package pgstats

import (
	"context"

	"go.uber.org/zap"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/pgclient"
)

// pgSnapshot is everything read from one PostgreSQL server in one scrape. A nil pointer
// or a false have* flag means the query failed or was skipped: its metrics are absent.
type pgSnapshot struct {
	up   bool
	info pgclient.ServerInfo

	walPosition  *int64
	standbys     []pgclient.Standby
	haveStandbys bool
	replica      *pgclient.Replica
	slots        []pgclient.Slot
	activity     []pgclient.ActivityCount
	haveActivity bool
	txAges       *pgclient.TransactionAges
	databases    []pgclient.DatabaseStats
	locks        []pgclient.LockCount
	haveLocks    bool
	checkpoints  *pgclient.Checkpoints
	statements   []pgclient.Statement

	errs []queryError
	// downErr: why the first query failed (the server is reported up=0).
	downErr error
}

// queryError is a failed query that should fail the scrape partially (not a missing
// privilege, a missing extension or a server that is down: those are logged and visible
// as absent metrics or postgresql.up 0).
type queryError struct {
	query string
	err   error
}

// run executes one query with the per-query timeout and classifies a failure: it is
// counted, logged (rate-limited) and, when unexpected, kept for the scrape error.
func run[T any](ctx context.Context, s *pgScraper, server, query string, errs *[]queryError,
	f func(context.Context) (T, error),
) (T, bool) {
	v, err := runErr(ctx, s, server, query, errs, f)
	return v, err == nil
}

// runErr is run returning the error (the first query's error says why a server is down).
func runErr[T any](ctx context.Context, s *pgScraper, server, query string, errs *[]queryError,
	f func(context.Context) (T, error),
) (T, error) {
	qctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	v, err := f(qctx)
	if err == nil {
		return v, nil
	}
	var zero T // rows read before the error are not reported
	v = zero
	reason := pgclient.Classify(err)
	s.countFailure(query, reason)
	key := server + "/" + query + "/" + string(reason)
	switch reason {
	case pgclient.ReasonConnection:
		// logged by the caller as "server down"
	case pgclient.ReasonPrivilege, pgclient.ReasonUnavailable:
		s.logs.warn(key, "pgstats: query not permitted or not available; its metrics are absent",
			zap.String("server", server), zap.String("query", query), zap.String("reason", string(reason)), zap.Error(err))
	default:
		s.logs.warn(key, "pgstats: query failed; its metrics are absent from this scrape",
			zap.String("server", server), zap.String("query", query), zap.String("reason", string(reason)),
			zap.String("cause", pgclient.Explain(err).What), zap.Error(err))
		*errs = append(*errs, queryError{query: query, err: err})
	}
	return v, err
}

func ptr[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

// collectPostgres reads one server. The first query (server info) decides postgresql.up;
// the others are independent, so one failing leaves the rest of the metrics intact.
func (s *pgScraper) collectPostgres(ctx context.Context, t *pgTarget) pgSnapshot {
	var snap pgSnapshot
	c := t.client
	info, err := runErr(ctx, s, t.name, "server_info", &snap.errs, c.ServerInfo)
	if err != nil {
		snap.downErr = err
		return snap
	}
	snap.up, snap.info = true, info
	v := info.VersionNum

	snap.walPosition = ptr(run(ctx, s, t.name, "wal_position", &snap.errs, c.WALPosition))
	snap.standbys, snap.haveStandbys = run(ctx, s, t.name, "standbys", &snap.errs, c.Standbys)
	if info.InRecovery {
		snap.replica = ptr(run(ctx, s, t.name, "replica", &snap.errs, c.Replica))
	}
	snap.slots, _ = run(ctx, s, t.name, "slots", &snap.errs, func(ctx context.Context) ([]pgclient.Slot, error) {
		return c.Slots(ctx, v)
	})
	if info.Privileged {
		snap.activity, snap.haveActivity = run(ctx, s, t.name, "activity", &snap.errs, c.Activity)
		snap.txAges = ptr(run(ctx, s, t.name, "transaction_ages", &snap.errs, c.TransactionAges))
	} else {
		s.logs.warn(t.name+"/unprivileged",
			"pgstats: the role cannot read other sessions (grant it pg_monitor); connection states, transaction ages and statements are not collected",
			zap.String("server", t.name))
	}
	snap.databases, _ = run(ctx, s, t.name, "databases", &snap.errs, c.Databases)
	snap.locks, snap.haveLocks = run(ctx, s, t.name, "locks", &snap.errs, c.Locks)
	snap.checkpoints = ptr(run(ctx, s, t.name, "checkpoints", &snap.errs, func(ctx context.Context) (pgclient.Checkpoints, error) {
		return c.Checkpoints(ctx, v)
	}))
	if s.cfg.TopStatements > 0 && info.Privileged {
		if info.StatementsSchema == "" {
			s.logs.warn(t.name+"/no_pg_stat_statements",
				"pgstats: pg_stat_statements is not installed in the connected database; statement metrics are absent",
				zap.String("server", t.name))
		} else {
			snap.statements, _ = run(ctx, s, t.name, "statements", &snap.errs, func(ctx context.Context) ([]pgclient.Statement, error) {
				return c.Statements(ctx, info.StatementsSchema, v, s.cfg.TopStatements, t.filter)
			})
		}
	}
	return snap
}

// bouncerSnapshot is everything read from one PgBouncer in one scrape.
type bouncerSnapshot struct {
	up            bool
	pools         []pgclient.Pool
	databases     []pgclient.BouncerDatabase
	stats         []pgclient.BouncerStats
	maxClientConn *int64
	errs          []queryError
	downErr       error
}

func (s *pgScraper) collectBouncer(ctx context.Context, t *bouncerTarget) bouncerSnapshot {
	var snap bouncerSnapshot
	c := t.client
	var err error
	snap.pools, err = runErr(ctx, s, t.name, "show_pools", &snap.errs, c.Pools)
	if err != nil {
		snap.downErr = err
		return snap
	}
	snap.up = true
	snap.databases, _ = run(ctx, s, t.name, "show_databases", &snap.errs, c.Databases)
	snap.stats, _ = run(ctx, s, t.name, "show_stats", &snap.errs, c.Stats)
	snap.maxClientConn = ptr(run(ctx, s, t.name, "show_config", &snap.errs, c.MaxClientConn))
	return snap
}
