package api

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/metric"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/gqlcost"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/logging"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

// authAttempt counts one graphql.auth.attempts point; reason "" is a success.
func (s *Server) authAttempt(ctx context.Context, method, reason string) {
	if reason == "" {
		s.inst.AuthAttempts.Add(ctx, 1, metric.WithAttributes(
			telemetry.AttrAuthMethod.String(method), telemetry.AttrAuthOutcome.String(telemetry.OutcomeSuccess)))
		return
	}
	s.inst.AuthAttempts.Add(ctx, 1, metric.WithAttributes(
		telemetry.AttrAuthMethod.String(method), telemetry.AttrAuthOutcome.String(telemetry.OutcomeFailure),
		telemetry.AttrAuthFailureReason.String(reason)))
}

// authFailureLog: the fields of an authentication-failure log line (docs/instrumentation.md,
// Logs), the attributes of its graphql.auth.attempts point; the dashboards' authentication
// log panels select graphql_auth_outcome="failure".
func authFailureLog(method, reason string) []any {
	return []any{logging.FieldAuthMethod, method, logging.FieldAuthOutcome, telemetry.OutcomeFailure,
		logging.FieldAuthFailureReason, reason}
}

// authenticate reads X-API-Key or Authorization: Bearer. No credentials = anonymous; wrong
// credentials = 401 UNAUTHENTICATED.
func (s *Server) authenticate(ctx context.Context, w http.ResponseWriter, r *http.Request, st *reqState) (*Principal, bool) {
	if key := r.Header.Get(HeaderAPIKey); key != "" {
		tier, reason := s.auth.checkAPIKey(key)
		s.authAttempt(ctx, telemetry.AuthAPIKey, reason)
		if reason != "" {
			s.log.WarnContext(ctx, "api key rejected", authFailureLog(telemetry.AuthAPIKey, reason)...)
			s.fail(ctx, w, st, http.StatusUnauthorized, CodeUnauthenticated, "invalid API key")
			return nil, false
		}
		s.inst.APIKeyRequests.Add(ctx, 1, metric.WithAttributes(telemetry.AttrAPIKeyTier.String(tier)))
		return &Principal{Tier: tier, Method: telemetry.AuthAPIKey, Pseudo: "key-" + hashKey(key)[:8]}, true
	}
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		reason := "malformed_token"
		var c claims
		if ok {
			c, reason = s.auth.verify(strings.TrimSpace(token))
		}
		s.authAttempt(ctx, telemetry.AuthJWT, reason)
		if reason != "" {
			s.log.WarnContext(ctx, "bearer token rejected", authFailureLog(telemetry.AuthJWT, reason)...)
			s.fail(ctx, w, st, http.StatusUnauthorized, CodeUnauthenticated, "invalid or expired token")
			return nil, false
		}
		return &Principal{UserID: c.UserID, Tier: c.Tier, Method: telemetry.AuthJWT, SessionID: c.SID,
			Pseudo: s.auth.pseudonym(c.UserID)}, true
	}
	return &Principal{}, true
}

// rateLimit applies the policies: login/signup per client address, API keys per key and
// tier, everything else per client address.
func (s *Server) rateLimit(ctx context.Context, w http.ResponseWriter, r *http.Request, st *reqState, p *Principal, info gqlcost.Info) bool {
	policy, key := PolicyClient, clientAddr(r)
	if p.Method == telemetry.AuthAPIKey {
		policy, key = PolicyAPIKey, p.Pseudo
	}
	if info.Type == "mutation" {
		for _, f := range info.RootFields {
			if f == "login" || f == "signup" {
				policy = PolicyLogin
			}
		}
	}
	if s.limiter.allow(policy, key, p.Tier) {
		return true
	}
	s.inst.RateLimitRejections.Add(ctx, 1, metric.WithAttributes(telemetry.AttrRateLimitPolicy.String(policy)))
	w.Header().Set("Retry-After", "1")
	s.fail(ctx, w, st, http.StatusTooManyRequests, CodeRateLimited, "rate limit exceeded ("+policy+")")
	return false
}
