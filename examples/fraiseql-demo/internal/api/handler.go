package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/gqlcost"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/logging"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

// Request headers of the contract.
const (
	HeaderRequestID = "X-Request-Id"
	// HeaderDebug: "1" marks the request for debugging: span attribute fraiseql.debug=true
	// on the server spans of the edge and the API (the sampling keeps such traces).
	HeaderDebug  = "X-Debug-Trace"
	HeaderAPIKey = "X-API-Key"
)

type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// RequestID returns the request's id header or a new random one.
func RequestID(r *http.Request) string {
	if id := r.Header.Get(HeaderRequestID); id != "" && len(id) <= 128 {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// IsDebug says whether the request carries the debug flag.
func IsDebug(r *http.Request) bool {
	v := r.Header.Get(HeaderDebug)
	return v == "1" || strings.EqualFold(v, "true")
}

// clientAddr is the first X-Forwarded-For hop (set by the edge) or the peer address.
func clientAddr(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		return strings.TrimSpace(first)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// reqState is what the handler learns about one request, for the final log line.
type reqState struct {
	opType, opName string
	status         int
	errCodes       []string
	cache          string
	debug          bool
	server         trace.Span
}

func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	rid := RequestID(r)
	w.Header().Set(HeaderRequestID, rid)
	ctx = logging.WithRequest(ctx, logging.RequestInfo{RequestID: rid})
	server := trace.SpanFromContext(ctx)
	server.SetAttributes(telemetry.AttrRequestID.String(rid), RouteAttr(r))
	debug := IsDebug(r)
	if debug {
		server.SetAttributes(telemetry.AttrDebug.Bool(true))
	}
	st := &reqState{opType: "unknown", status: http.StatusOK, server: server, debug: debug}
	defer func() { s.logRequest(ctx, st, time.Since(start)) }()

	var req gqlRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil || req.Query == "" {
		msg := "body must be a JSON object with a non-empty query"
		if err != nil {
			msg = "invalid JSON body: " + err.Error()
		}
		s.fail(ctx, w, st, http.StatusBadRequest, CodeBadRequest, msg)
		return
	}
	vars := normalizeVars(req.Variables)
	info, err := gqlcost.Analyze(req.Query, req.OperationName, vars)
	if err != nil {
		s.fail(ctx, w, st, http.StatusBadRequest, CodeParseFailed, "cannot parse the document: "+err.Error())
		return
	}
	st.opType, st.opName = info.Type, info.Name
	server.SetAttributes(telemetry.AttrOperationType.String(info.Type))
	if info.Name != "" {
		server.SetAttributes(telemetry.AttrOperationName.String(info.Name))
	}
	ctx = context.WithValue(ctx, opTypeKey{}, info.Type)

	// Rate limit, then authenticate.
	p, ok := s.authenticate(ctx, w, r, st)
	if !ok {
		return
	}
	ctx = withPrincipal(ctx, p)
	if p.Pseudo != "" {
		logging.SetUser(ctx, p.Pseudo)
		server.SetAttributes(telemetry.AttrUserID.String(p.Pseudo))
	}
	if !s.rateLimit(ctx, w, r, st, p, info) {
		return
	}

	if ms := s.faults.Get().AddedLatencyMS; ms > 0 {
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-ctx.Done():
		}
	}

	s.inst.QueryComplexity.Record(ctx, info.Complexity, metric.WithAttributes(telemetry.AttrOperationType.String(info.Type)))
	if info.Complexity > s.cfg.MaxComplexity {
		s.fail(ctx, w, st, http.StatusOK, CodeQueryTooComplex,
			fmt.Sprintf("query complexity %d exceeds the limit %d", info.Complexity, s.cfg.MaxComplexity))
		return
	}

	opAttrs := []attribute.KeyValue{telemetry.AttrOperationType.String(info.Type), telemetry.AttrDocument.String(req.Query)}
	if info.Name != "" {
		opAttrs = append(opAttrs, telemetry.AttrOperationName.String(info.Name))
	}
	ctx, op := s.tracer.Start(ctx, operationSpanName(info), trace.WithAttributes(opAttrs...))
	defer op.End()

	if info.Type == "subscription" {
		s.serveSubscription(ctx, w, st, req, vars)
		return
	}

	// Response cache: public queries only (anonymous callers and API-key clients), keyed by
	// the caller's identity, the document and the variables. A signed-in user's queries (me,
	// myOrders, ...) are private: a shared cache would hold personal data for one reader and
	// hardly ever hit, so they bypass it (no lookup, no hit or miss counted).
	var key string
	if info.Type == "query" && p.UserID == 0 {
		key = cacheKey(p, req, vars)
		hit := false
		var body []byte
		if !s.faults.Get().CacheCollapse {
			body, hit = s.cache.Get(key)
		}
		result := telemetry.CacheMiss
		if hit {
			result = telemetry.CacheHit
		}
		st.cache = result
		s.inst.CacheRequests.Add(ctx, 1, metric.WithAttributes(
			telemetry.AttrCacheName.String("response"), telemetry.AttrCacheResult.String(result)))
		op.SetAttributes(attribute.String("graphql.cache.result", result))
		if hit {
			writeJSON(w, http.StatusOK, body)
			return
		}
	}

	resp := s.schema.Exec(ctx, req.Query, req.OperationName, vars)
	status := http.StatusOK
	serverFault := s.recordErrors(ctx, op, st, resp.Errors)
	if serverFault && (len(resp.Data) == 0 || string(resp.Data) == "null") {
		status = http.StatusInternalServerError
	}
	body, err := s.serialize(ctx, info.Type, resp)
	if err != nil {
		s.fail(ctx, w, st, http.StatusInternalServerError, CodeInternal, "cannot serialize the response")
		return
	}
	if key != "" && len(resp.Errors) == 0 && !s.faults.Get().CacheCollapse {
		s.cache.Set(key, body)
	}
	st.status = status
	writeJSON(w, status, body)
}

func operationSpanName(info gqlcost.Info) string {
	if info.Name != "" {
		return info.Type + " " + info.Name
	}
	return info.Type
}

// serialize marshals resp and records graphql.response.serialization.duration.
func (s *Server) serialize(ctx context.Context, opType string, resp *graphql.Response) ([]byte, error) {
	t0 := time.Now()
	body, err := json.Marshal(resp)
	s.inst.Serialization.Record(ctx, time.Since(t0).Seconds(), metric.WithAttributes(telemetry.AttrOperationType.String(opType)))
	return body, err
}

// recordErrors counts every error of a response in graphql.errors, logs them, and marks the
// operation and HTTP server spans ERROR when one is a server fault. It reports whether one
// was.
func (s *Server) recordErrors(ctx context.Context, op trace.Span, st *reqState, errs []*gqlerrors.QueryError) bool {
	fault := false
	for _, e := range errs {
		code := codeOf(e)
		if e != nil {
			// Every error the client sees carries its code (validation errors have none).
			if e.Extensions == nil {
				e.Extensions = map[string]any{}
			}
			e.Extensions["code"] = code
		}
		st.errCodes = append(st.errCodes, code)
		s.inst.Errors.Add(ctx, 1, metric.WithAttributes(
			telemetry.AttrOperationType.String(st.opType), telemetry.AttrErrorCode.String(code)))
		if ServerFault(code) {
			fault = true
			cause := e.ResolverError
			if cause == nil {
				cause = e
			}
			s.log.ErrorContext(ctx, "graphql operation failed", "error", cause.Error(), "graphql_error_code", code,
				"graphql_path", fmt.Sprint(e.Path))
		}
	}
	if fault {
		op.SetStatus(codes.Error, "server fault in errors[]")
		st.server.SetStatus(codes.Error, "server fault in errors[]")
	}
	return fault
}

// fail answers with one GraphQL error and counts it.
func (s *Server) fail(ctx context.Context, w http.ResponseWriter, st *reqState, status int, code, msg string) {
	st.status = status
	st.errCodes = append(st.errCodes, code)
	s.inst.Errors.Add(ctx, 1, metric.WithAttributes(
		telemetry.AttrOperationType.String(st.opType), telemetry.AttrErrorCode.String(code)))
	if ServerFault(code) {
		st.server.SetStatus(codes.Error, msg)
	}
	body, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}}})
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/graphql-response+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) logRequest(ctx context.Context, st *reqState, d time.Duration) {
	level := slog.LevelInfo
	switch {
	case st.status >= 500:
		level = slog.LevelError
	case len(st.errCodes) > 0:
		level = slog.LevelWarn
	}
	attrs := []any{
		logging.FieldDurationMS, float64(d.Microseconds()) / 1000,
		"graphql_operation_type", st.opType, "graphql_operation_name", st.opName,
		"http_status", st.status,
	}
	if len(st.errCodes) > 0 {
		attrs = append(attrs, "graphql_error_codes", strings.Join(st.errCodes, ","))
	}
	if st.cache != "" {
		attrs = append(attrs, "cache", st.cache)
	}
	if st.debug {
		attrs = append(attrs, logging.FieldDebug, true)
	}
	s.log.Log(ctx, level, "graphql request", attrs...)
}

// normalizeVars turns json.Number into int64 or float64, as graphql-go expects numbers.
func normalizeVars(v map[string]any) map[string]any {
	for k, x := range v {
		v[k] = normalize(x)
	}
	return v
}

func normalize(x any) any {
	switch t := x.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			if i >= -1<<31 && i < 1<<31 {
				return int32(i)
			}
			return float64(i)
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		return normalizeVars(t)
	case []any:
		for i := range t {
			t[i] = normalize(t[i])
		}
	}
	return x
}

func cacheKey(p *Principal, req gqlRequest, vars map[string]any) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00", p.UserID, p.Tier, req.OperationName, req.Query)
	b, _ := json.Marshal(vars) // map keys are sorted
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
