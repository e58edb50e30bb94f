package fakes

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Alertmanager 0.25 API v2 contract values (observed on the Debian 0.25.0 package; the
// parity test in the exporter package runs the same cases against it).
const (
	amAlertsPath = "/api/v2/alerts"
	// amDefaultResolveTimeout is Alertmanager's default global.resolve_timeout.
	amDefaultResolveTimeout = 5 * time.Minute
	// amTimeFormat is how go-openapi's strfmt.DateTime renders times (RFC 3339, milliseconds,
	// the zone of the value).
	amTimeFormat = "2006-01-02T15:04:05.000Z07:00"
	amReceiver   = "test"
)

// AMStored is an alert as the fake Alertmanager holds it.
type AMStored struct {
	Labels       map[string]string
	Annotations  map[string]string
	StartsAt     time.Time
	EndsAt       time.Time
	UpdatedAt    time.Time
	GeneratorURL string
	// Timeout: posted without endsAt (endsAt = arrival + resolve_timeout); an explicit
	// endsAt wins over it when alerts merge.
	Timeout     bool
	Fingerprint string
}

// Resolved reports whether endsAt has passed at now.
func (a AMStored) Resolved(now time.Time) bool { return !a.EndsAt.IsZero() && !a.EndsAt.After(now) }

// AMPost is one POST /api/v2/alerts as the fake answered it.
type AMPost struct {
	Status int
	Body   string // the answer
	// Alerts in the request, Stored of them (valid ones are stored even with a 400).
	Alerts, Stored int
}

// Alertmanager is a fake Alertmanager 0.25 API v2 (POST and GET /api/v2/alerts) that
// enforces what the real one does:
//
//   - Content-Type must be application/json (parameters allowed): otherwise 415 with a
//     go-openapi error body; a missing header counts as application/octet-stream.
//   - The body is decoded like go-openapi (json.Decoder: an empty body is 422 code 602
//     "alerts in body is required"; a JSON or time error is 400 "parsing alerts body ...";
//     `null` is an empty batch). A null element crashes 0.25's handler: the fake aborts the
//     connection the same way.
//   - Schema validation of the whole batch first (422, nothing stored): labels required,
//     generatorURL must parse as a request URI. Only the first failing alert is reported.
//   - Then per alert, after defaulting (startsAt = endsAt, or arrival; endsAt = arrival +
//     resolve_timeout) and dropping empty label values: endsAt before startsAt, label and
//     annotation names outside [a-zA-Z_][a-zA-Z0-9_]*, no label left. The valid alerts are
//     stored and the invalid ones answered with one 400 whose JSON string body joins the
//     errors with "; " (partial ingest).
//   - Storage by label fingerprint (FNV-1a, as prometheus/common model.LabelSet) with the
//     in-memory provider's merge: alerts whose activity ranges overlap merge (earliest
//     startsAt; the later explicit endsAt wins, a timeout endsAt never extends over an
//     explicit one); otherwise the new one replaces the old.
//   - GET /api/v2/alerts lists the unresolved alerts sorted by fingerprint, state "active"
//     (the fake has no silences or inhibitions), filtered by `filter` matchers
//     (=, !=, =~, !~, anchored regexes) and active=false.
//
// Not modelled: silences, inhibition, routing (every alert has receiver "test", like the
// test/env configuration), alert GC, timestamps in go-openapi's non-RFC 3339 layouts.
type Alertmanager struct {
	*httptest.Server
	Now func() time.Time
	// ResolveTimeout is global.resolve_timeout (default 5m; test/env's configuration uses 1m).
	ResolveTimeout time.Duration

	script
	mu       sync.Mutex
	alerts   map[string]*AMStored
	posts    []AMPost
	requests int
}

// NewAlertmanager starts a fake on a loopback port.
func NewAlertmanager() *Alertmanager {
	f := &Alertmanager{Now: time.Now, ResolveTimeout: amDefaultResolveTimeout, alerts: map[string]*AMStored{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.handle))
	return f
}

// URL is the base URL (the exporter's endpoint).
func (f *Alertmanager) URL() string { return f.Server.URL }

// Script queues forced responses (served before any validation).
func (f *Alertmanager) Script(r ...Scripted) { f.push(r...) }

// ResetScript drops the forced responses not yet served.
func (f *Alertmanager) ResetScript() { f.reset() }

// Restart forgets every alert: Alertmanager keeps alerts in memory only.
func (f *Alertmanager) Restart() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alerts = map[string]*AMStored{}
}

// Requests counts every request, scripted or not.
func (f *Alertmanager) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Posts returns the answered POSTs (scripted ones excluded) in order.
func (f *Alertmanager) Posts() []AMPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]AMPost(nil), f.posts...)
}

// Alerts returns every stored alert, resolved ones included, sorted by fingerprint.
func (f *Alertmanager) Alerts() []AMStored {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]AMStored, 0, len(f.alerts))
	for _, a := range f.alerts {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Fingerprint < out[j].Fingerprint })
	return out
}

// Active returns what GET /api/v2/alerts lists: the unresolved alerts.
func (f *Alertmanager) Active() []AMStored {
	now := f.Now()
	var out []AMStored
	for _, a := range f.Alerts() {
		if !a.Resolved(now) {
			out = append(out, a)
		}
	}
	return out
}

// AMFingerprint is prometheus/common's model.LabelSet.Fingerprint: FNV-1a 64 over the
// sorted name, 0xff, value, 0xff, as 16 hex digits.
func AMFingerprint(labels map[string]string) string {
	const offset64, prime64 = 14695981039346656037, 1099511628211
	names := make([]string, 0, len(labels))
	for n := range labels {
		names = append(names, n)
	}
	sort.Strings(names)
	h := uint64(offset64)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= prime64
		}
		h ^= 0xff
		h *= prime64
	}
	for _, n := range names {
		add(n)
		add(labels[n])
	}
	return fmt.Sprintf("%016x", h)
}

// amValidName is the classic (pre-UTF-8) label name rule of Alertmanager 0.25.
func amValidName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// amValidateSet is model.LabelSet.Validate: the first invalid name or value (map order,
// as in Go: with two invalid keys in one set either may be reported).
func amValidateSet(set map[string]string) error {
	for n, v := range set {
		if !amValidName(n) {
			return fmt.Errorf("invalid name %q", n)
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("invalid value %q", v)
		}
	}
	return nil
}

// amTime is strfmt.DateTime for the RFC 3339 forms.
type amTime struct{ time.Time }

func (t *amTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

type amPostable struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     amTime            `json:"startsAt"`
	EndsAt       amTime            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
}

func amError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

func (f *Alertmanager) handle(w http.ResponseWriter, r *http.Request) {
	withLock(&f.mu, func() { f.requests++ })
	if f.serve(w, r) {
		return
	}
	switch {
	case r.URL.Path == "/-/ready" || r.URL.Path == "/-/healthy":
		w.WriteHeader(http.StatusOK)
	case r.URL.Path != amAlertsPath:
		http.NotFound(w, r)
	case r.Method == http.MethodPost:
		f.post(w, r)
	case r.Method == http.MethodGet:
		f.get(w, r)
	default:
		amError(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed, but [GET,POST] are", r.Method))
	}
}

func (f *Alertmanager) record(p AMPost) {
	withLock(&f.mu, func() { f.posts = append(f.posts, p) })
}

func (f *Alertmanager) post(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = ct
	}
	if mt != "application/json" {
		msg := fmt.Sprintf("unsupported media type %q, only [application/json] are allowed", mt)
		amError(w, http.StatusUnsupportedMediaType, http.StatusUnsupportedMediaType, msg)
		f.record(AMPost{Status: http.StatusUnsupportedMediaType, Body: msg})
		return
	}
	var in []*amPostable
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		if errors.Is(err, io.EOF) {
			amError(w, http.StatusUnprocessableEntity, 602, "alerts in body is required")
			f.record(AMPost{Status: http.StatusUnprocessableEntity})
			return
		}
		msg := fmt.Sprintf("parsing alerts body from \"\" failed, because %v", err)
		amError(w, http.StatusBadRequest, http.StatusBadRequest, msg)
		f.record(AMPost{Status: http.StatusBadRequest, Body: msg})
		return
	}
	// Schema validation: the first failing alert fails the batch (422, nothing stored).
	for i, a := range in {
		if a == nil {
			continue
		}
		if a.Labels == nil {
			amError(w, http.StatusUnprocessableEntity, 602, fmt.Sprintf("%d.labels in body is required", i))
			f.record(AMPost{Status: http.StatusUnprocessableEntity, Alerts: len(in)})
			return
		}
		if a.GeneratorURL != "" {
			if _, err := url.ParseRequestURI(a.GeneratorURL); err != nil {
				amError(w, http.StatusUnprocessableEntity, 601, fmt.Sprintf("%d.generatorURL in body must be of type uri: %q", i, a.GeneratorURL))
				f.record(AMPost{Status: http.StatusUnprocessableEntity, Alerts: len(in)})
				return
			}
		}
	}
	for _, a := range in {
		if a == nil {
			// 0.25 dereferences the nil alert and the handler panics: the client sees the
			// connection close without an answer.
			f.record(AMPost{Status: 0, Alerts: len(in)})
			panic(http.ErrAbortHandler)
		}
	}
	now := f.Now()
	resolveTimeout := f.ResolveTimeout
	if resolveTimeout == 0 {
		resolveTimeout = amDefaultResolveTimeout
	}
	var valid []*AMStored
	var errs []string
	for _, a := range in {
		s := &AMStored{Labels: map[string]string{}, Annotations: map[string]string{}, StartsAt: a.StartsAt.Time, EndsAt: a.EndsAt.Time,
			UpdatedAt: now, GeneratorURL: a.GeneratorURL}
		for k, v := range a.Labels {
			if v != "" { // removeEmptyLabels
				s.Labels[k] = v
			}
		}
		for k, v := range a.Annotations {
			s.Annotations[k] = v
		}
		if s.StartsAt.IsZero() {
			if s.EndsAt.IsZero() {
				s.StartsAt = now
			} else {
				s.StartsAt = s.EndsAt
			}
		}
		if s.EndsAt.IsZero() {
			s.Timeout = true
			s.EndsAt = now.Add(resolveTimeout)
		}
		// model.Alert.Validate, in its order.
		var err error
		switch {
		case s.EndsAt.Before(s.StartsAt):
			err = errors.New("start time must be before end time")
		case amValidateSet(s.Labels) != nil:
			err = fmt.Errorf("invalid label set: %w", amValidateSet(s.Labels))
		case len(s.Labels) == 0:
			err = errors.New("at least one label pair required")
		case amValidateSet(s.Annotations) != nil:
			err = fmt.Errorf("invalid annotations: %w", amValidateSet(s.Annotations))
		}
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		s.Fingerprint = AMFingerprint(s.Labels)
		valid = append(valid, s)
	}
	withLock(&f.mu, func() {
		for _, s := range valid {
			if old, ok := f.alerts[s.Fingerprint]; ok &&
				(s.EndsAt.After(old.StartsAt) && s.EndsAt.Before(old.EndsAt) || s.StartsAt.After(old.StartsAt) && s.StartsAt.Before(old.EndsAt)) {
				s = amMerge(old, s, now)
			}
			f.alerts[s.Fingerprint] = s
		}
	})
	if len(errs) > 0 {
		msg := strings.Join(errs, "; ")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(msg)
		f.record(AMPost{Status: http.StatusBadRequest, Body: msg, Alerts: len(in), Stored: len(valid)})
		return
	}
	w.WriteHeader(http.StatusOK)
	f.record(AMPost{Status: http.StatusOK, Alerts: len(in), Stored: len(valid)})
}

// amMerge is types.Alert.Merge of Alertmanager 0.25.
func amMerge(a, o *AMStored, now time.Time) *AMStored {
	if o.UpdatedAt.Before(a.UpdatedAt) {
		a, o = o, a
	}
	res := *o
	if a.StartsAt.Before(o.StartsAt) {
		res.StartsAt = a.StartsAt
	}
	if o.Resolved(now) {
		if a.Resolved(now) && a.EndsAt.After(o.EndsAt) {
			res.EndsAt = a.EndsAt
		}
	} else if a.EndsAt.After(o.EndsAt) && !a.Timeout {
		res.EndsAt = a.EndsAt
	}
	return &res
}

// amMatcher is one `filter` matcher: name op "value".
type amMatcher struct {
	name, op, value string
	re              *regexp.Regexp
}

var amMatcherRE = regexp.MustCompile(`^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$`)

func parseAMMatcher(s string) (amMatcher, error) {
	m := amMatcherRE.FindStringSubmatch(strings.Trim(strings.TrimSpace(s), "{}"))
	if m == nil {
		return amMatcher{}, fmt.Errorf("bad matcher format: %s", s)
	}
	v := m[3]
	if strings.HasPrefix(v, `"`) {
		var err error
		if v, err = strconv.Unquote(v); err != nil {
			return amMatcher{}, fmt.Errorf("bad matcher value: %s", s)
		}
	}
	mt := amMatcher{name: m[1], op: m[2], value: v}
	if mt.op == "=~" || mt.op == "!~" {
		re, err := regexp.Compile("^(?:" + v + ")$")
		if err != nil {
			return amMatcher{}, err
		}
		mt.re = re
	}
	return mt, nil
}

func (m amMatcher) matches(labels map[string]string) bool {
	v := labels[m.name]
	switch m.op {
	case "=":
		return v == m.value
	case "!=":
		return v != m.value
	case "=~":
		return m.re.MatchString(v)
	}
	return !m.re.MatchString(v)
}

// amGettable is the GET /api/v2/alerts shape.
type amGettable struct {
	Annotations  map[string]string   `json:"annotations"`
	EndsAt       string              `json:"endsAt"`
	Fingerprint  string              `json:"fingerprint"`
	Receivers    []map[string]string `json:"receivers"`
	StartsAt     string              `json:"startsAt"`
	Status       amStatus            `json:"status"`
	UpdatedAt    string              `json:"updatedAt"`
	GeneratorURL string              `json:"generatorURL,omitempty"`
	Labels       map[string]string   `json:"labels"`
}

type amStatus struct {
	InhibitedBy []string `json:"inhibitedBy"`
	SilencedBy  []string `json:"silencedBy"`
	State       string   `json:"state"`
}

func (f *Alertmanager) get(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var ms []amMatcher
	for _, s := range q["filter"] {
		m, err := parseAMMatcher(s)
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(err.Error())
			return
		}
		ms = append(ms, m)
	}
	out := []amGettable{}
	if q.Get("active") != "false" {
	next:
		for _, a := range f.Active() {
			for _, m := range ms {
				if !m.matches(a.Labels) {
					continue next
				}
			}
			out = append(out, amGettable{Annotations: a.Annotations, EndsAt: a.EndsAt.Format(amTimeFormat), Fingerprint: a.Fingerprint,
				Receivers: []map[string]string{{"name": amReceiver}}, StartsAt: a.StartsAt.Format(amTimeFormat),
				Status:    amStatus{InhibitedBy: []string{}, SilencedBy: []string{}, State: "active"},
				UpdatedAt: a.UpdatedAt.Format(amTimeFormat), GeneratorURL: a.GeneratorURL, Labels: a.Labels})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
