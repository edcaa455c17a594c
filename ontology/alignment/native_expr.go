package alignment

import (
	"errors"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine/function"
)

// nexpr is a compiled expression of the native executor. Each node
// evaluates as the engine's node of the same name does (engine/eval_expr.go):
// an error is the SPARQL error value, which a BIND turns into an unbound
// variable and a FILTER into a rejection.
type nexpr interface {
	eval(r *nrun, row []termID) (rdf.Term, error)
}

var errUnboundVar = errors.New("unbound variable")

type (
	xVar   struct{ slot int }
	xConst struct{ t rdf.Term }
	xOr    struct{ l, r nexpr }
	xAnd   struct{ l, r nexpr }
	xNot   struct{ x nexpr }
	xCmp   struct {
		op   string
		l, r nexpr
	}
	xArith struct {
		op   byte
		l, r nexpr
	}
	xNeg      struct{ x nexpr }
	xPlus     struct{ x nexpr }
	xBound    struct{ slot int }
	xIf       struct{ c, a, b nexpr }
	xCoalesce struct{ args []nexpr }
	xIn       struct {
		x    nexpr
		list []nexpr
		not  bool
	}
	xCall struct {
		name string
		args []nexpr
	}
	xNow struct{}
)

func boolTerm(b bool) rdf.Term {
	if b {
		return termTrue
	}
	return termFalse
}

func ebvOf(r *nrun, e nexpr, row []termID) (bool, error) {
	t, err := e.eval(r, row)
	if err != nil {
		return false, err
	}
	return function.EBV(t)
}

// holds reports whether a FILTER keeps the match: errors count as false.
func holds(r *nrun, e nexpr, row []termID) bool {
	b, err := ebvOf(r, e, row)
	return err == nil && b
}

func (e *xVar) eval(r *nrun, row []termID) (rdf.Term, error) {
	if e.slot >= len(row) || row[e.slot] == 0 {
		return rdf.Term{}, errUnboundVar
	}
	return r.g.term(row[e.slot]), nil
}

func (e *xConst) eval(*nrun, []termID) (rdf.Term, error) { return e.t, nil }

func (e *xOr) eval(r *nrun, row []termID) (rdf.Term, error) {
	a, aerr := ebvOf(r, e.l, row)
	if aerr == nil && a {
		return termTrue, nil
	}
	b, berr := ebvOf(r, e.r, row)
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

func (e *xAnd) eval(r *nrun, row []termID) (rdf.Term, error) {
	a, aerr := ebvOf(r, e.l, row)
	if aerr == nil && !a {
		return termFalse, nil
	}
	b, berr := ebvOf(r, e.r, row)
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

func (e *xNot) eval(r *nrun, row []termID) (rdf.Term, error) {
	b, err := ebvOf(r, e.x, row)
	if err != nil {
		return rdf.Term{}, err
	}
	return boolTerm(!b), nil
}

func (e *xCmp) eval(r *nrun, row []termID) (rdf.Term, error) {
	a, err := e.l.eval(r, row)
	if err != nil {
		return rdf.Term{}, err
	}
	b, err := e.r.eval(r, row)
	if err != nil {
		return rdf.Term{}, err
	}
	ok, err := function.Relational(e.op, a, b)
	if err != nil {
		return rdf.Term{}, err
	}
	return boolTerm(ok), nil
}

func (e *xArith) eval(r *nrun, row []termID) (rdf.Term, error) {
	a, err := e.l.eval(r, row)
	if err != nil {
		return rdf.Term{}, err
	}
	b, err := e.r.eval(r, row)
	if err != nil {
		return rdf.Term{}, err
	}
	return function.Arithmetic(e.op, a, b)
}

func (e *xNeg) eval(r *nrun, row []termID) (rdf.Term, error) {
	a, err := e.x.eval(r, row)
	if err != nil {
		return rdf.Term{}, err
	}
	return function.Negate(a)
}

func (e *xPlus) eval(r *nrun, row []termID) (rdf.Term, error) {
	a, err := e.x.eval(r, row)
	if err != nil {
		return rdf.Term{}, err
	}
	return function.UnaryPlus(a)
}

func (e *xBound) eval(_ *nrun, row []termID) (rdf.Term, error) {
	return boolTerm(e.slot < len(row) && row[e.slot] != 0), nil
}

func (e *xIf) eval(r *nrun, row []termID) (rdf.Term, error) {
	c, err := ebvOf(r, e.c, row)
	if err != nil {
		return rdf.Term{}, err
	}
	if c {
		return e.a.eval(r, row)
	}
	return e.b.eval(r, row)
}

func (e *xCoalesce) eval(r *nrun, row []termID) (rdf.Term, error) {
	for _, a := range e.args {
		t, err := a.eval(r, row)
		if err == nil && !t.IsZero() {
			return t, nil
		}
	}
	return rdf.Term{}, errUnboundVar
}

func (e *xIn) eval(r *nrun, row []termID) (rdf.Term, error) {
	v, err := e.x.eval(r, row)
	if err != nil {
		return rdf.Term{}, err
	}
	var firstErr error
	for _, a := range e.list {
		t, err := a.eval(r, row)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		eq, err := function.Relational("=", v, t)
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

func (e *xCall) eval(r *nrun, row []termID) (rdf.Term, error) {
	var buf [4]rdf.Term
	args := buf[:0]
	for _, a := range e.args {
		t, err := a.eval(r, row)
		if err != nil {
			return rdf.Term{}, err
		}
		args = append(args, t)
	}
	return function.Call(e.name, args, r.fctx)
}

// eval gives NOW(): one instant per step, as the engine fixes it per
// update execution.
func (e *xNow) eval(r *nrun, _ []termID) (rdf.Term, error) {
	if r.now.IsZero() {
		if r.started.IsZero() {
			r.started = time.Now()
		}
		r.now = function.FormatDateTime(r.started)
	}
	return r.now, nil
}
