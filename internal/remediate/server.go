package remediate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Message is the webhook body: Alertmanager's webhook payload (version 4), which the incident
// exporter's webhook destination also sends.
type Message struct {
	Status string         `json:"status"`
	Alerts []MessageAlert `json:"alerts"`
}

// MessageAlert is one alert of a Message.
type MessageAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Fingerprint string            `json:"fingerprint"`
}

// Server is the remediation webhook.
type Server struct {
	Secret []byte
	// Actions by name; only the names in Allowed may run.
	Actions map[string]Action
	Allowed map[string]bool
	// Execute enables acting; false (the default) is dry-run: targets are reported and
	// recorded, nothing is signalled.
	Execute bool
	// Cooldown is the minimum time between two executed runs of the same action.
	Cooldown time.Duration
	// Timeout bounds one run.
	Timeout  time.Duration
	DB       Querier
	Timeline *Timeline
	Log      *slog.Logger
	Now      func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time // signatures already served (replay protection)
}

const maxBody = 1 << 20

// Handler serves POST /hooks/{action}, GET /timeline?fingerprint=, GET /actions, GET /healthz.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks/{action}", s.hook)
	mux.HandleFunc("GET /timeline", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Timeline.For(r.URL.Query().Get("fingerprint")))
	})
	mux.HandleFunc("GET /actions", func(w http.ResponseWriter, _ *http.Request) {
		type desc struct {
			Name        string `json:"name"`
			Description string `json:"description"`
			Allowed     bool   `json:"allowed"`
		}
		var out []desc
		for n, a := range s.Actions {
			out = append(out, desc{n, a.Describe(), s.Allowed[n]})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		writeJSON(w, http.StatusOK, map[string]any{"execute": s.Execute, "actions": out})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// replayed records sig and reports whether it was already served within the skew window.
func (s *Server) replayed(sig string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]time.Time{}
	}
	for k, at := range s.seen {
		if now.Sub(at) > 2*MaxSkew {
			delete(s.seen, k)
		}
	}
	if _, ok := s.seen[sig]; ok {
		return true
	}
	s.seen[sig] = now
	return false
}

func (s *Server) hook(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	name := r.PathValue("action")
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		httpError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return
	}
	if len(body) > maxBody {
		httpError(w, http.StatusRequestEntityTooLarge, "body larger than 1 MiB")
		return
	}
	sig := r.Header.Get(HeaderSignature)
	if _, err := Verify(s.Secret, r.Header.Get(HeaderTimestamp), sig, body, now); err != nil {
		s.Log.Warn("refused unsigned or badly signed request", "action", name, "remote", r.RemoteAddr, "error", err)
		httpError(w, http.StatusUnauthorized, err.Error())
		return
	}
	if s.replayed(sig, now) {
		s.Log.Warn("refused replayed request", "action", name, "remote", r.RemoteAddr)
		httpError(w, http.StatusConflict, "request already served (replayed signature)")
		return
	}
	var msg Message
	if err := json.Unmarshal(body, &msg); err != nil {
		httpError(w, http.StatusBadRequest, "body is not an Alertmanager-style webhook message: "+err.Error())
		return
	}
	var firing, resolved []MessageAlert
	for _, a := range msg.Alerts {
		if a.Status == "firing" {
			firing = append(firing, a)
		} else {
			resolved = append(resolved, a)
		}
	}
	entries := s.decide(r.Context(), name, firing, resolved, now)
	for _, e := range entries {
		if err := s.Timeline.Append(e); err != nil {
			s.Log.Error("timeline write failed", "error", err)
			httpError(w, http.StatusInternalServerError, err.Error())
			return
		}
		s.Log.Info("remediation", "action", e.Action, "outcome", e.Outcome, "dry_run", e.DryRun,
			"alert", e.Alert, "fingerprint", e.Fingerprint, "targets", len(e.Targets), "detail", e.Detail)
	}
	code := http.StatusOK
	if _, known := s.Actions[name]; !known {
		code = http.StatusNotFound
	} else if !s.Allowed[name] {
		code = http.StatusForbidden
	}
	writeJSON(w, code, entries)
}

// decide runs (or refuses) the action once for the message and returns one timeline entry
// per alert.
func (s *Server) decide(ctx context.Context, name string, firing, resolved []MessageAlert, now time.Time) []Entry {
	entry := func(a MessageAlert, outcome, detail string) Entry {
		return Entry{At: now.UTC(), Fingerprint: a.Fingerprint, Alert: a.Labels["alertname"], Action: name,
			Outcome: outcome, DryRun: !s.Execute, Detail: detail}
	}
	var out []Entry
	for _, a := range resolved {
		out = append(out, entry(a, "skipped", "alert "+a.Status+": nothing to remediate"))
	}
	if len(firing) == 0 {
		return out
	}
	all := func(outcome, detail string, targets []Target) {
		for _, a := range firing {
			e := entry(a, outcome, detail)
			e.Targets = targets
			out = append(out, e)
		}
	}
	action, known := s.Actions[name]
	switch {
	case !known:
		all("refused", fmt.Sprintf("unknown action %q", name), nil)
		return out
	case !s.Allowed[name]:
		all("refused", fmt.Sprintf("action %q is not allow-listed", name), nil)
		return out
	}
	if s.Execute && s.Cooldown > 0 {
		if last := s.Timeline.LastExecuted(name); !last.IsZero() && now.Sub(last) < s.Cooldown {
			all("cooldown", fmt.Sprintf("last executed %s ago (cooldown %s)", now.Sub(last).Round(time.Second), s.Cooldown), nil)
			return out
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	targets, err := action.Run(ctx, s.DB, s.Execute)
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded):
		all("failed", fmt.Sprintf("%s: timed out after %s", action.Describe(), s.Timeout), targets)
	case err != nil:
		all("failed", fmt.Sprintf("%s: %v", action.Describe(), err), targets)
	case s.Execute:
		all("executed", action.Describe(), targets)
	default:
		all("dry_run", action.Describe()+" (dry-run: nothing was signalled)", targets)
	}
	return out
}
