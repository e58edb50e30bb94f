package pgstats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper/scrapererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/receiver/pgstats/internal/pgclient"
)

// logEvery is how often a persisting condition (server down, missing privilege) is
// logged at warn level.
const logEvery = 10 * time.Minute

type pgScraper struct {
	cfg        *Config
	set        receiver.Settings
	mb         *metadata.MetricsBuilder
	tb         *metadata.TelemetryBuilder
	logs       *rateLog
	newClients clientsFunc

	pgs      []*pgTarget
	bouncers []*bouncerTarget

	userAttrEnabled bool
}

func newScraper(cfg *Config, set receiver.Settings, nc clientsFunc) (*pgScraper, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &pgScraper{
		cfg:        cfg,
		set:        set,
		mb:         metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		tb:         tb,
		logs:       newRateLog(set.Logger, logEvery),
		newClients: nc,
		userAttrEnabled: slices.Contains(cfg.Metrics.PostgresqlConnectionCount.EnabledAttributes,
			metadata.PostgresqlConnectionCountMetricAttributeKeyPostgresqlUser),
	}, nil
}

func (s *pgScraper) start(ctx context.Context, _ component.Host) error {
	pgs, bs, err := s.newClients(ctx, s.cfg, s.set, s.tb)
	if err != nil {
		return err
	}
	s.pgs, s.bouncers = pgs, bs
	return nil
}

func (s *pgScraper) shutdown(ctx context.Context) error {
	var errs []error
	for _, t := range s.pgs {
		errs = append(errs, t.client.Close(ctx))
	}
	for _, t := range s.bouncers {
		errs = append(errs, t.client.Close(ctx))
	}
	s.tb.Shutdown()
	return errors.Join(errs...)
}

// scrape reads every server concurrently (one goroutine per server, each on its own
// connection), then maps the snapshots to metrics in configuration order.
func (s *pgScraper) scrape(ctx context.Context) (pmetric.Metrics, error) {
	pgSnaps := make([]pgSnapshot, len(s.pgs))
	bSnaps := make([]bouncerSnapshot, len(s.bouncers))
	var wg sync.WaitGroup
	for i, t := range s.pgs {
		wg.Go(func() {
			start := time.Now()
			pgSnaps[i] = s.collectPostgres(ctx, t)
			s.recordDuration(t.name, time.Since(start))
		})
	}
	for i, t := range s.bouncers {
		wg.Go(func() {
			start := time.Now()
			bSnaps[i] = s.collectBouncer(ctx, t)
			s.recordDuration(t.name, time.Since(start))
		})
	}
	wg.Wait()
	now := pcommon.NewTimestampFromTime(time.Now())

	var errs scrapererror.ScrapeErrors
	for i, t := range s.pgs {
		s.upTransition(t.name, pgSnaps[i].up, pgSnaps[i].downErr)
		s.recordPostgres(now, t, pgSnaps[i])
		for _, e := range pgSnaps[i].errs {
			errs.AddPartial(1, fmt.Errorf("postgres %s: %s: %w", t.name, e.query, e.err))
		}
	}
	for i, t := range s.bouncers {
		s.upTransition(t.name, bSnaps[i].up, bSnaps[i].downErr)
		s.recordBouncer(now, t, bSnaps[i])
		for _, e := range bSnaps[i].errs {
			errs.AddPartial(1, fmt.Errorf("pgbouncer %s: %s: %w", t.name, e.query, e.err))
		}
	}
	return s.mb.Emit(), errs.Combine()
}

// upTransition logs why a server is down: at warn level when it goes down or the cause
// changes (and again every logEvery while it stays down), at debug level at every other
// scrape; and once when it comes back.
func (s *pgScraper) upTransition(server string, up bool, downErr error) {
	prefix := server + "/down/"
	if up {
		if s.logs.clearPrefix(prefix) {
			s.set.Logger.Info("pgstats: server is reachable again", zap.String("server", server))
		}
		return
	}
	c := pgclient.Explain(downErr)
	if s.logs.kindChanged(server+"/down", c.Kind) {
		s.logs.clearPrefix(prefix)
	}
	fields := []zap.Field{zap.String("server", server), zap.String("cause", c.What)}
	msg := "pgstats: server unreachable (" + c.What + "); reporting up=0 and retrying with backoff"
	if c.Fix != "" {
		msg = "pgstats: server unreachable (" + c.What + ": " + c.Fix + "); reporting up=0 and retrying with backoff"
		fields = append(fields, zap.String("fix", c.Fix))
	}
	if downErr != nil {
		fields = append(fields, zap.Error(downErr))
	}
	s.logs.warn(prefix+c.Kind, msg, fields...)
}

// recordDuration sets how long the last scrape of a server took (the slowest query, a
// slow connection and the backoff wait of a down server all show here).
func (s *pgScraper) recordDuration(server string, d time.Duration) {
	s.tb.ReceiverPgstatsScrapeDuration.Record(context.Background(), d.Seconds(),
		metric.WithAttributes(attribute.String("server", server)))
}

func (s *pgScraper) countFailure(query string, reason pgclient.Reason) {
	s.tb.ReceiverPgstatsQueriesFailed.Add(context.Background(), 1, metric.WithAttributes(
		attribute.String("query", query), attribute.String("reason", string(reason))))
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
