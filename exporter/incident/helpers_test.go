package incident

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

const testRoutingKey = "0123456789abcdef0123456789abcdef"

func dur(d time.Duration) *time.Duration { return &d }
func flt(f float64) *float64             { return &f }

func makeLogs(n int, sev plog.SeverityNumber, service, body string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", service)
	sl := rl.ScopeLogs().AppendEmpty()
	for i := 0; i < n; i++ {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetSeverityNumber(sev)
		lr.SetSeverityText(sev.String())
		lr.Body().SetStr(body)
		lr.Attributes().PutInt("attempt", int64(i))
		lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	}
	return ld
}

func makeGauge(name string, v float64, service string) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", service)
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName(name)
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetDoubleValue(v)
	dp.Attributes().PutStr("replica", "r1")
	dp.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	return md
}

var nan = math.NaN()

// counterSum adds the data points of an int64 sum whose attributes include want.
func counterSum(t *testing.T, tel *componenttest.Telemetry, name string, want map[string]string) int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	if err != nil {
		return 0
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is not an int64 sum", name)
	var total int64
	for _, dp := range sum.DataPoints {
		match := true
		for k, v := range want {
			if got, ok := dp.Attributes.Value(attribute.Key(k)); !ok || got.AsString() != v {
				match = false
			}
		}
		if match {
			total += dp.Value
		}
	}
	return total
}

// gaugeValue reads an int64 gauge point whose attributes include want.
func gaugeValue(t *testing.T, tel *componenttest.Telemetry, name string, want map[string]string) (int64, bool) {
	t.Helper()
	m, err := tel.GetMetric(name)
	if err != nil {
		return 0, false
	}
	g, ok := m.Data.(metricdata.Gauge[int64])
	require.True(t, ok)
	for _, dp := range g.DataPoints {
		match := true
		for k, v := range want {
			if got, ok := dp.Attributes.Value(attribute.Key(k)); !ok || got.AsString() != v {
				match = false
			}
		}
		if match {
			return dp.Value, true
		}
	}
	return 0, false
}

// storageHost is a host that offers extensions.
type storageHost struct {
	exts map[component.ID]component.Component
}

func (h *storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

var ctx = context.Background()

func configopaqueString(s string) configopaque.String { return configopaque.String(s) }

func mustID(t *testing.T, s string) component.ID {
	t.Helper()
	var id component.ID
	require.NoError(t, id.UnmarshalText([]byte(s)))
	return id
}
