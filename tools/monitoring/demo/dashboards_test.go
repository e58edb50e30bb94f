//go:build demo

package demo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// Every panel of every dashboard shows data. Generic over configs/grafana/dashboards/*.json:
// each Prometheus target's expression, with the template variables resolved to their "All"
// value (.*) and $__rate_interval to a fixed window, must return a non-empty result; a log or
// trace panel is checked through the intent table below against VictoriaLogs / Jaeger (a new
// kind of log or trace query fails until its intent is added there).

// emptyOK: queries allowed to return nothing in the demo, with the reason. A key is
// "dashboard file/panel title" (the whole panel) or "dashboard file/panel title|text" (only the
// panel's queries containing text).
var emptyOK = map[string]string{
	// The collector creates these counters at the first failure: a healthy stack has none, and
	// the panels rightly show nothing.
	"infrastructure.json/Sent and failed items/s by exporter|otelcol:exporter_send_failed:rate5m": "send failures: the counter exists only after a failure",
	"infrastructure.json/Refused and dropped items/s|otelcol:exporter_enqueue_failed:rate5m":      "queue drops: the counter exists only after one",
	"infrastructure.json/Refused and dropped items/s|otelcol:memory_limiter_refused:rate5m":       "memory_limiter refusals: the counter exists only after one",
	// The demo's mutations (login, signup, orders) take milliseconds; one over 500 ms needs the
	// slow_sql or added_latency_ms fault, which would slow every request the other checks use.
	"graphql-operations.json/Slow mutations (> 500 ms)": "no mutation is that slow without a latency fault",
	// Reported per PagerDuty/Slack/webhook destination; the shipped gateway sends incidents to
	// Alertmanager only, which has no outbox.
	"infrastructure.json/incident: outbox depth": "no outbox destination in the shipped gateway (Alertmanager only)",
	// Created at the first dropped or unpaired span: the demo's traces pair (or are database
	// and root spans) well within store.ttl, and the store never fills.
	"infrastructure.json/servicegraph: spans dropped and unpaired/s": "servicegraph drops and unpaired spans: the counters exist only after one",
}

const vlogsKind = "victoriametrics-logs-datasource"

// Fixed values for Grafana's built-in variables.
var builtins = map[string]string{
	"$__rate_interval": "5m",
	"$__interval":      "1m",
	"$__range":         "1h",
	"${__range}":       "1h",
}

type panelQuery struct {
	key   string // dashboard file/panel title
	kind  string // prometheus | loki | tempo
	query string
}

func dashboardQueries(t *testing.T, root string) []panelQuery {
	files, err := filepath.Glob(filepath.Join(root, "configs", "grafana", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards under configs/grafana/dashboards: %v", err)
	}
	var out []panelQuery
	varRef := regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels     []json.RawMessage `json:"panels"`
			Templating struct {
				List []struct {
					Name       string `json:"name"`
					Type       string `json:"type"`
					IncludeAll bool   `json:"includeAll"`
					AllValue   string `json:"allValue"`
					Query      any    `json:"query"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		vars := map[string]string{}
		for _, v := range d.Templating.List {
			if v.Type == "datasource" {
				continue
			}
			val := ".*"
			if v.IncludeAll && v.AllValue != "" {
				val = v.AllValue
			}
			if v.Type == "textbox" { // free text: its default
				val, _ = v.Query.(string)
			}
			vars["$"+v.Name], vars["${"+v.Name+"}"] = val, val
		}
		for k, v := range builtins {
			vars[k] = v
		}
		type panel struct {
			Title      string            `json:"title"`
			Type       string            `json:"type"`
			Panels     []json.RawMessage `json:"panels"`
			Datasource struct {
				Type string `json:"type"`
			} `json:"datasource"`
			Targets []struct {
				Expr       string `json:"expr"`
				Query      string `json:"query"`
				QueryType  string `json:"queryType"`
				Datasource struct {
					Type string `json:"type"`
				} `json:"datasource"`
			} `json:"targets"`
		}
		var walk func([]json.RawMessage)
		walk = func(raw []json.RawMessage) {
			for _, r := range raw {
				var p panel
				if err := json.Unmarshal(r, &p); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if p.Type == "row" {
					walk(p.Panels)
					continue
				}
				key := filepath.Base(f) + "/" + p.Title
				if len(p.Targets) == 0 {
					t.Errorf("%s: a panel without queries", key)
				}
				for _, tg := range p.Targets {
					kind := tg.Datasource.Type
					if kind == "" {
						kind = p.Datasource.Type
					}
					q := tg.Expr
					if kind == "tempo" {
						q = tg.Query
						if tg.QueryType == "serviceMap" {
							q = serviceMapQuery
						}
					}
					if kind == "prometheus" || kind == vlogsKind {
						// longest names first ($instance before $in...)
						keys := make([]string, 0, len(vars))
						for k := range vars {
							keys = append(keys, k)
						}
						sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
						for _, k := range keys {
							q = strings.ReplaceAll(q, k, vars[k])
						}
						if left := varRef.FindString(q); left != "" {
							t.Errorf("%s: unresolved variable %s in %q", key, left, q)
							continue
						}
					}
					out = append(out, panelQuery{key: key, kind: kind, query: q})
				}
			}
		}
		walk(d.Panels)
	}
	return out
}

// logIntent: each Loki panel query -> the LogsQL query that shows the same intent on the demo's
// VictoriaLogs (fields as the agent's file_log and the OTLP log path store them).
var logIntent = map[string]string{
	// Error logs: any service, level error or fatal.
	`{service_name=~".+"} | detected_level=~"error|fatal"`: `_time:15m severity_number:range[17, 24]`,
	// Authentication failures: the warn line every failed attempt writes, with the attributes
	// of its graphql.auth.attempts point (docs/instrumentation.md, Logs).
	`{service_name=~".+"} | graphql_auth_outcome="failure"`: `_time:15m graphql_auth_outcome:failure`,
}

// traceIntent: each Tempo (TraceQL) panel query -> a Jaeger search of the FraiseQL service
// (minimum duration) and a condition on one span of the traces found: it has
// graphql.operation.type (of the given value, "" = any) and, when errorSpan, status ERROR
// (Jaeger's in-memory search cannot filter on the span status, so that is checked here).
var traceIntent = map[string]struct {
	minDuration string
	opType      string
	errorSpan   bool
}{
	`{ span.graphql.operation.type != nil && status = error }`:         {errorSpan: true},
	`{ span.graphql.operation.type = "mutation" && duration > 500ms }`: {minDuration: "500ms", opType: "mutation"},
	`{ span.graphql.operation.type != nil && duration > 150ms }`:       {minDuration: "150ms"},
}

// serviceMapQuery stands for a Tempo service map target (query type serviceMap, no query
// text); serviceMapEdges are the edges of the demo's request path it must show: the edge
// service calls the API, which queries PostgreSQL (client spans with db.system.name).
const serviceMapQuery = "<serviceMap>"

var serviceMapEdges = [][2]string{{"fraiseql-edge", service}, {service, "postgresql"}}

func checkDashboards(t *testing.T, s *stack, started time.Time) {
	queries := dashboardQueries(t, s.root)
	prom, logs, traces := s.get(t, "PROMETHEUS_URL"), s.get(t, "LOGS_URL"), s.get(t, "TRACES_URL")
	panels := map[string]bool{}
	for _, q := range queries {
		panels[q.key] = true
	}
	var empty []string
	// Rate windows, recording rules over 5 m and anomaly warm-up need a few minutes of data.
	eventually(t, time.Until(started.Add(10*time.Minute)), 30*time.Second, fmt.Sprintf("all %d panels (%d queries) show data", len(panels), len(queries)), func() error {
		empty = empty[:0]
		for _, q := range queries {
			if allowedEmpty(q) {
				continue
			}
			if err := panelHasData(q, prom, logs, traces); err != nil {
				empty = append(empty, fmt.Sprintf("%s [%s] %v", q.key, q.kind, err))
			}
		}
		if len(empty) > 0 {
			return fmt.Errorf("%d queries without data:\n  %s", len(empty), strings.Join(empty, "\n  "))
		}
		return nil
	})
	t.Logf("%d panels, %d queries: all show data (%d allowed empty)", len(panels), len(queries), len(emptyOK))
}

func allowedEmpty(q panelQuery) bool {
	for k := range emptyOK {
		panel, text, _ := strings.Cut(k, "|")
		if panel == q.key && (text == "" || strings.Contains(q.query, text)) {
			return true
		}
	}
	return false
}

func panelHasData(q panelQuery, prom, logs, traces string) error {
	switch q.kind {
	case "prometheus":
		n, _, err := promQuery(prom, q.query)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("empty: %s", q.query)
		}
		return nil
	case vlogsKind:
		// A LogsQL panel (VictoriaLogs' Grafana datasource): the query itself, over 15 minutes.
		recs, err := logsQuery(logs, "_time:15m "+q.query, 5)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return fmt.Errorf("no result for LogsQL %q", q.query)
		}
		return nil
	case "loki":
		lq, ok := logIntent[q.query]
		if !ok {
			return fmt.Errorf("no intent for log query %q: add its LogsQL equivalent to logIntent", q.query)
		}
		recs, err := logsQuery(logs, lq, 5)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return fmt.Errorf("no log for %q (LogsQL %q)", q.query, lq)
		}
		return nil
	case "tempo":
		if q.query == serviceMapQuery {
			// Grafana draws the service map from the service graph series of the Tempo
			// datasource's serviceMap Prometheus: the demo's request path must be there.
			for _, e := range serviceMapEdges {
				sel := `traces_service_graph_request_total{client="` + e[0] + `", server="` + e[1] + `"}`
				n, _, err := promQuery(prom, `sum(rate(`+sel+`[5m])) > 0`)
				if err != nil {
					return err
				}
				if n == 0 {
					return fmt.Errorf("service map: no requests on the edge %s -> %s (%s)", e[0], e[1], sel)
				}
			}
			return nil
		}
		in, ok := traceIntent[q.query]
		if !ok {
			return fmt.Errorf("no intent for trace query %q: add its Jaeger search to traceIntent", q.query)
		}
		extra := url.Values{}
		if in.minDuration != "" {
			extra.Set("minDuration", in.minDuration)
		}
		now := time.Now()
		trs, err := jaegerSearch(traces, service, now.Add(-30*time.Minute), now, 300, extra)
		if err != nil {
			return err
		}
		for _, tr := range trs {
			for _, sp := range tr.Spans {
				op, isErr := "", false
				for _, tag := range sp.Tags {
					switch tag.Key {
					case "graphql.operation.type":
						op = fmt.Sprint(tag.Value)
					case "error":
						isErr = fmt.Sprint(tag.Value) == "true"
					}
				}
				if op != "" && (in.opType == "" || op == in.opType) && (!in.errorSpan || isErr) {
					return nil
				}
			}
		}
		return fmt.Errorf("no trace for %q among %d Jaeger results", q.query, len(trs))
	default:
		return fmt.Errorf("unknown datasource type %q", q.kind)
	}
}
