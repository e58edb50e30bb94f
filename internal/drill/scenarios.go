package drill

import (
	"fmt"
	"time"
)

// Scenario is one drill: the fault, what should fire, who should be paged and how fast.
type Scenario struct {
	Name  string
	Fault string // what is injected, in words
	// Kind of injection: "admin" (a fault switch of the demo's admin API, Switch), "replay-pause"
	// (WAL replay paused on the replica while the primary writes), "replica-stop" (the replica
	// process stopped).
	Kind   string
	Switch string // JSON body for POST /faults
	// Redeploy: removing the fault also restarts the demo service (test/demo/demo.sh
	// restart-service), as deploying the fix would. A cumulative SDK keeps exporting every
	// series it has seen until its process ends, so turning the switch off is not enough.
	Redeploy bool
	// Outage > 0: the PagerDuty fake also refuses every event (500/429) for that long from
	// the fault start.
	Outage time.Duration
	// Alerts that should fire (any of them counts as the first alert).
	Alerts []string
	// Service is the PagerDuty service that should be paged ("" = no page: MEDIUM or lower).
	Service string
	// PageWithin is the goal from fault start to the first page (0: no timing goal).
	PageWithin time.Duration
	// MaxWait bounds the wait for the first page (or, without a page, the first alert);
	// MinHold keeps the fault at least this long (so Slack notifications arrive).
	MaxWait, MinHold time.Duration
	// ResolveWait bounds the wait for the resolve after the fault is removed.
	ResolveWait time.Duration
	// History, when set, is a PromQL expression asked before the fault. Some pages compare
	// with the past (GraphQLCacheHitRatioCollapsed needs the previous day's ratio, offset by
	// an hour), so they cannot fire on a stack younger than that: when the expression
	// returns a result, the drill expects a page to HistoryService within HistoryPageWithin;
	// when it returns nothing, it expects no page and says so in the report's notes.
	History           string
	HistoryService    string
	HistoryPageWithin time.Duration
}

// Expect is s with the page expectation that follows from whether its History holds.
func (s Scenario) Expect(historyHolds bool) (Scenario, string) {
	if s.History == "" {
		return s, ""
	}
	if historyHolds {
		s.Service, s.PageWithin = s.HistoryService, s.HistoryPageWithin
		return s, fmt.Sprintf("history present (%s): a page to %s is expected", s.History, s.HistoryService)
	}
	return s, fmt.Sprintf("no history yet (%s returned nothing; the stack is younger than the rule's offset): the page that compares with the past cannot fire, only the MEDIUM alert is expected", s.History)
}

// Scenarios of `make drill SCENARIO=<name>`, in the order `make drills` runs them. The
// expectations follow docs/alerts.md (severity ladder, rule `for` durations).
var Scenarios = []Scenario{
	{Name: "replication-lag", Kind: "replay-pause", Fault: "WAL replay paused on the replica while the primary writes every second",
		Alerts: []string{"PostgresReplicationLagHigh"}, Service: "db", PageWithin: 70 * time.Second, // lag passes 10 s after ~10 s, then 60 s
		MaxWait: 6 * time.Minute, ResolveWait: 5 * time.Minute},
	{Name: "replica-down", Kind: "replica-stop", Fault: "the replica's PostgreSQL process is stopped",
		Alerts: []string{"PostgresDown", "PostgresReplicaDisconnected"}, Service: "db", PageWithin: 3 * time.Minute,
		MaxWait: 6 * time.Minute, ResolveWait: 5 * time.Minute},
	{Name: "error-spike", Kind: "admin", Switch: `{"error_rate":0.3}`, Fault: "30 % of GraphQL root fields fail (error_rate 0.3)",
		Alerts: []string{"GraphQLOperationErrorRatioCritical", "GraphQLErrorBudgetBurnFast", "GraphQLHighErrorRate", "GraphQLOperationErrorRatioHigh"}, Service: "api",
		PageWithin: 2 * time.Minute, MaxWait: 8 * time.Minute, ResolveWait: 10 * time.Minute},
	{Name: "latency-spike", Kind: "admin", Switch: `{"added_latency_ms":400}`, Fault: "400 ms added before every GraphQL request",
		Alerts: []string{"GraphQLHighLatencyP95"}, Service: "api", PageWithin: 13 * time.Minute,
		MaxWait: 16 * time.Minute, ResolveWait: 10 * time.Minute},
	// Requests wait for a connection and time out: users fail, so the operation error page
	// pages api; the pool alerts themselves are MEDIUM.
	{Name: "pool-exhaustion", Kind: "admin", Switch: `{"pool_exhaustion":1000}`, Fault: "every pool connection held idle in a transaction",
		Alerts:  []string{"DBConnectionPoolSaturated", "PostgresIdleInTransaction", "PgBouncerClientsWaiting", "GraphQLOperationErrorRatioCritical"},
		Service: "api", MaxWait: 10 * time.Minute, MinHold: 8 * time.Minute, ResolveWait: 10 * time.Minute},
	{Name: "auth-attack", Kind: "admin", Switch: `{"auth_attack":5}`, Fault: "5 failing logins per second (300/min) from many addresses",
		Alerts: []string{"GraphQLAuthFailuresHigh"}, MaxWait: 8 * time.Minute, MinHold: 4 * time.Minute, ResolveWait: 10 * time.Minute},
	// GraphQLCacheHitRatioLow (MEDIUM, 15-minute `for`) always; GraphQLCacheHitRatioCollapsed
	// (CRITICAL, pages api) only once the stack has the history it compares with. The ratio
	// over 5 minutes passes 30 % about 3 minutes into the fault, then the 10-minute `for`.
	{Name: "cache-collapse", Kind: "admin", Switch: `{"cache_collapse":true}`, Fault: "every cache lookup misses",
		Alerts:  []string{"GraphQLCacheHitRatioLow", "GraphQLCacheHitRatioCollapsed"},
		History: `avg_over_time(graphql:cache_hit:ratio_rate5m[1d] offset 1h) > 0.6`, HistoryService: "api", HistoryPageWithin: 16 * time.Minute,
		MaxWait: 22 * time.Minute, MinHold: 18 * time.Minute, ResolveWait: 10 * time.Minute},
	{Name: "cardinality-explosion", Kind: "admin", Switch: `{"cardinality_burst":20000}`, Redeploy: true, Fault: "20000 new series of one metric every 5 s",
		Alerts: []string{"CardinalityOverflowActive", "CardinalitySeriesNearLimit", "CardinalityDataDropped"}, MaxWait: 22 * time.Minute, MinHold: 17 * time.Minute, ResolveWait: 10 * time.Minute},
	// The page of the replication-lag fault falls inside the outage (it is due about a minute
	// after the fault), so Alertmanager must retry it; it must arrive once, after the outage.
	{Name: "pager-outage", Kind: "replay-pause", Outage: 5 * time.Minute,
		Fault:  "PagerDuty answers 500/429 for 5 minutes while WAL replay is paused on the replica",
		Alerts: []string{"PostgresReplicationLagHigh"}, Service: "db",
		MaxWait: 10 * time.Minute, MinHold: 5*time.Minute + 30*time.Second, ResolveWait: 6 * time.Minute},
}

// ByName returns the scenario called name.
func ByName(name string) (Scenario, bool) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// ServiceKeys maps a PagerDuty service to the routing key variable of endpoints.env.
var ServiceKeys = map[string]string{
	"api": "PAGERDUTY_ROUTING_KEY_API", "db": "PAGERDUTY_ROUTING_KEY_DB",
	"platform": "PAGERDUTY_ROUTING_KEY_PLATFORM", "security": "PAGERDUTY_ROUTING_KEY_SECURITY",
}
