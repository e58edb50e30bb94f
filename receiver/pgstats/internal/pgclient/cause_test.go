package pgclient

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		err       error
		kind, fix string
	}{
		{&ConnError{fmt.Errorf("failed to connect to `user=u`: %w", errors.New("server refused TLS connection"))}, "tls_refused", "set tls.insecure: true (or enable ssl on the server)"},
		{&ConnError{fmt.Errorf("connect: %w", x509.UnknownAuthorityError{})}, "tls_certificate", "set tls.ca_file to the CA that signed it (or tls.server_name_override)"},
		{fmt.Errorf("%w (1s): last error: %w", ErrBackoff, &pgconn.PgError{Severity: "FATAL", Code: "28P01", Message: `password authentication failed for user "u"`}), "auth_failed", "check username and password (or password_file)"},
		{&ConnError{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}, "connection_refused", "check endpoint (host:port) and that the server is running"},
		{&ConnError{&net.DNSError{Name: "db.invalid", IsNotFound: true}}, "host_not_found", "check endpoint"},
		{&ConnError{context.DeadlineExceeded}, "timeout", ""},
		{&ConnError{fmt.Errorf("password_file: cannot read %q: %w", "/x", syscall.ENOENT)}, "password_file", "make password_file readable by the collector"},
		{errors.New("something else"), "error", ""},
	} {
		c := Explain(tc.err)
		if c.Kind != tc.kind || c.Fix != tc.fix || c.What == "" {
			t.Errorf("Explain(%v) = %+v, want kind %s fix %q", tc.err, c, tc.kind, tc.fix)
		}
	}
}

func TestExplainDatabaseAndHba(t *testing.T) {
	if c := Explain(&pgconn.PgError{Code: "3D000", Message: `database "x" does not exist`}); c.Kind != "database_missing" || c.Fix == "" {
		t.Errorf("%+v", c)
	}
	if c := Explain(&pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for host "1.2.3.4"`}); c.Kind != "hba_rejected" {
		t.Errorf("%+v", c)
	}
}
