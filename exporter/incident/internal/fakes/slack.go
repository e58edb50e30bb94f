package fakes

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
	"unicode/utf8"
)

// Slack Block Kit and webhook limits enforced by the fake.
const (
	slackBlocksMax  = 50
	slackSectionMax = 3000
	slackHeaderMax  = 150
	slackTextMax    = 40000
	slackBodyMax    = 1 << 20
)

// SlackMessage is an accepted message.
type SlackMessage struct {
	Text   string
	Blocks []map[string]any
	// Attachments (legacy secondary content): what Alertmanager's slack_configs send, often
	// without a top-level text; Slack accepts a message with text, blocks or attachments.
	Attachments []map[string]any
	At          time.Time
}

// Slack is a fake incoming webhook: 200 "ok" on success, 400 invalid_payload / no_text,
// Block Kit limits (50 blocks, section text 3000, header 150), and 1 message per second
// with a short burst, answered with 429 and Retry-After.
type Slack struct {
	*httptest.Server
	Now func() time.Time
	// Burst messages allowed within one second (default 3); negative disables the limit.
	Burst int

	script
	mu       sync.Mutex
	requests int
	messages []SlackMessage
	errors   []string
	win      *window
}

// NewSlack starts a fake webhook on a loopback port (path /services/T0/B0/secret).
func NewSlack() *Slack {
	f := &Slack{Now: time.Now, Burst: 3}
	f.Server = httptest.NewServer(http.HandlerFunc(f.handle))
	return f
}

// NewSlackUnstarted returns a fake whose server the caller starts (to pick a listener) or
// whose handler (Server.Config.Handler) the caller mounts on its own server.
func NewSlackUnstarted() *Slack {
	f := &Slack{Now: time.Now, Burst: 3}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(f.handle))
	return f
}

// URL of the webhook.
func (f *Slack) URL() string { return f.Server.URL + "/services/T0/B0/secret" }

// ResetScript drops the forced responses not yet served.
func (f *Slack) ResetScript() { f.reset() }

// Script queues forced responses (e.g. 404 channel_not_found, 410 channel_is_archived).
func (f *Slack) Script(r ...Scripted) { f.push(r...) }

// Messages returns the accepted messages.
func (f *Slack) Messages() []SlackMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SlackMessage(nil), f.messages...)
}

// Errors returns the error bodies sent, in order.
func (f *Slack) Errors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errors...)
}

func (f *Slack) fail(w http.ResponseWriter, status int, body string) {
	withLock(&f.mu, func() { f.errors = append(f.errors, body) })
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func textOf(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	t, ok := m["text"].(string)
	if !ok {
		return "", false
	}
	if ty, _ := m["type"].(string); ty != "mrkdwn" && ty != "plain_text" {
		return "", false
	}
	return t, true
}

func validBlocks(blocks []map[string]any) bool {
	if len(blocks) > slackBlocksMax {
		return false
	}
	for _, b := range blocks {
		switch b["type"] {
		case "section":
			t, ok := textOf(b["text"])
			if !ok || t == "" || utf8.RuneCountInString(t) > slackSectionMax {
				return false
			}
		case "header":
			t, ok := textOf(b["text"])
			if !ok || utf8.RuneCountInString(t) > slackHeaderMax {
				return false
			}
		case "context":
			els, ok := b["elements"].([]any)
			if !ok || len(els) == 0 || len(els) > 10 {
				return false
			}
			for _, e := range els {
				if t, ok := textOf(e); !ok || t == "" {
					return false
				}
			}
		case "divider":
		default:
			return false
		}
	}
	return true
}

// Requests counts every request, scripted or not.
func (f *Slack) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// accept records m unless the rate limit refuses it.
func (f *Slack) accept(m SlackMessage) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.win == nil {
		burst := f.Burst
		if burst == 0 {
			burst = 3
		}
		f.win = &window{limit: burst, period: time.Second}
	}
	if f.Burst >= 0 && !f.win.allow(m.At) {
		return false
	}
	f.messages = append(f.messages, m)
	return true
}

func (f *Slack) handle(w http.ResponseWriter, r *http.Request) {
	withLock(&f.mu, func() { f.requests++ })
	if f.serve(w, r) {
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/services/T0/B0/secret" {
		f.fail(w, http.StatusNotFound, "no_service")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, slackBodyMax+1))
	if err != nil || len(body) > slackBodyMax {
		f.fail(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	var in struct {
		Text        *string          `json:"text"`
		Blocks      []map[string]any `json:"blocks"`
		Attachments []map[string]any `json:"attachments"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		f.fail(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	if (in.Text == nil || *in.Text == "") && len(in.Blocks) == 0 && len(in.Attachments) == 0 {
		f.fail(w, http.StatusBadRequest, "no_text")
		return
	}
	if in.Text != nil && utf8.RuneCountInString(*in.Text) > slackTextMax {
		f.fail(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	if !validBlocks(in.Blocks) {
		f.fail(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	now := f.Now()
	text := ""
	if in.Text != nil {
		text = *in.Text
	}
	if !f.accept(SlackMessage{Text: text, Blocks: in.Blocks, Attachments: in.Attachments, At: now}) {
		w.Header().Set("Retry-After", "1")
		f.fail(w, http.StatusTooManyRequests, `{"retry_after":1,"ok":false,"error":"rate_limited"}`)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok"))
}
