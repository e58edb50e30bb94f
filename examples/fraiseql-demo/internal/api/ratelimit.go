package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate-limit policies (graphql.rate_limit.policy).
const (
	PolicyClient = "per_client"  // anonymous and session requests, per client address
	PolicyAPIKey = "per_api_key" // requests with an API key, per key, by tier
	PolicyLogin  = "login"       // login and signup mutations, per client address
)

// Limits are requests per second and bursts of each policy.
type Limits struct {
	ClientRPS, LoginRPS float64
	ClientBurst         int
	LoginBurst          int
	// APIKeyRPS by tier; burst = 2 x rps.
	APIKeyRPS map[string]float64
}

// DefaultLimits are generous for the load driver and tight for a single noisy client.
func DefaultLimits() Limits {
	return Limits{
		ClientRPS: 20, ClientBurst: 40,
		LoginRPS: 5, LoginBurst: 10,
		APIKeyRPS: map[string]float64{"free": 5, "pro": 50, "enterprise": 200},
	}
}

// limiter keeps one token bucket per (policy, key); idle buckets are forgotten.
type limiter struct {
	lim     Limits
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiter(l Limits) *limiter {
	return &limiter{lim: l, buckets: map[string]*bucket{}, now: time.Now}
}

// allow takes a token for key under policy (tier is used by per_api_key).
func (l *limiter) allow(policy, key, tier string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	id := policy + "\x00" + key
	b, ok := l.buckets[id]
	if !ok {
		var r float64
		var burst int
		switch policy {
		case PolicyLogin:
			r, burst = l.lim.LoginRPS, l.lim.LoginBurst
		case PolicyAPIKey:
			r = l.lim.APIKeyRPS[tier]
			if r == 0 {
				r = l.lim.ClientRPS
			}
			burst = int(2 * r)
		default:
			r, burst = l.lim.ClientRPS, l.lim.ClientBurst
		}
		b = &bucket{l: rate.NewLimiter(rate.Limit(r), max(burst, 1))}
		l.buckets[id] = b
		if len(l.buckets) > 10000 {
			for k, v := range l.buckets {
				if now.Sub(v.seen) > time.Minute {
					delete(l.buckets, k)
				}
			}
		}
	}
	b.seen = now
	return b.l.AllowN(now, 1)
}
