package incident

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadatatest"
)

// manualExporter starts an exporter without background goroutines on a fake clock.
func manualExporter(t *testing.T, cfg *Config) (*incidentExporter, *time.Time) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	x, err := newExporter(metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
	require.NoError(t, err)
	clock := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	x.now = func() time.Time { return clock }
	x.manual = true
	require.NoError(t, x.start(ctx, componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, x.shutdown(ctx)) })
	for _, s := range x.senders {
		s.backoff.Jitter = func() float64 { return 1 }
	}
	return x, &clock
}

// attemptTimes steps the clock second by second and records when requests reached count.
func attemptTimes(x *incidentExporter, clock *time.Time, s *sender, requests func() int, seconds int) []int {
	var at []int
	last := requests()
	start := *clock
	for i := 0; i <= seconds; i++ {
		x.tick()
		x.step(s)
		if n := requests(); n > last {
			at = append(at, int(clock.Sub(start)/time.Second))
			last = n
		}
		*clock = clock.Add(time.Second)
	}
	return at
}

func TestSlack429RetryAfterAndPagerDuty429Floor(t *testing.T) {
	pd, sl := fakes.NewPagerDuty(), fakes.NewSlack()
	defer pd.Close()
	defer sl.Close()
	cfg := baseConfig(pd, sl, nil)
	cfg.Destinations[0].RetryOnFailure = RetryConfig{} // 5 s initial
	cfg.Destinations[1].RetryOnFailure = RetryConfig{}
	x, clock := manualExporter(t, cfg)
	sl.Script(fakes.Scripted{Status: http.StatusTooManyRequests, RetryAfter: "3", Body: `{"retry_after":3,"ok":false,"error":"rate_limited"}`})
	pd.Script(fakes.Scripted{Status: http.StatusTooManyRequests}) // PagerDuty sends no Retry-After
	require.NoError(t, x.consumeLogs(ctx, makeLogs(1, plog.SeverityNumberError, "checkout", "boom")))

	assert.Equal(t, []int{0, 3}, attemptTimes(x, clock, x.senders[1], sl.Requests, 10), "Slack retried exactly after Retry-After: 3")
	assert.Len(t, sl.Messages(), 1)

	// PagerDuty's trigger waited (its sender was not stepped); its first attempt is now.
	assert.Equal(t, []int{0, 30}, attemptTimes(x, clock, x.senders[0], pd.Requests, 40), "PagerDuty 429 without Retry-After waits at least 30 s, not the 5 s backoff")
	assert.Len(t, pd.Events(), 1)
}

func TestHangingDestinationTimesOutAndRetries(t *testing.T) {
	pd := fakes.NewPagerDuty()
	defer pd.Close()
	cfg := baseConfig(pd, nil, nil)
	cfg.Destinations[0].ClientConfig.Timeout = 200 * time.Millisecond
	cfg.Destinations[0].RetryOnFailure = RetryConfig{InitialInterval: 2 * time.Second, MaxInterval: time.Minute}
	x, clock := manualExporter(t, cfg)
	pd.Script(fakes.Scripted{Hang: true})
	require.NoError(t, x.consumeLogs(ctx, makeLogs(1, plog.SeverityNumberError, "checkout", "boom")))
	start := time.Now()
	assert.Equal(t, []int{0, 2}, attemptTimes(x, clock, x.senders[0], pd.Requests, 5))
	assert.Less(t, time.Since(start), 5*time.Second, "the hang was cut by the client timeout")
	assert.Equal(t, []string{"trigger:opened"}, effects(pd))
}
