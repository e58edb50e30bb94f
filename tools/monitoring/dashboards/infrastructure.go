package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

const colSel = `job=~"$job", instance=~"$instance"`

// Infrastructure: targets, the collector pipeline and our components (dashboard 7 of the seed).
func Infrastructure() (dashboard.Dashboard, error) {
	return newDashboard("graphql-infrastructure", "FraiseQL / Infrastructure",
		"Scrape targets, the otelcol-fraiseql pipeline (accepted, refused, sent, failed, queues), the cardinality, anomaly, incident and servicegraph components, backups and the alerts firing.",
		vars{jobFrom: "up", role: true}).
		WithRow(row("Targets and alerts")).
		WithPanel(st("Targets down", "short", 6, 4, steps("green", 1, "red"),
			qi("A", `count(up{`+colSel+`} == 0) or vector(0)`, "down"))).
		WithPanel(st("Critical alerts firing", "short", 6, 4, steps("green", 1, "red"),
			qi("A", `count(ALERTS{alertstate="firing", severity="critical"}) or vector(0)`, "critical"))).
		WithPanel(st("Newest backup age", "s", 6, 4, steps("green", th.BackupMaxAgeSeconds, "red"),
			qi("A", `time() - max(backup_last_success_time_seconds)`, "age"))).
		WithPanel(st("Open incidents", "short", 6, 4, steps("green", 1, "orange"),
			qi("A", `sum(otelcol_exporter_incident_active{job=~"otelcol-$role"}) or vector(0)`, "incidents"))).
		WithRow(row("Instances, storage, network")).
		WithPanel(ts("Instances up / known by job", "short", 8, 8,
			q("A", `sum by (job) (up{`+colSel+`})`, "{{job}} up"),
			q("B", `count by (job) (up{`+colSel+`})`, "{{job}} known"))).
		WithPanel(tbl("Instance status", "short", 8, 8,
			qt("A", `max by (job, instance) (up{`+colSel+`})`)).
			OverrideByName("Value", []dashboard.DynamicConfigValue{
				{Id: "mappings", Value: []map[string]any{{"type": "value", "options": map[string]any{
					"0": map[string]any{"text": "DOWN", "color": "red"}, "1": map[string]any{"text": "UP", "color": "green"}}}}},
				{Id: "custom.cellOptions", Value: map[string]any{"type": "color-background"}},
			})).
		WithPanel(withLimit(ts("Storage available (worst filesystem per host)", "percentunit", 8, 8,
			q("A", `min by (host_name) (host:filesystem_free:ratio)`, "{{host_name}}")), th.HostFilesystemFree).Min(0).Max(1)).
		WithPanel(ts("Network errors/s by host", "short", 12, 8,
			q("A", `sum by (host_name, direction) (rate(system_network_errors_total{device!="lo"}[$__rate_interval]))`, "{{host_name}} {{direction}}"))).
		WithPanel(ts("Network errors per 1k packets", "short", 12, 8,
			q("A", `1000 * sum by (host_name) (rate(system_network_errors_total{device!="lo"}[$__rate_interval])) / sum by (host_name) (rate(system_network_packets_total{device!="lo"}[$__rate_interval]))`, "{{host_name}}"))).
		WithRow(row("Collector pipeline")).
		WithPanel(ts("Accepted items/s by signal", "short", 8, 8,
			q("A", `sum by (signal) (otelcol:receiver_accepted:rate5m{`+roleSel+`})`, "{{signal}}"))).
		WithPanel(ts("Sent and failed items/s by exporter", "short", 8, 8,
			q("A", `sum by (exporter) (otelcol:exporter_sent:rate5m{`+roleSel+`})`, "{{exporter}} sent"),
			q("B", `sum by (exporter) (otelcol:exporter_send_failed:rate5m{`+roleSel+`})`, "{{exporter}} failed"))).
		WithPanel(ts("Refused and dropped items/s", "short", 8, 8,
			q("A", `sum by (receiver) (otelcol:receiver_refused:rate5m{`+roleSel+`})`, "{{receiver}} refused"),
			q("B", `sum by (exporter) (otelcol:exporter_enqueue_failed:rate5m{`+roleSel+`})`, "{{exporter}} queue full"),
			q("C", `sum by (instance) (otelcol:memory_limiter_refused:rate5m{`+roleSel+`})`, "{{instance}} memory_limiter"))).
		WithPanel(withLimit(ts("Sending queue fill", "percentunit", 12, 8,
			q("A", `max by (instance, exporter) (otelcol_exporter_queue_size{`+roleSel+`} / otelcol_exporter_queue_capacity{`+roleSel+`})`, "{{instance}} {{exporter}}")), th.CollectorQueueUsage)).
		WithPanel(ts("Collector memory (RSS)", "bytes", 12, 8,
			q("A", `otelcol_process_memory_rss{`+roleSel+`}`, "{{instance}}"))).
		WithRow(row("Our components")).
		WithPanel(withLimit(ts("cardinality: series admitted / limit", "percentunit", 8, 8,
			q("A", `otelcol_processor_cardinality_series_active{`+roleSel+`} / (otelcol_processor_cardinality_series_limit{`+roleSel+`} > 0)`, "{{instance}}")), th.CardinalitySeriesUsage)).
		WithPanel(ts("cardinality: points/s by outcome", "short", 8, 8,
			q("A", `sum by (outcome, reason) (rate(otelcol_processor_cardinality_datapoints{`+roleSel+`}[$__rate_interval]))`, "{{outcome}} {{reason}}"))).
		WithPanel(tbl("cardinality: top offending metrics", "short", 8, 8,
			qt("A", `topk(10, max by (metric_name) (otelcol_processor_cardinality_top_offender_datapoints{`+roleSel+`}))`))).
		WithPanel(ts("anomaly: series tracked, points scored/s", "short", 8, 8,
			q("A", `sum by (instance) (otelcol_processor_anomaly_series_tracked{`+roleSel+`})`, "{{instance}} series"),
			q("B", `sum by (instance) (rate(otelcol_processor_anomaly_points_scored{`+roleSel+`}[$__rate_interval]))`, "{{instance}} points/s"))).
		WithPanel(ts("incident: notifications/s by outcome", "short", 8, 8,
			q("A", `sum by (destination, outcome) (rate(otelcol_exporter_incident_notifications{`+roleSel+`}[$__rate_interval]))`, "{{destination}} {{outcome}}"))).
		WithPanel(ts("incident: outbox depth", "short", 8, 8,
			q("A", `max by (destination) (otelcol_exporter_incident_outbox_depth{`+roleSel+`})`, "{{destination}}"))).
		WithPanel(ts("servicegraph: spans waiting, edge series", "short", 8, 8,
			q("A", `max by (instance) (otelcol_connector_servicegraph_store_items{`+roleSel+`})`, "{{instance}} spans waiting"),
			q("B", `max by (instance) (otelcol_connector_servicegraph_series{`+roleSel+`})`, "{{instance}} edge series"))).
		WithPanel(ts("servicegraph: requests recorded/s by kind", "short", 8, 8,
			q("A", `sum by (kind) (rate(otelcol_connector_servicegraph_requests_recorded{`+roleSel+`}[$__rate_interval]))`, "{{kind}}"))).
		WithPanel(ts("servicegraph: spans dropped and unpaired/s", "short", 8, 8,
			q("A", `sum by (reason) (rate(otelcol_connector_servicegraph_spans_dropped{`+roleSel+`}[$__rate_interval]))`, "dropped {{reason}}"),
			q("B", `sum by (side) (rate(otelcol_connector_servicegraph_spans_unpaired{`+roleSel+`}[$__rate_interval]))`, "unpaired {{side}}"))).
		WithRow(row("Alerting path")).
		WithPanel(ts("Rule evaluation failures", "short", 12, 8,
			q("A", `sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total[$__rate_interval]))`, "{{rule_group}}"))).
		WithPanel(ts("Alertmanager notifications failed/s", "short", 12, 8,
			q("A", `sum by (integration) (rate(alertmanager_notifications_failed_total[$__rate_interval]))`, "{{integration}}"))).
		Build()
}
