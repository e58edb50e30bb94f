package lint

import (
	"fmt"
	"go/constant"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/catalog"
)

// Our components declare what they emit in their metadata.yaml (mdatagen): the pgstats
// receiver its metrics, attributes and resource attributes; every component its own
// telemetry (served by the collector as otelcol_<key>, see the catalog's collector source).
// The catalog entries from our components must say the same: the checks below read the
// metadata files, never a copy.

type mdAttr struct {
	Type         string   `yaml:"type"`
	Enum         []string `yaml:"enum"`
	NameOverride string   `yaml:"name_override"`
}

type mdMetric struct {
	Unit  string `yaml:"unit"`
	Gauge *struct {
		Async bool `yaml:"async"`
	} `yaml:"gauge"`
	Sum *struct {
		Monotonic bool `yaml:"monotonic"`
	} `yaml:"sum"`
	Histogram  *struct{} `yaml:"histogram"`
	Attributes []string  `yaml:"attributes"`
}

// catalogType is the catalog's type word for the metric's data type.
func (m mdMetric) catalogType() string {
	switch {
	case m.Gauge != nil:
		return "gauge"
	case m.Sum != nil && m.Sum.Monotonic:
		return "counter"
	case m.Sum != nil:
		return "updowncounter"
	case m.Histogram != nil:
		return "histogram"
	}
	return "?"
}

type mdFile struct {
	Path   string `yaml:"-"`
	Type   string `yaml:"type"`
	Status struct {
		Class string `yaml:"class"`
	} `yaml:"status"`
	ResourceAttributes map[string]mdAttr   `yaml:"resource_attributes"`
	Attributes         map[string]mdAttr   `yaml:"attributes"`
	Metrics            map[string]mdMetric `yaml:"metrics"`
	Telemetry          struct {
		Metrics map[string]mdMetric `yaml:"metrics"`
	} `yaml:"telemetry"`
}

// attrName is the attribute's name on the data point (name_override applied).
func (f *mdFile) attrName(key string) string {
	if a, ok := f.Attributes[key]; ok && a.NameOverride != "" {
		return a.NameOverride
	}
	return key
}

func (f *mdFile) attrNames(m mdMetric) []string {
	out := make([]string, 0, len(m.Attributes))
	for _, k := range m.Attributes {
		out = append(out, f.attrName(k))
	}
	sort.Strings(out)
	return out
}

// enum returns the allowed values of the attribute whose name (after name_override) is name.
func (f *mdFile) enum(m mdMetric, name string) []string {
	for _, k := range m.Attributes {
		if f.attrName(k) == name {
			return f.Attributes[k].Enum
		}
	}
	return nil
}

// components reads receiver/*, processor/*, exporter/* metadata.yaml of the root module.
var components = sync.OnceValues(func() ([]*mdFile, error) {
	var out []*mdFile
	for _, class := range []string{"receiver", "processor", "exporter", "connector"} {
		files, err := filepath.Glob(repo(class, "*", "metadata.yaml"))
		if err != nil {
			return nil, err
		}
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			f := &mdFile{Path: p}
			if err := yaml.Unmarshal(b, f); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			if f.Type == "" || f.Status.Class != class {
				return nil, fmt.Errorf("%s: type %q, class %q (want class %s)", p, f.Type, f.Status.Class, class)
			}
			out = append(out, f)
		}
	}
	return out, nil
})

func loadComponents(t *testing.T) []*mdFile {
	t.Helper()
	cs, err := components()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 5 {
		t.Fatalf("found %d component metadata files, want at least 5 (pgstats, piiredact, cardinality, anomaly, incident)", len(cs))
	}
	return cs
}

func component(t *testing.T, cs []*mdFile, class, typ string) *mdFile {
	t.Helper()
	for _, c := range cs {
		if c.Status.Class == class && c.Type == typ {
			return c
		}
	}
	t.Fatalf("no %s %s metadata.yaml", class, typ)
	return nil
}

// telemetryPrefix is the prefix of a component's self-metrics as the collector serves them:
// otelcol_<class>_<type>_ (mdatagen keys are <class>_<type>_<name>, served with otelcol_).
func telemetryPrefix(c *mdFile) string {
	return "otelcol_" + c.Status.Class + "_" + c.Type + "_"
}

// ownerOf returns the component whose telemetry a collector metric name claims, if any.
func ownerOf(cs []*mdFile, name string) *mdFile {
	for _, c := range cs {
		if strings.HasPrefix(name, telemetryPrefix(c)) {
			return c
		}
	}
	return nil
}

// compareEntry reports where a catalog entry and the metadata disagree.
func compareEntry(t reporter, f *mdFile, m catalog.Metric, md mdMetric) {
	t.Helper()
	where := fmt.Sprintf("catalog %s vs %s", m.Name, rel(f.Path))
	if m.Unit != md.Unit {
		t.Errorf("%s: unit %q, metadata says %q", where, m.Unit, md.Unit)
	}
	if got := md.catalogType(); m.Type != got {
		t.Errorf("%s: type %s, metadata says %s", where, m.Type, got)
	}
	have := slices.Sorted(slices.Values(m.Attributes))
	if want := f.attrNames(md); !slices.Equal(have, want) {
		t.Errorf("%s: attributes [%s], metadata says [%s]", where, strings.Join(have, ", "), strings.Join(want, ", "))
	}
}

func rel(p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func loadCatalogFile(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(repo("configs", "metrics", "catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkComponentEntries compares every catalog entry from our components with the metadata:
// pgstats metrics (source pgstats) and the telemetry of each component (source collector,
// named otelcol_<class>_<type>_...). An entry the metadata does not declare is an error.
func checkComponentEntries(t reporter, c *catalog.Catalog, cs []*mdFile) (checked int) {
	t.Helper()
	var pg *mdFile
	for _, f := range cs {
		if f.Status.Class == "receiver" && f.Type == "pgstats" {
			pg = f
		}
	}
	for _, m := range c.Metrics {
		switch m.Source {
		case "pgstats":
			md, ok := pg.Metrics[m.Name]
			if !ok {
				t.Errorf("catalog %s (source pgstats): receiver/pgstats/metadata.yaml declares no such metric", m.Name)
				continue
			}
			compareEntry(t, pg, m, md)
			checked++
		case "collector":
			f := ownerOf(cs, m.Name)
			if f == nil {
				continue // a stock collector metric
			}
			md, ok := f.Telemetry.Metrics[strings.TrimPrefix(m.Name, "otelcol_")]
			if !ok {
				t.Errorf("catalog %s: %s declares no telemetry metric %s", m.Name, rel(f.Path), strings.TrimPrefix(m.Name, "otelcol_"))
				continue
			}
			compareEntry(t, f, m, md)
			checked++
		}
	}
	return checked
}

func TestCatalogMatchesComponentMetadata(t *testing.T) {
	c, cs := loadCatalogFile(t), loadComponents(t)
	if n := checkComponentEntries(t, c, cs); n < 40 {
		t.Errorf("only %d catalog entries checked against metadata", n)
	}
	// The pgstats source's labels are its resource attributes (resource_to_telemetry_conversion)
	// plus job and instance.
	pg := component(t, cs, "receiver", "pgstats")
	want := []string{"instance", "job"}
	for k := range pg.ResourceAttributes {
		l, err := catalog.LabelName(k)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, l)
	}
	sort.Strings(want)
	if got := slices.Sorted(slices.Values(c.Sources["pgstats"].Labels)); !slices.Equal(got, want) {
		t.Errorf("catalog source pgstats labels [%s], resource attributes + job, instance give [%s]", strings.Join(got, ", "), strings.Join(want, ", "))
	}
	for _, g := range c.Sources["pgstats"].GroupLabels {
		if !slices.Contains(want, g) {
			t.Errorf("catalog source pgstats group label %s is not a label of the source", g)
		}
	}
}

// Entries checked against metadata are stable; the word contract is for what is not built.
func TestComponentEntriesAreStable(t *testing.T) {
	c, cs := loadCatalogFile(t), loadComponents(t)
	for _, m := range c.Metrics {
		ours := m.Source == "pgstats" || m.Source == "anomaly" || (m.Source == "collector" && ownerOf(cs, m.Name) != nil)
		if ours && m.Status != "stable" {
			t.Errorf("catalog %s: status %s, but the component is merged and the entry is checked against it: stable", m.Name, m.Status)
		}
	}
}

// The anomaly processor's emitted metrics (not mdatagen metrics: Go constants of
// processor/anomaly, documented in its README) match the catalog's anomaly source.
func TestAnomalyEntriesMatchProcessorConstants(t *testing.T) {
	c := loadCatalogFile(t)
	dir := repo("processor", "anomaly")
	str := func(name string) string {
		v, err := goConst(dir, name, 0)
		if err != nil || v.Kind() != constant.String {
			t.Fatalf("processor/anomaly %s: %v (kind %v)", name, err, v)
		}
		return constant.StringVal(v)
	}
	names := map[string]bool{}
	for _, k := range []string{"MetricScore", "MetricExpected", "MetricLower", "MetricUpper"} {
		names[str(k)] = true
	}
	attr := str("AttrMetric")
	seen := map[string]bool{}
	for _, m := range c.Metrics {
		if m.Source != "anomaly" {
			continue
		}
		seen[m.Name] = true
		if !names[m.Name] {
			t.Errorf("catalog %s (source anomaly): processor/anomaly emits %v", m.Name, slices.Sorted(func(yield func(string) bool) {
				for n := range names {
					if !yield(n) {
						return
					}
				}
			}))
		}
		if m.Type != "gauge" || !slices.Equal(m.Attributes, []string{attr}) {
			t.Errorf("catalog %s: type %s attributes %v; the processor emits gauges with attribute %s (plus the scored point's)", m.Name, m.Type, m.Attributes, attr)
		}
		if m.Name == str("MetricScore") && m.Unit != "1" {
			t.Errorf("catalog %s: unit %q, the score is in [0,1] with unit \"1\"", m.Name, m.Unit)
		}
	}
	for n := range names {
		if !seen[n] {
			t.Errorf("processor/anomaly emits %s, the catalog has no entry", n)
		}
	}
	srcLabels := c.Sources["anomaly"].GroupLabels
	want, _ := catalog.LabelName(attr)
	if !slices.Contains(srcLabels, want) {
		t.Errorf("catalog source anomaly: group labels %v lack %s", srcLabels, want)
	}
}

// The check must be able to fail: a renamed metric, a wrong unit, a wrong type, a missing
// attribute and an undeclared telemetry metric of ours are each reported.
func TestComponentCheckCatchesMistakes(t *testing.T) {
	cs := loadComponents(t)
	good := loadCatalogFile(t)
	for _, tc := range []struct {
		name string
		edit func(*catalog.Metric) bool
	}{
		{"pgstats renamed", func(m *catalog.Metric) bool {
			if m.Name == "postgresql.replication.lag" {
				m.Name = "postgresql.replication_lag"
				return true
			}
			return false
		}},
		{"unit 1 on a state gauge", func(m *catalog.Metric) bool {
			if m.Name == "postgresql.up" {
				m.Unit = "1"
				return true
			}
			return false
		}},
		{"attribute of another name", func(m *catalog.Metric) bool {
			if m.Name == "postgresql.statement.calls" {
				m.Attributes = []string{"postgresql.statement.query_id", "db.namespace", "db.user", "db.query.text"}
				return true
			}
			return false
		}},
		{"counter as gauge", func(m *catalog.Metric) bool {
			if m.Name == "otelcol_processor_cardinality_datapoints" {
				m.Type = "gauge"
				return true
			}
			return false
		}},
		{"old incident name", func(m *catalog.Metric) bool {
			if m.Name == "otelcol_exporter_incident_notifications_dropped" {
				m.Name = "otelcol_exporter_incident_dropped"
				return true
			}
			return false
		}},
		{"label the collector does not add", func(m *catalog.Metric) bool {
			if m.Name == "otelcol_processor_anomaly_series_rejected" {
				m.Attributes = append(m.Attributes, "processor")
				return true
			}
			return false
		}},
	} {
		c := *good
		c.Metrics = slices.Clone(good.Metrics)
		edited := false
		for i := range c.Metrics {
			c.Metrics[i].Attributes = slices.Clone(c.Metrics[i].Attributes)
			edited = tc.edit(&c.Metrics[i]) || edited
		}
		if !edited {
			t.Errorf("%s: the probe found no entry to edit", tc.name)
			continue
		}
		var col collector
		checkComponentEntries(&col, &c, cs)
		if len(col.errs) == 0 {
			t.Errorf("%s: not reported", tc.name)
		}
	}
}

// enumsBySeries maps a Prometheus series name and label to the values the metadata allows
// (attributes with an enum), for the catalog entries of our components.
func enumsBySeries(c *catalog.Catalog, cs []*mdFile) (map[string]map[string][]string, error) {
	series, err := c.Series()
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][]string{}
	for name, s := range series {
		var f *mdFile
		var md mdMetric
		var ok bool
		switch s.Source {
		case "pgstats":
			for _, x := range cs {
				if x.Status.Class == "receiver" && x.Type == "pgstats" {
					f = x
				}
			}
			if f != nil {
				md, ok = f.Metrics[s.Metric.Name]
			}
		case "collector":
			if f = ownerOf(cs, s.Metric.Name); f != nil {
				md, ok = f.Telemetry.Metrics[strings.TrimPrefix(s.Metric.Name, "otelcol_")]
			}
		}
		if !ok {
			continue
		}
		for _, a := range s.Metric.Attributes {
			vals := f.enum(md, a)
			if len(vals) == 0 {
				continue
			}
			l, err := catalog.LabelName(a)
			if err != nil {
				return nil, err
			}
			if out[name] == nil {
				out[name] = map[string][]string{}
			}
			out[name][l] = vals
		}
	}
	return out, nil
}

var literalAlternation = regexp.MustCompile(`^[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)*$`)

// checkEnumValues reports label matchers that compare an enum label of our components'
// metrics with a value the component never writes (e.g. outcome="failed").
func checkEnumValues(t reporter, where string, e parser.Expr, enums map[string]map[string][]string) {
	t.Helper()
	for _, vs := range selectors(e) {
		byLabel := enums[vs.Name]
		for _, m := range vs.LabelMatchers {
			allowed := byLabel[m.Name]
			if m.Name == labels.MetricName || allowed == nil || strings.Contains(m.Value, "placeholder") {
				continue
			}
			var vals []string
			switch m.Type {
			case labels.MatchEqual, labels.MatchNotEqual:
				if m.Value == "" {
					continue
				}
				vals = []string{m.Value}
			default:
				if !literalAlternation.MatchString(m.Value) {
					continue
				}
				vals = strings.Split(m.Value, "|")
			}
			for _, v := range vals {
				if !slices.Contains(allowed, v) {
					t.Errorf("%s: %s{%s%s%q}: %q is not a value of %s (metadata: %s)", where, vs.Name, m.Name, m.Type, m.Value, v, m.Name, strings.Join(allowed, "|"))
				}
			}
		}
	}
}

// Every expression of the rules, dashboards and runbooks uses only enum values the
// components write.
func TestEnumLabelValuesExist(t *testing.T) {
	enums, err := enumsBySeries(loadCatalogFile(t), loadComponents(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(enums) < 5 {
		t.Fatalf("only %d series with enum labels", len(enums))
	}
	for _, x := range allExpressions(t) {
		checkEnumValues(t, x.where, x.expr, enums)
	}
	// The check can fail.
	for _, bad := range []string{
		`rate(otelcol_exporter_incident_notifications{outcome="failed"}[5m])`,
		`postgresql_connection_count{postgresql_connection_state=~"active|idle_in_xact"}`,
	} {
		e, err := promParser.ParseExpr(bad)
		if err != nil {
			t.Fatal(err)
		}
		var col collector
		checkEnumValues(&col, "probe", e, enums)
		if len(col.errs) == 0 {
			t.Errorf("checkEnumValues accepted %s", bad)
		}
	}
}

type located struct {
	where string
	expr  parser.Expr
}

// allExpressions returns the parsed expressions of the rules, the dashboards' Prometheus
// targets and the runbooks' and docs/queries.md's promql blocks.
func allExpressions(t *testing.T) []located {
	t.Helper()
	var out []located
	for _, r := range loadRules(t) {
		out = append(out, located{r.File + " " + r.name(), r.AST})
	}
	for _, b := range loadBoards(t) {
		for _, p := range b.allPanels() {
			for _, tg := range p.Targets {
				if tg.Datasource == nil || tg.Datasource.Type != "prometheus" {
					continue
				}
				if e, err := promParser.ParseExpr(promQL(tg.Expr)); err == nil {
					out = append(out, located{b.File + " / " + p.Title + " / " + tg.RefID, e})
				}
			}
		}
	}
	block := regexp.MustCompile("(?s)```promql\n(.*?)```")
	files, _ := filepath.Glob(repo("docs", "runbooks", "*.md"))
	files = append(files, repo("docs", "queries.md"))
	for _, f := range files {
		for _, m := range block.FindAllStringSubmatch(string(readFile(t, f)), -1) {
			for _, line := range strings.Split(strings.TrimSpace(m[1]), "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				if e, err := promParser.ParseExpr(promQL(line)); err == nil {
					out = append(out, located{filepath.Base(f) + ": " + line, e})
				}
			}
		}
	}
	return out
}
