package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/faults"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

// runJobs runs the background work until ctx ends: session expiry, API key refresh, the
// backup job, and the fault generators.
func (s *Server) runJobs(ctx context.Context) {
	var wg sync.WaitGroup
	every := func(d time.Duration, first time.Duration, f func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTimer(first)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					f(ctx)
					t.Reset(d)
				}
			}
		}()
	}
	every(5*time.Second, 5*time.Second, s.expireSessions)
	every(s.cfg.APIKeyRefresh, s.cfg.APIKeyRefresh, func(ctx context.Context) {
		if err := s.auth.loadAPIKeys(ctx, s.primary); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "api key refresh failed", "error", err.Error())
		}
	})
	every(s.cfg.BackupInterval, 2*time.Second, s.runBackup)
	every(s.cfg.CardinalityBurstEv, s.cfg.CardinalityBurstEv, s.cardinalityBurst)

	gen := &generators{s: s}
	s.faults.Watch(gen.apply)
	<-ctx.Done()
	gen.apply(faults.Switches{})
	wg.Wait()
}

func (s *Server) expireSessions(ctx context.Context) {
	for _, tier := range s.auth.expire() {
		s.inst.SessionsActive.Add(ctx, -1, metric.WithAttributes(telemetry.AttrTenantTier.String(tier)))
	}
}

// runBackup simulates a backup: a consistent snapshot (REPEATABLE READ, read only) reading
// every table, then backup.last_success.time is set.
func (s *Server) runBackup(ctx context.Context) {
	ctx, span := s.tracer.Start(ctx, "backup", trace.WithNewRoot(), trace.WithSpanKind(trace.SpanKindInternal))
	defer span.End()
	start := time.Now()
	var rows, bytes int64
	err := pgx.BeginTxFunc(ctx, s.primary, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM demo.users) + (SELECT count(*) FROM demo.orders)
			+ (SELECT count(*) FROM demo.products) + (SELECT count(*) FROM demo.api_keys),
			pg_database_size(current_database())`).Scan(&rows, &bytes)
	})
	if err != nil {
		if ctx.Err() == nil {
			span.SetStatus(codes.Error, err.Error())
			s.log.ErrorContext(ctx, "backup failed", "error", err.Error(), "backup_target", s.cfg.BackupTarget)
		}
		return
	}
	s.backup.Set(float64(time.Now().UnixNano()) / 1e9)
	s.log.InfoContext(ctx, "backup completed", "backup_target", s.cfg.BackupTarget, "rows", rows, "bytes", bytes,
		"duration_ms", float64(time.Since(start).Microseconds())/1000)
}

// cardinalityBurst adds 1 to N distinct series while the switch is on. Cumulative series
// stay in the SDK (and are exported) until the process restarts.
func (s *Server) cardinalityBurst(ctx context.Context) {
	n := s.faults.Get().CardinalityBurst
	for i := 0; i < n; i++ {
		s.inst.CardinalityBurst.Add(ctx, 1, metric.WithAttributes(telemetry.AttrBurstSeries.String(fmt.Sprintf("s%06d", i))))
	}
}

// generators run the fault switches that act: auth_attack, rate_limit_storm and
// pool_exhaustion. apply restarts them on every change.
type generators struct {
	s      *Server
	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (g *generators) apply(sw faults.Switches) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cancel != nil {
		g.cancel()
		g.wg.Wait()
		g.cancel = nil
	}
	if sw.AuthAttack == 0 && sw.RateLimitStorm == 0 && sw.PoolExhaustion == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	client := &http.Client{Timeout: 10 * time.Second, Transport: otelhttp.NewTransport(http.DefaultTransport,
		otelhttp.WithTracerProvider(g.s.tp), otelhttp.WithMeterProvider(g.s.mp))}
	if sw.AuthAttack > 0 {
		g.run(ctx, sw.AuthAttack, func(ctx context.Context) {
			// Credential stuffing from many addresses: every login fails.
			email := fmt.Sprintf("user%d@example.com", rand.IntN(150)+1)
			g.s.selfRequest(ctx, client, fmt.Sprintf("203.0.113.%d", rand.IntN(250)+1),
				`mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }`,
				map[string]any{"email": email, "password": fmt.Sprintf("guess-%d", rand.IntN(1e6))})
		})
	}
	if sw.RateLimitStorm > 0 {
		g.run(ctx, sw.RateLimitStorm, func(ctx context.Context) {
			// One noisy client: past its per_client limit every request is a 429.
			g.s.selfRequest(ctx, client, "198.51.100.7", `query Storm { products(first: 1) { id } }`, nil)
		})
	}
	if sw.PoolExhaustion > 0 {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.s.holdConnections(ctx, sw.PoolExhaustion)
		}()
	}
}

// run calls f rps times per second (at most 64 in flight; beyond that ticks are skipped).
func (g *generators) run(ctx context.Context, rps int, f func(context.Context)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		sem := make(chan struct{}, 64)
		t := time.NewTicker(time.Second / time.Duration(rps))
		defer t.Stop()
		var inner sync.WaitGroup
		defer inner.Wait()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				select {
				case sem <- struct{}{}:
					inner.Add(1)
					go func() {
						defer inner.Done()
						defer func() { <-sem }()
						f(ctx)
					}()
				default:
				}
			}
		}
	}()
}

func (s *Server) selfRequest(ctx context.Context, c *http.Client, from, query string, vars map[string]any) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.selfURL, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", from)
	resp, err := c.Do(req)
	if err != nil {
		return
	}
	_ = resp.Body.Close()
}

// holdConnections takes n pool connections, opens a transaction on each and leaves them
// idle in transaction until ctx ends.
func (s *Server) holdConnections(ctx context.Context, n int) {
	n = min(n, int(s.primary.Config().MaxConns))
	var txs []pgx.Tx
	defer func() {
		for _, tx := range txs {
			_ = tx.Rollback(context.Background())
		}
	}()
	for len(txs) < n && ctx.Err() == nil {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		tx, err := s.primary.Begin(actx)
		if err == nil {
			_, err = tx.Exec(actx, `SELECT txid_current()`)
			if err != nil {
				_ = tx.Rollback(context.Background())
			}
		}
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "pool_exhaustion: could not take a connection", "error", err.Error())
				time.Sleep(time.Second)
			}
			continue
		}
		txs = append(txs, tx)
	}
	s.log.WarnContext(ctx, "pool_exhaustion: holding connections idle in transaction", "connections", len(txs))
	<-ctx.Done()
}
