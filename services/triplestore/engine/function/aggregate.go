package function

import (
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// Aggregator accumulates the values of one aggregate over one group
// (SPARQL 18.5.1). Add is called once per solution of the group with the
// evaluated expression: t is the zero Term and err non-nil when the
// expression raised an error; t is the zero Term with a nil err when it is
// simply unbound. Result returns the aggregate's value; an error means the
// aggregate is unbound in that group.
//
// Errors and unbound inputs: COUNT, MIN, MAX and SAMPLE skip them; SUM,
// AVG and GROUP_CONCAT become errors (the spec's ListEval keeps errors and
// op:numeric-add / fn:concat fail on them).
//
// For COUNT(*), the evaluator calls Add(function.Star, nil) once per
// solution; for COUNT(DISTINCT *) it first removes duplicate solutions (or
// feeds one literal that encodes each solution, such as rdf.String(key)).
type Aggregator interface {
	Add(t rdf.Term, err error)
	Result() (rdf.Term, error)
}

// Star is the marker an evaluator feeds to a COUNT aggregator for COUNT(*).
var Star = rdf.Term{Kind: rdf.KindLiteral, Value: "*", Datatype: rdf.XSDString}

// NewAggregator returns a fresh aggregator for one group. name is COUNT,
// SUM, MIN, MAX, AVG, SAMPLE or GROUP_CONCAT (any case); distinct applies
// the DISTINCT modifier; separator is GROUP_CONCAT's SEPARATOR (callers
// pass " " when the query gives none). An unknown name gives an aggregator
// whose Result is ErrUnknownFunction.
func NewAggregator(name string, distinct bool, separator string) Aggregator {
	var a Aggregator
	switch strings.ToUpper(name) {
	case "COUNT":
		a = &countAgg{}
	case "SUM":
		a = &sumAgg{sum: numeric{kind: nkInteger}}
	case "AVG":
		a = &avgAgg{sumAgg: sumAgg{sum: numeric{kind: nkInteger}}}
	case "MIN":
		a = &extremeAgg{sign: -1}
	case "MAX":
		a = &extremeAgg{sign: 1}
	case "SAMPLE":
		a = &sampleAgg{}
	case "GROUP_CONCAT":
		a = &groupConcatAgg{sep: separator}
	default:
		return unknownAgg{}
	}
	if distinct {
		return &distinctAgg{inner: a, seen: make(map[rdf.Term]struct{})}
	}
	return a
}

type unknownAgg struct{}

func (unknownAgg) Add(rdf.Term, error)       {}
func (unknownAgg) Result() (rdf.Term, error) { return rdf.Term{}, ErrUnknownFunction }

// distinctAgg forwards each distinct term once; errors are forwarded every
// time (they are not values, so DISTINCT does not merge them).
type distinctAgg struct {
	inner Aggregator
	seen  map[rdf.Term]struct{}
}

func (d *distinctAgg) Add(t rdf.Term, err error) {
	if err == nil && t.Kind != rdf.KindNone {
		if _, dup := d.seen[t]; dup {
			return
		}
		d.seen[t] = struct{}{}
	}
	d.inner.Add(t, err)
}

func (d *distinctAgg) Result() (rdf.Term, error) { return d.inner.Result() }

type countAgg struct{ n int64 }

func (c *countAgg) Add(t rdf.Term, err error) {
	if err == nil && t.Kind != rdf.KindNone {
		c.n++
	}
}

func (c *countAgg) Result() (rdf.Term, error) { return intTerm(c.n), nil }

type sumAgg struct {
	sum numeric
	n   int64
	err error
}

func (s *sumAgg) Add(t rdf.Term, err error) {
	if s.err != nil {
		return
	}
	if err != nil {
		s.err = err
		return
	}
	v, ok := parseNumeric(t)
	if !ok {
		s.err = operandErr(t)
		return
	}
	s.sum, s.err = arith('+', s.sum, v)
	s.n++
}

func (s *sumAgg) Result() (rdf.Term, error) {
	if s.err != nil {
		return rdf.Term{}, s.err
	}
	return s.sum.term(), nil
}

type avgAgg struct{ sumAgg }

// Result is Sum/Count, or xsd:integer 0 for an empty group (18.5.1.4).
func (a *avgAgg) Result() (rdf.Term, error) {
	if a.err != nil {
		return rdf.Term{}, a.err
	}
	if a.n == 0 {
		return intTerm(0), nil
	}
	q, err := arith('/', a.sum, numeric{kind: nkInteger, small: a.n})
	if err != nil {
		return rdf.Term{}, err
	}
	return q.term(), nil
}

// extremeAgg is MIN (sign -1) or MAX (sign +1) under the ORDER BY order,
// so it works across mixed datatypes.
type extremeAgg struct {
	sign int
	best rdf.Term
}

func (e *extremeAgg) Add(t rdf.Term, err error) {
	if err != nil || t.Kind == rdf.KindNone {
		return
	}
	if e.best.Kind == rdf.KindNone || OrderCompare(t, e.best)*e.sign > 0 {
		e.best = t
	}
}

func (e *extremeAgg) Result() (rdf.Term, error) {
	if e.best.Kind == rdf.KindNone {
		return rdf.Term{}, typeErr("MIN/MAX of an empty group")
	}
	return e.best, nil
}

type sampleAgg struct{ v rdf.Term }

func (s *sampleAgg) Add(t rdf.Term, err error) {
	if err == nil && s.v.Kind == rdf.KindNone {
		s.v = t
	}
}

func (s *sampleAgg) Result() (rdf.Term, error) {
	if s.v.Kind == rdf.KindNone {
		return rdf.Term{}, typeErr("SAMPLE of an empty group")
	}
	return s.v, nil
}

// groupConcatAgg joins the lexical forms of string literals (and, as most
// engines do, of other literals). The result is a simple literal, as the
// spec's GroupConcat defines it, whatever the values' language tags.
type groupConcatAgg struct {
	sep string
	b   strings.Builder
	n   int
	err error
}

func (g *groupConcatAgg) Add(t rdf.Term, err error) {
	if g.err != nil {
		return
	}
	if err != nil {
		g.err = err
		return
	}
	if t.Kind != rdf.KindLiteral {
		g.err = operandErr(t)
		if t.Kind != rdf.KindNone {
			g.err = errNotLiteral
		}
		return
	}
	if g.n > 0 {
		g.b.WriteString(g.sep)
	}
	g.b.WriteString(t.Value)
	g.n++
}

func (g *groupConcatAgg) Result() (rdf.Term, error) {
	if g.err != nil {
		return rdf.Term{}, g.err
	}
	return rdf.String(g.b.String()), nil
}
