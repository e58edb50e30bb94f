//go:build demo

package demo

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/catalog"
)

// absentOK: catalog metrics the demo does not produce, with the reason. Everything else of the
// catalog must arrive in Prometheus under its catalog name (derived with otlptranslator, as
// the exporters do).
var absentOK = map[string]string{
	// Failure counters the collector creates at the first failure: a healthy stack has none.
	"otelcol_exporter_enqueue_failed_log_records":            "created at the first queue drop",
	"otelcol_exporter_enqueue_failed_metric_points":          "created at the first queue drop",
	"otelcol_exporter_enqueue_failed_spans":                  "created at the first queue drop",
	"otelcol_exporter_send_failed_log_records":               "created at the first failed send",
	"otelcol_exporter_send_failed_metric_points":             "created at the first failed send",
	"otelcol_exporter_send_failed_spans":                     "created at the first failed send",
	"otelcol_processor_memory_limiter_refused_log_records":   "created at the first refusal",
	"otelcol_processor_memory_limiter_refused_metric_points": "created at the first refusal",
	"otelcol_processor_memory_limiter_refused_spans":         "created at the first refusal",
	// The incident exporter's error and retry counters: created at the first error or retry.
	"otelcol_exporter_incident_notification_retries":  "created at the first retried notification",
	"otelcol_exporter_incident_notifications_dropped": "created at the first dropped notification",
	"otelcol_exporter_incident_points_invalid":        "created at the first invalid point",
	"otelcol_exporter_incident_state_store_errors":    "created at the first state store error",
	"otelcol_exporter_incident_suppressed":            "created at the first suppressed notification",
	"otelcol_exporter_incident_template_errors":       "created at the first template error",
	// Reported per PagerDuty/Slack/webhook destination (its durable outbox); the shipped
	// gateway sends incidents to Alertmanager only, which has no outbox.
	"otelcol_exporter_incident_outbox_depth": "no outbox destination in the shipped gateway (Alertmanager only)",
	"otelcol_exporter_incident_evicted":      "created when max_incidents is reached; the demo tracks a few incidents",
	// piiredact counters of rare cases: a key that is itself PII, a field dropped (the shipped
	// agent masks, it does not drop).
	"otelcol_processor_piiredact_keys_replaced": "created at the first attribute key holding PII",
	"otelcol_processor_piiredact_removed":       "created at the first dropped field (the shipped agent masks)",
	// cardinality forgets a series after stale_after (minutes) without data: the demo's
	// series keep reporting, so nothing is evicted during the test.
	"otelcol_processor_cardinality_series_evicted": "created at the first eviction after stale_after without data",
	// servicegraph counters of what goes wrong: the demo's spans pair (every client span's
	// server span arrives within store.ttl), the store has room, each span comes once and
	// every edge keeps its traffic.
	"otelcol_connector_servicegraph_spans_unpaired":  "created at the first span that waited store.ttl in vain",
	"otelcol_connector_servicegraph_spans_dropped":   "created at the first span dropped (store full, no service.name)",
	"otelcol_connector_servicegraph_spans_duplicate": "created at the first span delivered twice",
	"otelcol_connector_servicegraph_series_expired":  "created when an edge has had no request for 15 minutes",
}

// requiredSources: every one must have at least one metric present (the list: app,
// host, pgstats with PgBouncer, span_metrics, the service graph, anomaly, the collectors' own).
var requiredSources = []string{"app", "host_metrics", "pgstats", "span_metrics", "servicegraph", "anomaly", "collector", "prometheus"}

func checkSources(t *testing.T, s *stack, started time.Time) {
	root := s.root
	cat, err := catalog.Load(filepath.Join(root, "configs", "metrics", "catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	series, err := cat.Series()
	if err != nil {
		t.Fatal(err)
	}
	prom := s.get(t, "PROMETHEUS_URL")
	var missing []string
	var bySource map[string]int
	// Rates, anomaly scores (after their warm-up) and pgstats (first scrape) need a few
	// minutes; the poll ends when only allowed absences remain.
	eventually(t, time.Until(started.Add(9*time.Minute)), 20*time.Second, "every catalog metric in Prometheus", func() error {
		var names struct {
			Data []string `json:"data"`
		}
		if err := getJSON(prom+"/api/v1/label/__name__/values", &names); err != nil {
			return err
		}
		have := map[string]bool{}
		for _, n := range names.Data {
			have[n] = true
		}
		missing = missing[:0]
		bySource = map[string]int{}
		for _, name := range catalog.Names(series) {
			sr := series[name]
			if have[name] {
				bySource[sr.Source]++
				continue
			}
			if _, ok := absentOK[name]; ok {
				continue
			}
			missing = append(missing, fmt.Sprintf("%s (%s, %s)", name, sr.Source, sr.Metric.Name))
		}
		var noSource []string
		for _, src := range requiredSources {
			if bySource[src] == 0 {
				noSource = append(noSource, src)
			}
		}
		if len(missing) > 0 || len(noSource) > 0 {
			return fmt.Errorf("sources without any metric: %v; %d catalog metrics missing: %s", noSource, len(missing), strings.Join(missing, ", "))
		}
		return nil
	})
	srcs := make([]string, 0, len(bySource))
	for k, v := range bySource {
		srcs = append(srcs, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(srcs)
	t.Logf("catalog series present by source: %s", strings.Join(srcs, " "))
}
