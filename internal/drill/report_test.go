package drill

import (
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	fire := map[string]any{"firing": "PostgresReplicationLagHigh postgresql_server_name=replica since ..."}
	names := []string{"PostgresReplicationLagHigh"}
	ev := []PDEvent{
		{RoutingKey: "db", EventAction: "trigger", DedupKey: "old", Effect: "opened", CustomDetails: fire, ReceivedAt: at(-60)}, // before the drill
		{RoutingKey: "db", EventAction: "trigger", DedupKey: "k1", Effect: "opened", CustomDetails: fire, ReceivedAt: at(50)},
		{RoutingKey: "db", EventAction: "trigger", DedupKey: "k1", Effect: "deduplicated", CustomDetails: fire, ReceivedAt: at(110)},
		{RoutingKey: "db", EventAction: "resolve", DedupKey: "k1", Effect: "resolved", ReceivedAt: at(300)},
		{RoutingKey: "db", EventAction: "trigger", DedupKey: "k1", Effect: "opened", CustomDetails: fire, ReceivedAt: at(310)}, // paged again
		{RoutingKey: "api", EventAction: "trigger", DedupKey: "k2", Effect: "opened", CustomDetails: fire, ReceivedAt: at(70)},
	}
	ev = append(ev, PDEvent{RoutingKey: "api", EventAction: "trigger", DedupKey: "k3", Effect: "opened", Summary: "GraphQL error budget", ReceivedAt: at(5)}) // an earlier fault's page
	msgs := []SlackMessage{{ReceivedAt: at(-5)}, {ReceivedAt: at(55)}, {ReceivedAt: at(60)}}
	c := Count(ev, msgs, t0, "db", names)
	if c.PDEvents != 6 || c.OtherPages != 1 || c.Pages != 3 || c.PagesPerIncident["k1"] != 2 || c.DuplicatePages != 1 || c.WrongServicePages != 1 || c.SlackMessages != 2 {
		t.Fatalf("%+v", c)
	}
	first, ok := FirstPage(ev, t0, names)
	if !ok || first.DedupKey != "k1" || !first.ReceivedAt.Equal(at(50)) {
		t.Fatalf("first page %+v", first)
	}
	if r, ok := Resolved(ev, "k1", at(50)); !ok || !r.Equal(at(300)) {
		t.Fatalf("resolved %v %v", r, ok)
	}
	if c := Count(ev, nil, t0, "", names); c.WrongServicePages != 3 {
		t.Fatalf("no page expected: every page is wrong, got %+v", c)
	}
}

func TestGoal(t *testing.T) {
	d := 45 * time.Second
	if g := NewGoal("page", time.Minute, &d); !g.Met || *g.Actual != 45 {
		t.Fatalf("%+v", g)
	}
	d = 61 * time.Second
	if g := NewGoal("page", time.Minute, &d); g.Met {
		t.Fatalf("%+v", g)
	}
	if g := NewGoal("page", time.Minute, nil); g.Met || g.Actual != nil {
		t.Fatalf("never happened: %+v", g)
	}
}

func TestSlackTitle(t *testing.T) {
	m := SlackMessage{Text: "fallback", Attachments: []map[string]any{{"title": "[FIRING:1] HIGH X"}}}
	if m.Title() != "[FIRING:1] HIGH X" {
		t.Fatal(m.Title())
	}
	if (SlackMessage{Text: "t"}).Title() != "t" {
		t.Fatal("text fallback")
	}
}

func TestExpectFollowsHistory(t *testing.T) {
	s, ok := ByName("cache-collapse")
	if !ok || s.History == "" {
		t.Fatalf("cache-collapse has no history condition: %+v", s)
	}
	with, note := s.Expect(true)
	if with.Service != "api" || with.PageWithin != s.HistoryPageWithin || note == "" {
		t.Fatalf("with history: service %q within %s, note %q", with.Service, with.PageWithin, note)
	}
	without, note := s.Expect(false)
	if without.Service != "" || without.PageWithin != 0 || note == "" {
		t.Fatalf("without history: service %q within %s, note %q", without.Service, without.PageWithin, note)
	}
	plain, _ := ByName("replication-lag")
	if got, note := plain.Expect(false); got.Service != "db" || note != "" {
		t.Fatalf("a scenario without history changed: %q %q", got.Service, note)
	}
}

func TestOpenIncidents(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	fire := map[string]any{"firing": "GraphQLCacheHitRatioCollapsed graphql_cache_name=response"}
	names := []string{"GraphQLCacheHitRatioCollapsed"}
	ev := []PDEvent{
		{EventAction: "resolve", DedupKey: "a", Effect: "resolved", ReceivedAt: at(300)}, // out of order: after its trigger
		{EventAction: "trigger", DedupKey: "a", Effect: "opened", CustomDetails: fire, ReceivedAt: at(10)},
		{EventAction: "trigger", DedupKey: "b", Effect: "opened", CustomDetails: fire, ReceivedAt: at(400)},
		{EventAction: "trigger", DedupKey: "b", Effect: "deduplicated", CustomDetails: fire, ReceivedAt: at(460)},
		{EventAction: "trigger", DedupKey: "c", Effect: "opened", Summary: "PostgresDown", ReceivedAt: at(500)}, // another alert
	}
	if got := OpenIncidents(ev, names); len(got) != 1 || got[0] != "b" {
		t.Fatalf("open incidents %v, want [b]", got)
	}
	ev = append(ev, PDEvent{EventAction: "resolve", DedupKey: "b", Effect: "resolved", ReceivedAt: at(900)})
	if got := OpenIncidents(ev, names); len(got) != 0 {
		t.Fatalf("open incidents %v after the resolve, want none", got)
	}
}
