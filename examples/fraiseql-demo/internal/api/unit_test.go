package api

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/logging"
)

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{
		"4111 1111 1111 1111": true, "4111-1111-1111-1111": true, "4000000000000002": true,
		"4111 1111 1111 1112": false, "4111 1111": false, "4111 1111 1111 111a": false, "": false,
	} {
		if _, ok := luhn(s); ok != want {
			t.Errorf("luhn(%q) = %v, want %v", s, ok, want)
		}
	}
	if d, _ := luhn("4000 0000 0000 0002"); d != DeclinedCard {
		t.Errorf("digits %q", d)
	}
}

func TestTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a := newAuth(time.Minute)
	a.now = func() time.Time { return now }
	tok, sid := a.newSession(42, "pro")
	c, reason := a.verify(tok)
	if reason != "" || c.UserID != 42 || c.Tier != "pro" || c.SID != sid {
		t.Fatalf("verify = %+v %q", c, reason)
	}
	parts := strings.Split(tok, ".")
	forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	other := newAuth(time.Minute)
	otherTok, _ := other.newSession(42, "pro")
	for tok2, want := range map[string]string{
		"abc": "malformed_token", forged: "bad_signature", otherTok: "bad_signature",
		parts[0] + ".!!!." + parts[2]: "bad_signature",
	} {
		if _, r := a.verify(tok2); r != want {
			t.Errorf("verify(%.20q) = %q, want %q", tok2, r, want)
		}
	}
	if tier, ok := a.endSession(sid); !ok || tier != "pro" {
		t.Fatal("endSession")
	}
	if _, r := a.verify(tok); r != "unknown_session" {
		t.Errorf("after logout: %q", r)
	}
	tok, _ = a.newSession(7, "free")
	now = now.Add(2 * time.Minute)
	if _, r := a.verify(tok); r != "expired_token" {
		t.Errorf("after the TTL: %q", r)
	}
	if tiers := a.expire(); len(tiers) != 1 || tiers[0] != "free" {
		t.Errorf("expire = %v", tiers)
	}
}

func TestAPIKeys(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a := newAuth(time.Minute)
	a.now = func() time.Time { return now }
	a.apiKeys = map[string]apiKey{
		hashKey("k-ent"):     {tier: "enterprise"},
		hashKey("k-revoked"): {tier: "pro", revoked: true},
		hashKey("k-old"):     {tier: "free", expires: now.Add(-time.Second)},
		hashKey("k-soon"):    {tier: "free", expires: now.Add(time.Hour)},
	}
	for key, want := range map[string][2]string{
		"k-ent": {"enterprise", ""}, "k-revoked": {"", "revoked_key"}, "k-old": {"", "expired_key"},
		"k-soon": {"free", ""}, "nope": {"", "unknown_key"},
	} {
		if tier, reason := a.checkAPIKey(key); tier != want[0] || reason != want[1] {
			t.Errorf("%s: %q %q, want %v", key, tier, reason, want)
		}
	}
	got := a.activeKeys()
	if got["enterprise"] != 1 || got["pro"] != 0 || got["free"] != 1 {
		t.Errorf("activeKeys = %v", got)
	}
}

func TestLimiterPolicies(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newLimiter(Limits{ClientRPS: 1, ClientBurst: 2, LoginRPS: 1, LoginBurst: 1, APIKeyRPS: map[string]float64{"pro": 2}})
	l.now = func() time.Time { return now }
	count := func(policy, key, tier string, n int) int {
		ok := 0
		for i := 0; i < n; i++ {
			if l.allow(policy, key, tier) {
				ok++
			}
		}
		return ok
	}
	if n := count(PolicyClient, "10.0.0.1", "", 10); n != 2 {
		t.Errorf("per_client burst 2: %d allowed", n)
	}
	if n := count(PolicyClient, "10.0.0.2", "", 10); n != 2 {
		t.Errorf("another client has its own bucket: %d allowed", n)
	}
	if n := count(PolicyLogin, "10.0.0.1", "", 10); n != 1 {
		t.Errorf("login burst 1: %d allowed", n)
	}
	if n := count(PolicyAPIKey, "key-a", "pro", 10); n != 4 {
		t.Errorf("pro key burst 2 x 2 rps: %d allowed", n)
	}
	now = now.Add(time.Second)
	if n := count(PolicyClient, "10.0.0.1", "", 10); n != 1 {
		t.Errorf("after 1 s at 1 rps: %d allowed", n)
	}
}

func TestCodeOf(t *testing.T) {
	for _, c := range []struct {
		e    *gqlerrors.QueryError
		want string
	}{
		{&gqlerrors.QueryError{ResolverError: newErr(CodeForbidden, "x")}, CodeForbidden},
		{&gqlerrors.QueryError{ResolverError: internalErr(nil)}, CodeInternal},
		{&gqlerrors.QueryError{Rule: "FieldsOnCorrectType"}, CodeValidationFailed},
		{&gqlerrors.QueryError{Extensions: map[string]any{"code": "X"}}, "X"},
		{gqlerrors.Errorf("%s", context.DeadlineExceeded), CodeTimeout},
		{&gqlerrors.QueryError{ResolverError: errPlain("boom"), Path: []any{"products"}}, CodeInternal},
	} {
		if got := codeOf(c.e); got != c.want {
			t.Errorf("codeOf(%+v) = %s, want %s", c.e, got, c.want)
		}
	}
	for _, code := range []string{CodeInternal, CodeTimeout} {
		if !ServerFault(code) {
			t.Errorf("%s is a server fault", code)
		}
	}
	for _, code := range []string{CodeBadUserInput, CodeForbidden, CodeUnauthenticated, CodeRateLimited, CodeQueryTooComplex} {
		if ServerFault(code) {
			t.Errorf("%s is not a server fault", code)
		}
	}
}

type errPlain string

func (e errPlain) Error() string { return string(e) }

func TestNormalizeVars(t *testing.T) {
	var v map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"a": 3, "b": 0.5, "c": {"d": [1, 2]}, "e": 9999999999}`))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	v = normalizeVars(v)
	if v["a"] != int32(3) || v["b"] != 0.5 || v["e"] != float64(9999999999) {
		t.Errorf("normalized %#v", v)
	}
	if d := v["c"].(map[string]any)["d"].([]any); d[0] != int32(1) {
		t.Errorf("nested %#v", d)
	}
}

func TestCacheKeyDependsOnCaller(t *testing.T) {
	req := gqlRequest{Query: "{ me { id } }"}
	a := cacheKey(&Principal{UserID: 1}, req, nil)
	b := cacheKey(&Principal{UserID: 2}, req, nil)
	c := cacheKey(&Principal{UserID: 1}, req, map[string]any{"x": int32(1)})
	if a == b || a == c || a != cacheKey(&Principal{UserID: 1}, req, nil) {
		t.Fatal("cache keys must differ by caller and variables and be stable")
	}
}

func TestNewReportsAnUnreachableDatabase(t *testing.T) {
	var buf bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := New(ctx, Config{DB: "postgres://u:p@127.0.0.1:1/db?sslmode=disable&connect_timeout=1"},
		Deps{TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: metricnoop.NewMeterProvider(), Log: logging.New(&buf, "t")})
	if err == nil || !strings.Contains(err.Error(), "database not ready") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("error %v: want the cause with the address", err)
	}
	if !strings.Contains(buf.String(), "retrying") {
		t.Fatalf("no retry logged: %s", buf.String())
	}
	if _, err := New(ctx, Config{}, Deps{TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: metricnoop.NewMeterProvider(), Log: logging.New(&buf, "t")}); err == nil || !strings.Contains(err.Error(), "--db") {
		t.Fatalf("no DSN: %v", err)
	}
}
