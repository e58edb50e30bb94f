package gqlcost

import (
	"testing"
)

func TestAnalyze(t *testing.T) {
	cases := []struct {
		name, doc, op string
		vars          map[string]any
		typ, opName   string
		complexity    int64
		roots         []string
	}{
		{"anonymous shorthand", `{ products { id name } }`, "", nil, "query", "", 3, []string{"products"}},
		{"literal page", `query P { products(first: 100) { id name priceCents stock } }`, "", nil, "query", "P", 401, []string{"products"}},
		{"variable page", `query P($n: Int) { products(first: $n) { id } }`, "", map[string]any{"n": int32(50)}, "query", "P", 51, nil},
		{"variable page float (JSON)", `query P($n: Int) { products(first: $n) { id } }`, "", map[string]any{"n": float64(7)}, "query", "P", 8, nil},
		{"missing variable = 1", `query P($n: Int) { products(first: $n) { id } }`, "", nil, "query", "P", 2, nil},
		{"nested multipliers", `{ me { orders(first: 5) { id product { name } } } }`, "", nil, "query", "", 1 + 1 + 5*(1+1+1), nil},
		{"alias and directives", `{ a: products(limit: 2) @include(if: true) { id } }`, "", nil, "query", "", 3, []string{"products"}},
		{"fragments", `query Q { products(first: 10) { ...F } } fragment F on Product { id name }`, "", nil, "query", "Q", 21, nil},
		{"inline fragment", `{ products(first: 2) { ... on Product { id } } }`, "", nil, "query", "", 3, nil},
		{"mutation with strings", `mutation M($e: String!) { login(email: $e, password: "x\"}{") { token user { id } } }`, "", nil, "mutation", "M", 4, []string{"login"}},
		{"block string and comment", "mutation { createOrder(note: \"\"\"a } b\"\"\") { id } } # trailing {", "", nil, "mutation", "", 2, nil},
		{"subscription", `subscription S { orderEvents(max: 3) { kind order { id } } }`, "", nil, "subscription", "S", 1 + 3*(1+1+1), nil},
		{"select by name", `query A { products { id } } mutation B { logout }`, "B", nil, "mutation", "B", 1, []string{"logout"}},
		{"list argument skipped", `{ products(ids: [1, 2, 3], first: 4) { id } }`, "", nil, "query", "", 5, nil},
		{"object argument skipped", `{ products(filter: {first: 99}, first: 4) { id } }`, "", nil, "query", "", 5, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := Analyze(c.doc, c.op, c.vars)
			if err != nil {
				t.Fatal(err)
			}
			if info.Type != c.typ || info.Name != c.opName || info.Complexity != c.complexity {
				t.Fatalf("got %+v, want type %s name %q complexity %d", info, c.typ, c.opName, c.complexity)
			}
			if c.roots != nil && len(info.RootFields) != len(c.roots) {
				t.Fatalf("root fields %v, want %v", info.RootFields, c.roots)
			}
			for i := range c.roots {
				if info.RootFields[i] != c.roots[i] {
					t.Fatalf("root fields %v, want %v", info.RootFields, c.roots)
				}
			}
		})
	}
}

func TestAnalyzeErrors(t *testing.T) {
	for _, doc := range []string{
		``,
		`query Broken { products(first: 3) { id name `,
		`{ products(first: 3 { id } }`,
		`query Q { ...F } fragment F on Query { ...G } fragment G on Query { ...F }`,
		`query Q { ...Missing }`,
		`"unterminated`,
		`query Q { a } % `,
		`fragment F Product { id }`,
	} {
		if info, err := Analyze(doc, "", nil); err == nil {
			t.Errorf("%q: no error, got %+v", doc, info)
		}
	}
	if _, err := Analyze(`query A { a }`, "B", nil); err == nil {
		t.Error("unknown operation name: no error")
	}
}

func TestComplexityIsBounded(t *testing.T) {
	doc := `{ a(first: 1000000) { b(first: 1000000) { c(first: 1000000) { d(first: 1000000) { e } } } } }`
	info, err := Analyze(doc, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.Complexity != maxCost {
		t.Fatalf("complexity %d, want the cap %d", info.Complexity, int64(maxCost))
	}
}

func TestDeepNestingRefused(t *testing.T) {
	doc := ""
	for i := 0; i < maxDepth+1; i++ {
		doc += "{ a "
	}
	for i := 0; i < maxDepth+1; i++ {
		doc += "}"
	}
	if _, err := Analyze(doc, "", nil); err == nil {
		t.Fatal("no error for a document nested deeper than maxDepth")
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add(`query P($n: Int) { products(first: $n) { id ...F } } fragment F on Product { name }`, "")
	f.Add(`mutation { createOrder(note: """x""") { id } }`, "")
	f.Add(`{ a(b: [1, {c: "d"}]) { ... on X { e } } }`, "")
	f.Fuzz(func(t *testing.T, doc, op string) {
		info, err := Analyze(doc, op, map[string]any{"n": float64(3)})
		if err == nil && (info.Complexity < 0 || info.Complexity > maxCost) {
			t.Fatalf("complexity %d out of range", info.Complexity)
		}
	})
}
