package drill

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Report is data/demo/drills/<scenario>.json.
type Report struct {
	Scenario        string     `json:"scenario"`
	Fault           string     `json:"fault"`
	FaultStart      time.Time  `json:"fault_start"`
	FaultRemoved    *time.Time `json:"fault_removed"`
	ExpectedAlerts  []string   `json:"expected_alerts"`
	ExpectedService string     `json:"expected_service"`
	FirstAlert      *Alert     `json:"first_alert"`
	FirstPage       *Page      `json:"first_page"`
	Slack           []Message  `json:"slack_messages"`
	Resolve         *time.Time `json:"resolve"`
	Counts          Counts     `json:"counts"`
	Goals           []Goal     `json:"goals"`
	Problems        []string   `json:"problems"`
	OK              bool       `json:"ok"`
	Notes           []string   `json:"notes,omitempty"`
}

// Alert is the first expected alert seen firing.
type Alert struct {
	Name   string    `json:"name"`
	Source string    `json:"source"` // prometheus or alertmanager (incident exporter alerts)
	At     time.Time `json:"at"`
	After  float64   `json:"seconds_after_fault"`
}

// Page is the first page accepted by the PagerDuty fake.
type Page struct {
	At         time.Time `json:"at"`
	After      float64   `json:"seconds_after_fault"`
	RoutingKey string    `json:"routing_key"`
	Service    string    `json:"service"`
	DedupKey   string    `json:"dedup_key"`
	Summary    string    `json:"summary"`
}

// Message is a Slack message received during the drill.
type Message struct {
	At    time.Time `json:"at"`
	Title string    `json:"title"`
}

// Runner runs drills against one demo stack.
type Runner struct {
	Env  Env
	Repo string // repository root (for test/env/postgres.sh)
	Poll time.Duration
	Log  *log.Logger
	HTTP *http.Client
}

func (r *Runner) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, v)
}

func (r *Runner) send(ctx context.Context, method, u, body string) error {
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

// activeAlert is an alert of the drill's names that is active somewhere.
type activeAlert struct {
	Name, Source, State string // Source: prometheus or alertmanager; State: pending or firing
}

// activeAlerts lists the alerts of names pending or firing in Prometheus, then those active
// (not silenced, not inhibited) in Alertmanager, where the incident exporter's alerts are.
func (r *Runner) activeAlerts(ctx context.Context, names []string) ([]activeAlert, error) {
	prom, err := r.Env.Get("PROMETHEUS_URL")
	if err != nil {
		return nil, err
	}
	var pr struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := r.getJSON(ctx, prom+"/api/v1/alerts", &pr); err != nil {
		return nil, err
	}
	var out []activeAlert
	for _, a := range pr.Data.Alerts {
		if slices.Contains(names, a.Labels["alertname"]) {
			out = append(out, activeAlert{a.Labels["alertname"], "prometheus", a.State})
		}
	}
	am, err := r.Env.Get("ALERTMANAGER_URL")
	if err != nil {
		return nil, err
	}
	var ams []struct {
		Labels map[string]string `json:"labels"`
	}
	if err := r.getJSON(ctx, am+"/api/v2/alerts?active=true&silenced=false&inhibited=false", &ams); err != nil {
		return nil, err
	}
	for _, a := range ams {
		if slices.Contains(names, a.Labels["alertname"]) {
			out = append(out, activeAlert{a.Labels["alertname"], "alertmanager", "firing"})
		}
	}
	return out, nil
}

// firing returns the first expected alert firing now in Prometheus, else in Alertmanager.
func (r *Runner) firing(ctx context.Context, names []string) (name, source string, err error) {
	active, err := r.activeAlerts(ctx, names)
	if err != nil {
		return "", "", err
	}
	for _, a := range active {
		if a.State == "firing" {
			return a.Name, a.Source, nil
		}
	}
	return "", "", nil
}

// waitQuiet waits until none of the drill's alerts is pending or firing and no PagerDuty
// incident about them is open: a drill started on the tail of an earlier fault would time
// the old alert (or have its page deduplicated into the old incident). It gives up after
// s.ResolveWait plus 5 minutes.
func (r *Runner) waitQuiet(ctx context.Context, s Scenario) error {
	limit := s.ResolveWait + 5*time.Minute
	deadline := time.Now().Add(limit)
	logged := false
	for {
		active, err := r.activeAlerts(ctx, s.Alerts)
		if err != nil {
			return err
		}
		ev, _, err := r.fakes(ctx)
		if err != nil {
			return err
		}
		open := OpenIncidents(ev, s.Alerts)
		if len(active) == 0 && len(open) == 0 {
			if logged {
				r.Log.Printf("%s: quiet now", s.Name)
			}
			return nil
		}
		what := fmt.Sprintf("%d alert(s) %v still active, %d PagerDuty incident(s) still open", len(active), active, len(open))
		if time.Now().After(deadline) {
			return fmt.Errorf("not quiet after waiting %s: %s", limit, what)
		}
		if !logged {
			r.Log.Printf("%s: waiting for a quiet start: %s", s.Name, what)
			logged = true
		}
		if err := sleep(ctx, 15*time.Second); err != nil {
			return err
		}
	}
}

// history tells whether s.History holds for the whole drill. It asks for now and for the end
// of the drill (the expression reads the past, so Prometheus can answer for a future time):
// when the history appears only during the drill, the page could come or not, so the drill
// waits until the history holds (at most the drill's own length) and then expects the page.
func (r *Runner) history(ctx context.Context, s Scenario) (bool, error) {
	now := time.Now()
	holds, err := r.holdsAt(ctx, s.History, now)
	if err != nil || holds {
		return holds, err
	}
	end := now.Add(s.MaxWait + s.ResolveWait)
	later, err := r.holdsAt(ctx, s.History, end)
	if err != nil || !later {
		return false, err
	}
	r.Log.Printf("%s: the history the page compares with appears before the drill would end; waiting until it holds", s.Name)
	for time.Now().Before(end) {
		if err := sleep(ctx, 30*time.Second); err != nil {
			return false, err
		}
		if holds, err := r.holdsAt(ctx, s.History, time.Now()); err != nil || holds {
			return holds, err
		}
	}
	return false, fmt.Errorf("%s still returns nothing after %s", s.History, s.MaxWait+s.ResolveWait)
}

// holdsAt reports whether the PromQL expression returns at least one sample at t.
func (r *Runner) holdsAt(ctx context.Context, expr string, t time.Time) (bool, error) {
	prom, err := r.Env.Get("PROMETHEUS_URL")
	if err != nil {
		return false, err
	}
	var qr struct {
		Status string `json:"status"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := r.getJSON(ctx, prom+"/api/v1/query?"+url.Values{"query": {expr}, "time": {strconv.FormatInt(t.Unix(), 10)}}.Encode(), &qr); err != nil {
		return false, err
	}
	if qr.Status != "success" {
		return false, fmt.Errorf("query %s: status %q", expr, qr.Status)
	}
	return len(qr.Data.Result) > 0, nil
}

func (r *Runner) fakes(ctx context.Context) ([]PDEvent, []SlackMessage, error) {
	base, err := r.Env.FakesURL()
	if err != nil {
		return nil, nil, err
	}
	var ev []PDEvent
	if err := r.getJSON(ctx, base+"/pagerduty/events", &ev); err != nil {
		return nil, nil, err
	}
	var msgs []SlackMessage
	if err := r.getJSON(ctx, base+"/slack/messages", &msgs); err != nil {
		return nil, nil, err
	}
	return ev, msgs, nil
}

func (r *Runner) pg(ctx context.Context, hostVar string) (*pgx.Conn, error) {
	host, err := r.Env.Get(hostVar)
	if err != nil {
		return nil, err
	}
	user, err := r.Env.Get("PGSTATS_ADMIN_USERNAME")
	if err != nil {
		return nil, err
	}
	pw, err := r.Env.Get("PGSTATS_ADMIN_PASSWORD")
	if err != nil {
		return nil, err
	}
	return pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s/postgres?sslmode=disable&application_name=drill", user, pw, host))
}

func (r *Runner) postgresScript(ctx context.Context, verb string) error {
	return r.script(ctx, "test/env/postgres.sh", verb)
}

// script runs one of the repository's scripts with the drill's environment.
func (r *Runner) script(ctx context.Context, path, verb string) error {
	cmd := exec.CommandContext(ctx, r.Repo+"/"+path, verb)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", path, verb, err, bytes.TrimSpace(out))
	}
	return nil
}

// inject starts the fault; the returned function removes it.
func (r *Runner) inject(ctx context.Context, s Scenario) (func(context.Context) error, error) {
	var undoOutage func(context.Context) error
	if s.Outage > 0 {
		base, err := r.Env.FakesURL()
		if err != nil {
			return nil, err
		}
		if err := r.send(ctx, http.MethodPost, fmt.Sprintf("%s/pagerduty/outage?duration=%s&status=mixed", base, s.Outage), ""); err != nil {
			return nil, fmt.Errorf("PagerDuty fake outage switch: %w", err)
		}
		undoOutage = func(ctx context.Context) error { return r.send(ctx, http.MethodDelete, base+"/pagerduty/outage", "") }
	}
	undo, err := r.injectFault(ctx, s)
	if err != nil {
		if undoOutage != nil {
			err = errors.Join(err, undoOutage(ctx))
		}
		return nil, err
	}
	return func(ctx context.Context) error {
		err := undo(ctx)
		if undoOutage != nil {
			err = errors.Join(err, undoOutage(ctx))
		}
		return err
	}, nil
}

func (r *Runner) injectFault(ctx context.Context, s Scenario) (func(context.Context) error, error) {
	switch s.Kind {
	case "admin":
		u, err := r.Env.Get("DEMO_ADMIN_URL")
		if err != nil {
			return nil, err
		}
		if err := r.send(ctx, http.MethodPost, u+"/faults", s.Switch); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			if err := r.send(ctx, http.MethodDelete, u+"/faults", ""); err != nil {
				return err
			}
			if s.Redeploy {
				return r.script(ctx, "test/demo/demo.sh", "restart-service")
			}
			return nil
		}, nil
	case "replay-pause":
		replica, err := r.pg(ctx, "POSTGRES_REPLICA")
		if err != nil {
			return nil, err
		}
		primary, err := r.pg(ctx, "POSTGRES_PRIMARY")
		if err != nil {
			replica.Close(ctx)
			return nil, err
		}
		if _, err := replica.Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
			replica.Close(ctx)
			primary.Close(ctx)
			return nil, err
		}
		wctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { // keep WAL moving so the paused replica falls behind
			defer close(done)
			_, _ = primary.Exec(wctx, "CREATE TABLE IF NOT EXISTS drill_wal (at timestamptz)")
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-wctx.Done():
					return
				case <-t.C:
					_, _ = primary.Exec(wctx, "INSERT INTO drill_wal VALUES (now())")
				}
			}
		}()
		return func(ctx context.Context) error {
			stop()
			<-done
			_, err := replica.Exec(ctx, "SELECT pg_wal_replay_resume()")
			_, _ = primary.Exec(ctx, "DROP TABLE IF EXISTS drill_wal")
			primary.Close(ctx)
			replica.Close(ctx)
			return err
		}, nil
	case "replica-stop":
		if err := r.postgresScript(ctx, "stop-replica"); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error { return r.postgresScript(ctx, "start-replica") }, nil
	}
	return nil, fmt.Errorf("scenario %s: unknown kind %q", s.Name, s.Kind)
}

// Run runs one drill and returns its report.
func (r *Runner) Run(ctx context.Context, s Scenario) (*Report, error) {
	// Clean slate: no fault left over from an interrupted drill, no alert of this drill
	// still active from an earlier one. Then the history, which the wait may have changed.
	if u, err := r.Env.Get("DEMO_ADMIN_URL"); err == nil {
		if err := r.send(ctx, http.MethodDelete, u+"/faults", ""); err != nil {
			return nil, fmt.Errorf("demo admin API: %w", err)
		}
	}
	if err := r.waitQuiet(ctx, s); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	var note string
	if s.History != "" {
		holds, err := r.history(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: asking Prometheus for its history: %w", s.Name, err)
		}
		s, note = s.Expect(holds)
		r.Log.Printf("%s: %s", s.Name, note)
	}
	rep := &Report{Scenario: s.Name, Fault: s.Fault, ExpectedAlerts: s.Alerts, ExpectedService: s.Service, Problems: []string{}}
	if note != "" {
		rep.Notes = append(rep.Notes, note)
	}
	wantKey := ""
	if s.Service != "" {
		k, err := r.Env.Get(ServiceKeys[s.Service])
		if err != nil {
			return nil, err
		}
		wantKey = k
	}
	keyService := map[string]string{}
	for svc, v := range ServiceKeys {
		if k, err := r.Env.Get(v); err == nil {
			keyService[k] = svc
		}
	}
	rep.FaultStart = time.Now().UTC()
	r.Log.Printf("%s: injecting: %s", s.Name, s.Fault)
	remove, err := r.inject(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("inject %s: %w", s.Name, err)
	}
	removed := false
	removeFault := func() {
		if removed {
			return
		}
		removed = true
		rctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := remove(rctx); err != nil {
			rep.Problems = append(rep.Problems, "removing the fault: "+err.Error())
		}
		t := time.Now().UTC()
		rep.FaultRemoved = &t
		r.Log.Printf("%s: fault removed", s.Name)
	}
	defer removeFault()

	since := rep.FaultStart
	deadline := since.Add(s.MaxWait)
	for time.Now().Before(deadline) {
		if err := sleep(ctx, r.Poll); err != nil {
			return rep, err
		}
		if rep.FirstAlert == nil {
			name, src, err := r.firing(ctx, s.Alerts)
			if err != nil {
				r.Log.Printf("%s: polling alerts: %v", s.Name, err)
			} else if name != "" {
				now := time.Now().UTC()
				rep.FirstAlert = &Alert{Name: name, Source: src, At: now, After: now.Sub(since).Seconds()}
				r.Log.Printf("%s: %s firing (%s) after %.0f s", s.Name, name, src, rep.FirstAlert.After)
			}
		}
		if rep.FirstPage == nil {
			ev, _, err := r.fakes(ctx)
			if err != nil {
				r.Log.Printf("%s: polling the fakes: %v", s.Name, err)
			} else if p, ok := FirstPage(ev, since, s.Alerts); ok {
				rep.FirstPage = &Page{At: p.ReceivedAt, After: p.ReceivedAt.Sub(since).Seconds(), RoutingKey: p.RoutingKey,
					Service: keyService[p.RoutingKey], DedupKey: p.DedupKey, Summary: p.Summary}
				r.Log.Printf("%s: page to %s after %.0f s: %s", s.Name, rep.FirstPage.Service, rep.FirstPage.After, p.Summary)
			}
		}
		held := time.Since(since) >= s.MinHold
		if held && ((s.Service != "" && rep.FirstPage != nil) || (s.Service == "" && rep.FirstAlert != nil)) {
			break
		}
	}
	removeFault()

	// Wait for the resolve of the page (or, without a page, for the alert to clear).
	rdeadline := time.Now().Add(s.ResolveWait)
	for time.Now().Before(rdeadline) {
		if err := sleep(ctx, r.Poll); err != nil {
			return rep, err
		}
		if rep.FirstPage != nil {
			ev, _, err := r.fakes(ctx)
			if err == nil {
				if at, ok := Resolved(ev, rep.FirstPage.DedupKey, since); ok {
					rep.Resolve = &at
					break
				}
			}
			continue
		}
		name, _, err := r.firing(ctx, s.Alerts)
		if err == nil && name == "" {
			t := time.Now().UTC()
			rep.Resolve = &t
			break
		}
	}

	ev, msgs, err := r.fakes(ctx)
	if err != nil {
		return rep, err
	}
	rep.Counts = Count(ev, msgs, since, wantKey, s.Alerts)
	for _, m := range msgs {
		if !m.ReceivedAt.Before(since) {
			rep.Slack = append(rep.Slack, Message{At: m.ReceivedAt, Title: m.Title()})
		}
	}
	r.judge(rep, s)
	return rep, nil
}

func (r *Runner) judge(rep *Report, s Scenario) {
	after := func(t *time.Time) *time.Duration {
		if t == nil {
			return nil
		}
		d := t.Sub(rep.FaultStart)
		return &d
	}
	if rep.FirstAlert == nil {
		rep.Problems = append(rep.Problems, fmt.Sprintf("none of %v fired within %s", s.Alerts, s.MaxWait))
	}
	if s.Service != "" {
		var at *time.Time
		if rep.FirstPage != nil {
			at = &rep.FirstPage.At
			if rep.FirstPage.Service != s.Service {
				rep.Problems = append(rep.Problems, fmt.Sprintf("first page went to service %q, want %q", rep.FirstPage.Service, s.Service))
			}
		} else {
			rep.Problems = append(rep.Problems, fmt.Sprintf("no page within %s", s.MaxWait))
		}
		if s.PageWithin > 0 {
			rep.Goals = append(rep.Goals, NewGoal("first page after the fault", s.PageWithin, after(at)))
		}
	}
	if rep.Resolve == nil {
		rep.Problems = append(rep.Problems, fmt.Sprintf("not resolved within %s of removing the fault", s.ResolveWait))
	}
	if rep.Counts.DuplicatePages > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d duplicate page(s): more than one page for one incident", rep.Counts.DuplicatePages))
	}
	if rep.Counts.WrongServicePages > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d page(s) to another service than %q", rep.Counts.WrongServicePages, s.Service))
	}
	if s.Service != "" && rep.Counts.Pages > 0 && len(rep.Counts.PagesPerIncident) > 1 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d incidents paged (distinct dedup keys): several alerts of the same fault paged separately", len(rep.Counts.PagesPerIncident)))
	}
	for _, g := range rep.Goals {
		if !g.Met {
			rep.Problems = append(rep.Problems, "goal missed: "+g.Name)
		}
	}
	rep.OK = len(rep.Problems) == 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
