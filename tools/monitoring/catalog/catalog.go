// Package catalog loads configs/metrics/catalog.yaml and derives each metric's Prometheus
// series names with github.com/prometheus/otlptranslator, the library the collector's
// prometheus and prometheus_remote_write exporters use, under the naming strategy of the
// metric's source.
package catalog

import (
	"fmt"
	"os"
	"sort"

	"github.com/prometheus/otlptranslator"
	"gopkg.in/yaml.v3"
)

// Source is where a family of metrics comes from and how its names and labels reach Prometheus.
type Source struct {
	Description string   `yaml:"description"`
	Naming      string   `yaml:"naming"`
	Labels      []string `yaml:"labels"`
	GroupLabels []string `yaml:"group_labels"`
	OpenLabels  bool     `yaml:"open_labels"`
}

// Metric is one catalog entry, as OpenTelemetry emits it.
type Metric struct {
	Name        string   `yaml:"name"`
	Unit        string   `yaml:"unit"`
	Type        string   `yaml:"type"`
	Source      string   `yaml:"source"`
	Status      string   `yaml:"status"`
	Attributes  []string `yaml:"attributes"`
	OpenLabels  bool     `yaml:"open_labels"`
	Description string   `yaml:"description"`
}

// Catalog is the parsed file.
type Catalog struct {
	Sources map[string]Source `yaml:"sources"`
	Metrics []Metric          `yaml:"metrics"`
}

// Series is one Prometheus series name derived from a metric (a histogram gives three).
type Series struct {
	Name       string
	Metric     *Metric
	Source     string
	Labels     map[string]bool // allowed label names (besides __name__)
	OpenLabels bool
	GroupBy    []string
}

// Load reads and validates a catalog file.
func Load(path string) (*Catalog, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Catalog
	dec := yaml.NewDecoder(bytesReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, c.validate()
}

var types = map[string]otlptranslator.MetricType{
	"counter":       otlptranslator.MetricTypeMonotonicCounter,
	"updowncounter": otlptranslator.MetricTypeNonMonotonicCounter,
	"gauge":         otlptranslator.MetricTypeGauge,
	"histogram":     otlptranslator.MetricTypeHistogram,
}

var strategies = map[string]otlptranslator.TranslationStrategyOption{
	"UnderscoreEscapingWithSuffixes":    otlptranslator.UnderscoreEscapingWithSuffixes,
	"UnderscoreEscapingWithoutSuffixes": otlptranslator.UnderscoreEscapingWithoutSuffixes,
}

func (c *Catalog) validate() error {
	for name, s := range c.Sources {
		if _, ok := strategies[s.Naming]; !ok && s.Naming != "native" {
			return fmt.Errorf("source %s: naming %q is not a known strategy", name, s.Naming)
		}
		if len(s.GroupLabels) == 0 {
			return fmt.Errorf("source %s: group_labels is empty", name)
		}
	}
	for i, m := range c.Metrics {
		if m.Name == "" {
			return fmt.Errorf("metrics[%d]: name is empty", i)
		}
		if _, ok := types[m.Type]; !ok {
			return fmt.Errorf("metric %s: type %q is not counter|updowncounter|gauge|histogram", m.Name, m.Type)
		}
		if _, ok := c.Sources[m.Source]; !ok {
			return fmt.Errorf("metric %s: unknown source %q", m.Name, m.Source)
		}
		if m.Status != "stable" && m.Status != "contract" {
			return fmt.Errorf("metric %s: status %q is not stable|contract", m.Name, m.Status)
		}
		if m.Description == "" {
			return fmt.Errorf("metric %s: description is empty", m.Name)
		}
	}
	return nil
}

// PromName is the base Prometheus name of m (for a histogram, without _bucket/_sum/_count).
func (c *Catalog) PromName(m *Metric) (string, error) {
	src := c.Sources[m.Source]
	if src.Naming == "native" {
		return m.Name, nil
	}
	namer := otlptranslator.NewMetricNamer("", strategies[src.Naming])
	return namer.Build(otlptranslator.Metric{Name: m.Name, Unit: m.Unit, Type: types[m.Type]})
}

// LabelName escapes an OTel attribute name as the exporters do.
func LabelName(attr string) (string, error) {
	ln := otlptranslator.LabelNamer{}
	return ln.Build(attr)
}

// Series returns every Prometheus series name the catalog defines, keyed by name. Two
// entries deriving the same name must come from the same source (else an error).
func (c *Catalog) Series() (map[string]*Series, error) {
	out := map[string]*Series{}
	for i := range c.Metrics {
		m := &c.Metrics[i]
		base, err := c.PromName(m)
		if err != nil {
			return nil, fmt.Errorf("metric %s: %w", m.Name, err)
		}
		src := c.Sources[m.Source]
		labels := map[string]bool{}
		for _, l := range src.Labels {
			labels[l] = true
		}
		for _, a := range m.Attributes {
			l, err := LabelName(a)
			if err != nil {
				return nil, fmt.Errorf("metric %s: attribute %q: %w", m.Name, a, err)
			}
			labels[l] = true
		}
		names := []string{base}
		if m.Type == "histogram" {
			names = []string{base + "_bucket", base + "_sum", base + "_count"}
		}
		for _, n := range names {
			l := labels
			if n == base+"_bucket" {
				l = copyWith(labels, "le")
			}
			if prev, ok := out[n]; ok {
				if prev.Source != m.Source {
					return nil, fmt.Errorf("%s derived from %s (%s) and %s (%s)", n, prev.Metric.Name, prev.Source, m.Name, m.Source)
				}
				for k := range l {
					prev.Labels[k] = true
				}
				continue
			}
			out[n] = &Series{Name: n, Metric: m, Source: m.Source, Labels: copyWith(l), OpenLabels: src.OpenLabels || m.OpenLabels, GroupBy: src.GroupLabels}
		}
	}
	return out, nil
}

// Names returns the sorted series names.
func Names(s map[string]*Series) []string {
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func copyWith(m map[string]bool, extra ...string) map[string]bool {
	out := make(map[string]bool, len(m)+len(extra))
	for k := range m {
		out[k] = true
	}
	for _, k := range extra {
		out[k] = true
	}
	return out
}
