package fakes

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const rk = "0123456789abcdef0123456789abcdef"

func post(t *testing.T, url, ctype, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Post(url, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String(), resp.Header
}

func trigger(key, summary string) string {
	b, _ := json.Marshal(map[string]any{"routing_key": rk, "event_action": "trigger", "dedup_key": key,
		"payload": map[string]any{"summary": summary, "source": "db1", "severity": "critical"}})
	return string(b)
}

func TestPagerDutyContract(t *testing.T) {
	f := NewPagerDuty()
	defer f.Close()
	code, body, _ := post(t, f.URL(), "application/json", trigger("k1", "disk full"))
	if code != 202 || !strings.Contains(body, `"status":"success"`) || !strings.Contains(body, `"dedup_key":"k1"`) {
		t.Fatalf("trigger: %d %s", code, body)
	}
	// Dedup on an open alert; ack; resolve; resolve again is dropped; trigger reopens a new alert.
	post(t, f.URL(), "application/json", trigger("k1", "disk full again"))
	post(t, f.URL(), "application/json", `{"routing_key":"`+rk+`","event_action":"acknowledge","dedup_key":"k1"}`)
	post(t, f.URL(), "application/json", `{"routing_key":"`+rk+`","event_action":"resolve","dedup_key":"k1"}`)
	post(t, f.URL(), "application/json", `{"routing_key":"`+rk+`","event_action":"resolve","dedup_key":"k1"}`)
	post(t, f.URL(), "application/json", trigger("k1", "disk full, third time"))
	var effects []string
	for _, e := range f.Events() {
		effects = append(effects, e.Effect)
	}
	if got := strings.Join(effects, ","); got != "opened,deduplicated,acknowledged,resolved,dropped,opened" {
		t.Fatalf("effects %s", got)
	}
	if len(f.Alerts()) != 2 || f.OpenAlerts() != 1 {
		t.Fatalf("alerts %d open %d", len(f.Alerts()), f.OpenAlerts())
	}
	// The same dedup key under another routing key is another alert.
	other := strings.Replace(trigger("k1", "x"), rk, "fedcba9876543210fedcba9876543210", 1)
	post(t, f.URL(), "application/json", other)
	if f.OpenAlerts() != 2 {
		t.Fatal("routing key not part of the identity")
	}
	// No dedup_key on a trigger: a generated key, so a second one opens another alert.
	nodedup := `{"routing_key":"` + rk + `","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"}}`
	post(t, f.URL(), "application/json", nodedup)
	post(t, f.URL(), "application/json", nodedup)
	if f.OpenAlerts() != 4 {
		t.Fatalf("open %d, want 4", f.OpenAlerts())
	}
}

func TestPagerDutyRejects(t *testing.T) {
	f := NewPagerDuty()
	defer f.Close()
	long := strings.Repeat("é", 1025)
	cases := map[string]struct{ body, want string }{
		"short routing key": {strings.Replace(trigger("k", "s"), rk, "abc", 1), "Length of 'routing_key' is incorrect (should be 32 characters)"},
		"bad action":        {`{"routing_key":"` + rk + `","event_action":"page"}`, "'event_action' is invalid"},
		"resolve no key":    {`{"routing_key":"` + rk + `","event_action":"resolve"}`, "'dedup_key' is required"},
		"long dedup":        {trigger(strings.Repeat("k", 256), "s"), "'dedup_key' is too long"},
		"long summary":      {trigger("k", long), "'payload.summary' is too long"},
		"bad severity":      {strings.Replace(trigger("k", "s"), `"critical"`, `"fatal"`, 1), "'payload.severity' is invalid"},
		"no source":         {strings.Replace(trigger("k", "s"), `"source":"db1",`, "", 1), "'payload.source' is missing"},
		"bad timestamp":     {`{"routing_key":"` + rk + `","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info","timestamp":"yesterday"}}`, "'payload.timestamp'"},
		"http image":        {`{"routing_key":"` + rk + `","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"},"images":[{"src":"http://x/y.png"}]}`, "HTTPS"},
		"not json":          {`{`, "Malformed JSON"},
	}
	for name, c := range cases {
		code, body, _ := post(t, f.URL(), "application/json", c.body)
		var resp struct {
			Status  string   `json:"status"`
			Message string   `json:"message"`
			Errors  []string `json:"errors"`
		}
		_ = json.Unmarshal([]byte(body), &resp)
		if code != 400 || resp.Status != "invalid event" || resp.Message != "Event object is invalid" || !strings.Contains(strings.Join(resp.Errors, "|"), c.want) {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	if code, _, _ := post(t, f.URL(), "text/plain", trigger("k", "s")); code != 400 {
		t.Errorf("text/plain accepted: %d", code)
	}
	big := `{"routing_key":"` + rk + `","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info","custom_details":{"x":"` + strings.Repeat("a", 512*1000) + `"}}}`
	if code, _, _ := post(t, f.URL(), "application/json", big); code != 413 {
		t.Errorf("oversized body: %d", code)
	}
	if len(f.Events()) != 0 {
		t.Fatal("a rejected event was recorded")
	}
}

func TestPagerDutyRateLimitAndScript(t *testing.T) {
	f := NewPagerDuty()
	defer f.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Now = func() time.Time { return now }
	for i := 0; i < 120; i++ {
		if code, _, _ := post(t, f.URL(), "application/json", trigger("k", "s")); code != 202 {
			t.Fatalf("event %d: %d", i, code)
		}
	}
	if code, body, _ := post(t, f.URL(), "application/json", trigger("k", "s")); code != 429 || !strings.Contains(body, "throttle") {
		t.Fatalf("121st event: %d %s", code, body)
	}
	now = now.Add(61 * time.Second)
	if code, _, _ := post(t, f.URL(), "application/json", trigger("k", "s")); code != 202 {
		t.Fatal("window did not slide")
	}
	f.Script(Scripted{Status: 500, Times: 2}, Scripted{Status: 429, RetryAfter: "7"})
	for _, want := range []int{500, 500, 429, 202} {
		code, _, h := post(t, f.URL(), "application/json", trigger("k", "s"))
		if code != want {
			t.Fatalf("scripted: %d want %d", code, want)
		}
		if code == 429 && h.Get("Retry-After") != "7" {
			t.Fatal("Retry-After missing")
		}
	}
}

func TestSlackContract(t *testing.T) {
	f := NewSlack()
	defer f.Close()
	f.Burst = -1
	if code, body, _ := post(t, f.URL(), "application/json", `{"text":"hello"}`); code != 200 || body != "ok" {
		t.Fatalf("%d %q", code, body)
	}
	section := func(n int) string {
		return `{"type":"section","text":{"type":"mrkdwn","text":"` + strings.Repeat("x", n) + `"}}`
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = section(1)
	}
	cases := map[string]struct {
		body string
		want string
	}{
		"no text":       {`{}`, "no_text"},
		"empty text":    {`{"text":""}`, "no_text"},
		"no content":    {`{"channel":"#x","attachments":[]}`, "no_text"},
		"bad json":      {`{"text":`, "invalid_payload"},
		"long section":  {`{"text":"t","blocks":[` + section(3001) + `]}`, "invalid_payload"},
		"51 blocks":     {`{"text":"t","blocks":[` + strings.Join(many, ",") + `]}`, "invalid_payload"},
		"unknown block": {`{"text":"t","blocks":[{"type":"carousel"}]}`, "invalid_payload"},
		"long header":   {`{"text":"t","blocks":[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", 151) + `"}}]}`, "invalid_payload"},
	}
	for name, c := range cases {
		if code, body, _ := post(t, f.URL(), "application/json", c.body); code != 400 || body != c.want {
			t.Errorf("%s: %d %q", name, code, body)
		}
	}
	if code, _, _ := post(t, f.URL(), "application/json", `{"text":"t","blocks":[`+section(3000)+`]}`); code != 200 {
		t.Error("3000-char section rejected")
	}
	// Alertmanager's slack_configs send attachments only (no top-level text); Slack accepts them.
	am := `{"channel":"#incidents","username":"Alertmanager","attachments":[{"title":"[FIRING:1] X","text":"y","fallback":"z","color":"danger","mrkdwn_in":["fallback","pretext","text"]}]}`
	if code, body, _ := post(t, f.URL(), "application/json", am); code != 200 || body != "ok" {
		t.Errorf("Alertmanager attachments-only message: %d %q", code, body)
	}
	if m := f.Messages(); len(m) == 0 || len(m[len(m)-1].Attachments) != 1 || m[len(m)-1].Attachments[0]["title"] != "[FIRING:1] X" {
		t.Errorf("attachments not recorded: %+v", m)
	}
	if code, body, _ := post(t, f.Server.URL+"/services/other", "application/json", `{"text":"x"}`); code != 404 || body != "no_service" {
		t.Errorf("unknown webhook: %d %s", code, body)
	}
	f.Script(Scripted{Status: 410, Body: "channel_is_archived"})
	if code, body, _ := post(t, f.URL(), "application/json", `{"text":"x"}`); code != 410 || body != "channel_is_archived" {
		t.Error("scripted 410")
	}
}

func TestSlackRateLimit(t *testing.T) {
	f := NewSlack()
	defer f.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if code, _, _ := post(t, f.URL(), "application/json", `{"text":"x"}`); code != 200 {
			t.Fatal("burst")
		}
	}
	code, body, h := post(t, f.URL(), "application/json", `{"text":"x"}`)
	if code != 429 || h.Get("Retry-After") != "1" || !strings.Contains(body, "rate_limited") {
		t.Fatalf("4th in a second: %d %s %v", code, body, h)
	}
	now = now.Add(1100 * time.Millisecond)
	if code, _, _ := post(t, f.URL(), "application/json", `{"text":"x"}`); code != 200 {
		t.Fatal("after a second")
	}
	if len(f.Messages()) != 4 {
		t.Fatalf("messages %d", len(f.Messages()))
	}
}

func TestWebhookSignature(t *testing.T) {
	f := NewWebhook([]byte("s3cret"))
	defer f.Close()
	req, _ := http.NewRequest(http.MethodPost, f.URL, strings.NewReader(`{"a":1}`))
	req.Header.Set("X-Incident-Timestamp", "1")
	req.Header.Set("X-Incident-Signature", "sha256=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || f.Denied() != 1 || len(f.Requests()) != 0 {
		t.Fatalf("bad signature accepted: %d", resp.StatusCode)
	}
}

func TestPagerDutyAckOfClosedKeyDropped(t *testing.T) {
	f := NewPagerDuty()
	defer f.Close()
	ack := func(key string) string {
		return `{"routing_key":"` + rk + `","event_action":"acknowledge","dedup_key":"` + key + `"}`
	}
	if code, _, _ := post(t, f.URL(), "application/json", ack("never-opened")); code != 202 {
		t.Fatalf("ack of an unknown key: %d (PagerDuty accepts and drops it)", code)
	}
	post(t, f.URL(), "application/json", trigger("k2", "s"))
	post(t, f.URL(), "application/json", `{"routing_key":"`+rk+`","event_action":"resolve","dedup_key":"k2"}`)
	post(t, f.URL(), "application/json", ack("k2"))
	var effects []string
	for _, e := range f.Events() {
		effects = append(effects, e.Action+":"+e.Effect)
	}
	if got := strings.Join(effects, ","); got != "acknowledge:dropped,trigger:opened,resolve:resolved,acknowledge:dropped" {
		t.Fatalf("effects %s", got)
	}
	if a := f.Alerts(); len(a) != 1 || a[0].Acked || a[0].Open || f.OpenAlerts() != 0 {
		t.Fatalf("a dropped ack changed the alert: %+v", a)
	}
}

func TestPagerDuty429WithoutRetryAfterAndHang(t *testing.T) {
	f := NewPagerDuty()
	defer f.Close()
	f.Script(Scripted{Status: 429, Body: `{"status":"throttle event"}`}, Scripted{Hang: true})
	code, _, h := post(t, f.URL(), "application/json", trigger("k", "s"))
	if code != 429 || h.Get("Retry-After") != "" {
		t.Fatalf("429 without Retry-After: %d %q", code, h.Get("Retry-After"))
	}
	client := &http.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	resp, err := client.Post(f.URL(), "application/json", strings.NewReader(trigger("k", "s")))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a hang answered %d", resp.StatusCode)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Fatalf("hang ended after %v", d)
	}
	if code, _, _ := post(t, f.URL(), "application/json", trigger("k", "s")); code != 202 {
		t.Fatalf("after the script: %d", code)
	}
	if len(f.Events()) != 1 || f.Requests() != 3 {
		t.Fatalf("events %d requests %d", len(f.Events()), f.Requests())
	}
}

func TestWebhookSignatureValidAndStale(t *testing.T) {
	secret := []byte("s3cret")
	f := NewWebhook(secret)
	defer f.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Now = func() time.Time { return now }
	sign := func(ts int64, body string) string {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(strconv.FormatInt(ts, 10) + "." + body))
		return "sha256=" + hex.EncodeToString(m.Sum(nil))
	}
	send := func(ts int64, sig, body string) int {
		req, _ := http.NewRequest(http.MethodPost, f.URL, strings.NewReader(body))
		req.Header.Set("X-Incident-Timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("X-Incident-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := `{"status":"firing"}`
	if c := send(now.Unix(), sign(now.Unix(), body), body); c != 200 {
		t.Fatalf("valid signature: %d", c)
	}
	old := now.Add(-6 * time.Minute).Unix()
	if c := send(old, sign(old, body), body); c != 401 {
		t.Fatalf("stale timestamp with a valid HMAC: %d", c)
	}
	if c := send(now.Unix(), sign(now.Unix(), body), `{"status":"resolved"}`); c != 401 {
		t.Fatalf("signature of another body: %d", c)
	}
	if len(f.Requests()) != 1 || f.Denied() != 2 || f.Requests()[0].Body["status"] != "firing" {
		t.Fatalf("requests %d denied %d", len(f.Requests()), f.Denied())
	}
}
