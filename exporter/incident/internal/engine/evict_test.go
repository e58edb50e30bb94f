package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/route"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/state"
)

func burstRule() *Rule {
	r := errorRule()
	r.Params.MinCount, r.Params.Window = 20, 5*time.Minute
	return r
}

// Single error logs from as many distinct services as max_incidents (none reaching
// min_count) must not keep a real burst from paging.
func TestNoiseAtMaxIncidentsDoesNotSilenceABurst(t *testing.T) {
	rec := counter{}
	r := burstRule()
	e := newEngine(rec, []route.Route{{To: []string{"pd"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, 5*time.Minute, 0)}}, nil, r)
	for n := range 100 { // newEngine's max_incidents
		e.Observe(r, state.Active, map[string]string{"service.name": fmt.Sprintf("noise-%d", n)}, logData("x"), 0, false, at(float64(n)/100))
	}
	if e.Len() != 100 {
		t.Fatalf("tracked %d, want the table full", e.Len())
	}
	got := run(e, 2, 40, func(s float64) {
		e.Observe(r, state.Active, svc, logData("payment failed"), 0, false, at(s))
	})
	if strings.Join(got, ",") != "pd:trigger" {
		t.Fatalf("burst after noise: notifications %v, counters %v", got, rec)
	}
	if rec["evicted:inactive"] != 1 || rec["rejected:ErrorLogs"] != 0 {
		t.Fatalf("counters %v", rec)
	}
	// The oldest noise entry went, the newest stayed.
	if e.Incident(rules.Fingerprint("ErrorLogs", map[string]string{"service.name": "noise-0"})) != nil ||
		e.Incident(rules.Fingerprint("ErrorLogs", map[string]string{"service.name": "noise-99"})) == nil {
		t.Fatal("eviction is not oldest first")
	}
}

// An entry kept recently observed survives: eviction order is by last observation, so a
// service accumulating toward min_count is not pushed out by older noise.
func TestEvictionIsLeastRecentlyObserved(t *testing.T) {
	rec := counter{}
	r := burstRule()
	e := newEngine(rec, nil, nil, r)
	id := func(n int) map[string]string { return map[string]string{"service.name": fmt.Sprintf("s-%d", n)} }
	for n := range 100 {
		e.Observe(r, state.Active, id(n), nil, 0, false, at(float64(n)))
	}
	e.Observe(r, state.Active, id(0), nil, 0, false, at(200)) // s-0 is now the newest
	e.Observe(r, state.Active, id(100), nil, 0, false, at(201))
	if e.Incident(rules.Fingerprint(r.Name, id(0))) == nil || e.Incident(rules.Fingerprint(r.Name, id(1))) != nil {
		t.Fatal("evicted the recently observed entry instead of the least recently observed one")
	}
	if e.Len() != 100 || rec["evicted:inactive"] != 1 {
		t.Fatalf("len %d counters %v", e.Len(), rec)
	}
}

// Open incidents are never evicted: at max_incidents with every entry firing the new
// fingerprint is rejected (and the recorder is told, naming the rule).
func TestFiringIncidentsAreNeverEvicted(t *testing.T) {
	rec := counter{}
	r := errorRule()
	e := newEngine(rec, []route.Route{{To: []string{"pd"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, 5*time.Minute, 0)}}, nil, r)
	for n := range 100 {
		e.Observe(r, state.Active, map[string]string{"service.name": fmt.Sprintf("s-%d", n)}, logData("x"), 0, false, at(0))
	}
	e.Observe(r, state.Active, svc, logData("x"), 0, false, at(1))
	if e.Len() != 100 || e.Incident(rules.Fingerprint(r.Name, svc)) != nil {
		t.Fatalf("a firing incident was evicted: len %d", e.Len())
	}
	if rec["rejected:ErrorLogs"] != 1 || len(rec) == 0 || rec["evicted:inactive"] != 0 {
		t.Fatalf("counters %v", rec)
	}
}

// Resolved entries no destination still holds go after inactive ones, before any
// rejection; while a resolve is still owed to a destination the entry stays.
func TestResolvedEvictedOnceSettled(t *testing.T) {
	rec := counter{}
	r := metricRule()
	r.Params.FlapMax = 0
	e := newEngine(rec, []route.Route{{To: []string{"pd"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, time.Minute, 0)}}, nil, r)
	id := func(n int) map[string]string { return map[string]string{"service.name": fmt.Sprintf("s-%d", n)} }
	each := func(s float64) {
		for n := range 100 {
			sig := state.Active
			if s > 0 {
				sig = state.Clear
			}
			e.Observe(r, sig, id(n), nil, 12, true, at(s))
		}
	}
	// Fire at 0 (triggers sent), clear at 1: resolved, but the resolves wait for the
	// group_interval flush at 60 s.
	got := run(e, 0, 5, each)
	if len(got) != 100 {
		t.Fatalf("%d notifications", len(got))
	}
	e.Observe(r, state.Active, svc, nil, 12, true, at(5))
	if rec["rejected:ReplicationLag"] != 1 || rec["evicted:resolved"] != 0 {
		t.Fatalf("evicted an incident whose resolve is owed: counters %v", rec)
	}
	got = run(e, 5, 70, nil)
	if len(got) != 100 || !strings.HasSuffix(got[0], ":resolve") {
		t.Fatalf("%d notifications %v", len(got), got[:1])
	}
	e.Observe(r, state.Active, svc, nil, 12, true, at(80))
	if rec["evicted:resolved"] != 1 || e.Incident(rules.Fingerprint(r.Name, svc)) == nil || e.Len() != 100 {
		t.Fatalf("counters %v", rec)
	}
}
