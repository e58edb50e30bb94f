package payload

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/alert"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
)

const rk = "0123456789abcdef0123456789abcdef"

var start = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func sample() alert.Alert {
	return alert.Alert{
		Fingerprint: strings.Repeat("ab", 32), Rule: "ReplicationLag", Severity: "critical",
		Labels:  map[string]string{"alertname": "ReplicationLag", "severity": "critical", "service.name": "postgres", "deployment.environment.name": "prod", "1st": "x"},
		Summary: "lag 12s on replica-1", Description: "replica <replica-1> & friends", RunbookURL: "https://runbooks.example/pg#lag",
		Episode: 3, StartsAt: start, Value: 12.5, HasValue: true,
	}
}

func send(t *testing.T, url string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestPagerDutyAgainstContract(t *testing.T) {
	pd := fakes.NewPagerDuty()
	defer pd.Close()
	cfg := PDConfig{RoutingKey: rk, DedupPrefix: "fraiseql", Client: "otelcol-fraiseql"}
	a := sample()
	a.Summary = strings.Repeat("ü", 3000)         // over 1024 runes
	a.Description = strings.Repeat("d", 600*1000) // over the body limit
	for _, act := range []alert.Action{alert.ActionTrigger, alert.ActionFlapping, alert.ActionResolve} {
		b, err := PagerDuty(cfg, Item{Action: act, Alert: a})
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > PDBodyMax {
			t.Fatalf("%s: body %d > limit", act, len(b))
		}
		if code, body := send(t, pd.URL(), b, nil); code != 202 {
			t.Fatalf("%s rejected: %d %s", act, code, body)
		}
	}
	ev := pd.Events()
	if len(ev) != 3 || ev[0].Effect != "opened" || ev[1].Effect != "deduplicated" || ev[2].Effect != "resolved" {
		t.Fatalf("events %+v", ev)
	}
	if ev[0].DedupKey != "fraiseql:"+a.Fingerprint || ev[0].Severity != "critical" || ev[0].Source != "postgres" {
		t.Fatalf("fields %+v", ev[0])
	}
	if utf8.RuneCountInString(ev[0].Summary) != 1024 || !strings.HasPrefix(ev[1].Summary, "[FLAPPING] ") {
		t.Fatal("summary")
	}
	if len(ev[0].Links) != 1 || ev[0].Links[0]["href"] != a.RunbookURL {
		t.Fatalf("runbook link %v", ev[0].Links)
	}
	if ev[0].Details["truncated"] != true {
		t.Fatal("oversized details not cut")
	}
	// Unknown severities map to error; no service, no source config: a default source.
	b, _ := PagerDuty(PDConfig{RoutingKey: rk}, Item{Action: alert.ActionTrigger, Alert: alert.Alert{Fingerprint: "f", Rule: "R", Severity: "page"}})
	if code, body := send(t, pd.URL(), b, nil); code != 202 {
		t.Fatalf("minimal trigger rejected: %s", body)
	}
	if got := pd.Events()[3]; got.Severity != "error" || got.Source != "otelcol-fraiseql" || got.Summary != "R" {
		t.Fatalf("%+v", got)
	}
	if k := PDDedupKey(strings.Repeat("p", 300), "fp"); len(k) != 255 || !strings.HasSuffix(k, ":fp") {
		t.Fatal("dedup key cut")
	}
}

func TestSlackAgainstContract(t *testing.T) {
	sl := fakes.NewSlack()
	defer sl.Close()
	sl.Burst = -1
	a := sample()
	b, err := Slack([]Item{{Action: alert.ActionTrigger, Alert: a}})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := send(t, sl.URL(), b, nil); code != 200 || body != "ok" {
		t.Fatalf("%d %s", code, body)
	}
	m := sl.Messages()[0]
	sec := m.Blocks[0]["text"].(map[string]any)["text"].(string)
	if !strings.Contains(sec, "&lt;replica-1&gt; &amp; friends") || !strings.Contains(sec, "<https://runbooks.example/pg#lag|Runbook>") || !strings.Contains(m.Text, "[FIRING] ReplicationLag") {
		t.Fatalf("message %q / %q", m.Text, sec)
	}
	// 60 alerts with huge texts: within 50 blocks and 3000 chars per section.
	var items []Item
	for i := 0; i < 60; i++ {
		x := sample()
		x.Summary = strings.Repeat("s", 5000)
		x.Labels = map[string]string{"k": strings.Repeat("v", 4000), "i": strconv.Itoa(i)}
		act := alert.ActionTrigger
		if i%2 == 0 {
			act = alert.ActionResolve
		}
		items = append(items, Item{Action: act, Alert: x})
	}
	b, _ = Slack(items)
	if code, body := send(t, sl.URL(), b, nil); code != 200 {
		t.Fatalf("big group rejected: %d %s", code, body)
	}
	m = sl.Messages()[1]
	if len(m.Blocks) != SlackAlertsPerMessage+1 || !strings.Contains(m.Text, "60 alerts (30 firing, 30 resolved)") {
		t.Fatalf("blocks %d text %q", len(m.Blocks), m.Text)
	}
	if _, err := Slack(nil); err == nil {
		t.Fatal("empty message built")
	}
}

func TestWebhookSignedAgainstReceiver(t *testing.T) {
	secret := []byte("s3cret")
	wh := fakes.NewWebhook(secret)
	defer wh.Close()
	a := sample()
	r := a
	r.EndsAt = start.Add(time.Hour)
	b, err := Webhook("hooks", "0{alertname=\"ReplicationLag\"}", map[string]string{"alertname": "ReplicationLag"}, "", []Item{{Action: alert.ActionTrigger, Alert: a}, {Action: alert.ActionResolve, Alert: r}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sig := Sign(secret, now.Unix(), b)
	if code, _ := send(t, wh.URL, b, map[string]string{HeaderTimestamp: strconv.FormatInt(now.Unix(), 10), HeaderSignature: sig}); code != 200 {
		t.Fatalf("signed request rejected: %d", code)
	}
	if !Verify(secret, strconv.FormatInt(now.Unix(), 10), sig, b, now, time.Minute) || Verify(secret, strconv.FormatInt(now.Unix(), 10), sig, append(b, ' '), now, time.Minute) || Verify([]byte("x"), strconv.FormatInt(now.Unix(), 10), sig, b, now, time.Minute) {
		t.Fatal("Verify")
	}
	if Verify(secret, strconv.FormatInt(now.Unix(), 10), sig, b, now.Add(time.Hour), time.Minute) {
		t.Fatal("stale signature verified")
	}
	// Tampered body: the receiver refuses it.
	if code, _ := send(t, wh.URL, append([]byte(" "), b...), map[string]string{HeaderTimestamp: strconv.FormatInt(now.Unix(), 10), HeaderSignature: sig}); code != 401 {
		t.Fatalf("tampered body: %d", code)
	}
	got := wh.Requests()[0].Body
	alerts := got["alerts"].([]any)
	first, second := alerts[0].(map[string]any), alerts[1].(map[string]any)
	if got["version"] != "4" || got["status"] != "firing" || first["endsAt"] != "0001-01-01T00:00:00Z" || second["status"] != "resolved" || second["endsAt"] != "2026-05-01T13:00:00Z" {
		t.Fatalf("shape %v", got)
	}
	if cl := got["commonLabels"].(map[string]any); cl["service.name"] != "postgres" {
		t.Fatalf("commonLabels %v", cl)
	}
}

func TestAlertmanagerLabels(t *testing.T) {
	for in, want := range map[string]string{"service.name": "service_name", "1st": "_1st", "": "_", "ok_1": "ok_1", "é": "__", "a-b/c": "a_b_c"} {
		if got := SanitizeName(in); got != want || !ValidName(got) {
			t.Errorf("SanitizeName(%q) = %q want %q", in, got, want)
		}
	}
	out, renamed := SanitizeLabels(map[string]string{"a.b": "1", "a_b": "2", "a-b": "3", "alertname": "x"}, "alertname")
	// Sorted: a-b, a.b, a_b, alertname → a_b, a_b_2, a_b_3, alertname_2.
	if out["a_b"] != "3" || out["a_b_2"] != "1" || out["a_b_3"] != "2" || out["alertname_2"] != "x" || len(out) != 4 {
		t.Fatalf("collisions %v", out)
	}
	if renamed["a_b_3"] != "a_b" || renamed["a_b"] != "a-b" {
		t.Fatalf("renamed %v", renamed)
	}
	a := sample()
	labels, orig := AMLabels(a)
	for k := range labels {
		if !ValidName(k) {
			t.Errorf("invalid label name %q", k)
		}
	}
	if labels["alertname"] != "ReplicationLag" || labels["severity"] != "critical" || labels["service_name"] != "postgres" || labels["_1st"] != "x" {
		t.Fatalf("labels %v", labels)
	}
	if orig != "_1st=1st,deployment_environment_name=deployment.environment.name,service_name=service.name" {
		t.Fatalf("orig %q", orig)
	}
	b, err := Alertmanager([]AMItem{{Item: Item{Action: alert.ActionTrigger, Alert: a}, EndsAt: start.Add(4 * time.Minute)}, {Item: Item{Action: alert.ActionResolve, Alert: a}, EndsAt: start.Add(-time.Hour)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []AMAlert
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got[0].EndsAt != "2026-05-01T12:04:00Z" || got[1].EndsAt != got[1].StartsAt || got[0].Annotations["runbook_url"] != a.RunbookURL || got[0].Annotations["otel_label_names"] == "" {
		t.Fatalf("%+v", got)
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add("service.name", "k8s.pod.name", "x")
	f.Fuzz(func(t *testing.T, a, b, v string) {
		out, _ := SanitizeLabels(map[string]string{a: v, b: v}, "alertname", "severity")
		want := 2
		if a == b {
			want = 1
		}
		if len(out) != want {
			t.Fatalf("lost a label: %v", out)
		}
		for k, val := range out {
			if !ValidName(k) || k == "alertname" || k == "severity" || !utf8.ValidString(val) {
				t.Fatalf("bad output %q=%q", k, val)
			}
		}
	})
}
