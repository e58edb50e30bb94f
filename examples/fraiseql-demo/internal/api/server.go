// Package api is the demo's GraphQL service: graphql-go over HTTP (POST /graphql, SSE for
// subscriptions), resolvers running SQL through pgx, API keys and sessions, a rate limiter,
// a response cache, a simulated backup job, fault switches, and the telemetry of
// docs/instrumentation.md.
package api

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/cache"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/faults"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

//go:embed schema.graphql
var schemaSDL string

// ScopeName is the instrumentation scope of the service's own spans and metrics.
const ScopeName = "github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo"

// Config of `fraiseql-demo serve`.
type Config struct {
	Listen, Admin      string
	DB, ReplicaDB      string
	PoolSize           int32
	MaxComplexity      int64
	CacheTTL           time.Duration
	SessionTTL         time.Duration
	BackupInterval     time.Duration
	RequestTimeout     time.Duration
	Limits             Limits
	BackupTarget       string
	APIKeyRefresh      time.Duration
	CardinalityBurstEv time.Duration
}

// Defaults fills zero fields.
func (c *Config) Defaults() {
	if c.PoolSize == 0 {
		c.PoolSize = 8
	}
	if c.MaxComplexity == 0 {
		c.MaxComplexity = 2000
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = 10 * time.Second
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 2 * time.Minute
	}
	if c.BackupInterval == 0 {
		c.BackupInterval = 5 * time.Minute
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.Limits.ClientRPS == 0 {
		c.Limits = DefaultLimits()
	}
	if c.BackupTarget == "" {
		c.BackupTarget = "pg-primary"
	}
	if c.APIKeyRefresh == 0 {
		c.APIKeyRefresh = 30 * time.Second
	}
	if c.CardinalityBurstEv == 0 {
		c.CardinalityBurstEv = 5 * time.Second
	}
}

// Deps are the telemetry providers the server uses.
type Deps struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// BackupMeterProvider carries the backup job's resource (service.name=backup).
	BackupMeterProvider metric.MeterProvider
	Log                 *slog.Logger
}

// Server is the GraphQL service.
type Server struct {
	cfg     Config
	log     *slog.Logger
	tracer  trace.Tracer
	tp      trace.TracerProvider
	mp      metric.MeterProvider
	inst    *telemetry.Instruments
	primary *pgxpool.Pool
	replica *pgxpool.Pool
	schema  *graphql.Schema
	cache   *cache.Cache
	faults  *faults.Store
	limiter *limiter
	auth    *auth
	broker  *broker
	backup  telemetry.BackupGauge
	// selfURL is where the fault generators send their requests (the API listener).
	selfURL string
}

// New connects to the databases, creates the schema if missing and registers the metrics.
func New(ctx context.Context, cfg Config, d Deps) (*Server, error) {
	cfg.Defaults()
	if cfg.DB == "" {
		return nil, errors.New("--db: a PostgreSQL DSN is required (normally PgBouncer's)")
	}
	meter := d.MeterProvider.Meter(ScopeName)
	inst, err := telemetry.NewInstruments(meter)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, log: d.Log, tp: d.TracerProvider, mp: d.MeterProvider,
		tracer: d.TracerProvider.Tracer(ScopeName), inst: inst,
		cache: cache.New(cfg.CacheTTL, 10000), faults: &faults.Store{},
		limiter: newLimiter(cfg.Limits), auth: newAuth(cfg.SessionTTL), broker: newBroker(),
	}
	s.primary, err = OpenPool(ctx, cfg.DB, "primary", cfg.PoolSize, d.MeterProvider, d.TracerProvider)
	if err != nil {
		return nil, err
	}
	if cfg.ReplicaDB != "" {
		s.replica, err = OpenPool(ctx, cfg.ReplicaDB, "replica", cfg.PoolSize, d.MeterProvider, d.TracerProvider)
		if err != nil {
			s.primary.Close()
			return nil, err
		}
	}
	if err := s.init(ctx, meter, d); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) init(ctx context.Context, meter metric.Meter, d Deps) error {
	// The database may still be starting: retry until ctx ends, saying why each time.
	for {
		err := EnsureSchema(ctx, s.primary)
		if err == nil {
			break
		}
		s.log.WarnContext(ctx, "database not ready, retrying in 2s", "error", err.Error())
		select {
		case <-ctx.Done():
			return fmt.Errorf("database not ready before the start timeout: %w", err)
		case <-time.After(2 * time.Second):
		}
	}
	if err := s.auth.loadAPIKeys(ctx, s.primary); err != nil {
		return fmt.Errorf("api keys: %w", err)
	}
	if err := telemetry.RegisterProcessMetrics(meter); err != nil {
		return err
	}
	keys, err := meter.Int64ObservableUpDownCounter("graphql.api_keys.active", metric.WithUnit("{key}"),
		metric.WithDescription("API keys that are valid (not revoked, not expired)."))
	if err != nil {
		return err
	}
	if _, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for tier, n := range s.auth.activeKeys() {
			o.ObserveInt64(keys, n, metric.WithAttributes(telemetry.AttrAPIKeyTier.String(tier)))
		}
		return nil
	}, keys); err != nil {
		return err
	}
	bmp := d.BackupMeterProvider
	if bmp == nil {
		bmp = d.MeterProvider
	}
	if err := s.backup.Register(bmp.Meter(ScopeName+"/backup"), s.cfg.BackupTarget); err != nil {
		return err
	}
	s.schema, err = graphql.ParseSchema(schemaSDL, &resolver{s: s},
		graphql.Tracer(&fieldTracer{tracer: s.tracer, hist: s.inst.ResolverDuration}),
		graphql.MaxDepth(12),
		graphql.MaxQueryLength(64<<10),
		graphql.PanicHandler(&panicHandler{log: s.log}),
	)
	return err
}

// Close releases the pools.
func (s *Server) Close() {
	if s.primary != nil {
		s.primary.Close()
	}
	if s.replica != nil {
		s.replica.Close()
	}
}

// Faults returns the fault switches.
func (s *Server) Faults() *faults.Store { return s.faults }

func (s *Server) readPool() *pgxpool.Pool {
	if s.replica != nil {
		return s.replica
	}
	return s.primary
}

// Handler is the API: POST /graphql, GET /healthz, with otelhttp's server span and metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /graphql", s.serveGraphQL)
	mux.HandleFunc("GET /healthz", s.healthz)
	return Instrument(mux, s.tp, s.mp, s.inst.ActiveRequests)
}

// RouteAttr is http.route of a request matched by a ServeMux pattern ("POST /graphql" ->
// "/graphql"). otelhttp starts the span before the mux matches, so handlers set it.
func RouteAttr(r *http.Request) attribute.KeyValue {
	p := r.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = p[i+1:]
	}
	return attribute.String("http.route", p)
}

// Instrument wraps h in otelhttp (span named "METHOD route", http.server.request.duration)
// and http.server.active_requests.
func Instrument(h http.Handler, tp trace.TracerProvider, mp metric.MeterProvider, active metric.Int64UpDownCounter) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attrs := metric.WithAttributes(telemetry.HTTPMethodAttr(r.Method), telemetry.URLSchemeAttr(r))
		active.Add(r.Context(), 1, attrs)
		defer active.Add(context.WithoutCancel(r.Context()), -1, attrs)
		h.ServeHTTP(w, r)
	})
	return otelhttp.NewHandler(inner, "http",
		otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return r.Method
		}))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.primary.Ping(ctx); err != nil {
		http.Error(w, "database: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// Run serves the API on cfg.Listen and the admin API on cfg.Admin and runs the background
// jobs until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	apiLn, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	adminLn, err := net.Listen("tcp", s.cfg.Admin)
	if err != nil {
		apiLn.Close()
		return fmt.Errorf("--admin: %w", err)
	}
	s.selfURL = "http://" + apiLn.Addr().String() + "/graphql"
	return s.Serve(ctx, apiLn, adminLn)
}

// Serve is Run on given listeners.
func (s *Server) Serve(ctx context.Context, apiLn, adminLn net.Listener) error {
	if s.selfURL == "" {
		s.selfURL = "http://" + apiLn.Addr().String() + "/graphql"
	}
	api := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	admin := &http.Server{Handler: s.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- api.Serve(apiLn) }()
	go func() { errc <- admin.Serve(adminLn) }()
	jobs, stop := context.WithCancel(ctx)
	defer stop()
	go s.runJobs(jobs)
	s.log.InfoContext(ctx, "serving", "listen", apiLn.Addr().String(), "admin", adminLn.Addr().String())
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stop()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = admin.Shutdown(sctx)
	_ = api.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
