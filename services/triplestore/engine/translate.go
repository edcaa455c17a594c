package engine

import (
	"fmt"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

// compiled is a query translated to algebra, independent of any store.
type compiled struct {
	form   triplestore.Form
	vt     varTable
	consts consts
	root   op // nil for a DESCRIBE without WHERE

	// SELECT: the projected slots and their names.
	outSlots []int
	outNames []string

	template []tmplTriple // CONSTRUCT
	describe []tmplNode   // DESCRIBE targets (blank == "")

	from, fromNamed []string
	base            string // for IRI()
}

// tmplNode is a template position: a slot, a constant, or a template
// blank node (fresh per solution).
type tmplNode struct {
	slot  int // -1 when not a variable
	term  rdf.Term
	blank string
}

type tmplTriple struct{ s, p, o tmplNode }

// scope maps the variable names of one (sub)query to slots. A sub-SELECT
// shares the slots of the variables it projects with the enclosing query
// and gets private slots for the others.
type scope struct {
	tr      *translator
	private map[string]int // nil at the top level
	shared  map[string]bool
	parent  *scope
}

func (s *scope) slot(name string) int {
	if s.private != nil && !s.shared[name] {
		if sl, ok := s.private[name]; ok {
			return sl
		}
		sl := s.tr.c.vt.fresh("sq." + name + ".")
		s.private[name] = sl
		return sl
	}
	if s.parent != nil {
		return s.parent.slot(name)
	}
	return s.tr.c.vt.slot(name)
}

type translator struct {
	c *compiled
	// visible records the order in which user variables appear, for
	// SELECT *.
	err error
}

func (tr *translator) fail(err error) {
	if tr.err == nil {
		tr.err = err
	}
}

// compileQuery translates a parsed query.
func compileQuery(q *sparql.Query) (*compiled, error) {
	c := &compiled{form: q.Form, from: q.From, fromNamed: q.FromNamed, base: q.Base}
	tr := &translator{c: c}
	sc := &scope{tr: tr}
	var root op
	var names []string
	if q.Where != nil || q.Form == triplestore.FormSelect || q.Form == triplestore.FormAsk || q.Form == triplestore.FormConstruct {
		root, names = tr.query(q, sc, true)
	}
	c.root = root
	switch q.Form {
	case triplestore.FormSelect:
		for _, n := range names {
			c.outSlots = append(c.outSlots, sc.slot(n))
			c.outNames = append(c.outNames, n)
		}
	case triplestore.FormConstruct:
		for _, t := range q.Template {
			c.template = append(c.template, tmplTriple{tr.tmpl(t.S, sc), tr.tmpl(t.P, sc), tr.tmpl(t.O, sc)})
		}
	case triplestore.FormDescribe:
		for _, n := range q.Describe {
			c.describe = append(c.describe, tr.tmpl(n, sc))
		}
		if q.Star && q.Where != nil {
			for _, n := range names {
				c.describe = append(c.describe, tmplNode{slot: sc.slot(n)})
			}
		}
	}
	if tr.err != nil {
		return nil, tr.err
	}
	return c, nil
}

func (tr *translator) tmpl(n sparql.Node, sc *scope) tmplNode {
	if n.IsVar() {
		return tmplNode{slot: sc.slot(string(n.Var))}
	}
	if n.Term.IsBlank() {
		return tmplNode{slot: -1, blank: n.Term.Value}
	}
	return tmplNode{slot: -1, term: n.Term}
}

// query translates the WHERE clause and solution modifiers of q (spec
// 18.2.4-18.2.5) and returns the algebra and the projected names. top
// says whether q is the whole query (its projection is left to the
// output) or a sub-SELECT (projected here).
func (tr *translator) query(q *sparql.Query, sc *scope, top bool) (op, []string) {
	var inScope []string
	seen := map[string]bool{}
	note := func(v string) {
		if !seen[v] && !strings.HasPrefix(v, "_:") {
			seen[v] = true
			inScope = append(inScope, v)
		}
	}
	var g op = &opBGP{}
	if q.Where != nil {
		collectVars(q.Where, note)
		g = tr.group(q.Where, sc)
	}
	if q.Values != nil {
		for _, v := range q.Values.Vars {
			note(string(v))
		}
		g = join(g, tr.table(q.Values, sc))
	}
	// Aggregation.
	var aggs []aggregate
	if q.Aggregated {
		var keys []groupKey
		for _, gc := range q.GroupBy {
			k := groupKey{e: tr.expr(gc.Expr, sc, nil), slot: -1}
			if gc.As != "" {
				k.slot = sc.slot(string(gc.As))
			} else if v, ok := gc.Expr.(sparql.Var); ok {
				k.slot = sc.slot(string(v))
			}
			keys = append(keys, k)
		}
		grp := &opGroup{sub: g, keys: keys}
		g = grp
		defer func() { grp.aggs = aggs }()
		var having []expr
		for _, h := range q.Having {
			having = append(having, tr.expr(h, sc, &aggs))
		}
		if len(having) > 0 {
			g = &opFilter{exprs: having, sub: g}
		}
	}
	var aggPtr *[]aggregate
	if q.Aggregated {
		aggPtr = &aggs
	}
	// SELECT expressions.
	var names []string
	if q.Star {
		names = inScope
	} else {
		for _, p := range q.Projection {
			if p.Expr != nil {
				e := tr.expr(p.Expr, sc, aggPtr)
				g = &opExtend{sub: g, slot: sc.slot(string(p.Var)), e: e}
			}
			names = append(names, string(p.Var))
		}
	}
	if len(q.OrderBy) > 0 {
		var keys []orderKey
		for _, oc := range q.OrderBy {
			keys = append(keys, orderKey{e: tr.expr(oc.Expr, sc, aggPtr), desc: oc.Desc})
		}
		g = &opOrder{sub: g, keys: keys}
	}
	var slots []int
	for _, n := range names {
		slots = append(slots, sc.slot(n))
	}
	if !top {
		g = &opProject{sub: g, slots: slots}
	}
	if q.Distinct {
		g = &opDistinct{sub: g, slots: slots}
	} else if q.Reduced {
		g = &opReduced{sub: g, slots: slots}
	}
	if q.Offset > 0 || q.Limit >= 0 {
		off := q.Offset
		if off < 0 {
			off = 0
		}
		g = &opSlice{sub: g, offset: off, limit: q.Limit}
	}
	return g, names
}

// collectVars calls note for each variable of the pattern in order of
// appearance (what SELECT * projects).
func collectVars(gp *sparql.GroupPattern, note func(string)) {
	node := func(n sparql.Node) {
		if n.IsVar() {
			note(string(n.Var))
		}
	}
	for _, el := range gp.Elements {
		switch el := el.(type) {
		case *sparql.BGP:
			for _, t := range el.Triples {
				node(t.S)
				node(t.P)
				node(t.O)
			}
		case *sparql.GroupPattern:
			collectVars(el, note)
		case *sparql.Optional:
			collectVars(el.Pattern, note)
		case *sparql.Union:
			for _, p := range el.Patterns {
				collectVars(p, note)
			}
		case *sparql.Graph:
			node(el.Name)
			collectVars(el.Pattern, note)
		case *sparql.Service:
			collectVars(el.Pattern, note)
		case *sparql.Bind:
			note(string(el.Var))
		case *sparql.InlineData:
			for _, v := range el.Vars {
				note(string(v))
			}
		case *sparql.SubSelect:
			q := el.Query
			if q.Star {
				if q.Where != nil {
					collectVars(q.Where, note)
				}
			} else {
				for _, p := range q.Projection {
					note(string(p.Var))
				}
			}
		}
	}
}

// join builds Join(a, b), dropping unit tables and merging BGPs.
func join(a, b op) op {
	if ba, ok := a.(*opBGP); ok {
		if len(ba.pats) == 0 {
			return b
		}
		if bb, ok := b.(*opBGP); ok {
			return &opBGP{pats: append(append([]triplePattern(nil), ba.pats...), bb.pats...)}
		}
	}
	if bb, ok := b.(*opBGP); ok && len(bb.pats) == 0 {
		return a
	}
	return &opJoin{l: a, r: b}
}

// group translates a group graph pattern (spec 18.2.2).
func (tr *translator) group(gp *sparql.GroupPattern, sc *scope) op {
	g, filters := tr.groupParts(gp, sc)
	if len(filters) > 0 {
		g = &opFilter{exprs: filters, sub: g}
	}
	return g
}

// groupParts translates a group without its filters, which it returns.
func (tr *translator) groupParts(gp *sparql.GroupPattern, sc *scope) (op, []expr) {
	var g op = &opBGP{}
	var filters []expr
	for _, el := range gp.Elements {
		switch el := el.(type) {
		case *sparql.Filter:
			filters = append(filters, tr.expr(el.Expr, sc, nil))
		case *sparql.BGP:
			g = join(g, tr.bgp(el, sc))
		case *sparql.GroupPattern:
			g = join(g, tr.group(el, sc))
		case *sparql.Optional:
			a, fs := tr.groupParts(el.Pattern, sc)
			if len(fs) > 0 {
				var e expr = fs[0]
				for _, x := range fs[1:] {
					e = &exprAnd{l: e, r: x}
				}
				g = &opLeftJoin{l: g, r: a, expr: e}
			} else {
				g = &opLeftJoin{l: g, r: a}
			}
		case *sparql.Minus:
			g = &opMinus{l: g, r: tr.group(el.Pattern, sc)}
		case *sparql.Bind:
			g = &opExtend{sub: g, slot: sc.slot(string(el.Var)), e: tr.expr(el.Expr, sc, nil)}
		case *sparql.Union:
			var u op
			for i, p := range el.Patterns {
				b := tr.group(p, sc)
				if i == 0 {
					u = b
				} else {
					u = &opUnion{l: u, r: b}
				}
			}
			g = join(g, u)
		case *sparql.Graph:
			g = join(g, &opGraph{g: tr.node(el.Name, sc), sub: tr.group(el.Pattern, sc)})
		case *sparql.Service:
			g = join(g, &opService{silent: el.Silent, sub: tr.group(el.Pattern, sc)})
		case *sparql.InlineData:
			g = join(g, tr.table(el, sc))
		case *sparql.SubSelect:
			g = join(g, tr.subSelect(el.Query, sc))
		default:
			tr.fail(fmt.Errorf("%w: pattern element %T", triplestore.ErrUnsupported, el))
		}
	}
	return g, filters
}

func (tr *translator) subSelect(q *sparql.Query, sc *scope) op {
	inner := &scope{tr: tr, private: map[string]int{}, shared: map[string]bool{}, parent: sc}
	if q.Star {
		if q.Where != nil {
			collectVars(q.Where, func(v string) { inner.shared[v] = true })
		}
		if q.Values != nil {
			for _, v := range q.Values.Vars {
				inner.shared[string(v)] = true
			}
		}
	} else {
		for _, p := range q.Projection {
			inner.shared[string(p.Var)] = true
		}
	}
	o, _ := tr.query(q, inner, false)
	return o
}

func (tr *translator) node(n sparql.Node, sc *scope) node {
	if n.IsVar() {
		return node{slot: sc.slot(string(n.Var))}
	}
	return node{slot: -1, c: tr.c.consts.add(n.Term)}
}

func (tr *translator) bgp(b *sparql.BGP, sc *scope) op {
	var out op = &opBGP{}
	plain := &opBGP{}
	var paths []op
	for _, t := range b.Triples {
		s, o := tr.node(t.S, sc), tr.node(t.O, sc)
		if t.Path == nil {
			plain.pats = append(plain.pats, triplePattern{s: s, p: tr.node(t.P, sc), o: o})
			continue
		}
		paths = append(paths, &opPath{s: s, o: o, path: tr.path(t.Path)})
	}
	out = join(out, plain)
	for _, p := range paths {
		out = join(out, p)
	}
	return out
}

func (tr *translator) path(p sparql.Path) pathExpr {
	iri := func(s string) int { return tr.c.consts.add(rdf.IRI(s)) }
	switch p := p.(type) {
	case *sparql.PathIRI:
		return &pathLink{c: iri(p.IRI)}
	case *sparql.PathInverse:
		return &pathInverse{p: tr.path(p.Path)}
	case *sparql.PathSeq:
		out := tr.path(p.Paths[0])
		for _, q := range p.Paths[1:] {
			out = &pathSeq{l: out, r: tr.path(q)}
		}
		return out
	case *sparql.PathAlt:
		out := tr.path(p.Paths[0])
		for _, q := range p.Paths[1:] {
			out = &pathAlt{l: out, r: tr.path(q)}
		}
		return out
	case *sparql.PathZeroOrMore:
		return &pathStar{p: tr.path(p.Path)}
	case *sparql.PathOneOrMore:
		return &pathPlus{p: tr.path(p.Path)}
	case *sparql.PathZeroOrOne:
		return &pathOpt{p: tr.path(p.Path)}
	case *sparql.PathNegated:
		n := &pathNeg{}
		for _, f := range p.Forward {
			n.fwd = append(n.fwd, iri(f))
		}
		for _, f := range p.Inverse {
			n.inv = append(n.inv, iri(f))
		}
		return n
	}
	tr.fail(fmt.Errorf("%w: path %T", triplestore.ErrUnsupported, p))
	return &pathNeg{}
}

func (tr *translator) table(d *sparql.InlineData, sc *scope) op {
	t := &opTable{}
	for _, v := range d.Vars {
		t.slots = append(t.slots, sc.slot(string(v)))
	}
	for _, r := range d.Rows {
		cr := make([]int, len(r))
		for i, term := range r {
			if term.IsZero() {
				cr[i] = -1
			} else {
				cr[i] = tr.c.consts.add(term)
			}
		}
		t.rows = append(t.rows, cr)
	}
	return t
}

// expr translates an expression. aggs collects the aggregates of an
// aggregated query (nil elsewhere: an aggregate there is an error).
func (tr *translator) expr(e sparql.Expr, sc *scope, aggs *[]aggregate) expr {
	sub := func(x sparql.Expr) expr { return tr.expr(x, sc, aggs) }
	switch e := e.(type) {
	case sparql.Var:
		return &exprVar{slot: sc.slot(string(e))}
	case *sparql.Const:
		return &exprConst{t: e.Term}
	case *sparql.Unary:
		switch e.Op {
		case "!":
			return &exprNot{x: sub(e.X)}
		case "-":
			return &exprNeg{x: sub(e.X)}
		default:
			return &exprPlus{x: sub(e.X)}
		}
	case *sparql.Binary:
		l, r := sub(e.L), sub(e.R)
		switch e.Op {
		case "||":
			return &exprOr{l: l, r: r}
		case "&&":
			return &exprAnd{l: l, r: r}
		case "+", "-", "*", "/":
			return &exprArith{op: e.Op[0], l: l, r: r}
		default:
			return &exprCmp{op: e.Op, l: l, r: r}
		}
	case *sparql.In:
		in := &exprIn{x: sub(e.Expr), not: e.Not}
		for _, a := range e.List {
			in.list = append(in.list, sub(a))
		}
		return in
	case *sparql.Exists:
		pat := tr.group(e.Pattern, sc)
		ex := &exprExists{pat: pat, not: e.Not}
		collectVars(e.Pattern, func(v string) { ex.mentioned.add(sc.slot(v)) })
		return ex
	case *sparql.Aggregate:
		if aggs == nil {
			tr.fail(&triplestore.SyntaxError{Line: 1, Column: 1, Msg: "aggregate " + e.Name + " outside an aggregated query"})
			return &exprConst{}
		}
		a := aggregate{name: e.Name, distinct: e.Distinct, star: e.Star, separator: " "}
		if e.Separator != nil {
			a.separator = *e.Separator
		}
		if e.Arg != nil {
			a.arg = tr.expr(e.Arg, sc, nil)
		}
		a.slot = tr.c.vt.fresh("agg")
		*aggs = append(*aggs, a)
		return &exprVar{slot: a.slot}
	case *sparql.FuncCall:
		var args []expr
		for _, a := range e.Args {
			args = append(args, sub(a))
		}
		if e.IsIRI {
			if e.Distinct || e.Separator != nil {
				tr.fail(fmt.Errorf("%w: custom aggregate %s", triplestore.ErrUnsupported, e.Name))
			}
			return &exprCall{name: e.Name, args: args}
		}
		switch e.Name {
		case "BOUND":
			if v, ok := e.Args[0].(sparql.Var); ok {
				return &exprBound{slot: sc.slot(string(v))}
			}
			return &exprConst{t: termFalse}
		case "IF":
			if len(args) == 3 {
				return &exprIf{c: args[0], a: args[1], b: args[2]}
			}
		case "COALESCE":
			return &exprCoal{args: args}
		case "BNODE":
			if len(args) == 0 {
				return &exprBnode{}
			}
			return &exprBnode{arg: args[0]}
		case "NOW":
			return &exprNow{}
		}
		return &exprCall{name: e.Name, args: args}
	}
	tr.fail(fmt.Errorf("%w: expression %T", triplestore.ErrUnsupported, e))
	return &exprConst{}
}
