package outbox

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
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

// Backoff is jittered exponential backoff without a give-up (the caller enforces max_age).
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
	// Jitter draws a factor in [0.5, 1.5); nil uses math/rand.
	Jitter func() float64
}

// Delay before attempt number attempts+1 (attempts >= 1 failed so far).
func (b Backoff) Delay(attempts int) time.Duration {
	d := b.Initial
	for i := 1; i < attempts && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	j := 0.5 + rand.Float64()
	if b.Jitter != nil {
		j = b.Jitter()
	}
	return time.Duration(float64(d) * j)
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

// Bucket is a token bucket: Rate tokens per second up to Burst.
type Bucket struct {
	Rate   float64
	Burst  float64
	tokens float64
	last   time.Time
}

// Take takes one token at now; when none is left it returns the time one will be.
func (b *Bucket) Take(now time.Time) (bool, time.Time) {
	if b.Rate <= 0 {
		return true, now
	}
	if b.last.IsZero() {
		b.tokens = b.Burst
	} else if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(b.Burst, b.tokens+el*b.Rate)
	}
	if now.After(b.last) || b.last.IsZero() {
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, now
	}
	wait := time.Duration((1 - b.tokens) / b.Rate * float64(time.Second))
	return false, now.Add(wait)
}
