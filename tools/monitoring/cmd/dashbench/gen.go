package main

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/catalog"
)

// Identity labels per source: the fleet the synthetic data describes.
func identities(source, base string) []map[string]string {
	var out []map[string]string
	switch source {
	case "app", "span_metrics", "backup":
		for i := 1; i <= 4; i++ {
			out = append(out, map[string]string{"job": "graphql/fraiseql", "instance": fmt.Sprintf("fraiseql-%d", i)})
		}
	case "anomaly":
		out = append(out, map[string]string{"job": "graphql/fraiseql", "span_kind": "SPAN_KIND_SERVER"})
	case "host_metrics":
		for i := 1; i <= 6; i++ {
			out = append(out, map[string]string{"host_name": fmt.Sprintf("node-%d", i)})
		}
	case "pgstats":
		if strings.HasPrefix(base, "pgbouncer_") {
			return []map[string]string{{"server_address": "10.0.0.10"}}
		}
		for i, n := range []string{"pg-primary", "pg-replica-1", "pg-replica-2"} {
			out = append(out, map[string]string{"postgresql_server_name": n, "server_address": fmt.Sprintf("10.0.0.%d", i+1)})
		}
	case "collector":
		for i := 1; i <= 6; i++ {
			out = append(out, map[string]string{"job": "otelcol-agent", "instance": fmt.Sprintf("node-%d:8888", i)})
		}
		for i := 0; i < 3; i++ {
			out = append(out, map[string]string{"job": "otelcol-gateway", "instance": fmt.Sprintf("gw-%d:8888", i)})
		}
	case "servicegraph":
		// one writer per gateway replica (collector.instance.id)
		for i := 0; i < 3; i++ {
			out = append(out, map[string]string{"collector_instance_id": fmt.Sprintf("gateway-%d", i)})
		}
	case "prometheus":
		if base == "up" {
			for i := 1; i <= 6; i++ {
				out = append(out, map[string]string{"job": "otelcol-agent", "instance": fmt.Sprintf("node-%d:8888", i)})
			}
			for i := 0; i < 3; i++ {
				out = append(out, map[string]string{"job": "otelcol-gateway", "instance": fmt.Sprintf("gw-%d:8888", i)})
			}
			return out
		}
		return []map[string]string{{"job": "prometheus", "instance": "localhost:9090"}}
	default:
		return []map[string]string{{}}
	}
	return out
}

// values of a label, per metric where the meaning differs.
func labelValues(base, label string) []string {
	switch base + "/" + label {
	case "system_cpu_time_seconds_total/state":
		return []string{"idle", "user", "system", "iowait"}
	case "system_filesystem_usage_bytes/state":
		return []string{"used", "free", "reserved"}
	case "system_disk_io_bytes_total/direction":
		return []string{"read", "write"}
	case "otelcol_exporter_incident_notifications/outcome":
		return []string{"delivered", "transient", "permanent"}
	case "anomaly_expected/anomaly_metric", "anomaly_lower/anomaly_metric", "anomaly_upper/anomaly_metric",
		// counters are scored as rates: their bands carry the 1/s unit suffix
		"anomaly_expected_per_second/anomaly_metric", "anomaly_lower_per_second/anomaly_metric", "anomaly_upper_per_second/anomaly_metric":
		return []string{"traces.span.metrics.calls"}
	case "anomaly_expected_seconds/anomaly_metric", "anomaly_lower_seconds/anomaly_metric", "anomaly_upper_seconds/anomaly_metric":
		return []string{"traces.span.metrics.duration"}
	}
	switch label {
	case "http_response_status_code":
		return []string{"200", "400", "500", "503"}
	case "http_route":
		return []string{"/graphql", "/graphql/batch", "/graphql/ws", "/v1/upload", "/health", "/auth/token"}
	case "http_request_method":
		return []string{"POST", "GET"}
	case "graphql_operation_type":
		return []string{"query", "mutation", "subscription"}
	case "span_kind":
		return []string{"SPAN_KIND_SERVER", "SPAN_KIND_CLIENT"}
	case "status_code":
		return []string{"STATUS_CODE_UNSET", "STATUS_CODE_ERROR"}
	case "span_name":
		return []string{"query", "mutation", "SELECT", "INSERT", "UPDATE"}
	case "db_operation_name":
		return []string{"SELECT", "INSERT", "UPDATE", "DELETE"}
	case "db_client_connection_state":
		return []string{"idle", "used"}
	case "db_client_connection_pool_name":
		return []string{"main"}
	case "error_type":
		return []string{"", "timeout"}
	case "graphql_cache_name":
		return []string{"response", "persisted_query"}
	case "graphql_cache_result":
		return []string{"hit", "miss"}
	case "graphql_auth_method":
		return []string{"jwt", "api_key", "session"}
	case "graphql_auth_outcome":
		return []string{"success", "failure"}
	case "graphql_auth_failure_reason":
		return []string{"bad_password", "expired_token", "revoked_key"}
	case "graphql_authz_reason":
		return []string{"forbidden_field", "tenant_mismatch", "missing_scope"}
	case "graphql_rate_limit_policy":
		return []string{"anonymous", "api_key_free", "api_key_pro"}
	case "graphql_api_key_tier", "fraiseql_tenant_tier":
		return []string{"free", "pro", "enterprise"}
	case "graphql_error_code":
		return []string{"BAD_USER_INPUT", "FORBIDDEN", "INTERNAL_SERVER_ERROR"}
	case "fraiseql_event_name":
		return []string{"signup", "order_created", "subscription_renewed", "invite_sent"}
	case "state":
		return []string{"used", "free", "cached", "buffered"}
	case "cpu":
		return []string{"cpu0", "cpu1", "cpu2", "cpu3"}
	case "device":
		return []string{"/dev/sda1", "/dev/sdb1"}
	case "mountpoint":
		return []string{"/", "/var/lib/postgresql"}
	case "direction":
		return []string{"transmit", "receive"}
	case "postgresql_connection_state":
		return []string{"active", "idle", "idle_in_transaction"}
	case "db_namespace":
		return []string{"app", "analytics"}
	case "postgresql_replication_application_name":
		return []string{"replica-1", "replica-2"}
	case "postgresql_replication_position":
		return []string{"sent", "write", "flush", "replay"}
	case "postgresql_replication_lag_kind":
		return []string{"write", "flush", "replay"}
	case "postgresql_replication_slot_name":
		return []string{"replica_1", "replica_2"}
	case "postgresql_replication_state":
		return []string{"streaming", "catchup"}
	case "postgresql_replication_slot_wal_status":
		// pgstats writes 1 for the slot's current status and 0 for the other three; the
		// generator writes one level per metric, so only the current one (a panel's join on
		// it needs one series per slot).
		return []string{"reserved"}
	case "postgresql_lock_mode":
		return []string{"AccessShareLock", "RowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}
	case "postgresql_lock_granted":
		return []string{"true", "false"}
	case "postgresql_checkpoint_kind":
		return []string{"timed", "requested"}
	case "db_query_text":
		out := make([]string, 20)
		for i := range out {
			out[i] = fmt.Sprintf("SELECT * FROM t%d WHERE id = $1", i)
		}
		return out
	case "pgbouncer_database":
		return []string{"app", "analytics"}
	case "pgbouncer_client_state":
		return []string{"active", "waiting"}
	case "pgbouncer_server_state":
		return []string{"active", "idle", "used"}
	case "detector":
		return []string{"email", "ip", "credit_card", "jwt"}
	case "signal":
		return []string{"logs", "traces", "metrics"}
	case "outcome":
		return []string{"passed", "overflowed", "dropped"}
	case "reason":
		return []string{"admitted", "metric_limit", "overflow_state_full"}
	case "metric_name":
		out := make([]string, 10)
		for i := range out {
			out[i] = fmt.Sprintf("app.metric.%d", i)
		}
		return out
	case "destination":
		return []string{"pagerduty", "slack"}
	case "exporter":
		return []string{"otlp_grpc/gateway", "prometheus_remote_write", "otlp_http/loki"}
	case "receiver":
		return []string{"otlp"}
	case "data_type":
		return []string{"metrics"}
	case "processor":
		return []string{"memory_limiter"}
	case "rule_group":
		return []string{"slo", "database"}
	case "integration":
		return []string{"pagerduty", "slack"}
	case "alertstate":
		return []string{"firing"}
	case "severity":
		return []string{"critical", "warning"}
	case "alertname":
		return []string{"HostMemoryHigh", "GraphQLHighLatencyP95"}
	case "backup_target":
		return []string{"pg-primary"}
	case "client":
		return []string{"user", "fraiseql-edge", "fraiseql"}
	case "server":
		return []string{"fraiseql-edge", "fraiseql", "postgresql"}
	case "connection_type":
		return []string{"", "database", "virtual_node"}
	}
	return []string{"a", "b"}
}

var buckets = map[string][]float64{
	"default":                  {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10},
	"graphql_query_complexity": {10, 50, 100, 250, 500, 750, 1000, 2000},
	"graphql_response_serialization_duration_seconds": {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25},
}

// seriesSpec is one generated series (a histogram is one spec with its buckets).
type seriesSpec struct {
	labels map[string]string
	weight float64
}

func hash01(s string) float64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return float64(h.Sum64()%10000) / 10000
}

// rare marks label values that should carry little traffic (errors, misses, overflow...).
func rare(v string) bool {
	switch v {
	case "500", "503", "STATUS_CODE_ERROR", "failure", "miss", "overflowed", "dropped", "failed", "waiting", "timeout", "credit_card", "jwt", "idle_in_transaction", "400":
		return true
	}
	return false
}

func expandSeries(src, base string, used map[string]bool, maxSeries int) []seriesSpec {
	var labelNames []string
	ids := identities(src, base)
	for l := range used {
		if _, isID := ids[0][l]; !isID && l != "le" && l != "job" && l != "instance" {
			labelNames = append(labelNames, l)
		}
	}
	sort.Strings(labelNames)
	specs := []seriesSpec{}
	for _, id := range ids {
		specs = append(specs, seriesSpec{labels: copyMap(id), weight: 1})
	}
	for _, l := range labelNames {
		var next []seriesSpec
		for _, s := range specs {
			for _, v := range labelValues(base, l) {
				m := copyMap(s.labels)
				if v != "" {
					m[l] = v
				}
				w := s.weight
				if rare(v) {
					w *= 0.01
				}
				next = append(next, seriesSpec{labels: m, weight: w})
			}
		}
		specs = next
		if len(specs) > maxSeries {
			specs = specs[:maxSeries]
		}
	}
	return specs
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func fmtLabels(m map[string]string, extra ...string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		parts = append(parts, k+"="+strconv.Quote(m[k]))
	}
	for i := 0; i+1 < len(extra); i += 2 {
		parts = append(parts, extra[i]+"="+strconv.Quote(extra[i+1]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// gaugeLevel is a plausible level for a gauge, by name.
func gaugeLevel(base string) float64 {
	switch {
	case base == "up" || strings.HasSuffix(base, "_up") || strings.HasSuffix(base, "_connected") || strings.HasSuffix(base, "_active") && strings.Contains(base, "slot") || strings.HasSuffix(base, "_wal_status"):
		return 1
	case strings.Contains(base, "_max") || strings.Contains(base, "capacity") || strings.Contains(base, "limit"):
		return 1000
	case strings.HasSuffix(base, "_bytes") || strings.HasSuffix(base, "_rss"):
		return 4e9
	case strings.HasSuffix(base, "_seconds"):
		return 0.2
	case strings.Contains(base, "xid_age"):
		return 1.5e8
	case strings.Contains(base, "anomaly_score"):
		return 0.1
	case strings.Contains(base, "time_seconds") && strings.Contains(base, "backup"):
		return 0
	}
	return 40
}

// lognormal CDF for latency-like histograms (median m, sigma s).
func cdf(x, m, s float64) float64 {
	if x <= 0 {
		return 0
	}
	return 0.5 * math.Erfc(-(math.Log(x)-math.Log(m))/(s*math.Sqrt2))
}

// family is one metric's generated series with their running state, so data can be written
// window by window: promtool 2.42 re-reads its whole input once per 2-hour block, so the
// benchmark feeds it one file per block instead of one file for the whole week.
type family struct {
	m      *catalog.Metric
	base   string
	series []*genSeries
	bounds []float64
	median float64
}

type genSeries struct {
	key    string   // {labels}
	bucket []string // {labels,le=...} per bound, then +Inf
	phase  float64
	weight float64
	level  float64
	v      float64 // counter / gauge value
	count  float64
	sum    float64
	cum    []float64
}

func newFamily(m *catalog.Metric, base string, specs []seriesSpec) *family {
	f := &family{m: m, base: base}
	if m.Type == "histogram" {
		f.bounds = buckets["default"]
		if b, ok := buckets[base]; ok {
			f.bounds = b
		}
		f.median = f.bounds[len(f.bounds)/3]
	}
	for _, sp := range specs {
		g := &genSeries{key: fmtLabels(sp.labels), weight: sp.weight}
		g.phase = hash01(g.key)
		g.level = gaugeLevel(base) * (0.5 + g.phase)
		if m.Type == "histogram" {
			for _, b := range f.bounds {
				g.bucket = append(g.bucket, fmtLabels(sp.labels, "le", strconv.FormatFloat(b, 'g', -1, 64)))
			}
			g.bucket = append(g.bucket, fmtLabels(sp.labels, "le", "+Inf"))
			g.cum = make([]float64, len(f.bounds))
		}
		f.series = append(f.series, g)
	}
	return f
}

func (f *family) seriesCount() int {
	if f.m.Type == "histogram" {
		return len(f.series) * (len(f.bounds) + 3)
	}
	return len(f.series)
}

func diurnal(t int64, phase float64) float64 {
	return 1 + 0.5*math.Sin(2*math.Pi*(float64(t)/86400+phase)) + 0.05*math.Sin(float64(t)/337)
}

// writeWindow appends the samples of [from, to) every step seconds, advancing the state.
func (f *family) writeWindow(w *bufio.Writer, from, to, step int64) int {
	samples := 0
	buf := make([]byte, 0, 64)
	num := func(v float64) []byte { return strconv.AppendFloat(buf[:0], v, 'g', -1, 64) }
	line := func(name, labels string, v float64, t int64) {
		w.WriteString(name)
		w.WriteString(labels)
		w.WriteByte(' ')
		w.Write(num(v))
		w.WriteByte(' ')
		w.Write(strconv.AppendInt(buf[:0], t, 10))
		w.WriteByte('\n')
		samples++
	}
	if f.m.Type == "histogram" {
		fmt.Fprintf(w, "# TYPE %s histogram\n", f.base)
		for _, g := range f.series {
			rate := (5 + 50*g.phase) * g.weight
			for t := from; t < to; t += step {
				inc := rate * float64(step) * diurnal(t, g.phase)
				g.count += inc
				g.sum += inc * f.median * 1.3
				for i, b := range f.bounds {
					g.cum[i] += inc * cdf(b, f.median, 0.9)
					line(f.base+"_bucket", g.bucket[i], math.Floor(g.cum[i]), t)
				}
				line(f.base+"_bucket", g.bucket[len(f.bounds)], math.Floor(g.count), t)
				line(f.base+"_sum", g.key, g.sum, t)
				line(f.base+"_count", g.key, math.Floor(g.count), t)
			}
		}
		return samples
	}
	fmt.Fprintf(w, "# TYPE %s unknown\n", f.base)
	for _, g := range f.series {
		for t := from; t < to; t += step {
			switch {
			case f.m.Type == "counter":
				g.v += (10 + 100*g.phase) * g.weight * float64(step) * diurnal(t, g.phase)
			case f.base == "backup_last_success_time_seconds":
				g.v = float64(t - t%86400)
			case gaugeLevel(f.base) == 1:
				g.v = 1
			default:
				g.v = g.level * diurnal(t, g.phase)
			}
			line(f.base, g.key, g.v, t)
		}
	}
	return samples
}

// writeWindowFile writes every family's samples of [from, to) into one OpenMetrics file.
func writeWindowFile(path string, fams []*family, from, to, step int64) (int, error) {
	fh, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	n := 0
	for _, f := range fams {
		n += f.writeWindow(w, from, to, step)
	}
	w.WriteString("# EOF\n")
	if err := w.Flush(); err != nil {
		return 0, err
	}
	return n, fh.Close()
}
