package remediate

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Querier is what an action needs from PostgreSQL (*pgx.Conn and *pgxpool.Pool satisfy it).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Action is a named remediation. Run selects its targets and, when execute is true, acts on
// them; in dry-run it only reports what it would do.
type Action interface {
	Name() string
	Describe() string
	Run(ctx context.Context, db Querier, execute bool) ([]Target, error)
}

// backendQuery selects client backends of the current server by state and age, oldest
// first; with execute the same statement signals them (%s is pg_terminate_backend or
// pg_cancel_backend), so selection and signal see the same snapshot of pg_stat_activity.
// The remediator's own backend is never selected. Columns: pid, user, application,
// database, age in seconds, query (200 characters), signalled.
const backendQuery = `
SELECT pid, coalesce(usename, ''), coalesce(application_name, ''), coalesce(datname, ''),
       extract(epoch FROM now() - %[2]s)::float8, left(coalesce(query, ''), 200),
       CASE WHEN $3 THEN %[1]s(pid) ELSE false END
FROM pg_stat_activity
WHERE backend_type = 'client backend'
  AND pid <> pg_backend_pid()
  AND state = ANY($4)
  AND now() - %[2]s >= make_interval(secs => $1)
ORDER BY %[2]s
LIMIT $2`

func runBackends(ctx context.Context, db Querier, signal, since string, states []string, minAge time.Duration, limit int, execute bool) ([]Target, error) {
	rows, err := db.Query(ctx, fmt.Sprintf(backendQuery, signal, since), minAge.Seconds(), limit, execute, states)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Target
	for rows.Next() {
		var t Target
		if err := rows.Scan(&t.PID, &t.User, &t.Application, &t.Database, &t.AgeSeconds, &t.Query, &t.Done); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TerminateIdleInTransaction ends client sessions idle inside a transaction for at least
// MinIdle (at most Max per run): they hold a pooled connection, and locks, while doing
// nothing, which is how a leaking client exhausts the pool. Terminate, not cancel:
// pg_cancel_backend only interrupts a running statement, and an idle session has none.
// The client sees its connection closed and its transaction rolled back.
type TerminateIdleInTransaction struct {
	MinIdle time.Duration
	Max     int
}

// Name of the action.
func (TerminateIdleInTransaction) Name() string { return "terminate-idle-in-transaction" }

// Describe the action.
func (a TerminateIdleInTransaction) Describe() string {
	return fmt.Sprintf("terminate up to %d client sessions idle in a transaction for %s or more", a.Max, a.MinIdle)
}

// Run the action.
func (a TerminateIdleInTransaction) Run(ctx context.Context, db Querier, execute bool) ([]Target, error) {
	return runBackends(ctx, db, "pg_terminate_backend", "state_change",
		[]string{"idle in transaction", "idle in transaction (aborted)"}, a.MinIdle, a.Max, execute)
}

// CancelLongQueries cancels statements running for at least MinAge (at most Max per run):
// the session survives, the statement fails with "canceling statement due to user request".
type CancelLongQueries struct {
	MinAge time.Duration
	Max    int
}

// Name of the action.
func (CancelLongQueries) Name() string { return "cancel-long-queries" }

// Describe the action.
func (a CancelLongQueries) Describe() string {
	return fmt.Sprintf("cancel up to %d statements running for %s or more", a.Max, a.MinAge)
}

// Run the action.
func (a CancelLongQueries) Run(ctx context.Context, db Querier, execute bool) ([]Target, error) {
	return runBackends(ctx, db, "pg_cancel_backend", "query_start", []string{"active"}, a.MinAge, a.Max, execute)
}
