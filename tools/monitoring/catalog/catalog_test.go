package catalog

import (
	"path/filepath"
	"testing"
)

const catalogPath = "../../../configs/metrics/catalog.yaml"

// Names observed on the v0.161.0 otelcol-fraiseql binary (prometheus exporter for OTLP data
// on :8889-style endpoints, which uses the same otlptranslator strategy as remote write, and
// the collector's own :8888 endpoint). The derivation must reproduce every one of them.
var observed = map[string]string{
	"http.server.request.duration":     "http_server_request_duration_seconds_bucket",
	"traces.span.metrics.calls":        "traces_span_metrics_calls_total",
	"traces.span.metrics.duration":     "traces_span_metrics_duration_seconds_bucket",
	"db.client.connection.count":       "db_client_connection_count",
	"system.cpu.time":                  "system_cpu_time_seconds_total",
	"system.memory.usage":              "system_memory_usage_bytes",
	"system.filesystem.usage":          "system_filesystem_usage_bytes",
	"system.network.io":                "system_network_io_bytes_total",
	"system.cpu.load_average.5m":       "system_cpu_load_average_5m",
	"anomaly.score":                    "anomaly_score_ratio",
	"postgresql.replication.lag_bytes": "postgresql_replication_lag_bytes",
	"postgresql.wal.position":          "postgresql_wal_position_bytes_total",
	"graphql.cache.requests":           "graphql_cache_requests_total",
	"otelcol_receiver_refused_spans":   "otelcol_receiver_refused_spans",
	"otelcol_process_memory_rss":       "otelcol_process_memory_rss",
	"otelcol_process_uptime":           "otelcol_process_uptime",
	"otelcol_exporter_queue_size":      "otelcol_exporter_queue_size",
}

func load(t *testing.T) (*Catalog, map[string]*Series) {
	t.Helper()
	c, err := Load(filepath.FromSlash(catalogPath))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Series()
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func TestDerivedNamesMatchObserved(t *testing.T) {
	_, series := load(t)
	for otel, want := range observed {
		s, ok := series[want]
		if !ok {
			t.Errorf("%s: derived names lack %s (observed on the binary)", otel, want)
			continue
		}
		if s.Metric.Name != otel {
			t.Errorf("%s comes from %s in the catalog, observed from %s", want, s.Metric.Name, otel)
		}
	}
}

func TestUnitOneGaugeGetsRatio(t *testing.T) {
	c := &Catalog{Sources: map[string]Source{"x": {Naming: "UnderscoreEscapingWithSuffixes", GroupLabels: []string{"job"}}}}
	n, err := c.PromName(&Metric{Name: "postgresql.up", Unit: "1", Type: "gauge", Source: "x"})
	if err != nil || n != "postgresql_up_ratio" {
		t.Fatalf("unit 1 gauge: got %q, %v; the catalog's {status} choice relies on this", n, err)
	}
	n, _ = c.PromName(&Metric{Name: "postgresql.up", Unit: "{status}", Type: "gauge", Source: "x"})
	if n != "postgresql_up" {
		t.Fatalf("curly unit: got %q", n)
	}
}

func TestEveryMetricDerives(t *testing.T) {
	c, series := load(t)
	if len(series) < len(c.Metrics) {
		t.Fatalf("%d series from %d metrics", len(series), len(c.Metrics))
	}
	for _, s := range series {
		if s.Name == "" || s.Name[0] >= '0' && s.Name[0] <= '9' {
			t.Errorf("bad name %q from %s", s.Name, s.Metric.Name)
		}
	}
}

func TestValidateRejectsBadEntries(t *testing.T) {
	base := func() *Catalog {
		return &Catalog{Sources: map[string]Source{"app": {Naming: "UnderscoreEscapingWithSuffixes", GroupLabels: []string{"job"}}},
			Metrics: []Metric{{Name: "a.b", Type: "counter", Source: "app", Status: "stable", Description: "d"}}}
	}
	for name, mutate := range map[string]func(*Catalog){
		"type":        func(c *Catalog) { c.Metrics[0].Type = "sum" },
		"source":      func(c *Catalog) { c.Metrics[0].Source = "nope" },
		"status":      func(c *Catalog) { c.Metrics[0].Status = "" },
		"description": func(c *Catalog) { c.Metrics[0].Description = "" },
		"naming":      func(c *Catalog) { c.Sources["app"] = Source{Naming: "Legacy", GroupLabels: []string{"job"}} },
	} {
		c := base()
		if err := c.validate(); err != nil {
			t.Fatalf("base invalid: %v", err)
		}
		mutate(c)
		if err := c.validate(); err == nil {
			t.Errorf("%s: invalid catalog accepted", name)
		}
	}
}
