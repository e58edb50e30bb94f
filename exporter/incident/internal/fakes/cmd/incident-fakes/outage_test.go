package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/fakes"
)

const event = `{"routing_key":"fraiseqldemoapi00000000000000032","event_action":"trigger","dedup_key":"k1","payload":{"summary":"s","source":"src","severity":"error"}}`

func post(t *testing.T, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	return rec
}

// During an outage every enqueue is refused (500 and 429 alternating in mixed mode, 429 with
// Retry-After) and the account does not change; after it ends the same event is accepted once.
func TestOutageRefusesThenRecovers(t *testing.T) {
	pd := fakes.NewPagerDutyUnstarted()
	o := &outage{}
	enqueue := o.wrap(pd.Server.Config.Handler)
	ctl := http.HandlerFunc(o.serve)

	if rec := post(t, ctl, http.MethodPost, "/pagerduty/outage?duration=bogus", ""); rec.Code != http.StatusBadRequest {
		t.Fatalf("bad duration: %d", rec.Code)
	}
	if rec := post(t, ctl, http.MethodPost, "/pagerduty/outage?duration=5m&status=mixed", ""); rec.Code != http.StatusOK {
		t.Fatalf("start outage: %d %s", rec.Code, rec.Body)
	}
	first := post(t, enqueue, http.MethodPost, "/v2/enqueue", event)
	second := post(t, enqueue, http.MethodPost, "/v2/enqueue", event)
	if first.Code != http.StatusInternalServerError || second.Code != http.StatusTooManyRequests {
		t.Fatalf("outage answers %d, %d; want 500, 429", first.Code, second.Code)
	}
	if second.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if n := len(pd.Events()); n != 0 {
		t.Fatalf("%d events recorded during the outage", n)
	}
	if rec := post(t, ctl, http.MethodDelete, "/pagerduty/outage", ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"refused":2`) {
		t.Fatalf("end outage: %d %s", rec.Code, rec.Body)
	}
	if rec := post(t, enqueue, http.MethodPost, "/v2/enqueue", event); rec.Code != http.StatusAccepted {
		t.Fatalf("after the outage: %d %s", rec.Code, rec.Body)
	}
	if ev := pd.Events(); len(ev) != 1 || ev[0].Effect != "opened" {
		t.Fatalf("events after the outage: %+v", ev)
	}
}
