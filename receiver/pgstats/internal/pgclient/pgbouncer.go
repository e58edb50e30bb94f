package pgclient

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// BouncerClient implements PgBouncer over one kept-open connection to the admin console
// (database "pgbouncer"), with the simple query protocol.
type BouncerClient struct {
	d *dialer
}

var _ PgBouncer = (*BouncerClient)(nil)

// NewPgBouncer returns a client that connects lazily; o.Database is forced to "pgbouncer".
func NewPgBouncer(o ConnOptions, observer ConnectObserver) *BouncerClient {
	o.Database = "pgbouncer"
	return &BouncerClient{d: newDialer(func() (*pgx.ConnConfig, error) { return connConfig(o, true) }, observer)}
}

func (c *BouncerClient) show(ctx context.Context, what string) (Table, error) {
	conn, err := c.d.get(ctx)
	if err != nil {
		return Table{}, &ConnError{Err: err}
	}
	defer c.d.check()
	rows, err := conn.Query(ctx, "SHOW "+what)
	if err != nil {
		return Table{}, err
	}
	defer rows.Close()
	var t Table
	for _, fd := range rows.FieldDescriptions() {
		t.Columns = append(t.Columns, fd.Name)
	}
	for rows.Next() {
		raw := rows.RawValues()
		row := make([][]byte, len(raw))
		for i, v := range raw {
			if v != nil {
				row[i] = append([]byte{}, v...)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return Table{}, fmt.Errorf("SHOW %s: %w", what, err)
	}
	return t, nil
}

func (c *BouncerClient) Pools(ctx context.Context) ([]Pool, error) {
	t, err := c.show(ctx, "POOLS")
	return ParsePools(t), err
}

func (c *BouncerClient) Databases(ctx context.Context) ([]BouncerDatabase, error) {
	t, err := c.show(ctx, "DATABASES")
	return ParseDatabases(t), err
}

func (c *BouncerClient) Stats(ctx context.Context) ([]BouncerStats, error) {
	t, err := c.show(ctx, "STATS")
	return ParseStats(t), err
}

func (c *BouncerClient) MaxClientConn(ctx context.Context) (int64, error) {
	t, err := c.show(ctx, "CONFIG")
	if err != nil {
		return 0, err
	}
	v, ok := ParseConfigValue(t, "max_client_conn")
	if !ok {
		return 0, fmt.Errorf("SHOW CONFIG: no max_client_conn")
	}
	return v, nil
}

func (c *BouncerClient) Close(ctx context.Context) error { return c.d.close(ctx) }
