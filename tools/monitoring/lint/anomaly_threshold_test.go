package lint

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fraiseql/otelcol-fraiseql/tools/monitoring/thresholds"
)

// goConst evaluates the package-level constant name of the Go package in dir (non-test
// files) from its source, following a reference to another package of the root module
// (e.g. `const DefaultThreshold = detector.DefaultThreshold`) through its import path.
// It parses source only: tools/monitoring does not import the root module.
func goConst(dir, name string, depth int) (constant.Value, error) {
	if depth > 4 {
		return nil, fmt.Errorf("%s.%s: too many indirections", dir, name)
	}
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if id.Name != name || i >= len(vs.Values) {
						continue
					}
					return constExpr(dir, file, vs.Values[i], depth)
				}
			}
		}
	}
	return nil, fmt.Errorf("no constant %s in %s", name, dir)
}

func constExpr(dir string, file *ast.File, e ast.Expr, depth int) (constant.Value, error) {
	switch x := e.(type) {
	case *ast.BasicLit:
		v := constant.MakeFromLiteral(x.Value, x.Kind, 0)
		if v.Kind() == constant.Unknown {
			return nil, fmt.Errorf("literal %s", x.Value)
		}
		return v, nil
	case *ast.ParenExpr:
		return constExpr(dir, file, x.X, depth)
	case *ast.Ident:
		return goConst(dir, x.Name, depth+1)
	case *ast.SelectorExpr:
		pkg, ok := x.X.(*ast.Ident)
		if !ok {
			break
		}
		const module = "github.com/fraiseql/otelcol-fraiseql/"
		for _, imp := range file.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			local := filepath.Base(p)
			if imp.Name != nil {
				local = imp.Name.Name
			}
			if local == pkg.Name && strings.HasPrefix(p, module) {
				return goConst(repo(filepath.FromSlash(strings.TrimPrefix(p, module))), x.Sel.Name, depth+1)
			}
		}
		return nil, fmt.Errorf("%s.%s: not a package of the root module", pkg.Name, x.Sel.Name)
	}
	return nil, fmt.Errorf("constant expression %T is not supported", e)
}

// thresholds.AnomalyScore is the processor's shipped default, read from its source.
func TestAnomalyThresholdIsProcessorDefault(t *testing.T) {
	v, err := goConst(repo("processor", "anomaly"), "DefaultThreshold", 0)
	if err != nil {
		t.Fatalf("processor/anomaly DefaultThreshold: %v", err)
	}
	got, _ := constant.Float64Val(constant.ToFloat(v))
	if got != thresholds.AnomalyScore {
		t.Errorf("processor/anomaly.DefaultThreshold = %v, thresholds.AnomalyScore = %v: change the constant, the AnomalyScoreHigh rule and its test, the runbook and docs/alerts.md, and regenerate the dashboards", got, thresholds.AnomalyScore)
	}
}
