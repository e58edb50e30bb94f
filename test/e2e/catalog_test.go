//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/otlptranslator"
	"go.yaml.in/yaml/v3"
)

// The metric catalog (configs/metrics/catalog.yaml, used by every rule and dashboard) names
// our components' metrics as the built binary serves them: every catalog entry of our
// processors' and exporters' self-telemetry appears on the collector's own Prometheus
// endpoint, and every anomaly.* entry on the prometheus exporter, under the Prometheus name
// derived from the catalog with otlptranslator (the same rules as tools/monitoring/catalog).
func TestCatalogNamesOnTheBinary(t *testing.T) {
	gen := mustEnv(t, "TELEMETRYGEN")
	root := repoRoot(t)
	want, exempt, pgLabels := catalogExpectations(t, root)

	var otlpPort, promPort, telPort string
	startCollector(t, func() collectorSpec {
		otlpPort, promPort, telPort = freePort(t), freePort(t), freePort(t)
		return collectorSpec{
			Config:   filepath.Join(root, "test", "e2e", "testdata", "catalog.yaml"),
			GRPCPort: otlpPort,
			Env: []string{"E2E_OTLP_PORT=" + otlpPort, "E2E_PROM_PORT=" + promPort, "E2E_TELEMETRY_PORT=" + telPort,
				"E2E_WEBHOOK_PORT=" + freePort(t), "E2E_DOWN_PORT=" + freePort(t)},
		}
	})

	send := func(signal string, args ...string) { sendGen(t, gen, otlpPort, signal, args...) }
	// Two scored gauges (one given unit s by the transform processor) and a counter, then a
	// fourth selected series that max_series rejects.
	send("metrics", "--otlp-metric-name", "fraiseql.e2e.gauge", "--metric-type", "Gauge", "--metrics", "30", "--rate", "50")
	send("metrics", "--otlp-metric-name", "fraiseql.e2e.latency", "--metric-type", "Gauge", "--metrics", "30", "--rate", "50")
	// A unitless cumulative counter, scored as a rate: its bands carry unit 1/s (_per_second).
	send("metrics", "--otlp-metric-name", "fraiseql.e2e.rate", "--metric-type", "Sum", "--aggregation-temporality", "cumulative",
		"--metrics", "30", "--rate", "50")
	send("metrics", "--otlp-metric-name", "fraiseql.e2e.rejected", "--metric-type", "Gauge", "--metrics", "3", "--rate", "50")
	// 30 series of one counter against a limit of 10: overflow and top offenders.
	send("metrics", "--otlp-metric-name", "fraiseql.e2e.counter", "--metric-type", "Sum", "--aggregation-temporality", "delta",
		"--metrics", "30", "--rate", "0", "--unique-timeseries")
	// servicegraph: client/server pairs (paired edges), and database client spans whose server
	// children wait in vain (unpaired, after store.ttl).
	send("traces", "--service", "e2e-edge", "--traces", "3", "--child-spans", "1")
	send("traces", "--service", "e2e-api", "--traces", "2", "--child-spans", "1", "--telemetry-attributes", `db.system.name="postgresql"`)
	send("logs", "--logs", "2", "--body", "login ok for alice.smith@example.com")
	// PII in attribute keys: the first key is replaced by the mask, the second, masked to the
	// same key, is removed.
	send("logs", "--logs", "1", "--telemetry-attributes", `bob.jones@example.com="x"`,
		"--telemetry-attributes", `ann.lee@example.com="y"`, "--body", "keys hold addresses")
	// An ERROR log opens an incident whose webhook is unreachable.
	send("logs", "--logs", "2", "--severity-text", "ERROR", "--severity-number", "17", "--service", "e2e-catalog", "--body", "payment failed")

	var missing []string
	err := waitFor(30*time.Second, func() error {
		seen := map[string]bool{}
		for _, port := range []string{telPort, promPort} {
			names, err := scrapeNames("http://127.0.0.1:" + port + "/metrics")
			if err != nil {
				return err
			}
			for n, labels := range names {
				seen[n] = true
				// pgstats series carry the catalog's pgstats source labels (resource
				// attributes, converted as the gateway does).
				if want[n] != "" && pgDown[want[n]] {
					for _, l := range pgLabels {
						if !labels[l] {
							return fmt.Errorf("%s has no label %s", n, l)
						}
					}
				}
			}
		}
		missing = missing[:0]
		for _, n := range sortedNames(want) {
			if !seen[n] {
				missing = append(missing, n+" ("+want[n]+")")
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("not served yet: %s", strings.Join(missing, ", "))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d catalog names served by the binary; not produced by this traffic: %s", len(want), strings.Join(exempt, "; "))
}

// pgDown are the pgstats entries a server that refuses connections still produces.
var pgDown = map[string]bool{"postgresql.up": true}

// notTriggered are catalog entries of ours this test's traffic cannot make appear (a counter
// appears once incremented); the lint checks them against metadata.yaml.
var notTriggered = map[string]string{
	"otelcol_exporter_incident_state_store_errors":   "needs a failing storage extension",
	"otelcol_exporter_incident_suppressed":           "needs a maintenance window or grouping",
	"otelcol_exporter_incident_template_errors":      "needs a failing template",
	"otelcol_exporter_incident_points_invalid":       "needs a metric rule fed NaN",
	"otelcol_processor_cardinality_series_evicted":   "needs stale_after to pass",
	"otelcol_connector_servicegraph_spans_dropped":   "needs store.max_items reached or a span without service.name",
	"otelcol_connector_servicegraph_spans_duplicate": "needs a span delivered twice while waiting",
	"otelcol_connector_servicegraph_series_expired":  "needs 15 minutes without a request on an edge",
}

type catalogFile struct {
	Sources map[string]struct {
		Naming string   `yaml:"naming"`
		Labels []string `yaml:"labels"`
	} `yaml:"sources"`
	Metrics []struct {
		Name   string `yaml:"name"`
		Unit   string `yaml:"unit"`
		Type   string `yaml:"type"`
		Source string `yaml:"source"`
	} `yaml:"metrics"`
}

// catalogExpectations returns the derived Prometheus names of the catalog entries from our
// components' telemetry (otelcol_<class>_<type>_*, for every receiver/*, processor/* and exporter/* of
// the repository) and of the anomaly processor's emitted metrics, each with the catalog
// name it comes from, plus the pgstats entries in pgDown; the entries left out
// (notTriggered); and the labels of the pgstats source other than job and instance.
func catalogExpectations(t *testing.T, root string) (map[string]string, []string, []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "configs", "metrics", "catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c catalogFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	for _, class := range []string{"receiver", "processor", "exporter", "connector"} {
		dirs, _ := filepath.Glob(filepath.Join(root, class, "*", "metadata.yaml"))
		for _, d := range dirs {
			var md struct {
				Type string `yaml:"type"`
			}
			mb, err := os.ReadFile(d)
			if err != nil || yaml.Unmarshal(mb, &md) != nil || md.Type == "" {
				t.Fatalf("%s: no type (%v)", d, err)
			}
			prefixes = append(prefixes, "otelcol_"+class+"_"+md.Type+"_")
		}
	}
	types := map[string]otlptranslator.MetricType{
		"counter":       otlptranslator.MetricTypeMonotonicCounter,
		"updowncounter": otlptranslator.MetricTypeNonMonotonicCounter,
		"gauge":         otlptranslator.MetricTypeGauge,
		"histogram":     otlptranslator.MetricTypeHistogram,
	}
	strategies := map[string]otlptranslator.TranslationStrategyOption{
		"UnderscoreEscapingWithSuffixes":    otlptranslator.UnderscoreEscapingWithSuffixes,
		"UnderscoreEscapingWithoutSuffixes": otlptranslator.UnderscoreEscapingWithoutSuffixes,
	}
	want := map[string]string{}
	var exempt []string
	used := map[string]bool{}
	for _, m := range c.Metrics {
		ours := m.Source == "anomaly" || m.Source == "servicegraph" || (m.Source == "pgstats" && pgDown[m.Name])
		for _, p := range prefixes {
			ours = ours || (m.Source == "collector" && strings.HasPrefix(m.Name, p))
		}
		if !ours {
			continue
		}
		if why, ok := notTriggered[m.Name]; ok {
			used[m.Name] = true
			exempt = append(exempt, m.Name+": "+why)
			continue
		}
		strategy, ok := strategies[c.Sources[m.Source].Naming]
		typ, ok2 := types[m.Type]
		if !ok || !ok2 {
			t.Fatalf("catalog %s: naming %q / type %q not known", m.Name, c.Sources[m.Source].Naming, m.Type)
		}
		namer := otlptranslator.NewMetricNamer("", strategy)
		base, err := namer.Build(otlptranslator.Metric{Name: m.Name, Unit: m.Unit, Type: typ})
		if err != nil {
			t.Fatalf("catalog %s: %v", m.Name, err)
		}
		names := []string{base}
		if m.Type == "histogram" {
			names = []string{base + "_bucket", base + "_sum", base + "_count"}
		}
		for _, n := range names {
			want[n] = m.Name
		}
	}
	for n := range notTriggered {
		if !used[n] {
			t.Errorf("notTriggered names %s, which is not a catalog entry of ours", n)
		}
	}
	if len(want) < 30 {
		t.Fatalf("only %d names derived from the catalog; is configs/metrics/catalog.yaml complete?", len(want))
	}
	var pgLabels []string
	for _, l := range c.Sources["pgstats"].Labels {
		if l != "job" && l != "instance" {
			pgLabels = append(pgLabels, l)
		}
	}
	if len(pgLabels) == 0 {
		t.Fatal("catalog source pgstats has no labels")
	}
	return want, exempt, pgLabels
}

// scrapeNames returns the metric names of a Prometheus text exposition, each with the
// label names of its series (read with scrapeSamples).
func scrapeNames(url string) (map[string]map[string]bool, error) {
	samples, err := scrapeSamples(url)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for _, s := range samples {
		if out[s.name] == nil {
			out[s.name] = map[string]bool{}
		}
		for k := range s.labels {
			out[s.name][k] = true
		}
	}
	return out, nil
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
