package remediate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var secret = []byte("s3cret")

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"status":"firing"}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	good := Sign(secret, now.Unix(), body)
	if _, err := Verify(secret, ts, good, body, now); err != nil {
		t.Fatalf("good signature refused: %v", err)
	}
	cases := []struct {
		name, ts, sig string
		body          []byte
		want          error
	}{
		{"unsigned", "", "", body, ErrUnsigned},
		{"tampered body", ts, good, []byte(`{"status":"resolved"}`), ErrSignature},
		{"other secret", ts, Sign([]byte("x"), now.Unix(), body), body, ErrSignature},
		{"no prefix", ts, strings.TrimPrefix(good, "sha256="), body, ErrSignature},
		{"stale", strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10), Sign(secret, now.Add(-6*time.Minute).Unix(), body), body, ErrStale},
		{"future", strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10), Sign(secret, now.Add(6*time.Minute).Unix(), body), body, ErrStale},
		{"timestamp not a number", "yesterday", good, body, ErrStale},
	}
	for _, c := range cases {
		if _, err := Verify(secret, c.ts, c.sig, c.body, now); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

// recAction records how it was called.
type recAction struct {
	calls   []bool
	targets []Target
	err     error
}

func (a *recAction) Name() string     { return "terminate-idle-in-transaction" }
func (a *recAction) Describe() string { return "test action" }
func (a *recAction) Run(_ context.Context, _ Querier, execute bool) ([]Target, error) {
	a.calls = append(a.calls, execute)
	out := append([]Target(nil), a.targets...)
	for i := range out {
		out[i].Done = execute
	}
	return out, a.err
}

func newServer(t *testing.T, act *recAction, execute bool, now *time.Time) (*Server, string) {
	t.Helper()
	tl, err := OpenTimeline(filepath.Join(t.TempDir(), "timeline.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tl.Close() })
	return &Server{
		Secret: secret, Actions: map[string]Action{act.Name(): act, "cancel-long-queries": CancelLongQueries{MinAge: time.Minute, Max: 1}},
		Allowed: map[string]bool{act.Name(): true}, Execute: execute, Cooldown: 5 * time.Minute,
		Timeout: time.Second, Timeline: tl, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return *now },
	}, ""
}

const firingBody = `{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"DBConnectionPoolSaturated"},"fingerprint":"fp1"}]}`

func call(t *testing.T, h http.Handler, path, body string, ts time.Time) (int, []Entry) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts.Unix(), []byte(body)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var es []Entry
	_ = json.Unmarshal(rec.Body.Bytes(), &es)
	return rec.Code, es
}

func TestDryRunIsTheDefault(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	act := &recAction{targets: []Target{{PID: 42, User: "app", AgeSeconds: 300}}}
	s, _ := newServer(t, act, false, &now)
	code, es := call(t, s.Handler(), "/hooks/terminate-idle-in-transaction", firingBody, now)
	if code != http.StatusOK || len(es) != 1 {
		t.Fatalf("code %d entries %+v", code, es)
	}
	if len(act.calls) != 1 || act.calls[0] {
		t.Fatalf("action called %v, want once in dry-run", act.calls)
	}
	e := es[0]
	if e.Outcome != "dry_run" || !e.DryRun || e.Fingerprint != "fp1" || e.Alert != "DBConnectionPoolSaturated" || len(e.Targets) != 1 || e.Targets[0].Done {
		t.Fatalf("entry %+v", e)
	}
	if got := s.Timeline.For("fp1"); len(got) != 1 || got[0].Outcome != "dry_run" {
		t.Fatalf("timeline %+v", got)
	}
}

func TestExecuteThenCooldownThenReplay(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	act := &recAction{targets: []Target{{PID: 42}}}
	s, _ := newServer(t, act, true, &now)
	h := s.Handler()
	if code, es := call(t, h, "/hooks/terminate-idle-in-transaction", firingBody, now); code != 200 || es[0].Outcome != "executed" || !es[0].Targets[0].Done {
		t.Fatalf("execute: %d %+v", code, es)
	}
	// the same signed request again: refused, not run
	if code, _ := call(t, h, "/hooks/terminate-idle-in-transaction", firingBody, now); code != http.StatusConflict {
		t.Fatalf("replay: %d", code)
	}
	now = now.Add(time.Minute)
	if code, es := call(t, h, "/hooks/terminate-idle-in-transaction", firingBody, now); code != 200 || es[0].Outcome != "cooldown" {
		t.Fatalf("within cooldown: %d %+v", code, es)
	}
	if len(act.calls) != 1 {
		t.Fatalf("action ran %d times, want 1", len(act.calls))
	}
	now = now.Add(5 * time.Minute)
	if _, es := call(t, h, "/hooks/terminate-idle-in-transaction", firingBody, now); es[0].Outcome != "executed" {
		t.Fatalf("after cooldown: %+v", es)
	}
}

func TestRefusals(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	act := &recAction{}
	s, _ := newServer(t, act, true, &now)
	h := s.Handler()
	if code, es := call(t, h, "/hooks/drop-database", firingBody, now); code != http.StatusNotFound || es[0].Outcome != "refused" {
		t.Fatalf("unknown action: %d %+v", code, es)
	}
	if code, es := call(t, h, "/hooks/cancel-long-queries", firingBody, now.Add(time.Second)); code != http.StatusForbidden || es[0].Outcome != "refused" {
		t.Fatalf("not allow-listed: %d %+v", code, es)
	}
	// bad signature
	req := httptest.NewRequest(http.MethodPost, "/hooks/terminate-idle-in-transaction", strings.NewReader(firingBody))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, "sha256=00")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d", rec.Code)
	}
	resolved := strings.ReplaceAll(firingBody, `"firing"`, `"resolved"`)
	if code, es := call(t, h, "/hooks/terminate-idle-in-transaction", resolved, now.Add(2*time.Second)); code != 200 || es[0].Outcome != "skipped" {
		t.Fatalf("resolved: %d %+v", code, es)
	}
	if code, _ := call(t, h, "/hooks/terminate-idle-in-transaction", "not json", now.Add(3*time.Second)); code != http.StatusBadRequest {
		t.Fatalf("bad body: %d", code)
	}
	if len(act.calls) != 0 {
		t.Fatalf("action ran %d times on refused requests", len(act.calls))
	}
	// failures are recorded with their cause
	act.err = errors.New("connection refused")
	if _, es := call(t, h, "/hooks/terminate-idle-in-transaction", firingBody, now.Add(4*time.Second)); es[0].Outcome != "failed" || !strings.Contains(es[0].Detail, "connection refused") {
		t.Fatalf("failure: %+v", es)
	}
}

func TestTimelineSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.jsonl")
	tl, err := OpenTimeline(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1_800_000_000, 0).UTC()
	if err := tl.Append(Entry{At: at, Fingerprint: "a", Action: "x", Outcome: "executed"}); err != nil {
		t.Fatal(err)
	}
	if err := tl.Append(Entry{At: at, Fingerprint: "b", Action: "x", Outcome: "dry_run"}); err != nil {
		t.Fatal(err)
	}
	tl.Close()
	tl, err = OpenTimeline(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	if n := len(tl.For("")); n != 2 {
		t.Fatalf("%d entries after reopen", n)
	}
	if got := tl.LastExecuted("x"); !got.Equal(at) {
		t.Fatalf("last executed %v", got)
	}
	if got := tl.For("b"); len(got) != 1 || got[0].Outcome != "dry_run" {
		t.Fatalf("for b: %+v", got)
	}
}
