package repo

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// Every Lock or RLock in the code of our components is released on every path: the
// statement right after it is the matching deferred Unlock or RUnlock. A lock released by a
// later plain call stays held when anything in between panics; net/http recovers a panic in a
// handler (OTLP/HTTP, the Prometheus metrics endpoint), so the process lives on with the lock
// held and every later request that needs it hangs. Code that must hold a lock for part of a
// function moves that part into a small function (or a closure) with the defer.
func TestLocksReleasedOnEveryPath(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	checked := 0
	for _, dir := range []string{"processor", "receiver", "exporter"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				var list []ast.Stmt
				switch b := n.(type) {
				case *ast.BlockStmt:
					list = b.List
				case *ast.CaseClause:
					list = b.Body
				case *ast.CommClause:
					list = b.Body
				default:
					return true
				}
				for i, st := range list {
					recv, method, ok := lockCall(st)
					if !ok {
						continue
					}
					checked++
					want := map[string]string{"Lock": "Unlock", "RLock": "RUnlock"}[method]
					if i+1 < len(list) {
						if d, ok := list[i+1].(*ast.DeferStmt); ok {
							if r, m, ok := callOf(d.Call); ok && r == recv && m == want {
								continue
							}
						}
					}
					t.Errorf("%s: %s.%s() is not followed by defer %s.%s()", fset.Position(st.Pos()), recv, method, recv, want)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked == 0 {
		t.Fatal("no Lock calls found: is the walk looking in the right place?")
	}
}

// lockCall reports a statement `x.Lock()` or `x.RLock()`.
func lockCall(st ast.Stmt) (recv, method string, ok bool) {
	es, isExpr := st.(*ast.ExprStmt)
	if !isExpr {
		return "", "", false
	}
	call, isCall := es.X.(*ast.CallExpr)
	if !isCall {
		return "", "", false
	}
	recv, method, ok = callOf(call)
	return recv, method, ok && (method == "Lock" || method == "RLock")
}

// callOf splits a call `<expr>.<method>()` into the source of <expr> and the method.
func callOf(call *ast.CallExpr) (recv, method string, ok bool) {
	sel, isSel := call.Fun.(*ast.SelectorExpr)
	if !isSel || len(call.Args) != 0 {
		return "", "", false
	}
	return exprText(sel.X), sel.Sel.Name, true
}

// exprText renders a receiver expression (identifiers, selectors, derefs) as text.
func exprText(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprText(x.X) + "." + x.Sel.Name
	case *ast.StarExpr:
		return "*" + exprText(x.X)
	case *ast.ParenExpr:
		return "(" + exprText(x.X) + ")"
	case *ast.UnaryExpr:
		return x.Op.String() + exprText(x.X)
	}
	return "?"
}
