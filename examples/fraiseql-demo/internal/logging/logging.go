// Package logging writes the demo's structured JSON log lines (one object per line) in the
// shape the agent's file_log receiver parses (configs/agent.yaml: json_parser with
// timestamp = attributes.timestamp, severity = attributes.level).
//
// Fields: timestamp (RFC 3339, nanoseconds, UTC), level (debug|info|warn|error), service,
// message, and when known request_id, user_id (pseudonymous), duration_ms, trace_id, span_id,
// and stack_trace on errors; authentication failures add graphql_auth_method,
// graphql_auth_outcome=failure and graphql_auth_failure_reason.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Field names of the log contract.
const (
	FieldTimestamp  = "timestamp"
	FieldLevel      = "level"
	FieldMessage    = "message"
	FieldService    = "service"
	FieldRequestID  = "request_id"
	FieldUserID     = "user_id"
	FieldDurationMS = "duration_ms"
	FieldTraceID    = "trace_id"
	FieldSpanID     = "span_id"
	FieldStackTrace = "stack_trace"
	FieldError      = "error"
	// FieldDebug: true on the request line of a request sent with the debug flag (its trace
	// is always kept by the gateway's tail sampling).
	FieldDebug = "debug"
	// Authentication failures (one warn line per failed attempt) carry the attributes of
	// their graphql.auth.attempts point, so a log search and the metric agree.
	FieldAuthMethod        = "graphql_auth_method"
	FieldAuthOutcome       = "graphql_auth_outcome"
	FieldAuthFailureReason = "graphql_auth_failure_reason"
)

type requestKey struct{}

// RequestInfo is what a request carries into every log line written with its context.
type RequestInfo struct {
	RequestID string
	UserID    string
}

// WithRequest returns ctx carrying info (a copy: later changes need WithUser).
func WithRequest(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, &info)
}

// SetUser sets the pseudonymous user id of the request in ctx, if ctx carries one.
func SetUser(ctx context.Context, userID string) {
	if ri, ok := ctx.Value(requestKey{}).(*RequestInfo); ok {
		ri.UserID = userID
	}
}

// Request returns the request info of ctx.
func Request(ctx context.Context) RequestInfo {
	if ri, ok := ctx.Value(requestKey{}).(*RequestInfo); ok {
		return *ri
	}
	return RequestInfo{}
}

// Open appends to path (created if missing, with its directory) and returns a logger for
// service plus the file to close. An empty path logs to stderr.
func Open(path, service string) (*slog.Logger, io.Closer, error) {
	if path == "" {
		return New(os.Stderr, service), io.NopCloser(nil), nil
	}
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		if err := os.MkdirAll(path[:i], 0o755); err != nil {
			return nil, nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, nil, err
	}
	return New(f, service), f, nil
}

// New returns a JSON logger writing to w.
func New(w io.Writer, service string) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       slog.LevelDebug,
		ReplaceAttr: replace,
	})
	return slog.New(&handler{Handler: h}).With(FieldService, service)
}

func replace(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		return slog.String(FieldTimestamp, a.Value.Time().UTC().Format(time.RFC3339Nano))
	case slog.LevelKey:
		return slog.String(FieldLevel, strings.ToLower(a.Value.String()))
	case slog.MessageKey:
		a.Key = FieldMessage
	}
	return a
}

// handler adds the request and trace fields of the context and a stack trace on errors.
type handler struct{ slog.Handler }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	ri := Request(ctx)
	if ri.RequestID != "" {
		r.AddAttrs(slog.String(FieldRequestID, ri.RequestID))
	}
	if ri.UserID != "" {
		r.AddAttrs(slog.String(FieldUserID, ri.UserID))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String(FieldTraceID, sc.TraceID().String()), slog.String(FieldSpanID, sc.SpanID().String()))
	}
	if r.Level >= slog.LevelError {
		r.AddAttrs(slog.String(FieldStackTrace, string(debug.Stack())))
	}
	return h.Handler.Handle(ctx, r)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &handler{Handler: h.Handler.WithAttrs(as)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{Handler: h.Handler.WithGroup(name)}
}
