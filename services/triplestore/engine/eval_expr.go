package engine

import (
	"errors"
	"strconv"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine/function"
)

// expr is a compiled expression. eval returns an evaluation error (a
// SPARQL type error, an unbound variable) as err; such errors are part of
// the language and never abort the query. Errors that must abort (a
// timeout inside EXISTS) are recorded on the exec instead.
type expr interface {
	eval(x *exec, r row, g *gctx) (rdf.Term, error)
	// vars adds the variables the expression reads to s.
	vars(s *varset)
}

var errUnbound = errors.New("unbound variable")

var (
	termTrue  = rdf.Literal("true", rdf.XSDBoolean)
	termFalse = rdf.Literal("false", rdf.XSDBoolean)
)

func boolTerm(b bool) rdf.Term {
	if b {
		return termTrue
	}
	return termFalse
}

type (
	exprVar   struct{ slot int }
	exprConst struct{ t rdf.Term }
	exprOr    struct{ l, r expr }
	exprAnd   struct{ l, r expr }
	exprNot   struct{ x expr }
	exprCmp   struct {
		op   string
		l, r expr
	}
	exprArith struct {
		op   byte
		l, r expr
	}
	exprNeg   struct{ x expr }
	exprPlus  struct{ x expr }
	exprBound struct{ slot int }
	exprIf    struct{ c, a, b expr }
	exprCoal  struct{ args []expr }
	exprIn    struct {
		x    expr
		list []expr
		not  bool
	}
	exprExists struct {
		pat op
		not bool
		// mentioned are the variables of the pattern, for planning.
		mentioned varset
	}
	exprCall struct {
		name string
		args []expr
	}
	// exprBnode is BNODE() (arg nil) or BNODE(label).
	exprBnode struct{ arg expr }
	exprNow   struct{}
)

func (e *exprVar) eval(x *exec, r row, _ *gctx) (rdf.Term, error) {
	if e.slot >= len(r) || r[e.slot] == 0 {
		return rdf.Term{}, errUnbound
	}
	return x.tt.term(r[e.slot]), nil
}
func (e *exprVar) vars(s *varset) { s.add(e.slot) }

func (e *exprConst) eval(*exec, row, *gctx) (rdf.Term, error) { return e.t, nil }
func (e *exprConst) vars(*varset)                             {}

// ebvOf evaluates e to its effective boolean value.
func ebvOf(x *exec, e expr, r row, g *gctx) (bool, error) {
	t, err := e.eval(x, r, g)
	if err != nil {
		return false, err
	}
	return fnEBV(t)
}

// holds reports whether a FILTER expression keeps the solution: errors
// count as false.
func holds(x *exec, e expr, r row, g *gctx) bool {
	b, err := ebvOf(x, e, r, g)
	return err == nil && b
}

func (e *exprOr) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	a, aerr := ebvOf(x, e.l, r, g)
	if aerr == nil && a {
		return termTrue, nil
	}
	b, berr := ebvOf(x, e.r, r, g)
	if berr == nil && b {
		return termTrue, nil
	}
	if aerr != nil {
		return rdf.Term{}, aerr
	}
	if berr != nil {
		return rdf.Term{}, berr
	}
	return termFalse, nil
}
func (e *exprOr) vars(s *varset) { e.l.vars(s); e.r.vars(s) }

func (e *exprAnd) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	a, aerr := ebvOf(x, e.l, r, g)
	if aerr == nil && !a {
		return termFalse, nil
	}
	b, berr := ebvOf(x, e.r, r, g)
	if berr == nil && !b {
		return termFalse, nil
	}
	if aerr != nil {
		return rdf.Term{}, aerr
	}
	if berr != nil {
		return rdf.Term{}, berr
	}
	return termTrue, nil
}
func (e *exprAnd) vars(s *varset) { e.l.vars(s); e.r.vars(s) }

func (e *exprNot) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	b, err := ebvOf(x, e.x, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	return boolTerm(!b), nil
}
func (e *exprNot) vars(s *varset) { e.x.vars(s) }

func (e *exprCmp) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	a, err := e.l.eval(x, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	b, err := e.r.eval(x, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	ok, err := fnRelational(e.op, a, b)
	if err != nil {
		return rdf.Term{}, err
	}
	return boolTerm(ok), nil
}
func (e *exprCmp) vars(s *varset) { e.l.vars(s); e.r.vars(s) }

func (e *exprArith) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	a, err := e.l.eval(x, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	b, err := e.r.eval(x, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	return fnArith(e.op, a, b)
}
func (e *exprArith) vars(s *varset) { e.l.vars(s); e.r.vars(s) }

func (e *exprNeg) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	a, err := e.x.eval(x, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	return fnNegate(a)
}
func (e *exprNeg) vars(s *varset) { e.x.vars(s) }

func (e *exprPlus) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	a, err := e.x.eval(x, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	return fnUnaryPlus(a)
}
func (e *exprPlus) vars(s *varset) { e.x.vars(s) }

func (e *exprBound) eval(_ *exec, r row, _ *gctx) (rdf.Term, error) {
	return boolTerm(e.slot < len(r) && r[e.slot] != 0), nil
}
func (e *exprBound) vars(s *varset) { s.add(e.slot) }

func (e *exprIf) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	c, err := ebvOf(x, e.c, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	if c {
		return e.a.eval(x, r, g)
	}
	return e.b.eval(x, r, g)
}
func (e *exprIf) vars(s *varset) { e.c.vars(s); e.a.vars(s); e.b.vars(s) }

func (e *exprCoal) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	for _, a := range e.args {
		t, err := a.eval(x, r, g)
		if err == nil && !t.IsZero() {
			return t, nil
		}
	}
	return rdf.Term{}, errUnbound
}
func (e *exprCoal) vars(s *varset) {
	for _, a := range e.args {
		a.vars(s)
	}
}

func (e *exprIn) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	v, err := e.x.eval(x, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	var firstErr error
	for _, a := range e.list {
		t, err := a.eval(x, r, g)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		eq, err := fnRelational("=", v, t)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if eq {
			return boolTerm(!e.not), nil
		}
	}
	if firstErr != nil {
		return rdf.Term{}, firstErr
	}
	return boolTerm(e.not), nil
}
func (e *exprIn) vars(s *varset) {
	e.x.vars(s)
	for _, a := range e.list {
		a.vars(s)
	}
}

func (e *exprExists) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	p := x.existsPlan(e, g)
	found := false
	p.run(x, r, func(row) bool {
		found = true
		return false
	})
	if x.err != nil {
		return rdf.Term{}, x.err
	}
	return boolTerm(found != e.not), nil
}
func (e *exprExists) vars(s *varset) {
	for _, v := range e.mentioned.slots() {
		s.add(v)
	}
}

func (e *exprCall) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	var buf [4]rdf.Term
	args := buf[:0]
	for _, a := range e.args {
		t, err := a.eval(x, r, g)
		if err != nil {
			return rdf.Term{}, err
		}
		args = append(args, t)
	}
	return fnCall(x, e.name, args)
}
func (e *exprCall) vars(s *varset) {
	for _, a := range e.args {
		a.vars(s)
	}
}

func (e *exprBnode) eval(x *exec, r row, g *gctx) (rdf.Term, error) {
	if e.arg == nil {
		b := x.freshBlank()
		if x.freshIDs == nil {
			x.freshIDs = make(map[ID]bool)
		}
		x.freshIDs[x.tt.id(b)] = true
		return b, nil
	}
	t, err := e.arg.eval(x, r, g)
	if err != nil {
		return rdf.Term{}, err
	}
	if !t.IsLiteral() || t.Datatype != rdf.XSDString || t.Lang != "" {
		return rdf.Term{}, errNotSimpleLabel
	}
	key := string(x.solutionKey(r)) + "\x00" + t.Value
	if b, ok := x.bnodes[key]; ok {
		return b, nil
	}
	if x.bnodes == nil {
		x.bnodes = make(map[string]rdf.Term)
	}
	b := x.freshBlank()
	x.bnodes[key] = b
	if x.freshIDs == nil {
		x.freshIDs = make(map[ID]bool)
	}
	x.freshIDs[x.tt.id(b)] = true
	return b, nil
}
func (e *exprBnode) vars(s *varset) {
	if e.arg != nil {
		e.arg.vars(s)
	}
}

var errNotSimpleLabel = errors.New("BNODE label is not a simple literal")

func (e *exprNow) eval(x *exec, _ row, _ *gctx) (rdf.Term, error) {
	if x.now.IsZero() {
		x.now = function.FormatDateTime(x.started)
	}
	return x.now, nil
}
func (e *exprNow) vars(*varset) {}

// freshBlank returns a blank node no other part of the query has made.
func (x *exec) freshBlank() rdf.Term {
	x.blankSeq++
	return rdf.Blank("g" + strconv.FormatUint(x.blankSeed, 36) + "x" + strconv.Itoa(x.blankSeq))
}

// solutionKey identifies the solution r for BNODE(label): its bindings
// without the blank nodes BNODE itself made, so that the BINDs of one
// solution agree.
func (x *exec) solutionKey(r row) []byte {
	var b []byte
	for _, id := range r {
		if x.freshIDs[id] {
			id = 0
		}
		v := uint64(id)
		for v >= 0x80 {
			b = append(b, byte(v)|0x80)
			v >>= 7
		}
		b = append(b, byte(v))
	}
	return b
}

// rowKey appends the bytes of r's IDs to b.
func rowKey(b []byte, r row) []byte {
	for _, id := range r {
		v := uint64(id)
		for v >= 0x80 {
			b = append(b, byte(v)|0x80)
			v >>= 7
		}
		b = append(b, byte(v))
	}
	return b
}

// slotsKey appends the bytes of the IDs r holds in slots to b.
func slotsKey(b []byte, r row, slots []int) []byte {
	for _, s := range slots {
		v := uint64(r[s])
		for v >= 0x80 {
			b = append(b, byte(v)|0x80)
			v >>= 7
		}
		b = append(b, byte(v))
	}
	return b
}

func exprVars(e expr) varset {
	var s varset
	if e != nil {
		e.vars(&s)
	}
	return s
}
