// Package gqlcost reads a GraphQL document just far enough to know the type and name of the
// operation to run and its complexity score, before the document is executed.
//
// Complexity: every selected field costs 1 point, multiplied by the page size of each list
// field above it. A field's page size is the integer value of its `first`, `limit` or `max`
// argument (a literal, or a variable resolved from the request's variables), default 1.
// Fragment spreads are expanded (a cycle is an error); inline fragments count in place.
package gqlcost

import (
	"errors"
	"fmt"
	"strconv"
)

// Info is what Analyze finds.
type Info struct {
	// Type is query, mutation or subscription.
	Type string
	// Name is the operation name ("" for an anonymous operation).
	Name string
	// Complexity is the score described in the package comment.
	Complexity int64
	// RootFields are the names of the top-level fields, in order.
	RootFields []string
}

// maxCost caps the score so a hostile document cannot overflow it.
const maxCost = 1 << 40

var pageArgs = map[string]bool{"first": true, "limit": true, "max": true}

type selection struct {
	field    string
	page     *value // page-size argument, if any
	children []selection
	spread   string // fragment name for a spread
}

type value struct {
	intVal  int64
	varName string
	isInt   bool
}

type operation struct {
	typ, name string
	sel       []selection
}

// Analyze parses doc and returns the operation chosen by operationName (the only or first
// operation when empty) with its complexity under vars.
func Analyze(doc, operationName string, vars map[string]any) (Info, error) {
	p := &parser{lex: lexer{src: doc}}
	p.next()
	var ops []operation
	frags := map[string][]selection{}
	for p.tok.kind != tEOF {
		if p.err != nil {
			return Info{}, p.err
		}
		switch {
		case p.tok.kind == tPunct && p.tok.text == "{":
			ops = append(ops, operation{typ: "query", sel: p.selectionSet()})
		case p.tok.kind == tName && (p.tok.text == "query" || p.tok.text == "mutation" || p.tok.text == "subscription"):
			op := operation{typ: p.tok.text}
			p.next()
			if p.tok.kind == tName {
				op.name = p.tok.text
				p.next()
			}
			if p.isPunct("(") {
				p.skipBalanced("(", ")")
			}
			p.directives()
			op.sel = p.selectionSet()
			ops = append(ops, op)
		case p.tok.kind == tName && p.tok.text == "fragment":
			p.next()
			name := p.expectName()
			if p.tok.kind == tName && p.tok.text == "on" {
				p.next()
				p.expectName()
			} else {
				p.fail("expected 'on' after fragment name")
			}
			p.directives()
			frags[name] = p.selectionSet()
		default:
			p.fail(fmt.Sprintf("unexpected %q", p.tok.text))
		}
	}
	if p.err != nil {
		return Info{}, p.err
	}
	if len(ops) == 0 {
		return Info{}, errors.New("no operation in document")
	}
	op := ops[0]
	if operationName != "" {
		found := false
		for _, o := range ops {
			if o.name == operationName {
				op, found = o, true
				break
			}
		}
		if !found {
			return Info{}, fmt.Errorf("no operation named %q", operationName)
		}
	}
	info := Info{Type: op.typ, Name: op.name}
	for _, s := range op.sel {
		if s.field != "" {
			info.RootFields = append(info.RootFields, s.field)
		}
	}
	c, err := cost(op.sel, 1, frags, vars, map[string]bool{})
	if err != nil {
		return Info{}, err
	}
	info.Complexity = c
	return info, nil
}

func cost(sel []selection, mult int64, frags map[string][]selection, vars map[string]any, visiting map[string]bool) (int64, error) {
	var total int64
	for _, s := range sel {
		switch {
		case s.spread != "":
			f, ok := frags[s.spread]
			if !ok {
				return 0, fmt.Errorf("unknown fragment %q", s.spread)
			}
			if visiting[s.spread] {
				return 0, fmt.Errorf("fragment cycle through %q", s.spread)
			}
			visiting[s.spread] = true
			c, err := cost(f, mult, frags, vars, visiting)
			delete(visiting, s.spread)
			if err != nil {
				return 0, err
			}
			total += c
		case s.field == "": // inline fragment
			c, err := cost(s.children, mult, frags, vars, visiting)
			if err != nil {
				return 0, err
			}
			total += c
		default:
			total += mult
			if len(s.children) > 0 {
				page := pageSize(s.page, vars)
				c, err := cost(s.children, clamp(mult*page), frags, vars, visiting)
				if err != nil {
					return 0, err
				}
				total += c
			}
		}
		total = clamp(total)
	}
	return total, nil
}

func clamp(v int64) int64 {
	if v > maxCost || v < 0 {
		return maxCost
	}
	return v
}

func pageSize(v *value, vars map[string]any) int64 {
	if v == nil {
		return 1
	}
	n := v.intVal
	if !v.isInt {
		switch x := vars[v.varName].(type) {
		case float64:
			n = int64(x)
		case int:
			n = int64(x)
		case int64:
			n = x
		case int32:
			n = int64(x)
		default:
			return 1
		}
	}
	if n < 1 {
		return 1
	}
	if n > maxCost {
		return maxCost
	}
	return n
}

// ---- parser ----

type parser struct {
	lex   lexer
	tok   token
	err   error
	depth int
}

func (p *parser) next() {
	if p.err != nil {
		p.tok = token{kind: tEOF}
		return
	}
	t, err := p.lex.next()
	if err != nil {
		p.err = err
		p.tok = token{kind: tEOF}
		return
	}
	p.tok = t
}

func (p *parser) fail(msg string) {
	if p.err == nil {
		p.err = fmt.Errorf("offset %d: %s", p.lex.pos, msg)
	}
	p.tok = token{kind: tEOF}
}

func (p *parser) isPunct(s string) bool { return p.tok.kind == tPunct && p.tok.text == s }

func (p *parser) expectName() string {
	if p.tok.kind != tName {
		p.fail(fmt.Sprintf("expected a name, got %q", p.tok.text))
		return ""
	}
	n := p.tok.text
	p.next()
	return n
}

func (p *parser) skipBalanced(open, close string) {
	depth := 0
	for p.tok.kind != tEOF {
		if p.isPunct(open) {
			depth++
		} else if p.isPunct(close) {
			depth--
			if depth == 0 {
				p.next()
				return
			}
		}
		p.next()
	}
	p.fail("unbalanced " + open)
}

func (p *parser) directives() {
	for p.isPunct("@") {
		p.next()
		p.expectName()
		if p.isPunct("(") {
			p.skipBalanced("(", ")")
		}
	}
}

const maxDepth = 64

func (p *parser) selectionSet() []selection {
	if !p.isPunct("{") {
		p.fail(fmt.Sprintf("expected '{', got %q", p.tok.text))
		return nil
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		p.fail("selection sets nested too deep")
		return nil
	}
	p.next()
	var out []selection
	for !p.isPunct("}") {
		if p.tok.kind == tEOF {
			p.fail("unterminated selection set")
			return nil
		}
		if p.isPunct("...") {
			p.next()
			if p.tok.kind == tName && p.tok.text != "on" {
				out = append(out, selection{spread: p.tok.text})
				p.next()
				p.directives()
				continue
			}
			if p.tok.kind == tName && p.tok.text == "on" {
				p.next()
				p.expectName()
			}
			p.directives()
			out = append(out, selection{children: p.selectionSet()})
			continue
		}
		name := p.expectName()
		if p.isPunct(":") { // alias
			p.next()
			name = p.expectName()
		}
		s := selection{field: name}
		if p.isPunct("(") {
			s.page = p.arguments()
		}
		p.directives()
		if p.isPunct("{") {
			s.children = p.selectionSet()
		}
		out = append(out, s)
	}
	p.next()
	return out
}

// arguments parses (name: value, ...) and returns the page-size argument, if any.
func (p *parser) arguments() *value {
	p.next() // (
	var page *value
	for !p.isPunct(")") {
		if p.tok.kind == tEOF {
			p.fail("unterminated arguments")
			return nil
		}
		name := p.expectName()
		if !p.isPunct(":") {
			p.fail("expected ':' after argument name")
			return nil
		}
		p.next()
		switch {
		case p.isPunct("$"):
			p.next()
			v := p.expectName()
			if pageArgs[name] {
				page = &value{varName: v}
			}
		case p.tok.kind == tNumber:
			if n, err := strconv.ParseInt(p.tok.text, 10, 64); err == nil && pageArgs[name] {
				page = &value{intVal: n, isInt: true}
			}
			p.next()
		case p.isPunct("["):
			p.skipBalanced("[", "]")
		case p.isPunct("{"):
			p.skipBalanced("{", "}")
		default:
			p.next()
		}
	}
	p.next()
	return page
}
