package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/nodegraph"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/tempo"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

// The dependency map: the servicegraph connector of the gateway (connector/servicegraph)
// writes Tempo's traces_service_graph_* series, one per client -> server edge. The node graph
// reads them through the Tempo datasource (serviceMap points at Prometheus); the other panels
// read recordings over them, where collector_instance_id (one series per gateway replica) is
// summed away.

// serviceMapPanel draws the service graph (Tempo datasource, query type serviceMap).
func serviceMapPanel() *nodegraph.PanelBuilder {
	return nodegraph.NewPanelBuilder().Title("Service map").Datasource(tempoDS()).Span(24).Height(12).
		WithTarget(tempo.NewDataqueryBuilder().RefId("A").QueryType("serviceMap").Datasource(tempoDS()))
}

// The other panels read the recordings of servicegraph.rules.yaml (one series per edge, the
// gateway replicas summed), so a week of the P95 stays fast.

// edgesTable lists every edge with its request rate, failed ratio and server-side P95.
func edgesTable() *table.PanelBuilder {
	return tbl("Edges: requests/s, failed ratio, server P95 (5m)", "reqps", 24, 8,
		qt("A", `servicegraph:requests:rate5m`),
		qt("B", `servicegraph:failed_ratio:rate5m`),
		qt("C", `servicegraph:request_server_seconds:p95_rate5m`)).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		OverrideByName("Value #A", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "requests/s"}}).
		OverrideByName("Value #B", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "failed ratio"}, {Id: "unit", Value: "percentunit"}}).
		OverrideByName("Value #C", []dashboard.DynamicConfigValue{{Id: "displayName", Value: "server P95"}, {Id: "unit", Value: "s"}})
}

// edgeRequests is the request rate of each edge over time.
func edgeRequests() *timeseries.PanelBuilder {
	return ts("Requests/s per edge", "reqps", 12, 8,
		q("A", `sum by (client, server) (servicegraph:requests:rate5m)`, "{{client}} → {{server}}"))
}

// edgeLatency is the server-side P95 of each edge, against the latency objective.
func edgeLatency() *timeseries.PanelBuilder {
	return withLimit(ts("Server P95 per edge", "s", 12, 8,
		q("A", `servicegraph:request_server_seconds:p95_rate5m`, "{{client}} → {{server}}")),
		th.LatencyP95Seconds)
}

// The panels' descriptions (kept beside them; applyDocs reads panelDocs).
func init() {
	for k, v := range map[string]panelDoc{
		"graphql-operations/Service map": d("Which service calls which: the dependency map drawn from every client span paired with its server span in the gateway (before sampling), as Grafana's service map (Tempo datasource, serviceMap query on Prometheus). Nodes are services, databases (api -> postgresql, named by db.system.name) and virtual nodes (user for requests from outside the traced system, a peer name for calls to untraced services); click a node for its rate, errors and latency.",
			"fraiseql-edge -> fraiseql -> postgresql, plus user -> fraiseql-edge; a red ring on a node is its share of failed requests. A missing edge with traffic flowing means the spans of a trace reach different gateways or wait longer than store.ttl (otelcol_connector_servicegraph_spans_unpaired)."),
		"graphql-operations/Edges: requests/s, failed ratio, server P95 (5m)": d("Every edge of the service graph over 5 minutes: requests/s, share of failed requests (either span in ERROR) and the P95 seen by the server (for a database, by the client).",
			"edge -> API matches the request rate; API -> postgresql a few queries per request; failed ratio well under 0.1 %; API server P95 under 150 ms.", "GraphQLHighErrorRate", "GraphQLHighLatencyP95"),
		"graphql-operations/Requests/s per edge": d("Request rate of each client -> server edge over time.",
			"edges follow the traffic together; one edge moving alone (more queries per request, retries) is a change in a service's behaviour."),
		"graphql-operations/Server P95 per edge": d("P95 duration of each edge as the server sees it (for the database edge, as the API's client span sees it), against the 150 ms objective.",
			"API under the dashed 150 ms line; postgresql a few ms. A slow edge below a slow API names the dependency to look at first.", "GraphQLHighLatencyP95", "PostgresLockWaitsHigh"),
	} {
		panelDocs[k] = v
	}
}
