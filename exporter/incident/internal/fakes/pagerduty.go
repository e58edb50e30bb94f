package fakes

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
	"unicode/utf8"
)

// PagerDuty contract values (developer docs, Events API v2).
const (
	pdBodyMax     = 512 * 1000
	pdSummaryMax  = 1024
	pdDedupMax    = 255
	pdRoutingLen  = 32
	pdRatePerMin  = 120
	pdPath        = "/v2/enqueue"
	pdInvalidBody = "Event object is invalid"
)

// PDEvent is an accepted event as the fake recorded it.
type PDEvent struct {
	RoutingKey string
	Action     string
	DedupKey   string
	Summary    string
	Severity   string
	Source     string
	Links      []map[string]any
	Details    map[string]any
	// Effect: "opened" (new alert), "deduplicated" (trigger on an open alert),
	// "acknowledged", "resolved", or "dropped" (ack/resolve of a closed or unknown key).
	Effect string
	At     time.Time
}

// PDAlert is an alert in the fake's account.
type PDAlert struct {
	RoutingKey, DedupKey string
	Open, Acked          bool
	Triggers             int
	OpenedAt             time.Time
}

// PagerDuty is a fake Events API v2 endpoint.
type PagerDuty struct {
	*httptest.Server
	Now func() time.Time
	// RatePerMinute per routing key (default 120; negative disables).
	RatePerMinute int

	script
	mu       sync.Mutex
	events   []PDEvent
	rejected []string
	alerts   []*PDAlert
	open     map[[2]string]*PDAlert
	rate     map[string]*window
	requests int
}

// NewPagerDuty starts a fake on a loopback port.
func NewPagerDuty() *PagerDuty {
	f := &PagerDuty{Now: time.Now, RatePerMinute: pdRatePerMin, open: map[[2]string]*PDAlert{}, rate: map[string]*window{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.handle))
	return f
}

// NewPagerDutyUnstarted returns a fake whose server the caller starts (to pick a listener).
func NewPagerDutyUnstarted() *PagerDuty {
	f := &PagerDuty{Now: time.Now, RatePerMinute: pdRatePerMin, open: map[[2]string]*PDAlert{}, rate: map[string]*window{}}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(f.handle))
	return f
}

// URL of the enqueue endpoint.
func (f *PagerDuty) URL() string { return f.Server.URL + pdPath }

// ResetScript drops the forced responses not yet served.
func (f *PagerDuty) ResetScript() { f.reset() }

// Script queues forced responses.
func (f *PagerDuty) Script(r ...Scripted) { f.push(r...) }

// Events returns the accepted events in arrival order.
func (f *PagerDuty) Events() []PDEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]PDEvent(nil), f.events...)
}

// Rejected returns the 400 error messages in order.
func (f *PagerDuty) Rejected() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.rejected...)
}

// Requests counts every request, scripted or not.
func (f *PagerDuty) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Alerts returns every alert ever opened.
func (f *PagerDuty) Alerts() []PDAlert {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]PDAlert, len(f.alerts))
	for i, a := range f.alerts {
		out[i] = *a
	}
	return out
}

// OpenAlerts counts open alerts.
func (f *PagerDuty) OpenAlerts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.open)
}

func pdJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *PagerDuty) invalid(w http.ResponseWriter, errs ...string) {
	withLock(&f.mu, func() { f.rejected = append(f.rejected, errs...) })
	pdJSON(w, http.StatusBadRequest, map[string]any{"status": "invalid event", "message": pdInvalidBody, "errors": errs})
}

type pdIn struct {
	RoutingKey  *string          `json:"routing_key"`
	EventAction *string          `json:"event_action"`
	DedupKey    *string          `json:"dedup_key"`
	Payload     *pdPayloadIn     `json:"payload"`
	Links       []map[string]any `json:"links"`
	Images      []map[string]any `json:"images"`
	Client      *string          `json:"client"`
	ClientURL   *string          `json:"client_url"`
}

type pdPayloadIn struct {
	Summary       *string        `json:"summary"`
	Source        *string        `json:"source"`
	Severity      *string        `json:"severity"`
	Timestamp     *string        `json:"timestamp"`
	Component     any            `json:"component"`
	Group         any            `json:"group"`
	Class         any            `json:"class"`
	CustomDetails map[string]any `json:"custom_details"`
}

func (f *PagerDuty) handle(w http.ResponseWriter, r *http.Request) {
	withLock(&f.mu, func() { f.requests++ })
	if f.serve(w, r) {
		return
	}
	if r.URL.Path != pdPath {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		f.invalid(w, "Content-Type must be application/json")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, pdBodyMax+1))
	if err != nil {
		f.invalid(w, "could not read body")
		return
	}
	if len(body) > pdBodyMax {
		pdJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"status": "invalid event", "message": "Request body is too large", "errors": []string{"payload exceeds 512 KB"}})
		return
	}
	var in pdIn
	if err := json.Unmarshal(body, &in); err != nil {
		f.invalid(w, "Malformed JSON: "+err.Error())
		return
	}
	var errs []string
	if in.RoutingKey == nil {
		errs = append(errs, "'routing_key' is missing or blank")
	} else if len(*in.RoutingKey) != pdRoutingLen {
		errs = append(errs, "Length of 'routing_key' is incorrect (should be 32 characters)")
	}
	action := ""
	if in.EventAction == nil {
		errs = append(errs, "'event_action' is missing or blank")
	} else {
		action = *in.EventAction
		if action != "trigger" && action != "acknowledge" && action != "resolve" {
			errs = append(errs, "'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
		}
	}
	dedup := ""
	if in.DedupKey != nil {
		dedup = *in.DedupKey
		if utf8.RuneCountInString(dedup) > pdDedupMax {
			errs = append(errs, "'dedup_key' is too long (maximum is 255 characters)")
		}
	}
	if (action == "acknowledge" || action == "resolve") && dedup == "" {
		errs = append(errs, "'dedup_key' is required for acknowledge and resolve events")
	}
	var ev PDEvent
	if action == "trigger" {
		p := in.Payload
		if p == nil {
			errs = append(errs, "'payload' is missing")
		} else {
			if p.Summary == nil || *p.Summary == "" {
				errs = append(errs, "'payload.summary' is missing or blank")
			} else if utf8.RuneCountInString(*p.Summary) > pdSummaryMax {
				errs = append(errs, "'payload.summary' is too long (maximum is 1024 characters)")
			}
			if p.Source == nil || *p.Source == "" {
				errs = append(errs, "'payload.source' is missing or blank")
			}
			if p.Severity == nil {
				errs = append(errs, "'payload.severity' is missing or blank")
			} else if s := *p.Severity; s != "critical" && s != "error" && s != "warning" && s != "info" {
				errs = append(errs, "'payload.severity' is invalid (must be one of: critical, error, warning, info)")
			}
			if p.Timestamp != nil {
				if _, err := time.Parse(time.RFC3339Nano, *p.Timestamp); err != nil {
					errs = append(errs, "'payload.timestamp' is not a valid ISO 8601 timestamp")
				}
			}
			for name, v := range map[string]any{"component": p.Component, "group": p.Group, "class": p.Class} {
				if _, ok := v.(string); v != nil && !ok {
					errs = append(errs, fmt.Sprintf("'payload.%s' must be a string", name))
				}
			}
			if len(errs) == 0 {
				ev.Summary, ev.Source, ev.Severity, ev.Details = *p.Summary, *p.Source, *p.Severity, p.CustomDetails
			}
		}
	}
	for _, l := range in.Links {
		if h, ok := l["href"].(string); !ok || h == "" {
			errs = append(errs, "'links[].href' is required")
		} else if u, err := url.Parse(h); err != nil || u.Scheme == "" {
			errs = append(errs, "'links[].href' must be a URL")
		}
	}
	for _, im := range in.Images {
		if s, ok := im["src"].(string); !ok {
			errs = append(errs, "'images[].src' is required")
		} else if u, err := url.Parse(s); err != nil || u.Scheme != "https" {
			errs = append(errs, "'images[].src' must be an HTTPS URL")
		}
	}
	if len(errs) > 0 {
		f.invalid(w, errs...)
		return
	}
	now := f.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	rk := *in.RoutingKey
	lim := f.RatePerMinute
	if lim == 0 {
		lim = pdRatePerMin
	}
	win := f.rate[rk]
	if win == nil {
		win = &window{limit: lim, period: time.Minute}
		f.rate[rk] = win
	}
	if lim > 0 && !win.allow(now) {
		pdJSON(w, http.StatusTooManyRequests, map[string]any{"status": "throttle event", "message": "Requests for this service are arriving too quickly. Please back off and try again later."})
		return
	}
	if dedup == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		dedup = hex.EncodeToString(b[:])
	}
	ev.RoutingKey, ev.Action, ev.DedupKey, ev.Links, ev.At = rk, action, dedup, in.Links, now
	key := [2]string{rk, dedup}
	a := f.open[key]
	switch action {
	case "trigger":
		if a != nil {
			a.Triggers++
			ev.Effect = "deduplicated"
		} else {
			a = &PDAlert{RoutingKey: rk, DedupKey: dedup, Open: true, Triggers: 1, OpenedAt: now}
			f.open[key] = a
			f.alerts = append(f.alerts, a)
			ev.Effect = "opened"
		}
	case "acknowledge":
		if a == nil {
			ev.Effect = "dropped"
		} else {
			a.Acked = true
			ev.Effect = "acknowledged"
		}
	case "resolve":
		if a == nil {
			ev.Effect = "dropped"
		} else {
			a.Open = false
			delete(f.open, key)
			ev.Effect = "resolved"
		}
	}
	f.events = append(f.events, ev)
	pdJSON(w, http.StatusAccepted, map[string]any{"status": "success", "message": "Event processed", "dedup_key": dedup})
}
