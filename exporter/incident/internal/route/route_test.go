package route

import (
	"strings"
	"testing"
	"time"
)

func mustMatchers(t *testing.T, eq, re map[string]string) Matchers {
	t.Helper()
	m, err := NewMatchers(eq, re)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRouterFirstMatchAndContinue(t *testing.T) {
	r := Router{Routes: []Route{
		{Match: mustMatchers(t, map[string]string{"severity": "critical"}, nil), To: []string{"pd"}, Continue: true},
		{Match: mustMatchers(t, nil, map[string]string{"service.name": "check.*"}), To: []string{"slack-checkout"}},
		{To: []string{"slack-default"}},
	}}
	cases := []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{"severity": "critical", "service.name": "checkout"}, "0,1"},
		{map[string]string{"severity": "critical", "service.name": "api"}, "0,2"},
		{map[string]string{"severity": "warning", "service.name": "checkout"}, "1"},
		{map[string]string{"severity": "warning", "service.name": "xcheckout"}, "2"},
	}
	for _, c := range cases {
		var got []string
		for _, i := range r.Match(c.labels) {
			got = append(got, string(rune('0'+i)))
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%v: routes %v, want %s", c.labels, got, c.want)
		}
	}
	if _, err := NewMatchers(nil, map[string]string{"a": "("}); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("bad regex error should name the label: %v", err)
	}
}

func TestGroupKey(t *testing.T) {
	l := map[string]string{"alertname": "A", "service.name": "x", "env": "prod"}
	if GroupKey(0, []string{"alertname", "service.name"}, l) != GroupKey(0, []string{"service.name", "alertname"}, l) {
		t.Error("group_by order matters")
	}
	if GroupKey(0, []string{"alertname"}, l) == GroupKey(1, []string{"alertname"}, l) {
		t.Error("route index ignored")
	}
	l2 := map[string]string{"alertname": "A", "service.name": "y", "env": "prod"}
	if GroupKey(0, []string{"alertname"}, l) != GroupKey(0, []string{"alertname"}, l2) {
		t.Error("labels outside group_by changed the key")
	}
	if GroupKey(0, []string{GroupAll}, l) == GroupKey(0, []string{GroupAll}, l2) {
		t.Error("group_by ... must separate every label set")
	}
	// Quoting keeps values with separators apart.
	a := GroupKey(0, []string{"a", "b"}, map[string]string{"a": `x",b="y`})
	b := GroupKey(0, []string{"a", "b"}, map[string]string{"a": "x", "b": "y"})
	if a == b {
		t.Error("injection through values")
	}
	if gl := GroupLabels([]string{"alertname", "missing"}, l); len(gl) != 1 || gl["alertname"] != "A" {
		t.Errorf("GroupLabels %v", gl)
	}
}

func TestCron(t *testing.T) {
	c, err := ParseCron("0 2 * * SUN")
	if err != nil {
		t.Fatal(err)
	}
	sun := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC) // a Sunday
	if !c.Match(sun) || c.Match(sun.Add(time.Minute)) || c.Match(sun.Add(24*time.Hour)) {
		t.Error("0 2 * * SUN")
	}
	c2, _ := ParseCron("*/15 9-17 1,15 * MON-FRI")
	// dom and dow both restricted: either matches.
	if !c2.Match(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)) { // Sunday the 1st
		t.Error("dom 1 should match on a Sunday")
	}
	if !c2.Match(time.Date(2026, 3, 3, 17, 45, 0, 0, time.UTC)) { // Tuesday
		t.Error("Tuesday should match")
	}
	if c2.Match(time.Date(2026, 3, 7, 9, 0, 0, 0, time.UTC)) || c2.Match(time.Date(2026, 3, 3, 9, 10, 0, 0, time.UTC)) {
		t.Error("Saturday the 7th / minute 10 should not match")
	}
	c7, _ := ParseCron("0 0 * * 7")
	if !c7.Match(sun.Add(-2 * time.Hour)) {
		t.Error("7 is Sunday")
	}
	for _, bad := range []string{"", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "x * * * *"} {
		if _, err := ParseCron(bad); err == nil {
			t.Errorf("ParseCron(%q) accepted", bad)
		}
	}
}

func TestWindowsCronInZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err) // the exporter imports time/tzdata; this package does not
	}
	c, _ := ParseCron("0 2 * * SUN")
	w := Window{Name: "weekly", Cron: c, Duration: 2 * time.Hour, Loc: paris}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 2, 0, 0, 0, paris)
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{start.Add(-time.Minute), false},
		{start, true},
		{start.Add(119 * time.Minute), true},
		{start.Add(2 * time.Hour), false},
		{start.Add(7 * 24 * time.Hour).Add(time.Hour), true},
		// 02:00 Paris is 01:00 UTC in winter; 02:30 UTC is 03:30 Paris: inside.
		{time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC), true},
		{time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC), false},
	} {
		got, end := w.ActiveAt(tc.at)
		if got != tc.want {
			t.Errorf("ActiveAt(%v) = %v, want %v", tc.at, got, tc.want)
		}
		if got && !end.After(tc.at) {
			t.Errorf("end %v not after %v", end, tc.at)
		}
	}
}

func TestFixedWindowAndSuppressing(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 22, 0, 0, 0, time.UTC)
	ws := []Window{
		{Name: "db", Match: mustMatchers(t, map[string]string{"service.name": "postgres"}, nil), Start: t0, End: t0.Add(4 * time.Hour)},
		{Name: "all", Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)},
	}
	for i := range ws {
		if err := ws[i].Validate(); err != nil {
			t.Fatal(err)
		}
	}
	pg := map[string]string{"service.name": "postgres"}
	if _, _, ok := Suppressing(ws, pg, t0.Add(-time.Second)); ok {
		t.Error("before start")
	}
	if name, until, ok := Suppressing(ws, pg, t0.Add(90*time.Minute)); !ok || name != "db" || !until.Equal(t0.Add(4*time.Hour)) {
		t.Errorf("latest-ending window: %s %v %v", name, until, ok)
	}
	if name, _, ok := Suppressing(ws, map[string]string{"service.name": "api"}, t0.Add(90*time.Minute)); !ok || name != "all" {
		t.Error("empty matchers match all")
	}
	if _, _, ok := Suppressing(ws, map[string]string{"service.name": "api"}, t0.Add(3*time.Hour)); ok {
		t.Error("api after the global window")
	}
	bad := []Window{
		{Start: t0},
		{Start: t0, End: t0},
		{},
		{Start: t0, End: t0.Add(time.Hour), Cron: &Cron{}},
		{Cron: &Cron{}, Duration: 0},
		{Cron: &Cron{}, Duration: MaxDuration + 1},
	}
	for i, w := range bad {
		if w.Validate() == nil {
			t.Errorf("bad window %d accepted", i)
		}
	}
}

func FuzzCron(f *testing.F) {
	f.Add("*/5 1-3 * JAN-MAR MON,FRI", int64(1700000000))
	f.Add("0 0 29 2 *", int64(0))
	f.Fuzz(func(t *testing.T, expr string, sec int64) {
		c, err := ParseCron(expr)
		if err != nil {
			return
		}
		now := time.Unix(sec%4e9, 0).UTC()
		start, ok := c.LastStart(now, 8*24*time.Hour, time.UTC)
		if ok && (!c.Match(start) || start.After(now) || now.Sub(start) > 8*24*time.Hour) {
			t.Fatalf("LastStart(%v) = %v for %q", now, start, expr)
		}
	})
}
