package alignment

import (
	"errors"
	"fmt"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

// The native executor runs a compiled cell without the embedded engine:
// it parses the very update text the engine would prepare, and turns its
// algebra — a basic graph pattern extended by BINDs and filtered by the
// group's FILTERs, a DELETE and an INSERT template — into a plan over the
// payload graph (see graph.go). Expressions are evaluated with the
// engine's own function package, operator by operator as the engine does,
// so both executors compute the same terms. An update outside that shape
// (property paths, OPTIONAL, EXISTS, BNODE(), aggregates, named graphs)
// is not compiled natively and runs on the engine instead.

// errNotNative says why a cell cannot run natively.
var errNotNative = errors.New("not supported by the native executor")

// nativeCell is one cell's update as the native executor runs it.
type nativeCell struct {
	slots   []string // variable names by slot (for messages)
	where   []npat   // entity1: the basic graph pattern
	binds   []nbind  // typings and functions, in order
	filters []nexpr  // the group's FILTERs, applied after the BINDs
	del     []npat   // DELETE template
	ins     []npat   // INSERT template
	nblank  int      // blank nodes of the INSERT template, fresh per match
	loss    []int    // slots whose being unbound means a lost value
}

// npos is one position of a pattern or template: a variable slot, a
// constant, or (INSERT only) a template blank node.
type npos struct {
	slot  int    // >= 0: variable
	id    termID // constant when slot < 0 and blank < 0
	blank int    // >= 0: the template's blank node number
}

type npat struct{ s, p, o npos }

type nbind struct {
	slot int
	e    nexpr
}

// nativeCompiler builds a nativeCell.
type nativeCompiler struct {
	consts *constTable
	slots  map[string]int
	blanks map[string]int
	nc     *nativeCell
}

func (b *nativeCompiler) slot(v sparql.Var) int {
	if i, ok := b.slots[string(v)]; ok {
		return i
	}
	i := len(b.nc.slots)
	b.slots[string(v)] = i
	b.nc.slots = append(b.nc.slots, string(v))
	return i
}

// compileNative compiles an update text of compileCell into a native
// plan. lossRefs are the SPARQL variables (without '?') whose being
// unbound in a match is a loss. An error wrapping errNotNative says the
// cell must run on the engine.
func compileNative(text string, lossRefs []string, consts *constTable) (*nativeCell, error) {
	u, err := sparql.ParseUpdate(text, sparql.ParseOptions{})
	if err != nil {
		return nil, err
	}
	if len(u.Operations) != 1 {
		return nil, fmt.Errorf("%w: %d operations", errNotNative, len(u.Operations))
	}
	m, ok := u.Operations[0].(*sparql.Modify)
	if !ok {
		return nil, fmt.Errorf("%w: operation %T", errNotNative, u.Operations[0])
	}
	if m.With != "" || len(m.Using) > 0 || len(m.UsingNamed) > 0 {
		return nil, fmt.Errorf("%w: WITH/USING", errNotNative)
	}
	b := &nativeCompiler{consts: consts, slots: map[string]int{}, blanks: map[string]int{}, nc: &nativeCell{}}
	if err := b.where(m.Where); err != nil {
		return nil, err
	}
	for _, q := range m.Delete {
		p, err := b.template(q, false)
		if err != nil {
			return nil, err
		}
		b.nc.del = append(b.nc.del, p)
	}
	for _, q := range m.Insert {
		p, err := b.template(q, true)
		if err != nil {
			return nil, err
		}
		b.nc.ins = append(b.nc.ins, p)
	}
	b.nc.nblank = len(b.blanks)
	for _, v := range lossRefs {
		b.nc.loss = append(b.nc.loss, b.slot(sparql.Var(v)))
	}
	return b.nc, nil
}

// where accepts a group of triple patterns followed by BINDs, with
// FILTERs anywhere: Filter(Extend(...Extend(BGP))). Consecutive BGPs
// (split by a FILTER) join into one.
func (b *nativeCompiler) where(gp *sparql.GroupPattern) error {
	if gp == nil {
		return fmt.Errorf("%w: no WHERE", errNotNative)
	}
	var filters []sparql.Expr
	for _, el := range gp.Elements {
		switch el := el.(type) {
		case *sparql.BGP:
			if len(b.nc.binds) > 0 {
				return fmt.Errorf("%w: triple patterns after a BIND", errNotNative)
			}
			for _, tp := range el.Triples {
				if tp.Path != nil {
					return fmt.Errorf("%w: property path", errNotNative)
				}
				s, err := b.pos(tp.S, false)
				if err != nil {
					return err
				}
				p, err := b.pos(tp.P, false)
				if err != nil {
					return err
				}
				o, err := b.pos(tp.O, false)
				if err != nil {
					return err
				}
				b.nc.where = append(b.nc.where, npat{s, p, o})
			}
		case *sparql.Bind:
			e, err := b.expr(el.Expr)
			if err != nil {
				return err
			}
			b.nc.binds = append(b.nc.binds, nbind{slot: b.slot(el.Var), e: e})
		case *sparql.Filter:
			filters = append(filters, el.Expr)
		default:
			return fmt.Errorf("%w: pattern element %T", errNotNative, el)
		}
	}
	// Filters are compiled last: a filter may name a BIND's variable.
	for _, f := range filters {
		e, err := b.expr(f)
		if err != nil {
			return err
		}
		b.nc.filters = append(b.nc.filters, e)
	}
	return nil
}

func (b *nativeCompiler) pos(n sparql.Node, template bool) (npos, error) {
	switch {
	case n.IsVar():
		return npos{slot: b.slot(n.Var), blank: -1}, nil
	case n.Term.IsBlank():
		if !template {
			return npos{}, fmt.Errorf("%w: blank node %s outside an INSERT template", errNotNative, n.Term)
		}
		i, ok := b.blanks[n.Term.Value]
		if !ok {
			i = len(b.blanks)
			b.blanks[n.Term.Value] = i
		}
		return npos{slot: -1, blank: i}, nil
	case n.Term.IsZero():
		return npos{}, fmt.Errorf("%w: empty position", errNotNative)
	}
	return npos{slot: -1, blank: -1, id: b.consts.id(n.Term)}, nil
}

func (b *nativeCompiler) template(q sparql.QuadPattern, insert bool) (npat, error) {
	if !q.G.IsZero() {
		return npat{}, fmt.Errorf("%w: template in a named graph", errNotNative)
	}
	s, err := b.pos(q.S, insert)
	if err != nil {
		return npat{}, err
	}
	p, err := b.pos(q.P, insert)
	if err != nil {
		return npat{}, err
	}
	o, err := b.pos(q.O, insert)
	if err != nil {
		return npat{}, err
	}
	return npat{s, p, o}, nil
}

// expr compiles an expression exactly as the engine translates it
// (engine/translate.go), refusing what the native executor lacks.
func (b *nativeCompiler) expr(e sparql.Expr) (nexpr, error) {
	sub := func(xs ...sparql.Expr) ([]nexpr, error) {
		out := make([]nexpr, len(xs))
		for i, x := range xs {
			c, err := b.expr(x)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	switch e := e.(type) {
	case sparql.Var:
		return &xVar{slot: b.slot(e)}, nil
	case *sparql.Const:
		return &xConst{t: e.Term}, nil
	case *sparql.Unary:
		xs, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case "!":
			return &xNot{x: xs[0]}, nil
		case "-":
			return &xNeg{x: xs[0]}, nil
		default:
			return &xPlus{x: xs[0]}, nil
		}
	case *sparql.Binary:
		xs, err := sub(e.L, e.R)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case "||":
			return &xOr{l: xs[0], r: xs[1]}, nil
		case "&&":
			return &xAnd{l: xs[0], r: xs[1]}, nil
		case "+", "-", "*", "/":
			return &xArith{op: e.Op[0], l: xs[0], r: xs[1]}, nil
		default:
			return &xCmp{op: e.Op, l: xs[0], r: xs[1]}, nil
		}
	case *sparql.In:
		xs, err := sub(append([]sparql.Expr{e.Expr}, e.List...)...)
		if err != nil {
			return nil, err
		}
		return &xIn{x: xs[0], list: xs[1:], not: e.Not}, nil
	case *sparql.FuncCall:
		if e.Distinct || e.Separator != nil {
			return nil, fmt.Errorf("%w: custom aggregate %s", errNotNative, e.Name)
		}
		if !e.IsIRI {
			switch e.Name {
			case "BOUND":
				if v, ok := e.Args[0].(sparql.Var); ok {
					return &xBound{slot: b.slot(v)}, nil
				}
				return &xConst{t: termFalse}, nil
			case "BNODE":
				return nil, fmt.Errorf("%w: BNODE", errNotNative)
			case "NOW":
				return &xNow{}, nil
			}
		}
		args, err := sub(e.Args...)
		if err != nil {
			return nil, err
		}
		if !e.IsIRI {
			switch e.Name {
			case "IF":
				if len(args) == 3 {
					return &xIf{c: args[0], a: args[1], b: args[2]}, nil
				}
			case "COALESCE":
				return &xCoalesce{args: args}, nil
			}
		}
		return &xCall{name: e.Name, args: args}, nil
	}
	return nil, fmt.Errorf("%w: expression %T", errNotNative, e)
}

var (
	termTrue  = rdf.Literal("true", rdf.XSDBoolean)
	termFalse = rdf.Literal("false", rdf.XSDBoolean)
)
