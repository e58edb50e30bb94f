package incident

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadatatest"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/state"
)

// pgstats-shaped points: the rule filters on lag.kind and takes its identity from a
// resource attribute and a point attribute.
func TestMetricFilterAndResourceIdentity(t *testing.T) {
	cfg := readmeConfig(t)
	cfg.Storage = nil
	x, err := newExporter(metadatatest.NewSettings(componenttest.NewTelemetry()), cfg)
	require.NoError(t, err)
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("postgresql.server.name", "primary")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("postgresql.replication.lag")
	dps := m.SetEmptyGauge().DataPoints()
	for _, p := range []struct {
		kind string
		v    float64
	}{{"write", 30}, {"flush", 30}, {"replay", 12}, {"replay", 12}} {
		dp := dps.AppendEmpty()
		dp.SetDoubleValue(p.v)
		dp.Attributes().PutStr("postgresql.replication.lag.kind", p.kind)
		dp.Attributes().PutStr("postgresql.replication.application_name", "replica-1")
	}
	require.NoError(t, x.consumeMetrics(ctx, md))
	assert.Equal(t, 1, x.eng.Len(), "write/flush points filtered out, the two replay points are one identity")
	fp := rules.Fingerprint("PostgresReplicationLagHigh", map[string]string{"postgresql.server.name": "primary", "postgresql.replication.application_name": "replica-1"})
	i := x.eng.Incident(fp)
	require.NotNil(t, i)
	assert.Equal(t, state.Pending, i.M.Phase) // for: 1m
	assert.Equal(t, "Replica replica-1 of primary is 12 s behind", i.Alert.Summary)
	require.NoError(t, x.shutdown(ctx))
}
