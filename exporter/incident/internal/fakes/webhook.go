package fakes

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WebhookRequest is a received, verified request.
type WebhookRequest struct {
	Body    map[string]any
	Headers http.Header
}

// Webhook records JSON POSTs; with a Secret it verifies the signature headers
// (X-Incident-Timestamp, X-Incident-Signature: sha256=HMAC(secret, ts + "." + body)) and
// answers 401 to a bad or stale (> 5 min) signature.
type Webhook struct {
	*httptest.Server
	Secret []byte
	Now    func() time.Time

	script
	mu       sync.Mutex
	requests []WebhookRequest
	denied   int
}

// NewWebhook starts a receiver.
func NewWebhook(secret []byte) *Webhook {
	f := &Webhook{Secret: secret, Now: time.Now}
	f.Server = httptest.NewServer(http.HandlerFunc(f.handle))
	return f
}

// NewWebhookUnstarted returns a receiver whose server the caller starts or whose handler
// (Server.Config.Handler) the caller mounts on its own server.
func NewWebhookUnstarted(secret []byte) *Webhook {
	f := &Webhook{Secret: secret, Now: time.Now}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(f.handle))
	return f
}

// ResetScript drops the forced responses not yet served.
func (f *Webhook) ResetScript() { f.reset() }

// Script queues forced responses.
func (f *Webhook) Script(r ...Scripted) { f.push(r...) }

// Requests returns the accepted requests.
func (f *Webhook) Requests() []WebhookRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]WebhookRequest(nil), f.requests...)
}

// Denied counts signature failures.
func (f *Webhook) Denied() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.denied
}

func (f *Webhook) verify(ts, sig string, body []byte) bool {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if d := f.Now().Sub(time.Unix(n, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, f.Secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	return strings.HasPrefix(sig, "sha256=") && hmac.Equal([]byte(sig), []byte(want))
}

func (f *Webhook) handle(w http.ResponseWriter, r *http.Request) {
	if f.serve(w, r) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if len(f.Secret) > 0 && !f.verify(r.Header.Get("X-Incident-Timestamp"), r.Header.Get("X-Incident-Signature"), body) {
		withLock(&f.mu, func() { f.denied++ })
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	withLock(&f.mu, func() { f.requests = append(f.requests, WebhookRequest{Body: m, Headers: r.Header.Clone()}) })
	w.WriteHeader(http.StatusOK)
}
