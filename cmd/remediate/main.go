// Command remediate is the auto-remediation webhook: it receives signed incident
// notifications (the incident exporter's webhook destination: Alertmanager's webhook JSON,
// X-Incident-Timestamp and X-Incident-Signature = sha256 HMAC of "timestamp.body") on
// POST /hooks/<action>, and runs that named remediation if it is allow-listed. Dry-run is the
// default: it reports what it would do; -execute makes it act. Every decision (dry_run,
// executed, failed, refused, cooldown, skipped) is logged and appended to the timeline file,
// served per incident on GET /timeline?fingerprint=<fingerprint>.
//
//	remediate -secret-file /etc/remediate/secret -dsn-file /etc/remediate/dsn \
//	    [-allow terminate-idle-in-transaction] [-execute] [-listen 127.0.0.1:9199]
//
// Actions (internal/remediate):
//
//	terminate-idle-in-transaction  sessions idle in a transaction >= -idle-min (max -idle-max)
//	cancel-long-queries            statements running >= -query-min (max -query-max)
//
// The database role needs pg_signal_backend and pg_read_all_stats only (docs/alerts.md,
// "Auto-remediation").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fraiseql/otelcol-fraiseql/internal/remediate"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(os.Args[1:], log); err != nil {
		log.Error("remediate stopped", "error", err)
		os.Exit(1)
	}
}

func readSecretFile(flagName, path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("-%s is required", flagName)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("-%s: %w", flagName, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("-%s: %s is empty", flagName, path)
	}
	return s, nil
}

func run(args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("remediate", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9199", "address to listen on")
	secretFile := fs.String("secret-file", "", "file holding the HMAC secret shared with the incident exporter's webhook destination")
	dsnFile := fs.String("dsn-file", "", "file holding the PostgreSQL connection string of the remediation role")
	allow := fs.String("allow", "terminate-idle-in-transaction", "comma-separated actions that may run")
	execute := fs.Bool("execute", false, "act (default: dry-run, report only)")
	cooldown := fs.Duration("cooldown", 5*time.Minute, "minimum time between two executed runs of one action")
	timeout := fs.Duration("timeout", 10*time.Second, "bound of one run")
	timeline := fs.String("timeline", "remediate-timeline.jsonl", "append-only timeline file")
	idleMin := fs.Duration("idle-min", time.Minute, "terminate-idle-in-transaction: minimum idle time")
	idleMax := fs.Int("idle-max", 20, "terminate-idle-in-transaction: maximum sessions per run")
	queryMin := fs.Duration("query-min", 5*time.Minute, "cancel-long-queries: minimum statement age")
	queryMax := fs.Int("query-max", 5, "cancel-long-queries: maximum statements per run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secret, err := readSecretFile("secret-file", *secretFile)
	if err != nil {
		return err
	}
	dsn, err := readSecretFile("dsn-file", *dsnFile)
	if err != nil {
		return err
	}
	if *idleMin <= 0 || *queryMin <= 0 || *idleMax <= 0 || *queryMax <= 0 || *timeout <= 0 {
		return errors.New("-idle-min, -idle-max, -query-min, -query-max and -timeout must be positive")
	}
	actions := map[string]remediate.Action{}
	for _, a := range []remediate.Action{
		remediate.TerminateIdleInTransaction{MinIdle: *idleMin, Max: *idleMax},
		remediate.CancelLongQueries{MinAge: *queryMin, Max: *queryMax},
	} {
		actions[a.Name()] = a
	}
	allowed := map[string]bool{}
	for _, n := range strings.Split(*allow, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if _, ok := actions[n]; !ok {
			return fmt.Errorf("-allow: unknown action %q", n)
		}
		allowed[n] = true
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("-dsn-file: %w", err) // pgx does not echo the password
	}
	cfg.MaxConns = 2
	cfg.ConnConfig.RuntimeParams["application_name"] = "remediate"
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg) // connects lazily
	if err != nil {
		return err
	}
	defer pool.Close()
	tl, err := remediate.OpenTimeline(*timeline)
	if err != nil {
		return err
	}
	defer tl.Close()
	srv := &remediate.Server{
		Secret: []byte(secret), Actions: actions, Allowed: allowed, Execute: *execute,
		Cooldown: *cooldown, Timeout: *timeout, DB: pool, Timeline: tl, Log: log, Now: time.Now,
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("remediate listening", "addr", ln.Addr().String(), "execute", *execute, "allow", *allow, "timeline", *timeline)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}
