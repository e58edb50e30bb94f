package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Principal is who a request runs as.
type Principal struct {
	// UserID is the database id (0 for an API key or anonymous).
	UserID int64
	// Pseudo is the pseudonymous id used in logs and spans (never the email).
	Pseudo string
	Tier   string
	// Method is api_key, jwt or "" (anonymous).
	Method    string
	SessionID string
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principal(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	if p == nil {
		return &Principal{}
	}
	return p
}

// auth holds the secrets, the sessions and the API keys.
type auth struct {
	secret     []byte
	sessionTTL time.Duration
	now        func() time.Time

	mu       sync.Mutex
	sessions map[string]session
	apiKeys  map[string]apiKey // by sha256 hex
}

type session struct {
	userID  int64
	tier    string
	expires time.Time
}

type apiKey struct {
	tier    string
	revoked bool
	expires time.Time // zero: never
}

func newAuth(ttl time.Duration) *auth {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return &auth{secret: secret, sessionTTL: ttl, now: time.Now, sessions: map[string]session{}, apiKeys: map[string]apiKey{}}
}

// pseudonym is a stable, non-reversible id for a user (HMAC of the id under the process
// secret, so ids differ between runs: good enough for a demo).
func (a *auth) pseudonym(userID int64) string {
	m := hmac.New(sha256.New, a.secret)
	_, _ = m.Write([]byte{byte(userID >> 56), byte(userID >> 48), byte(userID >> 40), byte(userID >> 32), byte(userID >> 24), byte(userID >> 16), byte(userID >> 8), byte(userID)})
	return "u-" + hex.EncodeToString(m.Sum(nil)[:6])
}

func hashKey(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func passwordHash(email, password string) string { return hashKey(email + ":" + password) }

// loadAPIKeys reloads the key table.
func (a *auth) loadAPIKeys(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, `SELECT key_hash, tier, revoked, expires_at FROM demo.api_keys`)
	if err != nil {
		return err
	}
	defer rows.Close()
	keys := map[string]apiKey{}
	for rows.Next() {
		var (
			h, tier string
			revoked bool
			exp     *time.Time
		)
		if err := rows.Scan(&h, &tier, &revoked, &exp); err != nil {
			return err
		}
		k := apiKey{tier: tier, revoked: revoked}
		if exp != nil {
			k.expires = *exp
		}
		keys[h] = k
	}
	if err := rows.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	a.apiKeys = keys
	a.mu.Unlock()
	return nil
}

// activeKeys counts valid keys by tier.
func (a *auth) activeKeys() map[string]int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	out := map[string]int64{"free": 0, "pro": 0, "enterprise": 0}
	for _, k := range a.apiKeys {
		if !k.revoked && (k.expires.IsZero() || now.Before(k.expires)) {
			out[k.tier]++
		}
	}
	return out
}

// checkAPIKey returns the key's tier or a failure reason (unknown_key, revoked_key,
// expired_key).
func (a *auth) checkAPIKey(key string) (tier, reason string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k, ok := a.apiKeys[hashKey(key)]
	switch {
	case !ok:
		return "", "unknown_key"
	case k.revoked:
		return "", "revoked_key"
	case !k.expires.IsZero() && !a.now().Before(k.expires):
		return "", "expired_key"
	}
	return k.tier, ""
}

// newSession registers a session and returns its signed token.
func (a *auth) newSession(userID int64, tier string) (token, sid string) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	sid = hex.EncodeToString(b)
	exp := a.now().Add(a.sessionTTL)
	a.mu.Lock()
	a.sessions[sid] = session{userID: userID, tier: tier, expires: exp}
	a.mu.Unlock()
	return a.sign(claims{UserID: userID, Tier: tier, SID: sid, Exp: exp.Unix()}), sid
}

// endSession removes sid and says whether it existed (with its tier).
func (a *auth) endSession(sid string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[sid]
	delete(a.sessions, sid)
	return s.tier, ok
}

// expire removes expired sessions and returns the tiers of those removed.
func (a *auth) expire() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	var tiers []string
	for id, s := range a.sessions {
		if !now.Before(s.expires) {
			delete(a.sessions, id)
			tiers = append(tiers, s.tier)
		}
	}
	return tiers
}

type claims struct {
	UserID int64  `json:"uid"`
	Tier   string `json:"tier"`
	SID    string `json:"sid"`
	Exp    int64  `json:"exp"`
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

func (a *auth) sign(c claims) string {
	payload, _ := json.Marshal(c)
	body := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify checks a bearer token: failure reasons malformed_token, bad_signature,
// expired_token, unknown_session.
func (a *auth) verify(token string) (claims, string) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return claims{}, "malformed_token"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return claims{}, "malformed_token"
	}
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return claims{}, "bad_signature"
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c claims
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return claims{}, "malformed_token"
	}
	if a.now().Unix() >= c.Exp {
		return claims{}, "expired_token"
	}
	a.mu.Lock()
	_, ok := a.sessions[c.SID]
	a.mu.Unlock()
	if !ok {
		return claims{}, "unknown_session"
	}
	return c, ""
}
