package pgstats

import (
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// rateLog logs a condition at warn level at most once per interval per key (server +
// condition), and at debug level in between, so a server that stays down or a role that
// stays unprivileged does not flood the collector log.
type rateLog struct {
	mu     sync.Mutex
	logger *zap.Logger
	every  time.Duration
	last   map[string]time.Time
	kinds  map[string]string
	now    func() time.Time
}

func newRateLog(logger *zap.Logger, every time.Duration) *rateLog {
	return &rateLog{logger: logger, every: every, last: map[string]time.Time{}, kinds: map[string]string{}, now: time.Now}
}

// warn returns true when the line was logged at warn level.
func (r *rateLog) warn(key, msg string, fields ...zap.Field) bool {
	loud := r.due(key)
	if loud {
		r.logger.Warn(msg, fields...)
	} else {
		r.logger.Debug(msg, fields...)
	}
	return loud
}

// due reports whether key is due for a warn-level line, and if so marks it logged now.
func (r *rateLog) due(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	last, seen := r.last[key]
	loud := !seen || now.Sub(last) >= r.every
	if loud {
		r.last[key] = now
	}
	return loud
}

// clearPrefix forgets every key with the prefix (a server that came back: all its "down"
// causes) and reports whether there was one.
func (r *rateLog) clearPrefix(prefix string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	had := false
	for k := range r.last {
		if strings.HasPrefix(k, prefix) {
			delete(r.last, k)
			had = true
		}
	}
	return had
}

// kindChanged records the current kind of a condition and reports whether it differs from
// the previous one (a different cause is logged at once).
func (r *rateLog) kindChanged(key, kind string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	prev, ok := r.kinds[key]
	r.kinds[key] = kind
	return ok && prev != kind
}
