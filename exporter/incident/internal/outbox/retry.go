package outbox

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Classify maps an HTTP status to a delivery result (err != nil: a network error).
func Classify(status int, err error) Result {
	if err != nil {
		return Transient
	}
	switch {
	case status >= 200 && status < 300:
		return Delivered
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		return Transient
	default:
		// 400, 401, 403, 404, 410, 413, 422 and every other 4xx: retrying cannot help.
		return Permanent
	}
}

// Bounds on a Retry-After we honour.
const (
	MinRetryAfter = time.Second
	MaxRetryAfter = time.Hour
)

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date, clamped to
// [MinRetryAfter, MaxRetryAfter]; ok is false when absent or unparsable.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(MaxRetryAfter/time.Second) {
			n = int64(MaxRetryAfter / time.Second)
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	return min(max(d, MinRetryAfter), MaxRetryAfter), true
}

// Backoff is exponential backoff with configretry.BackOffConfig's semantics (Initial,
// multiplied by Multiplier after each failure up to Max, each wait randomized by
// +-Randomization) and no give-up: the caller enforces max_age.
type Backoff struct {
	Initial       time.Duration
	Max           time.Duration
	Multiplier    float64 // <= 1 is 2
	Randomization float64 // in [0, 1)
	// Jitter returns the factor a wait is multiplied by; nil draws it uniformly from
	// [1-Randomization, 1+Randomization).
	Jitter func() float64
}

// Delay before attempt number attempts+1 (attempts >= 1 failed so far).
func (b Backoff) Delay(attempts int) time.Duration {
	m := b.Multiplier
	if m <= 1 {
		m = 2
	}
	d := float64(b.Initial)
	for i := 1; i < attempts && d < float64(b.Max); i++ {
		d *= m
	}
	d = min(d, float64(b.Max))
	j := 1 - b.Randomization + 2*b.Randomization*rand.Float64()
	if b.Jitter != nil {
		j = b.Jitter()
	}
	return time.Duration(d * j)
}

// Next is when to retry after a transient failure: the Retry-After when the destination
// sent one (never earlier), else the backoff; floor is a minimum for this destination and
// status (PagerDuty asks for minutes after a 429).
func (b Backoff) Next(now time.Time, attempts int, retryAfter time.Duration, hasRetryAfter bool, floor time.Duration) time.Time {
	d := b.Delay(attempts)
	if hasRetryAfter {
		d = retryAfter
	}
	return now.Add(max(d, floor))
}

// Bucket is a token bucket of Rate tokens per second up to Burst (golang.org/x/time/rate,
// driven by the caller's clock). Rate <= 0 is unlimited.
type Bucket struct {
	lim *rate.Limiter
}

// NewBucket makes a bucket that starts full.
func NewBucket(perSecond float64, burst int) Bucket {
	if perSecond <= 0 {
		return Bucket{}
	}
	return Bucket{lim: rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))}
}

// Take takes one token at now; when none is left it returns the time one will be.
func (b Bucket) Take(now time.Time) (bool, time.Time) {
	if b.lim == nil {
		return true, now
	}
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, now.Add(d)
	}
	return true, now
}
