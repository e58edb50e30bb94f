package lint

import (
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/catalog"
)

// root is the repository root, seen from tools/monitoring/lint.
var root = filepath.Join("..", "..", "..")

func repo(p ...string) string { return filepath.Join(append([]string{root}, p...)...) }

// promParser parses PromQL as Prometheus 2.x serves it. Experimental functions are on only for
// double_exponential_smoothing, the Prometheus 3 name of 2.x's holt_winters (promQL renames
// it); the shipped Prometheus (2.42 / 2.55) knows only holt_winters.
var promParser = parser.NewParser(parser.Options{EnableExperimentalFunctions: true})

// rule is one rule with where it came from and its parsed expression.
type rule struct {
	File, Group string
	Interval    model.Duration
	rulefmt.Rule
	AST parser.Expr
}

func (r rule) name() string {
	if r.Alert != "" {
		return r.Alert
	}
	return r.Record
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	files, err := filepath.Glob(repo("configs", "prometheus", "rules", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files: %v", err)
	}
	var out []rule
	for _, f := range files {
		rgs, errs := rulefmt.ParseFile(f, false, model.LegacyValidation, promParser, slog.Default())
		for _, e := range errs {
			t.Errorf("%v", e)
		}
		if rgs == nil {
			continue
		}
		for _, g := range rgs.Groups {
			for _, r := range g.Rules {
				ast, err := promParser.ParseExpr(r.Expr)
				if err != nil {
					t.Errorf("%s %s: %v", filepath.Base(f), r.Alert+r.Record, err)
					continue
				}
				out = append(out, rule{File: filepath.Base(f), Group: g.Name, Interval: g.Interval, Rule: r, AST: ast})
			}
		}
	}
	return out
}

func alerts(rs []rule) []rule {
	var out []rule
	for _, r := range rs {
		if r.Alert != "" {
			out = append(out, r)
		}
	}
	return out
}

func recordNames(rs []rule) map[string]bool {
	out := map[string]bool{}
	for _, r := range rs {
		if r.Record != "" {
			out[r.Record] = true
		}
	}
	return out
}

func loadCatalog(t *testing.T) map[string]*catalog.Series {
	t.Helper()
	c, err := catalog.Load(repo("configs", "metrics", "catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Series()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// grafanaVar matches dashboard variables: $x, ${x}, ${x:fmt}.
var grafanaVar = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}?`)

// promQL turns a dashboard expression into plain PromQL: Grafana's interval variables become
// durations, other variables a placeholder value.
func promQL(expr string) string {
	r := strings.NewReplacer("$__rate_interval", "5m", "${__rate_interval}", "5m", "$__interval", "1m", "${__interval}", "1m", "$__range", "1h", "${__range}", "1h")
	expr = strings.ReplaceAll(expr, "holt_winters(", "double_exponential_smoothing(")
	return grafanaVar.ReplaceAllString(r.Replace(expr), "placeholder")
}

// selectors returns the vector selectors of an expression (matrix selectors included).
func selectors(e parser.Expr) []*parser.VectorSelector {
	var out []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
