package incident

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadatatest"
)

// oneErrorPerService is one ERROR log from each of n distinct services.
func oneErrorPerService(n int) plog.Logs {
	ld := plog.NewLogs()
	for i := range n {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", fmt.Sprintf("noise-%d", i))
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetSeverityNumber(plog.SeverityNumberError)
		lr.Body().SetStr("transient")
	}
	return ld
}

// 10,000 single ERROR logs from 10,000 services (none reaching min_count) fill
// max_incidents; a real burst from checkout must still page.
func TestNoiseDoesNotSilenceARealPage(t *testing.T) {
	pd := fakes.NewPagerDuty()
	defer pd.Close()
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(ctx)) }()
	cfg := baseConfig(pd, nil, nil)
	cfg.Rules = cfg.Rules[:1]
	cfg.Rules[0].MinCount, cfg.Rules[0].Window = 20, 5*time.Minute
	require.Equal(t, 10000, cfg.MaxIncidents)
	p := startPair(t, metadatatest.NewSettings(tel), cfg, nil)
	defer p.stop(t)

	require.NoError(t, p.logs.ConsumeLogs(ctx, oneErrorPerService(10000)))
	n, _ := gaugeValue(t, tel, "otelcol_exporter_incident_states", map[string]string{"state": "inactive"})
	require.Equal(t, int64(10000), n)
	require.NoError(t, p.logs.ConsumeLogs(ctx, makeLogs(30, plog.SeverityNumberError, "checkout", "payment failed")))
	require.Eventually(t, func() bool { return len(pd.Events()) == 1 }, 5*time.Second, 10*time.Millisecond,
		"no page after the noise; dropped=%d", counterSum(t, tel, "otelcol_exporter_incident_notifications_dropped", nil))
	assert.Equal(t, "ErrorLogs in checkout: payment failed", pd.Events()[0].Summary)
	assert.Equal(t, int64(1), counterSum(t, tel, "otelcol_exporter_incident_evicted", map[string]string{"state": "inactive"}))
	assert.Zero(t, counterSum(t, tel, "otelcol_exporter_incident_notifications_dropped", map[string]string{"reason": "max_incidents"}))
}

// When every tracked incident is firing, a new one cannot be tracked: counted, and a
// warning names the rule (once, not once per record).
func TestMaxIncidentsFullOfFiringWarnsNamingTheRule(t *testing.T) {
	pd := fakes.NewPagerDuty()
	defer pd.Close()
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(ctx)) }()
	cfg := baseConfig(pd, nil, nil)
	cfg.MaxIncidents = 3
	core, logs := observer.New(zapcore.WarnLevel)
	set := metadatatest.NewSettings(tel)
	set.Logger = zap.New(core)
	p := startPair(t, set, cfg, nil)
	defer p.stop(t)

	for _, s := range []string{"a", "b", "c"} {
		require.NoError(t, p.logs.ConsumeLogs(ctx, makeLogs(1, plog.SeverityNumberError, s, "boom")))
	}
	require.Eventually(t, func() bool { return len(pd.Events()) == 3 }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, p.logs.ConsumeLogs(ctx, makeLogs(5, plog.SeverityNumberError, "checkout", "boom")))
	assert.Equal(t, int64(5), counterSum(t, tel, "otelcol_exporter_incident_notifications_dropped", map[string]string{"reason": "max_incidents"}))
	assert.Zero(t, counterSum(t, tel, "otelcol_exporter_incident_evicted", nil))
	warn := logs.FilterMessageSnippet("max_incidents reached").All()
	require.Len(t, warn, 1, "one warning per rule per minute")
	assert.Equal(t, "ErrorLogs", warn[0].ContextMap()["rule"])
	time.Sleep(100 * time.Millisecond)
	assert.Len(t, pd.Events(), 3)
}
