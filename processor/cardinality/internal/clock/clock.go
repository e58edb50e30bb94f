// Package clock is the second clock the tracker and the overflow store share: ticks are
// seconds since an epoch, 0 means "never", so a real time is always at least 1.
package clock // import "github.com/fraiseql/otelcol-fraiseql/processor/cardinality/internal/clock"

import "time"

// Tick converts unix nanoseconds to seconds since epoch, plus one. Times before the epoch
// give 1; times past the uint32 range saturate at its maximum.
func Tick(epoch, now int64) uint32 {
	d := (now - epoch) / int64(time.Second)
	if d < 0 {
		return 1
	}
	if d > 1<<32-2 {
		return 1<<32 - 1
	}
	return uint32(d) + 1
}
