// Command incident-fakes serves the PagerDuty Events API v2, Slack incoming-webhook and
// ticket-webhook contract fakes of package fakes as one long-running process, for the demo
// stack (`make demo`) where Alertmanager and the incident exporter page "on-call" without
// reaching the real SaaS. Each fake enforces its documented contract (a request PagerDuty or
// Slack would refuse is refused the same way) and records what it accepted.
//
//	incident-fakes -listen 127.0.0.1:PORT
//
//	POST /v2/enqueue                 PagerDuty Events API v2
//	POST /services/T0/B0/secret      Slack incoming webhook
//	POST /hooks/tickets              ticket webhook (any JSON body)
//	POST /hooks/deadmans-switch      dead man's switch ping (Alertmanager webhook, Watchdog)
//	GET  /deadmans-switch/pings      JSON array of the ping times, oldest first
//	POST /pagerduty/outage           PagerDuty unavailable: ?duration=5m&status=500|429|mixed
//	                                 (mixed alternates 500 and 429 with Retry-After: 10); every
//	                                 /v2/enqueue request is refused until it ends, nothing recorded
//	DELETE /pagerduty/outage         end the outage now
//	GET  /pagerduty/outage           {"until": RFC 3339 or null, "refused": N (all outages)}
//	GET  /pagerduty/events           JSON array of the accepted PagerDuty events, oldest first
//	GET  /pagerduty/rejected         JSON array of the refusals' error messages
//	GET  /slack/messages             JSON array of the accepted Slack messages, oldest first
//	GET  /slack/errors               JSON array of the refusals' error bodies
//	GET  /tickets/requests           JSON array of the accepted ticket webhook bodies
//	GET  /healthz                    200 "ok"
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
)

// pdEvent is the JSON shape of an accepted PagerDuty event (the Events API v2 field names).
type pdEvent struct {
	RoutingKey    string           `json:"routing_key"`
	EventAction   string           `json:"event_action"`
	DedupKey      string           `json:"dedup_key"`
	Summary       string           `json:"summary"`
	Severity      string           `json:"severity"`
	Source        string           `json:"source"`
	Links         []map[string]any `json:"links,omitempty"`
	CustomDetails map[string]any   `json:"custom_details,omitempty"`
	// Effect on the fake's account: opened, deduplicated, acknowledged, resolved, dropped.
	Effect     string    `json:"effect"`
	ReceivedAt time.Time `json:"received_at"`
}

type slackMessage struct {
	Text        string           `json:"text"`
	Blocks      []map[string]any `json:"blocks,omitempty"`
	Attachments []map[string]any `json:"attachments,omitempty"`
	ReceivedAt  time.Time        `json:"received_at"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (host:port)")
	flag.Parse()
	if err := run(*listen); err != nil {
		log.Fatalf("incident-fakes: %v", err)
	}
}

func run(listen string) error {
	pd := fakes.NewPagerDutyUnstarted()
	slack := fakes.NewSlackUnstarted()
	tickets := fakes.NewWebhookUnstarted(nil)

	out := &outage{}
	pings := &pingLog{}
	mux := http.NewServeMux()
	mux.Handle("/v2/enqueue", out.wrap(pd.Server.Config.Handler))
	mux.HandleFunc("/pagerduty/outage", out.serve)
	mux.HandleFunc("POST /hooks/deadmans-switch", pings.record)
	mux.HandleFunc("GET /deadmans-switch/pings", pings.list)
	mux.Handle("/services/", slack.Server.Config.Handler)
	mux.Handle("/hooks/tickets", tickets.Server.Config.Handler)
	mux.HandleFunc("GET /pagerduty/events", func(w http.ResponseWriter, _ *http.Request) {
		out := []pdEvent{}
		for _, e := range pd.Events() {
			out = append(out, pdEvent{
				RoutingKey: e.RoutingKey, EventAction: e.Action, DedupKey: e.DedupKey,
				Summary: e.Summary, Severity: e.Severity, Source: e.Source, Links: e.Links,
				CustomDetails: e.Details, Effect: e.Effect, ReceivedAt: e.At,
			})
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /pagerduty/rejected", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, append([]string{}, pd.Rejected()...))
	})
	mux.HandleFunc("GET /slack/messages", func(w http.ResponseWriter, _ *http.Request) {
		out := []slackMessage{}
		for _, m := range slack.Messages() {
			out = append(out, slackMessage{Text: m.Text, Blocks: m.Blocks, Attachments: m.Attachments, ReceivedAt: m.At})
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /slack/errors", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, append([]string{}, slack.Errors()...))
	})
	mux.HandleFunc("GET /tickets/requests", func(w http.ResponseWriter, _ *http.Request) {
		out := []map[string]any{}
		for _, r := range tickets.Requests() {
			out = append(out, r.Body)
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("incident-fakes: PagerDuty http://%[1]s/v2/enqueue, Slack http://%[1]s/services/T0/B0/secret, tickets http://%[1]s/hooks/tickets", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// outage makes the PagerDuty fake unavailable for a while (the pager-outage drill): requests
// are refused with 500 or 429 as PagerDuty does under an incident or rate limiting, and the
// fake's account does not change, so a sender that loses or repeats a page is caught.
type outage struct {
	mu      sync.Mutex
	until   time.Time
	status  string
	refused int
	n       int
}

func (o *outage) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		active, code := o.admit()
		if !active {
			next.ServeHTTP(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "10")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, `{"status":"unavailable","message":"outage (incident-fakes)","code":%d}`, code)
	})
}

// admit reports whether an outage is on and, if so, counts the refused request and picks
// its status code.
func (o *outage) admit() (bool, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !time.Now().Before(o.until) {
		return false, 0
	}
	o.refused++
	o.n++
	if o.status == "429" || (o.status == "mixed" && o.n%2 == 0) {
		return true, http.StatusTooManyRequests
	}
	return true, http.StatusInternalServerError
}

// set starts an outage until `until` (zero: ends it).
func (o *outage) set(until time.Time, status string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.until = until
	if status != "" {
		o.status, o.n = status, 0
	}
}

func (o *outage) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		d, err := time.ParseDuration(r.URL.Query().Get("duration"))
		if err != nil || d <= 0 || d > time.Hour {
			http.Error(w, "duration: a Go duration between 0 and 1h, e.g. 5m", http.StatusBadRequest)
			return
		}
		st := r.URL.Query().Get("status")
		switch st {
		case "":
			st = "500"
		case "500", "429", "mixed":
		default:
			http.Error(w, "status: 500, 429 or mixed", http.StatusBadRequest)
			return
		}
		o.set(time.Now().Add(d), st)
	case http.MethodDelete:
		o.set(time.Time{}, "")
	case http.MethodGet:
	default:
		http.Error(w, "GET, POST or DELETE", http.StatusMethodNotAllowed)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var until *time.Time
	if time.Now().Before(o.until) {
		u := o.until
		until = &u
	}
	writeJSON(w, map[string]any{"until": until, "status": o.status, "refused": o.refused})
}

// pingLog records the dead man's switch pings (Alertmanager's Watchdog notifications).
type pingLog struct {
	mu sync.Mutex
	at []time.Time
}

func (p *pingLog) record(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		http.Error(w, "body must be a JSON object", http.StatusBadRequest)
		return
	}
	p.add(time.Now().UTC())
	w.WriteHeader(http.StatusOK)
}

func (p *pingLog) add(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.at = append(p.at, t)
}

func (p *pingLog) list(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	writeJSON(w, append([]time.Time{}, p.at...))
}
