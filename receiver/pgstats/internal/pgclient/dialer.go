package pgclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Backoff between failed connection attempts: doubles from InitialBackoff to MaxBackoff,
// reset by a successful connection.
const (
	InitialBackoff = time.Second
	MaxBackoff     = 30 * time.Second
)

// ErrBackoff is returned while the dialer waits before its next connection attempt.
var ErrBackoff = errors.New("waiting before reconnecting")

// ConnectObserver is told about every connection attempt (for self-telemetry).
type ConnectObserver func(ok bool)

// dialer keeps one connection open across scrapes and reconnects with backoff.
// Safe for concurrent use, but the scraper uses each dialer from one goroutine at a time.
type dialer struct {
	mu       sync.Mutex
	config   func() (*pgx.ConnConfig, error) // re-evaluated per attempt (password files rotate)
	conn     *pgx.Conn
	next     time.Time
	backoff  time.Duration
	lastErr  error
	now      func() time.Time
	observer ConnectObserver
}

func newDialer(config func() (*pgx.ConnConfig, error), observer ConnectObserver) *dialer {
	return &dialer{config: config, now: time.Now, observer: observer}
}

// get returns the open connection, or opens one when the backoff allows it.
func (d *dialer) get(ctx context.Context) (*pgx.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil && !d.conn.IsClosed() {
		return d.conn, nil
	}
	d.conn = nil
	if now := d.now(); now.Before(d.next) {
		return nil, fmt.Errorf("%w (%s): last error: %w", ErrBackoff, d.next.Sub(now).Round(time.Millisecond), d.lastErr)
	}
	cfg, err := d.config()
	if err == nil {
		d.conn, err = pgx.ConnectConfig(ctx, cfg)
	}
	if d.observer != nil {
		d.observer(err == nil)
	}
	if err != nil {
		d.conn = nil
		d.lastErr = err
		d.backoff = min(max(2*d.backoff, InitialBackoff), MaxBackoff)
		d.next = d.now().Add(d.backoff)
		return nil, err
	}
	d.backoff, d.lastErr, d.next = 0, nil, time.Time{}
	return d.conn, nil
}

// check drops the connection when it is closed (a network error or a timeout that could
// not be canceled closes a pgx connection), so the next get reconnects.
func (d *dialer) check() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil && d.conn.IsClosed() {
		d.conn = nil
	}
}

func (d *dialer) close(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil {
		return nil
	}
	err := d.conn.Close(ctx)
	d.conn = nil
	return err
}
