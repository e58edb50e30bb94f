package pgclient

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Cause is why a server could not be reached or queried, in words a user acts on: What
// happened, and Fix when it is a configuration matter (empty otherwise).
type Cause struct {
	// Kind is a short stable label: tls_refused, tls_certificate, tls_handshake,
	// auth_failed, hba_rejected, database_missing, too_many_connections,
	// connection_refused, host_not_found, timeout, password_file, server_error, error.
	Kind string
	What string
	Fix  string
}

// Explain classifies a connection or query error (the dialer's backoff error carries the
// last connection error, which is what is explained).
func Explain(err error) Cause {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		// PgBouncer answers a wrong password with 08P01 "SASL authentication failed".
		case pe.Code == "28P01" || strings.Contains(pe.Message, "authentication failed"):
			return Cause{"auth_failed", "authentication failed: " + pe.Message, "check username and password (or password_file)"}
		case pe.Code == "28000" && strings.Contains(pe.Message, "pg_hba.conf"):
			return Cause{"hba_rejected", "rejected by the server's pg_hba.conf: " + pe.Message, "allow this host and user in pg_hba.conf, or set tls as the entry requires"}
		case pe.Code == "28000":
			return Cause{"auth_failed", "authorization failed: " + pe.Message, "check username (the role must exist and may log in)"}
		case pe.Code == "3D000":
			return Cause{"database_missing", pe.Message, "set database to an existing database"}
		case pe.Code == "53300":
			return Cause{"too_many_connections", pe.Message, ""}
		}
		return Cause{"server_error", pe.Severity + " " + pe.Code + ": " + pe.Message, ""}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "server refused TLS connection"):
		return Cause{"tls_refused", "server does not support TLS", "set tls.insecure: true (or enable ssl on the server)"}
	case strings.Contains(msg, "password_file"):
		return Cause{"password_file", msg, "make password_file readable by the collector"}
	}
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var ce x509.CertificateInvalidError
	if errors.As(err, &ue) || errors.As(err, &he) || errors.As(err, &ce) {
		return Cause{"tls_certificate", "server certificate not accepted: " + rootMessage(err), "set tls.ca_file to the CA that signed it (or tls.server_name_override)"}
	}
	if strings.Contains(msg, "tls: ") {
		return Cause{"tls_handshake", "TLS handshake failed: " + rootMessage(err), "check the tls settings against the server's ssl settings"}
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return Cause{"connection_refused", "connection refused: nothing listens at the endpoint", "check endpoint (host:port) and that the server is running"}
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return Cause{"host_not_found", "host not found: " + de.Name, "check endpoint"}
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) || isNetTimeout(err) {
		return Cause{"timeout", "timed out (query_timeout bounds the connection and each query)", ""}
	}
	return Cause{"error", rootMessage(err), ""}
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rootMessage is the innermost error's text (pgx wraps errors in long context chains).
func rootMessage(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}
