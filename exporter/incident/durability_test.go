package incident

import (
	"net/http"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadatatest"
)

// TestPagerDutyOutageThenRetryAfter runs on a fake clock: PagerDuty answers 500 for ten
// minutes, then 429 with Retry-After: 7. The trigger is retried past exporterhelper's
// five-minute give-up, not before the Retry-After, delivered once, and its resolve after it.
func TestPagerDutyOutageThenRetryAfter(t *testing.T) {
	pd := fakes.NewPagerDuty()
	defer pd.Close()
	cfg := baseConfig(pd, nil, nil)
	cfg.Destinations[0].RetryOnFailure = RetryConfig{} // defaults: 5 s doubling to 5 min
	require.NoError(t, cfg.Validate())
	x, err := newExporter(metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
	require.NoError(t, err)
	t0 := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	clock := t0
	x.now = func() time.Time { return clock }
	x.manual = true
	require.NoError(t, x.start(ctx, componenttest.NewNopHost()))
	defer func() { require.NoError(t, x.shutdown(ctx)) }()
	s := x.senders[0]
	s.backoff.Jitter = func() float64 { return 1 }

	pd.Script(fakes.Scripted{Status: http.StatusInternalServerError, Times: 1 << 20})
	var attempts []time.Duration
	last := 0
	advance := func(until time.Duration, value float64) {
		for clock.Sub(t0) < until {
			if int(clock.Sub(t0)/time.Second)%15 == 0 {
				require.NoError(t, x.consumeMetrics(ctx, makeGauge("postgresql.replication.lag", value, "postgres")))
			}
			x.tick()
			x.step(s)
			if n := pd.Requests(); n > last {
				attempts = append(attempts, clock.Sub(t0))
				last = n
			}
			clock = clock.Add(time.Second)
		}
	}
	advance(10*time.Minute, 30)
	want := []time.Duration{0, 5, 15, 35, 75, 155, 315}
	for i := range want {
		want[i] *= time.Second
	}
	assert.Equal(t, want, attempts, "backoff 5 s doubling, capped at 5 min, still trying after 5 min")
	assert.Empty(t, pd.Events())

	// PagerDuty recovers but throttles once with Retry-After: 7.
	pd.ResetScript()
	pd.Script(fakes.Scripted{Status: http.StatusTooManyRequests, RetryAfter: "7"})
	advance(615*time.Second+time.Second, 30) // the attempt at 615 s gets the 429
	require.Equal(t, 615*time.Second, attempts[len(attempts)-1])
	advance(615*time.Second+7*time.Second, 30)
	assert.Empty(t, pd.Events(), "no attempt before Retry-After elapsed")
	advance(615*time.Second+8*time.Second, 30)
	require.Equal(t, []string{"trigger:opened"}, effects(pd))
	assert.Equal(t, 622*time.Second, attempts[len(attempts)-1])

	advance(700*time.Second, 1) // clears: resolve after the delivered trigger
	assert.Equal(t, []string{"trigger:opened", "resolve:resolved"}, effects(pd))
}

func newFileStorage(t testing.TB, dir string) (component.ID, extension.Extension) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	cfg.FSync = true
	id := component.NewIDWithName(f.Type(), "incident")
	set := extensiontest.NewNopSettings(f.Type())
	set.ID = id
	ext, err := f.Create(ctx, set, cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(ctx, componenttest.NewNopHost()))
	return id, ext
}

// TestRestartOnFileStorage stops the collector mid-incident (one trigger delivered, one
// stuck behind a PagerDuty outage) and starts it again on the same file_storage directory:
// the delivered trigger is not sent again, the stuck one is delivered exactly once, and the
// later resolve of the first goes out.
func TestRestartOnFileStorage(t *testing.T) {
	pd := fakes.NewPagerDuty()
	defer pd.Close()
	dir := t.TempDir()
	run := func() (pair, extension.Extension) {
		id, ext := newFileStorage(t, dir)
		cfg := baseConfig(pd, nil, nil)
		cfg.Storage = &id
		p := startPair(t, metadatatest.NewSettings(componenttest.NewTelemetry()), cfg, &storageHost{exts: map[component.ID]component.Component{id: ext}})
		return p, ext
	}
	p, ext := run()
	require.NoError(t, p.metrics.ConsumeMetrics(ctx, makeGauge("postgresql.replication.lag", 30, "pg-a")))
	require.Eventually(t, func() bool { return len(pd.Events()) == 1 }, 5*time.Second, 10*time.Millisecond)
	pd.Script(fakes.Scripted{Status: http.StatusServiceUnavailable, Times: 1 << 20})
	require.NoError(t, p.logs.ConsumeLogs(ctx, makeLogs(1, plog.SeverityNumberError, "checkout", "payment failed")))
	before := pd.Requests()
	require.Eventually(t, func() bool { return pd.Requests() > before }, 5*time.Second, 10*time.Millisecond)
	p.stop(t)
	require.NoError(t, ext.Shutdown(ctx))
	assert.Equal(t, []string{"trigger:opened"}, effects(pd))

	pd.ResetScript()
	p, ext = run()
	defer func() { require.NoError(t, ext.Shutdown(ctx)) }()
	defer p.stop(t)
	require.NoError(t, p.metrics.ConsumeMetrics(ctx, makeGauge("postgresql.replication.lag", 30, "pg-a")))
	require.Eventually(t, func() bool { return len(pd.Events()) == 2 }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, []string{"trigger:opened", "trigger:opened"}, effects(pd), "the outbox trigger is delivered once, the delivered one is not re-paged")
	assert.Equal(t, "ErrorLogs in checkout: payment failed", pd.Events()[1].Summary)
	require.NoError(t, p.metrics.ConsumeMetrics(ctx, makeGauge("postgresql.replication.lag", 1, "pg-a")))
	require.Eventually(t, func() bool { return len(pd.Events()) == 3 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, "resolve:resolved", effects(pd)[2])
	assert.Equal(t, pd.Events()[0].DedupKey, pd.Events()[2].DedupKey)
}
