package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/outbox"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/route"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/rules"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/state"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

type counter map[string]int

func (c counter) Transition(rule, from, to string) { c["transition:"+from+">"+to]++ }
func (c counter) Suppressed(reason string)         { c["suppressed:"+reason]++ }
func (c counter) Dropped(dest, reason string)      { c["dropped:"+reason]++ }
func (c counter) TemplateError(string)             { c["template_error"]++ }
func (c counter) Evicted(phase string)             { c["evicted:"+phase]++ }
func (c counter) Rejected(rule string)             { c["rejected:"+rule]++ }

var dests = map[string]Dest{"pd": {"pd", PagerDuty}, "chat": {"chat", Slack}, "boss": {"boss", Slack}, "am": {"am", Alertmanager}}

func errorRule() *Rule {
	return &Rule{
		Name: "ErrorLogs", Severity: "error", Kind: Logs, Identity: []string{"service.name"},
		Params:  state.Params{Inactivity: 15 * time.Minute},
		Summary: rules.MustParse("s", `{{.Rule}} in {{index .Labels "service.name"}}: {{.Body}}`),
	}
}

func metricRule() *Rule {
	return &Rule{
		Name: "ReplicationLag", Severity: "critical", Kind: Metrics, Identity: []string{"service.name"},
		Metric: "postgresql.replication.lag", Threshold: rules.Threshold{Op: rules.GT, Threshold: 10, Clear: 5},
		Params: state.Params{Inactivity: 5 * time.Minute, FlapMax: 3, FlapWindow: 10 * time.Minute, HoldDown: 10 * time.Minute},
	}
}

func timing(wait, interval, repeat time.Duration) route.Timing {
	return route.Timing{GroupWait: wait, GroupInterval: interval, RepeatInterval: repeat}
}

func newEngine(rec counter, routes []route.Route, windows []route.Window, rs ...*Rule) *Engine {
	return New(Config{Rules: rs, Router: route.Router{Routes: routes}, Windows: windows, Dests: dests, MaxIncidents: 100, Retention: time.Hour, Recorder: rec})
}

// drain delivers every ready notification successfully and returns "dest:action" lines.
func drain(e *Engine, now time.Time) []string {
	var out []string
	for _, d := range []string{"pd", "chat", "boss"} {
		ready, _, _ := e.Outbox().Ready(d, now, 0)
		for _, k := range ready {
			en, ok := e.Outbox().Begin(k)
			if !ok {
				continue
			}
			out = append(out, fmt.Sprintf("%s:%s", d, en.Action))
			e.Outbox().Finish(k, en, outbox.Delivered, now, time.Time{}, "")
		}
	}
	return out
}

// run ticks the engine every second from..to, draining each time.
func run(e *Engine, from, to float64, each func(s float64)) []string {
	var out []string
	for s := from; s < to; s++ {
		if each != nil {
			each(s)
		}
		e.Tick(at(s))
		out = append(out, drain(e, at(s))...)
	}
	return out
}

var svc = map[string]string{"service.name": "checkout"}

func logData(body string) func() *rules.Data {
	return func() *rules.Data { return &rules.Data{Body: body} }
}

func TestThousandIdenticalErrorsOneTrigger(t *testing.T) {
	rec := counter{}
	e := newEngine(rec, []route.Route{{To: []string{"pd", "chat"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, 5*time.Minute, 0)}}, nil, errorRule())
	r := e.cfg.Rules[0]
	got := run(e, 0, 100, func(s float64) {
		for j := 0; j < 10; j++ {
			e.Observe(r, state.Active, svc, logData("connection refused"), 0, false, at(s))
		}
	})
	if strings.Join(got, ",") != "pd:trigger,chat:trigger" {
		t.Fatalf("notifications %v", got)
	}
	i := e.Incident(rules.Fingerprint("ErrorLogs", svc))
	if i.Alert.Summary != "ErrorLogs in checkout: connection refused" {
		t.Fatalf("summary %q", i.Alert.Summary)
	}
	// Silence for the inactivity period resolves and both destinations hear it.
	got = run(e, 100, 100+15*60+5*60+2, nil)
	if strings.Join(got, ",") != "pd:resolve,chat:resolve" {
		t.Fatalf("after inactivity: %v", got)
	}
}

func TestFlapInsideKeepFiringForIsOneTrigger(t *testing.T) {
	r := metricRule()
	r.Params.KeepFiringFor = 2 * time.Minute
	r.Params.FlapMax = 0
	e := newEngine(counter{}, []route.Route{{To: []string{"pd"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, time.Minute, 0)}}, nil, r)
	obs := func(s float64, sig state.Signal) { e.Observe(r, sig, svc, nil, 0, false, at(s)) }
	got := run(e, 0, 200, func(s float64) {
		switch s {
		case 0:
			obs(s, state.Active)
		case 30:
			obs(s, state.Clear)
		case 90:
			obs(s, state.Active)
		case 120:
			obs(s, state.Clear)
		default:
			obs(s, state.Seen)
		}
	})
	if strings.Join(got, ",") != "pd:trigger" {
		t.Fatalf("fire/clear/fire inside keep_firing_for: %v", got)
	}
	got = run(e, 200, 400, func(s float64) { obs(s, state.Seen) })
	if strings.Join(got, ",") != "pd:resolve" {
		t.Fatalf("resolve after keep_firing_for: %v", got)
	}
}

func TestFiredAndClearedInsideGroupWaitSendsNothing(t *testing.T) {
	rec := counter{}
	r := metricRule()
	e := newEngine(rec, []route.Route{{To: []string{"chat"}, GroupBy: []string{"alertname"}, Timing: timing(30*time.Second, 5*time.Minute, 0)}}, nil, r)
	got := run(e, 0, 120, func(s float64) {
		switch s {
		case 0:
			e.Observe(r, state.Active, svc, nil, 12, true, at(s))
		case 10:
			e.Observe(r, state.Clear, svc, nil, 1, true, at(s))
		}
	})
	if len(got) != 0 || rec["suppressed:grouped"] != 1 {
		t.Fatalf("sent %v, counters %v", got, rec)
	}
}

func TestFlappingTenPerMinuteAtMostTwoNotifications(t *testing.T) {
	rec := counter{}
	r := metricRule()
	e := newEngine(rec, []route.Route{{To: []string{"pd", "chat"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, 5*time.Minute, 0)}}, nil, r)
	// 10 flaps per minute for 10 minutes: above 3 s, below 3 s.
	got := run(e, 0, 600, func(s float64) {
		v, sig := 12.0, state.Active
		if int(s)%6 >= 3 {
			v, sig = 1, state.Clear
		}
		e.Observe(r, sig, svc, nil, v, true, at(s))
	})
	t.Logf("during flapping: %v", got)
	perDest := map[string]int{}
	for _, n := range got {
		perDest[strings.SplitN(n, ":", 2)[0]]++
	}
	if perDest["pd"] > 2 || perDest["chat"] > 2 || perDest["pd"] == 0 {
		t.Fatalf("flapping sent %v", got)
	}
	if rec["suppressed:flapping"] == 0 {
		t.Fatal("flapping suppressions not counted")
	}
	// Stable below the clear threshold: resolved after hold_down, once per destination.
	got = run(e, 600, 600+10*60+5*60+2, func(s float64) { e.Observe(r, state.Clear, svc, nil, 1, true, at(s)) })
	if strings.Join(got, ",") != "pd:resolve,chat:resolve" {
		t.Fatalf("after flapping: %v", got)
	}
}

func TestMaintenanceWindow(t *testing.T) {
	r := errorRule()
	win := []route.Window{{Name: "deploy", Start: at(100), End: at(400)}}
	e := newEngine(counter{}, []route.Route{{To: []string{"pd"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, time.Minute, 0)}}, win, r)
	other := map[string]string{"service.name": "billing"}
	got := run(e, 0, 600, func(s float64) {
		if s == 10 {
			e.Observe(r, state.Active, svc, nil, 0, false, at(s)) // fires before the window
		}
		if s >= 150 && s <= 200 {
			e.Observe(r, state.Active, other, nil, 0, false, at(s)) // fires inside it, keeps firing
		}
		if s > 200 && int(s)%30 == 0 {
			e.Observe(r, state.Active, other, nil, 0, false, at(s))
		}
	})
	// checkout fires at 10, before the window: triggered. billing fires at 150, inside the
	// window: held until the window ends at 400, then triggered (still firing).
	if strings.Join(got, ",") != "pd:trigger,pd:trigger" {
		t.Fatalf("got %v", got)
	}
	e2 := newEngine(counter{}, []route.Route{{To: []string{"pd"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, time.Minute, 0)}}, win, metricRule())
	mr := e2.cfg.Rules[0]
	got = run(e2, 0, 300, func(s float64) {
		switch {
		case s == 10:
			e2.Observe(mr, state.Active, svc, nil, 20, true, at(s))
		case s == 150:
			e2.Observe(mr, state.Clear, svc, nil, 1, true, at(s)) // resolves inside the window
		case s == 160:
			e2.Observe(mr, state.Active, other, nil, 20, true, at(s)) // new alert inside: held
		case s > 160:
			e2.Observe(mr, state.Seen, other, nil, 7, true, at(s))
		}
	})
	if strings.Join(got, ",") != "pd:trigger,pd:resolve" {
		t.Fatalf("maintenance must pass the resolve of a delivered trigger and hold new triggers: %v", got)
	}
}

func TestRepeatAndEscalation(t *testing.T) {
	r := errorRule()
	routes := []route.Route{{To: []string{"chat"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, time.Minute, 10*time.Minute),
		Escalate: []route.Escalation{{After: 5 * time.Minute, To: []string{"boss"}}}}}
	e := newEngine(counter{}, routes, nil, r)
	got := run(e, 0, 11*60+1, func(s float64) { e.Observe(r, state.Active, svc, nil, 0, false, at(s)) })
	if strings.Join(got, ",") != "chat:trigger,boss:trigger,chat:repeat" {
		t.Fatalf("got %v", got)
	}
}

func TestRestartNoDuplicateAndLaterResolve(t *testing.T) {
	r := metricRule()
	routes := []route.Route{{To: []string{"pd"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, time.Minute, 0)}}
	e := newEngine(counter{}, routes, nil, r)
	store := map[string][]byte{}
	persist := func(e *Engine) {
		incs, slots := e.TakeDirty()
		for fp, i := range incs {
			if i == nil {
				delete(store, "inc/"+fp)
				continue
			}
			b, _ := json.Marshal(i)
			store["inc/"+fp] = b
		}
		for k, s := range slots {
			if s == nil {
				delete(store, "out/"+k.Dest+"/"+k.FP)
				continue
			}
			b, _ := json.Marshal(s)
			store["out/"+k.Dest+"/"+k.FP] = b
		}
	}
	got := run(e, 0, 30, func(s float64) {
		e.Observe(r, state.Active, svc, nil, 20, true, at(s))
		persist(e)
	})
	persist(e)
	if strings.Join(got, ",") != "pd:trigger" {
		t.Fatalf("before restart %v", got)
	}
	// "Restart": a new engine from storage only.
	e2 := newEngine(counter{}, routes, nil, metricRule())
	var keys []string
	for k := range store {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "out/") {
			parts := strings.SplitN(k, "/", 3)
			var s outbox.Slot
			if err := json.Unmarshal(store[k], &s); err != nil {
				t.Fatal(err)
			}
			e2.RestoreSlot(outbox.Key{Dest: parts[1], FP: parts[2]}, &s)
		}
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "inc/") {
			var i Incident
			if err := json.Unmarshal(store[k], &i); err != nil {
				t.Fatal(err)
			}
			e2.Restore(&i, at(60))
		}
	}
	r2 := e2.cfg.Rules[0]
	got = run(e2, 60, 120, func(s float64) { e2.Observe(r2, state.Active, svc, nil, 20, true, at(s)) })
	if len(got) != 0 {
		t.Fatalf("re-paged after restart: %v", got)
	}
	got = run(e2, 120, 300, func(s float64) { e2.Observe(r2, state.Clear, svc, nil, 1, true, at(s)) })
	if strings.Join(got, ",") != "pd:resolve" {
		t.Fatalf("resolve after restart: %v", got)
	}
}

func TestRemovedRuleResolvesOnRestore(t *testing.T) {
	e := newEngine(counter{}, []route.Route{{To: []string{"pd"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, time.Minute, 0)}}, nil)
	i := &Incident{}
	i.Alert.Fingerprint, i.Alert.Rule, i.Alert.Labels = "fp", "Gone", map[string]string{"alertname": "Gone"}
	i.M.Phase, i.M.Episode, i.M.StartsAt = state.Firing, 1, at(0)
	e.RestoreSlot(outbox.Key{Dest: "pd", FP: "fp"}, &outbox.Slot{Delivered: 1, DeliveredAt: at(0)})
	e.Restore(i, at(10))
	if got := run(e, 10, 20, nil); strings.Join(got, ",") != "pd:resolve" {
		t.Fatalf("got %v", got)
	}
}

func TestMaxIncidentsAndAMBatch(t *testing.T) {
	rec := counter{}
	r := metricRule()
	e := New(Config{Rules: []*Rule{r}, Router: route.Router{Routes: []route.Route{{To: []string{"am"}, GroupBy: []string{route.GroupAll}, Timing: timing(0, time.Minute, 0)}}},
		Dests: dests, MaxIncidents: 2, Retention: time.Hour, Recorder: rec})
	for i := 0; i < 3; i++ {
		e.Observe(r, state.Active, map[string]string{"service.name": fmt.Sprint(i)}, nil, 20, true, at(0))
	}
	if e.Len() != 2 || rec["rejected:ReplicationLag"] != 1 {
		t.Fatalf("len %d counters %v", e.Len(), rec)
	}
	e.Observe(r, state.Clear, map[string]string{"service.name": "0"}, nil, 1, true, at(10))
	if !e.AMChanged() || e.AMChanged() {
		t.Fatal("AMChanged")
	}
	b := e.AMBatch("am", at(20), time.Minute, 15*time.Minute)
	if len(b) != 2 {
		t.Fatalf("batch %d", len(b))
	}
	for _, it := range b {
		if it.Item.Alert.Labels["service.name"] == "0" && !it.EndsAt.Equal(at(10)) {
			t.Fatalf("resolved endsAt %v", it.EndsAt)
		}
		if it.Item.Alert.Labels["service.name"] == "1" && !it.EndsAt.Equal(at(20).Add(4*time.Minute)) {
			t.Fatalf("firing endsAt %v", it.EndsAt)
		}
	}
	if len(e.AMBatch("am", at(10+15*60+1), time.Minute, 15*time.Minute)) != 1 {
		t.Fatal("resolved alert re-sent past resolvedFor")
	}
	if len(drain(e, at(30))) != 0 {
		t.Fatal("Alertmanager alerts must not go through the outbox")
	}
}

// Static labels (e.g. team) are on every alert of the rule, so Alertmanager and the
// exporter's own routes can send it to the owning team; identity values come on top.
func TestStaticLabelsOnAlerts(t *testing.T) {
	r := &Rule{Name: "ErrorLogBurst", Severity: "error", Labels: map[string]string{"team": "api"}}
	got := Labels(r, map[string]string{"service.name": "fraiseql"})
	want := map[string]string{"alertname": "ErrorLogBurst", "severity": "error", "team": "api", "service.name": "fraiseql"}
	if len(got) != len(want) {
		t.Fatalf("labels %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("label %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}
