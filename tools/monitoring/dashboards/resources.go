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
		WithRow(row("Processes")).
		WithPanel(ts("Service CPU (cores)", "short", 8, 8,
			q("A", `sum by (job, instance) (rate(process_cpu_time_seconds_total{`+appSel+`}[$__rate_interval]))`, "{{job}} {{instance}}"))).
		WithPanel(ts("Service memory", "bytes", 8, 8,
			q("A", `sum by (job, instance) (process_memory_usage_bytes{`+appSel+`})`, "{{job}} {{instance}}"))).
		WithPanel(ts("Collector memory (RSS)", "bytes", 8, 8,
			q("A", `max by (job, instance) (otelcol_process_memory_rss{job=~"otelcol-$role"})`, "{{job}} {{instance}}"))).
		Build()
}
