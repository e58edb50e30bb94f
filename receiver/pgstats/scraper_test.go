package pgstats

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/pgclient"
)

var update = flag.Bool("update", false, "rewrite testdata/scraper/*/expected.yaml from the current output")

type fakeSet struct {
	pg       []*fakePG
	bouncers []*fakeBouncer
	filter   pgclient.DatabaseFilter
}

func (fs fakeSet) clients(context.Context, *Config, receiver.Settings, *metadata.TelemetryBuilder) ([]*pgTarget, []*bouncerTarget, error) {
	var pgs []*pgTarget
	for i, f := range fs.pg {
		pgs = append(pgs, &pgTarget{name: []string{"primary", "replica", "third"}[i], host: "10.0.0.1", port: int64(5432 + i), filter: fs.filter, client: f})
	}
	var bs []*bouncerTarget
	for _, f := range fs.bouncers {
		bs = append(bs, &bouncerTarget{name: "pgbouncer", host: "10.0.0.9", port: 6432, client: f})
	}
	return pgs, bs, nil
}

func testScraper(t *testing.T, cfg *Config, fs fakeSet) (*pgScraper, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	s, err := newScraper(cfg, set, fs.clients)
	require.NoError(t, err)
	require.NoError(t, s.start(context.Background(), nil))
	t.Cleanup(func() { require.NoError(t, s.shutdown(context.Background())) })
	return s, logs
}

func compareGolden(t *testing.T, name string, actual pmetric.Metrics) {
	t.Helper()
	path := filepath.Join("testdata", "scraper", name, "expected.yaml")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, golden.WriteMetrics(t, path, actual))
	}
	expected, err := golden.ReadMetrics(path)
	require.NoError(t, err)
	require.NoError(t, pmetrictest.CompareMetrics(expected, actual,
		pmetrictest.IgnoreTimestamp(), pmetrictest.IgnoreStartTimestamp(),
		pmetrictest.IgnoreResourceMetricsOrder(), pmetrictest.IgnoreMetricsOrder(),
		pmetrictest.IgnoreMetricDataPointsOrder()))
}

func TestScrapeGolden(t *testing.T) {
	unprivileged := primaryFake()
	unprivileged.info.Privileged = false
	unprivileged.standbys = []pgclient.Standby{{ApplicationName: "replica1", ClientAddress: "10.0.0.2"}} // state and LSNs NULL
	pg17 := primaryFake()
	pg17.info.VersionNum = 170002
	pg17.info.StatementsSchema = ""

	tests := []struct {
		name   string
		fs     fakeSet
		mutate func(*Config)
	}{
		{name: "primary", fs: fakeSet{pg: []*fakePG{primaryFake()}}},
		{name: "replica_paused", fs: fakeSet{pg: []*fakePG{replicaFake()}}},
		{name: "unprivileged", fs: fakeSet{pg: []*fakePG{unprivileged}}},
		{name: "no_statements_extension", fs: fakeSet{pg: []*fakePG{pg17}}},
		{name: "server_down", fs: fakeSet{
			pg:       []*fakePG{{errs: map[string]error{"ServerInfo": errDown}}},
			bouncers: []*fakeBouncer{{down: true}},
		}},
		{name: "pgbouncer", fs: fakeSet{bouncers: []*fakeBouncer{bouncerFake()}}},
		{name: "filtered_user_attr", fs: fakeSet{pg: []*fakePG{primaryFake()}, filter: pgclient.DatabaseFilter{Exclude: []string{"postgres"}}},
			mutate: func(c *Config) {
				c.Metrics.PostgresqlConnectionCount.EnabledAttributes = append(c.Metrics.PostgresqlConnectionCount.EnabledAttributes,
					metadata.PostgresqlConnectionCountMetricAttributeKeyPostgresqlUser)
				c.TopStatements = 1
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig()
			if tt.mutate != nil {
				tt.mutate(cfg)
			}
			s, _ := testScraper(t, cfg, tt.fs)
			m, err := s.scrape(context.Background())
			require.NoError(t, err)
			compareGolden(t, tt.name, m)
		})
	}
}

// The decisions the golden files encode, asserted directly.
func TestScrapeCaughtUpStandbyReportsZeroLag(t *testing.T) {
	s, _ := testScraper(t, createDefaultConfig(), fakeSet{pg: []*fakePG{primaryFake()}})
	m, err := s.scrape(context.Background())
	require.NoError(t, err)
	lag := map[string]float64{}
	for _, p := range points(m, "", "postgresql.replication.lag") {
		lag[p.attrs["postgresql.replication.application_name"]+"/"+p.attrs["postgresql.replication.lag.kind"]] = p.value
	}
	assert.Equal(t, map[string]float64{
		"replica1/write": 0, "replica1/flush": 0, "replica1/replay": 0,
		"replica2/write": 0.0012, "replica2/flush": 0.0031, "replica2/replay": 7.97,
	}, lag)
	conns := map[string]float64{}
	for _, p := range points(m, "", "postgresql.connection.count") {
		conns[p.attrs["db.namespace"]+"/"+p.attrs["postgresql.connection.state"]] = p.value
	}
	assert.Equal(t, 12.0, conns["app/idle"], "users are summed when the user attribute is off")
	assert.Equal(t, 1.0, conns["app/idle_in_transaction"])
	assert.Equal(t, 0.0, conns["postgres/idle_in_transaction"], "every state of every database is reported")
	assert.Len(t, conns, 12)
}

func TestScrapeReplicaLagDecisions(t *testing.T) {
	for _, tt := range []struct {
		name    string
		replica pgclient.Replica
		want    []float64
	}{
		{"idle primary, streaming: 0 although the last commit is old", pgclient.Replica{CaughtUp: true, ReceiverStatus: "streaming", LastReplayAge: f64(3600)}, []float64{0}},
		{"receiver down: the naive age is reported", pgclient.Replica{CaughtUp: true, ReceiverStatus: "stopped", LastReplayAge: f64(3600)}, []float64{3600}},
		{"receiver status unreadable (no pg_monitor): the LSN guard decides", pgclient.Replica{CaughtUp: true, ReceiverStatus: "", LastReplayAge: f64(3600)}, []float64{0}},
		{"replay behind", pgclient.Replica{CaughtUp: false, ReceiverStatus: "streaming", LastReplayAge: f64(11.6)}, []float64{11.6}},
		{"nothing replayed yet, behind", pgclient.Replica{ReceiverStatus: "streaming"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := replicaFake()
			f.replica = tt.replica
			s, _ := testScraper(t, createDefaultConfig(), fakeSet{pg: []*fakePG{f}})
			m, err := s.scrape(context.Background())
			require.NoError(t, err)
			var got []float64
			for _, p := range points(m, "", "postgresql.replica.lag") {
				got = append(got, p.value)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestScrapePrivilegeErrorIsLoggedOnceAndNotAScrapeError(t *testing.T) {
	f := primaryFake()
	f.errs = map[string]error{"Slots": &pgconn.PgError{Code: "42501", Message: "permission denied for view pg_replication_slots"}}
	s, logs := testScraper(t, createDefaultConfig(), fakeSet{pg: []*fakePG{f}})
	for range 3 {
		m, err := s.scrape(context.Background())
		require.NoError(t, err)
		assert.Empty(t, points(m, "", "postgresql.replication_slot.active"))
		assert.NotEmpty(t, points(m, "", "postgresql.commits"), "other metrics stay")
	}
	assert.Equal(t, 1, logs.FilterLevelExact(zap.WarnLevel).FilterMessageSnippet("not permitted").Len())
	assert.Equal(t, 2, logs.FilterLevelExact(zap.DebugLevel).FilterMessageSnippet("not permitted").Len())
}

func TestScrapeUnexpectedErrorIsPartial(t *testing.T) {
	f := primaryFake()
	f.errs = map[string]error{"Locks": errors.New("boom")}
	s, _ := testScraper(t, createDefaultConfig(), fakeSet{pg: []*fakePG{f}})
	m, err := s.scrape(context.Background())
	require.Error(t, err)
	assert.ErrorContains(t, err, "postgres primary: locks: boom")
	assert.Empty(t, points(m, "", "postgresql.locks.waiting"))
	assert.NotEmpty(t, points(m, "", "postgresql.up"))
}

func TestScrapeServerDownThenBack(t *testing.T) {
	f := primaryFake()
	f.errs = map[string]error{"ServerInfo": errDown}
	s, logs := testScraper(t, createDefaultConfig(), fakeSet{pg: []*fakePG{f}})
	for range 2 {
		m, err := s.scrape(context.Background())
		require.NoError(t, err, "a server that is down is up=0, not a failed scrape")
		assert.Equal(t, []float64{0}, valuesOf(m, "postgresql.up"))
		assert.Empty(t, points(m, "", "postgresql.commits"))
	}
	assert.Equal(t, 1, f.calls["ServerInfo"]/2, "one attempt per scrape")
	assert.Zero(t, f.calls["Databases"])
	f.errs = nil
	m, err := s.scrape(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []float64{1}, valuesOf(m, "postgresql.up"))
	assert.Equal(t, 1, logs.FilterMessageSnippet("unreachable").FilterLevelExact(zap.WarnLevel).Len())
	assert.Equal(t, 1, logs.FilterMessageSnippet("reachable again").Len())
}

func TestShutdownClosesClients(t *testing.T) {
	f := primaryFake()
	s, err := newScraper(createDefaultConfig(), receivertest.NewNopSettings(metadata.Type), fakeSet{pg: []*fakePG{f}}.clients)
	require.NoError(t, err)
	require.NoError(t, s.start(context.Background(), nil))
	require.NoError(t, s.shutdown(context.Background()))
	assert.True(t, f.closed)
}

func valuesOf(m pmetric.Metrics, name string) []float64 {
	var out []float64
	for _, p := range points(m, "", name) {
		out = append(out, p.value)
	}
	return out
}
