package incident

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
)

// TestMaintenanceWindowThroughExporter runs the maintenance scenario through the
// configuration and the PagerDuty fake on a fake clock: a daily cron window (Paris time)
// matching service.name=postgres holds a trigger that starts inside it, still delivers the
// resolve of a trigger delivered before it, and leaves other services alone.
func TestMaintenanceWindowThroughExporter(t *testing.T) {
	pd := fakes.NewPagerDuty()
	defer pd.Close()
	cfg := baseConfig(pd, nil, nil)
	// 12:00 UTC is 14:00 in Paris (CEST on 2026-04-01): the window is 14:05–14:35 Paris.
	cfg.Maintenance = []WindowConfig{{Name: "db-work", Match: map[string]string{"service.name": "postgres"}, Cron: "5 14 * * *", Duration: 30 * time.Minute, Timezone: "Europe/Paris"}}
	x, clock := manualExporter(t, cfg)
	s := x.senders[0]
	t0 := *clock
	lag := func(v float64, svc string) {
		require.NoError(t, x.consumeMetrics(ctx, makeGauge("postgresql.replication.lag", v, svc)))
	}
	runUntil := func(until time.Duration, each func()) {
		for clock.Sub(t0) < until {
			if each != nil {
				each()
			}
			x.tick()
			x.step(s)
			*clock = clock.Add(time.Second)
		}
	}
	// Before the window: postgres fires (delivered).
	runUntil(time.Minute, func() { lag(30, "postgres") })
	require.Equal(t, []string{"trigger:opened"}, effects(pd))
	firstKey := pd.Events()[0].DedupKey

	// Inside the window (from 5 min): postgres clears → its resolve still goes out; a new
	// postgres replica identity fires → held; another service fires → delivered.
	runUntil(6*time.Minute, func() { lag(30, "postgres") })
	runUntil(10*time.Minute, func() {
		lag(1, "postgres")
		lag(40, "postgres-2") // service.name postgres-2: not matched by the window
	})
	require.ElementsMatch(t, []string{"trigger:opened", "trigger:opened", "resolve:resolved"}, effects(pd))
	for _, e := range pd.Events()[1:] {
		if e.Action == "resolve" {
			assert.Equal(t, firstKey, e.DedupKey, "the resolve is for the trigger delivered before the window")
		} else {
			assert.NotEqual(t, firstKey, e.DedupKey, "the unmatched service's trigger")
		}
	}

	runUntil(20*time.Minute, func() { lag(25, "postgres"); lag(40, "postgres-2") }) // fires again inside the window: held
	assert.Len(t, pd.Events(), 3, "a trigger inside the maintenance window must be held")

	// The window ends at 35 min: the still-firing alert triggers then.
	runUntil(34*time.Minute, func() { lag(25, "postgres"); lag(40, "postgres-2") })
	assert.Len(t, pd.Events(), 3)
	runUntil(36*time.Minute, func() { lag(25, "postgres"); lag(40, "postgres-2") })
	require.Len(t, pd.Events(), 4)
	assert.Equal(t, "trigger:opened", effects(pd)[3])
	assert.Equal(t, firstKey, pd.Events()[3].DedupKey, "same identity, new PagerDuty alert after the resolve")
}
