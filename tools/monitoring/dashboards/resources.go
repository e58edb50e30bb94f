package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	th "github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

const hostSel = `host_name=~"$host"`

// Resources: hosts (host_metrics of the agents) and the processes (dashboard 5 of the seed).
func Resources() (dashboard.Dashboard, error) {
	host := queryVar("host", "Host", `label_values(system_memory_usage_bytes, host_name)`)
	return newDashboard("graphql-resources", "FraiseQL / Resources",
		"CPU, memory, disk and network of every node (host_metrics receiver of the agents), the service process and the collectors.",
		vars{jobFrom: "process_memory_usage_bytes", extra: []cog.Builder[dashboard.VariableModel]{host}, role: true}).
		WithRow(row("Hosts")).
		WithPanel(withLimit(ts("CPU busy", "percentunit", 8, 8,
			q("A", `host:cpu_busy:ratio_rate5m{`+hostSel+`}`, "{{host_name}}")), th.HostCPUBusy)).
		WithPanel(withLimit(ts("Memory used", "percentunit", 8, 8,
			q("A", `host:memory_used:ratio{`+hostSel+`}`, "{{host_name}}")), th.HostMemoryUsed)).
		WithPanel(withLimit(ts("Filesystem free", "percentunit", 8, 8,
			q("A", `host:filesystem_free:ratio{`+hostSel+`}`, "{{host_name}} {{mountpoint}}")), th.HostFilesystemFree)).
		WithPanel(ts("Load (5m) per host", "short", 8, 8,
			q("A", `max by (host_name) (system_cpu_load_average_5m{`+hostSel+`})`, "{{host_name}}"))).
		WithPanel(ts("Disk I/O", "Bps", 8, 8,
			q("A", `sum by (host_name, direction) (rate(system_disk_io_bytes_total{`+hostSel+`}[$__rate_interval]))`, "{{host_name}} {{direction}}"))).
		WithPanel(ts("Network I/O", "Bps", 8, 8,
			q("A", `sum by (host_name, direction) (rate(system_network_io_bytes_total{`+hostSel+`, device!="lo"}[$__rate_interval]))`, "{{host_name}} {{direction}}"))).
		WithRow(row("Capacity: time to exhaustion")).
		WithPanel(st("Disk: least time left", "s", 6, 4, steps("red", 6*3600, "orange", 24*3600, "green"),
			qi("A", `min(host:filesystem_free:seconds_to_exhaustion{`+hostSel+`}) or vector(+Inf)`, "disk"))).
		WithPanel(st("PostgreSQL connections: time left", "s", 6, 4, steps("red", 4*3600, "orange", 24*3600, "green"),
			qi("A", `min(postgresql:connections:seconds_to_exhaustion) or vector(+Inf)`, "connections"))).
		WithPanel(st("Service pool: time left", "s", 6, 4, steps("red", 1800, "orange", 4*3600, "green"),
			qi("A", `min(db_client:pool_usage:seconds_to_exhaustion) or vector(+Inf)`, "pool"))).
		WithPanel(st("Ingest series budget: time left", "s", 6, 4, steps("red", 24*3600, "orange", 7*24*3600, "green"),
			qi("A", `min(otelcol:cardinality_series:seconds_to_exhaustion{job=~"otelcol-$role"}) or vector(+Inf)`, "series"))).
		WithPanel(ts("Filesystem free: now and linear forecast 24 h ahead", "bytes", 12, 8,
			q("A", `sum by (host_name, mountpoint) (system_filesystem_usage_bytes{`+hostSel+`, state="free"})`, "{{host_name}} {{mountpoint}} free"),
			q("B", `sum by (host_name, mountpoint) (predict_linear(system_filesystem_usage_bytes{`+hostSel+`, state="free"}[6h], 86400))`, "{{host_name}} {{mountpoint}} in 24 h"))).
		WithPanel(withLimit(ts("Connections and pool: usage and forecast", "percentunit", 12, 8,
			q("A", `max by (postgresql_server_name) (postgresql:connections:ratio)`, "{{postgresql_server_name}} connections"),
			q("B", `max by (postgresql_server_name) (predict_linear(postgresql:connections:ratio[6h], 4 * 3600))`, "{{postgresql_server_name}} connections in 4 h"),
			q("C", `max by (job, db_client_connection_pool_name) (db_client:pool_usage:ratio)`, "{{job}} {{db_client_connection_pool_name}} pool"),
			q("D", `max by (job, db_client_connection_pool_name) (predict_linear(db_client:pool_usage:ratio[30m], 1800))`, "{{job}} {{db_client_connection_pool_name}} pool in 30 min")), 1).Min(0)).
		WithPanel(withBand(ts("Ingest: points/s, Holt-Winters smoothed, with anomaly band", "short", 12, 8,
			q("A", `sum(otelcol:receiver_accepted:rate5m{job=~"otelcol-$role", signal="metrics"})`, "points/s"),
			q("B", `holt_winters(sum(otelcol:receiver_accepted:rate5m{job=~"otelcol-$role", signal="metrics"})[6h:5m], 0.1, 0.5)`, "points/s smoothed (holt_winters)")), 'C',
			func(b string) string {
				return `sum(anomaly_` + b + `_per_second{anomaly_metric="traces.span.metrics.calls", ` + serverSel + `})`
			})).
		WithPanel(ts("Ingest series budget: admitted and forecast 7 days ahead", "short", 12, 8,
			q("A", `sum by (job, instance) (otelcol_processor_cardinality_series_active{job=~"otelcol-$role"})`, "{{instance}} admitted"),
			q("B", `sum by (job, instance) (predict_linear(otelcol_processor_cardinality_series_active{job=~"otelcol-$role"}[6h], 7 * 86400))`, "{{instance}} in 7 days"),
			q("C", `max by (job, instance) (otelcol_processor_cardinality_series_limit{job=~"otelcol-$role"})`, "{{instance}} limit"))).
		WithRow(row("Processes")).
		WithPanel(ts("Service CPU (cores)", "short", 8, 8,
			q("A", `sum by (job, instance) (rate(process_cpu_time_seconds_total{`+appSel+`}[$__rate_interval]))`, "{{job}} {{instance}}"))).
		WithPanel(ts("Service memory", "bytes", 8, 8,
			q("A", `sum by (job, instance) (process_memory_usage_bytes{`+appSel+`})`, "{{job}} {{instance}}"))).
		WithPanel(ts("Collector memory (RSS)", "bytes", 8, 8,
			q("A", `max by (job, instance) (otelcol_process_memory_rss{job=~"otelcol-$role"})`, "{{job}} {{instance}}"))).
		Build()
}
