package clock

import (
	"math"
	"testing"
	"time"
)

func TestTick(t *testing.T) {
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for _, c := range []struct {
		now  int64
		want uint32
	}{
		{epoch, 1},
		{epoch + int64(999*time.Millisecond), 1},
		{epoch + int64(time.Second), 2},
		{epoch - int64(time.Hour), 1},
		{epoch + int64(10*time.Minute), 601},
		{math.MaxInt64, math.MaxUint32},
	} {
		if got := Tick(epoch, c.now); got != c.want {
			t.Errorf("Tick(epoch, %d) = %d, want %d", c.now, got, c.want)
		}
	}
}
