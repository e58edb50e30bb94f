// Package fakes holds in-process HTTP servers that enforce the documented contracts of the
// SaaS destinations the tests cannot reach: PagerDuty Events API v2 and Slack incoming
// webhooks (plus a signed-webhook receiver), and the Alertmanager 0.25 API v2. They validate
// every request the way the real service documents (or, for Alertmanager, observably does)
// it, keep the service-side state that matters for paging (open alerts per routing key and
// dedup key; stored and merged Alertmanager alerts), apply the rate limits, and can be
// scripted to fail (status codes, Retry-After, hangs). The Alertmanager fake serves the fast
// tests; its contract table (AMCases) also runs against the real Alertmanager 0.25 in the
// exporter's integration-tagged parity test, so it cannot drift.
package fakes

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// Scripted is a forced response for the next request(s).
type Scripted struct {
	Status     int
	RetryAfter string // header value, "" for none
	Body       string
	// Hang blocks until the client gives up (request context done).
	Hang bool
	// Times this response is repeated (0 = once).
	Times int
}

type script struct {
	mu    sync.Mutex
	queue []Scripted
}

func (s *script) push(r ...Scripted) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, r...)
}

func (s *script) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = nil
}

// next pops the next scripted response, if any.
func (s *script) next() (Scripted, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return Scripted{}, false
	}
	r := s.queue[0]
	if r.Times > 1 {
		s.queue[0].Times--
	} else {
		s.queue = s.queue[1:]
	}
	return r, true
}

// serve writes a scripted response; it reports false when there was none.
func (s *script) serve(w http.ResponseWriter, r *http.Request) bool {
	sc, ok := s.next()
	if !ok {
		return false
	}
	if sc.Hang {
		// Read the body first: the server notices a client disconnect (and cancels the
		// request context) only once the body is consumed. Bounded so a test cannot wedge.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
		return true
	}
	if sc.RetryAfter != "" {
		w.Header().Set("Retry-After", sc.RetryAfter)
	}
	w.WriteHeader(sc.Status)
	_, _ = w.Write([]byte(sc.Body))
	return true
}

// window is a sliding-window rate limiter: at most limit events per period.
type window struct {
	limit  int
	period time.Duration
	times  []time.Time
}

func (w *window) allow(now time.Time) bool {
	if w.limit <= 0 {
		return true
	}
	cut := now.Add(-w.period)
	i := 0
	for i < len(w.times) && !w.times[i].After(cut) {
		i++
	}
	w.times = w.times[i:]
	if len(w.times) >= w.limit {
		return false
	}
	w.times = append(w.times, now)
	return true
}

// withLock runs f holding mu, released on every path (the handlers run under net/http,
// which recovers a panic and would otherwise leave mu held).
func withLock(mu *sync.Mutex, f func()) {
	mu.Lock()
	defer mu.Unlock()
	f()
}
