package pgclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A closed port: the dialer fails, then refuses to retry until its backoff has passed,
// doubling it up to MaxBackoff; the observer sees only real attempts.
func TestDialerBackoff(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	attempts := 0
	c := NewPostgres(ConnOptions{Host: "127.0.0.1", Port: uint16(port), User: "x", Database: "postgres",
		ConnectTimeout: time.Second}, func(ok bool) {
		assert.False(t, ok)
		attempts++
	})
	now := time.Unix(1000, 0)
	c.d.now = func() time.Time { return now }
	ctx := context.Background()

	_, err = c.ServerInfo(ctx)
	require.Error(t, err)
	assert.Equal(t, ReasonConnection, Classify(err))
	assert.Equal(t, 1, attempts)

	_, err = c.ServerInfo(ctx)
	assert.True(t, errors.Is(err, ErrBackoff), "%v", err)
	assert.Equal(t, 1, attempts, "no attempt during backoff")

	wantBackoff := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for _, want := range wantBackoff {
		now = now.Add(time.Hour)
		_, err = c.ServerInfo(ctx)
		require.Error(t, err)
		assert.Equal(t, want, c.d.backoff)
	}
	assert.Equal(t, 1+len(wantBackoff), attempts)
	require.NoError(t, c.Close(ctx))
}

func TestClassify(t *testing.T) {
	assert.Equal(t, ReasonTimeout, Classify(context.DeadlineExceeded))
	assert.Equal(t, ReasonError, Classify(errors.New("x")))
	assert.Equal(t, ReasonConnection, Classify(&ConnError{Err: errors.New("refused")}))
	assert.Equal(t, ReasonPrivilege, Classify(fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "42501"})))
	assert.Equal(t, ReasonUnavailable, Classify(&pgconn.PgError{Code: "42P01"}))
	assert.Equal(t, ReasonTimeout, Classify(&pgconn.PgError{Code: "57014"}))
	assert.Equal(t, ReasonError, Classify(&pgconn.PgError{Code: "XX000"}))
}
