package pgclient

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PGClient implements Postgres over one kept-open pgx connection.
type PGClient struct {
	d       *dialer
	appName string
}

var _ Postgres = (*PGClient)(nil)

// NewPostgres returns a client that connects lazily, at its first query.
func NewPostgres(o ConnOptions, observer ConnectObserver) *PGClient {
	return &PGClient{
		d:       newDialer(func() (*pgx.ConnConfig, error) { return connConfig(o, false) }, observer),
		appName: o.ApplicationName,
	}
}

// query runs one query and scans every row with scan.
func (c *PGClient) query(ctx context.Context, sql string, scan func(pgx.Rows) error, args ...any) error {
	conn, err := c.d.get(ctx)
	if err != nil {
		return &ConnError{Err: err}
	}
	defer c.d.check()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (c *PGClient) ServerInfo(ctx context.Context) (ServerInfo, error) {
	var s ServerInfo
	found := false
	err := c.query(ctx, qServerInfo, func(r pgx.Rows) error {
		found = true
		return r.Scan(&s.VersionNum, &s.InRecovery, &s.MaxConnections, &s.Privileged, &s.StatementsSchema)
	})
	if err == nil && !found {
		err = errors.New("server info: no row")
	}
	return s, err
}

func (c *PGClient) WALPosition(ctx context.Context) (int64, error) {
	var pos *int64
	err := c.query(ctx, qWALPosition, func(r pgx.Rows) error { return r.Scan(&pos) })
	if err == nil && pos == nil {
		return 0, errors.New("WAL position unknown")
	}
	if err != nil {
		return 0, err
	}
	return *pos, nil
}

func (c *PGClient) Standbys(ctx context.Context) ([]Standby, error) {
	var out []Standby
	err := c.query(ctx, qStandbys, func(r pgx.Rows) error {
		var s Standby
		var state *string
		if err := r.Scan(&s.ApplicationName, &s.ClientAddress, &state, &s.SyncState,
			&s.SentBytes, &s.WriteBytes, &s.FlushBytes, &s.ReplayBytes,
			&s.WriteLag, &s.FlushLag, &s.ReplayLag); err != nil {
			return err
		}
		if state != nil {
			s.State, s.StateKnown = *state, true
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

func (c *PGClient) Replica(ctx context.Context) (Replica, error) {
	var r Replica
	err := c.query(ctx, qReplica, func(rows pgx.Rows) error {
		return rows.Scan(&r.ReplayPaused, &r.CaughtUp, &r.PendingBytes, &r.LastReplayAge)
	})
	if err != nil {
		return r, err
	}
	r.ReceiverStatus = "stopped"
	err = c.query(ctx, qWALReceiver, func(rows pgx.Rows) error {
		var status *string
		if err := rows.Scan(&status, &r.LastMessageAge); err != nil {
			return err
		}
		r.ReceiverStatus = ""
		if status != nil {
			r.ReceiverStatus = *status
		}
		return nil
	})
	return r, err
}

func (c *PGClient) Slots(ctx context.Context, versionNum int) ([]Slot, error) {
	var out []Slot
	err := c.query(ctx, slotsQuery(versionNum), func(r pgx.Rows) error {
		var s Slot
		if err := r.Scan(&s.Name, &s.Type, &s.Active, &s.RetainedBytes, &s.WALStatus); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

func (c *PGClient) Activity(ctx context.Context) ([]ActivityCount, error) {
	var out []ActivityCount
	err := c.query(ctx, qActivity, func(r pgx.Rows) error {
		var a ActivityCount
		if err := r.Scan(&a.Database, &a.User, &a.State, &a.Count); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, c.appName)
	return out, err
}

func (c *PGClient) TransactionAges(ctx context.Context) (TransactionAges, error) {
	var t TransactionAges
	err := c.query(ctx, qTransactionAges, func(r pgx.Rows) error {
		return r.Scan(&t.Oldest, &t.IdleOldest)
	}, c.appName)
	return t, err
}

func (c *PGClient) Databases(ctx context.Context) ([]DatabaseStats, error) {
	var out []DatabaseStats
	err := c.query(ctx, qDatabases, func(r pgx.Rows) error {
		var d DatabaseStats
		if err := r.Scan(&d.Name, &d.Commits, &d.Rollbacks, &d.Deadlocks, &d.BlksHit, &d.BlksRd,
			&d.TempFiles, &d.Conflicts, &d.XIDAge); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

func (c *PGClient) Locks(ctx context.Context) ([]LockCount, error) {
	var out []LockCount
	err := c.query(ctx, qLocks, func(r pgx.Rows) error {
		var l LockCount
		if err := r.Scan(&l.Mode, &l.Granted, &l.Count); err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

func (c *PGClient) Checkpoints(ctx context.Context, versionNum int) (Checkpoints, error) {
	var cp Checkpoints
	err := c.query(ctx, checkpointsQuery(versionNum), func(r pgx.Rows) error {
		return r.Scan(&cp.Timed, &cp.Requested)
	})
	return cp, err
}

func (c *PGClient) Statements(ctx context.Context, schema string, versionNum, limit int, f DatabaseFilter) ([]Statement, error) {
	var out []Statement
	include, exclude := f.Include, f.Exclude
	if include == nil {
		include = []string{}
	}
	if exclude == nil {
		exclude = []string{}
	}
	err := c.query(ctx, statementsQuery(schema, versionNum), func(r pgx.Rows) error {
		var s Statement
		if err := r.Scan(&s.QueryID, &s.Database, &s.User, &s.Query, &s.Calls, &s.TotalSeconds, &s.Rows); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}, limit, include, exclude)
	return out, err
}

func (c *PGClient) Close(ctx context.Context) error { return c.d.close(ctx) }

// ConnError wraps a failure to get a connection (server down, auth, backoff).
type ConnError struct{ Err error }

func (e *ConnError) Error() string { return "connect: " + e.Err.Error() }
func (e *ConnError) Unwrap() error { return e.Err }

// Reason classifies a query error for logs and self-telemetry.
type Reason string

const (
	ReasonConnection  Reason = "connection"
	ReasonPrivilege   Reason = "privilege"
	ReasonUnavailable Reason = "unavailable" // an extension or view that is not there
	ReasonTimeout     Reason = "timeout"
	ReasonError       Reason = "error"
)

// Classify tells why a query failed.
func Classify(err error) Reason {
	var ce *ConnError
	if errors.As(err, &ce) {
		return ReasonConnection
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ReasonTimeout
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "42501": // insufficient_privilege
			return ReasonPrivilege
		case "42P01", "42883", "55000": // undefined_table, undefined_function, object_not_in_prerequisite_state
			return ReasonUnavailable
		case "57014": // query_canceled (our timeout, canceled on the server)
			return ReasonTimeout
		}
	}
	if pgconn.Timeout(err) {
		return ReasonTimeout
	}
	return ReasonError
}
