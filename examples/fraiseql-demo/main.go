// Command fraiseql-demo is a FraiseQL-shaped GraphQL service for the otelcol-fraiseql demo:
//
//	fraiseql-demo serve --listen ADDR --admin ADDR --db DSN [--replica-db DSN] --log-file PATH
//	fraiseql-demo edge  --listen ADDR --upstream URL [--log-file PATH]
//	fraiseql-demo load  --target URL [--rps N] [--duration D]
//
// Telemetry goes over OTLP as configured by the standard OTEL_* environment variables
// (README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/api"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/edge"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/load"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/logging"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

const usage = `usage:
  fraiseql-demo serve --listen 127.0.0.1:PORT --admin 127.0.0.1:PORT --db DSN [--replica-db DSN] --log-file PATH
  fraiseql-demo edge  --listen 127.0.0.1:PORT --upstream http://127.0.0.1:PORT [--log-file PATH]
  fraiseql-demo load  --target http://127.0.0.1:PORT/graphql [--rps N] [--duration D]
Run a subcommand with -h for its flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, os.Args[2:])
	case "edge":
		err = runEdge(ctx, os.Args[2:])
	case "load":
		err = runLoad(ctx, os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		err = fmt.Errorf("unknown subcommand %q\n%s", os.Args[1], usage)
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "fraiseql-demo:", err)
		os.Exit(1)
	}
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg api.Config
	var logFile string
	var pool int
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", "address of the GraphQL API (POST /graphql, GET /healthz)")
	fs.StringVar(&cfg.Admin, "admin", "127.0.0.1:8081", "address of the admin API (/faults)")
	fs.StringVar(&cfg.DB, "db", os.Getenv("FRAISEQL_DEMO_DB"), "PostgreSQL DSN of the primary, normally through PgBouncer (env FRAISEQL_DEMO_DB)")
	fs.StringVar(&cfg.ReplicaDB, "replica-db", os.Getenv("FRAISEQL_DEMO_REPLICA_DB"), "optional DSN for read-only queries (env FRAISEQL_DEMO_REPLICA_DB)")
	fs.StringVar(&logFile, "log-file", "", "JSON log file (appended; empty = stderr)")
	fs.IntVar(&pool, "pool-size", 8, "connections per pool (db.client.connection.max)")
	fs.DurationVar(&cfg.BackupInterval, "backup-interval", 5*time.Minute, "simulated backup job period")
	fs.DurationVar(&cfg.CacheTTL, "cache-ttl", time.Minute, "response cache time to live")
	fs.DurationVar(&cfg.SessionTTL, "session-ttl", 2*time.Minute, "session lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if pool < 1 || pool > 1000 {
		return fmt.Errorf("--pool-size: %d is not in [1, 1000]", pool)
	}
	cfg.PoolSize = int32(pool)
	log, closer, err := logging.Open(logFile, serviceName("fraiseql"))
	if err != nil {
		return fmt.Errorf("--log-file: %w", err)
	}
	defer closer.Close()
	p, err := telemetry.Setup(ctx, telemetry.Options{DefaultServiceName: "fraiseql"})
	if err != nil {
		return err
	}
	defer shutdown(p.Shutdown)
	bmp, err := telemetry.NewBackupMeterProvider(ctx, p.Resource, nil)
	if err != nil {
		return err
	}
	defer shutdown(bmp.Shutdown)
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	srv, err := api.New(startCtx, cfg, api.Deps{TracerProvider: p.TracerProvider, MeterProvider: p.MeterProvider,
		BackupMeterProvider: bmp, Log: log})
	if err != nil {
		log.Error("start failed", "error", err.Error())
		return err
	}
	defer srv.Close()
	return srv.Run(ctx)
}

func runEdge(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("edge", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8090", "address of the edge (POST /graphql, GET /healthz)")
	upstream := fs.String("upstream", "http://127.0.0.1:8080", "base URL of the GraphQL API")
	logFile := fs.String("log-file", "", "JSON log file (appended; empty = stderr)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--upstream: %q is not an http(s) URL", *upstream)
	}
	log, closer, err := logging.Open(*logFile, serviceName("fraiseql-edge"))
	if err != nil {
		return fmt.Errorf("--log-file: %w", err)
	}
	defer closer.Close()
	p, err := telemetry.Setup(ctx, telemetry.Options{DefaultServiceName: "fraiseql-edge"})
	if err != nil {
		return err
	}
	defer shutdown(p.Shutdown)
	if err := telemetry.RegisterProcessMetrics(p.MeterProvider.Meter(api.ScopeName + "/edge")); err != nil {
		return err
	}
	h, err := edge.Handler(u, p.TracerProvider, p.MeterProvider, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	log.Info("edge serving", "listen", ln.Addr().String(), "upstream", u.String())
	return edge.Serve(ctx, ln, h)
}

func runLoad(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	var cfg load.Config
	var mix string
	fs.StringVar(&cfg.Target, "target", "http://127.0.0.1:8090/graphql", "GraphQL URL (the edge's /graphql)")
	fs.Float64Var(&cfg.RPS, "rps", 5, "scenarios started per second (a scenario sends 1 to 6 requests)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "stop after this long (0 = until interrupted)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 32, "scenarios in flight at most")
	fs.Float64Var(&cfg.DebugShare, "debug-share", 0.05, "share of scenarios sent with X-Debug-Trace: 1")
	fs.StringVar(&mix, "mix", "", "weights on top of the default mix, e.g. browse=10,slow=0")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "random seed (0 = time)")
	fs.DurationVar(&cfg.ReportEvery, "report-every", 10*time.Second, "print a summary this often")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DebugShare < 0 || cfg.DebugShare > 1 {
		return fmt.Errorf("--debug-share: %v is not in [0, 1]", cfg.DebugShare)
	}
	m, err := load.ParseMix(mix)
	if err != nil {
		return fmt.Errorf("--mix: %w", err)
	}
	cfg.Mix = m
	cfg.Report = os.Stdout
	_, err = load.Run(ctx, cfg)
	return err
}

// serviceName is the `service` field of the logs: OTEL_SERVICE_NAME when set.
func serviceName(def string) string {
	if s := os.Getenv("OTEL_SERVICE_NAME"); s != "" {
		return s
	}
	return def
}

func shutdown(f func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fraiseql-demo: telemetry shutdown:", err)
	}
}
