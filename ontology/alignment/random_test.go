package alignment

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// The random payloads and alignments of the executor equivalence tests
// and fuzz targets.

// randomGraphs draws small payloads for an alignment: instances of its
// cells' entity1 (variables bound to random nodes and literals, some
// triples left out, nodes shared between instances) among noise built
// from its vocabulary, so that cells match once, several times, partly
// or not at all, and functions and typings meet values they fail on.
type randomGraphs struct {
	rng    *rand.Rand
	cells  []*Cell
	preds  []rdf.Term
	consts []rdf.Term
	nodes  []rdf.Term
	lits   []rdf.Term
}

func newRandomGraphs(seed uint64, a *Alignment) *randomGraphs {
	g := &randomGraphs{rng: rand.New(rand.NewPCG(seed, 0x5eed)), cells: a.Cells}
	seen := map[rdf.Term]bool{}
	for _, c := range a.Cells {
		for _, ps := range [][]Pattern{c.Entity1, c.Entity2} {
			for _, p := range ps {
				if !p.P.IsVar() && !seen[p.P.Term] {
					seen[p.P.Term] = true
					g.preds = append(g.preds, p.P.Term)
				}
				for _, n := range []Node{p.S, p.O} {
					if !n.IsVar() && !n.Term.IsBlank() && !seen[n.Term] {
						seen[n.Term] = true
						g.consts = append(g.consts, n.Term)
					}
				}
			}
		}
	}
	g.preds = append(g.preds, rdf.IRI(rdf.RDFType))
	for i := range 4 {
		g.nodes = append(g.nodes, rdf.Blank(fmt.Sprintf("b%d", i)), rdf.IRI(fmt.Sprintf("http://example.org/n%d", i)))
	}
	g.lits = []rdf.Term{
		rdf.Literal("12", rdf.XSDInteger), rdf.Literal("-3", xsdNS+"int"), rdf.Literal("68.5", rdf.XSDFloat),
		rdf.Literal("1504126800000", rdf.XSDInteger), rdf.Literal("1525426098123", rdf.XSDInteger),
		rdf.Literal("not a number", rdf.XSDInteger), rdf.Literal("1e3", rdf.XSDDouble), rdf.Literal("true", rdf.XSDBoolean),
		rdf.String(""), rdf.String("abc"), rdf.String("Hello World 42"), rdf.String("http://example.org/z"),
		rdf.String("1504126800"), rdf.String("weight_scale"), {Kind: rdf.KindLiteral, Value: "hi", Lang: "EN"},
		rdf.Literal("2017-08-30T21:00:00Z", rdf.XSDDateTime), rdf.Literal("x", "http://example.org/dt"),
		{Kind: rdf.KindLiteral, Value: "plain, without datatype"},
	}
	return g
}

func (g *randomGraphs) pick(ts []rdf.Term) rdf.Term { return ts[g.rng.IntN(len(ts))] }

// value draws a term for a variable in position pos (0 subject,
// 1 predicate, 2 object).
func (g *randomGraphs) value(pos int) rdf.Term {
	switch {
	case pos == 1:
		return g.pick(g.preds)
	case pos == 0 || g.rng.IntN(10) < 5:
		return g.pick(g.nodes)
	case g.rng.IntN(4) == 0 && len(g.consts) > 0:
		return g.pick(g.consts)
	}
	return g.pick(g.lits)
}

func (g *randomGraphs) next() []rdf.Triple {
	var out []rdf.Triple
	for range 1 + g.rng.IntN(4) {
		c := g.cells[g.rng.IntN(len(g.cells))]
		binding := map[string]rdf.Term{}
		term := func(n Node, pos int) rdf.Term {
			if !n.IsVar() {
				return n.Term
			}
			t, ok := binding[n.Var]
			if !ok {
				t = g.value(pos)
				binding[n.Var] = t
			}
			return t
		}
		for _, p := range c.Entity1 {
			if g.rng.IntN(12) == 0 {
				continue // a partial match
			}
			out = append(out, rdf.Triple{S: term(p.S, 0), P: term(p.P, 1), O: term(p.O, 2)})
		}
	}
	for range g.rng.IntN(6) {
		o := g.value(2)
		if g.rng.IntN(3) == 0 && len(g.consts) > 0 {
			o = g.pick(g.consts)
		}
		out = append(out, rdf.Triple{S: g.pick(g.nodes), P: g.pick(g.preds), O: o})
	}
	// An invalid triple now and then: a variable bound to a literal in
	// subject or predicate position.
	valid := out[:0]
	for _, t := range out {
		if checkTriple(t) == nil {
			valid = append(valid, t)
		}
	}
	if len(valid) > 1 && g.rng.IntN(3) == 0 {
		valid = append(valid, valid[g.rng.IntN(len(valid))]) // a duplicate
	}
	return valid
}

// randomAlignment writes an alignment of random cells over a small
// vocabulary: triple patterns with variables, constants, blank nodes and
// now and then a variable predicate; functions over the bound variables
// and literals; filters and typings. Some come out invalid; Load says so.
func randomAlignment(rng *rand.Rand) string {
	preds := []string{"ex:p0", "ex:p1", "ex:p2", "a"}
	objs := []string{"ex:C0", "ex:C1", `"k"`, "12", `"hi"@en`}
	dts := []string{"integer", "string", "int", "float", "decimal", "dateTime"}
	type fnSpec struct {
		name  string
		arity int
	}
	fns := []fnSpec{{"STR", 1}, {"IRI", 1}, {"CONCAT", 2}, {"STRLEN", 1}, {"+", 2}, {"*", 2}, {"unixEpochToUTC", 1},
		{xsdNS + "integer", 1}, {"UCASE", 1}, {"IF", 3}, {"COALESCE", 2}, {"REPLACE", 3}, {"DATATYPE", 1}, {"ISIRI", 1}}
	vals := []string{"2", "http://example.org/", "x", "1.5", "[0-9]"}
	var steps, cells string
	for ci := range 1 + rng.IntN(3) {
		id := fmt.Sprintf("c%d", ci)
		bound := []string{}
		v := func() string {
			if len(bound) > 0 && rng.IntN(3) > 0 {
				return bound[rng.IntN(len(bound))]
			}
			n := fmt.Sprintf("v%d", len(bound))
			bound = append(bound, n)
			return n
		}
		var e1 []string
		for range 1 + rng.IntN(3) {
			s := "var:" + v()
			p := preds[rng.IntN(len(preds))]
			if rng.IntN(8) == 0 {
				p = "var:" + v()
			}
			o := "var:" + v()
			switch rng.IntN(5) {
			case 0:
				o = objs[rng.IntN(len(objs))]
			case 1:
				o = "[ ex:p3 var:" + v() + " ]"
			}
			e1 = append(e1, s+" "+p+" "+o+" .")
		}
		var funcs []string
		computed := append([]string{}, bound...)
		for i := range rng.IntN(3) {
			f := fns[rng.IntN(len(fns))]
			params := make([]string, f.arity)
			for k := range params {
				if rng.IntN(3) > 0 {
					params[k] = "?" + computed[rng.IntN(len(computed))]
				} else {
					params[k] = vals[rng.IntN(len(vals))]
				}
			}
			ret := fmt.Sprintf("r%d", i)
			funcs = append(funcs, fn(f.name, ret, params...))
			computed = append(computed, ret)
		}
		var e2 []string
		for range 1 + rng.IntN(3) {
			x := func() string { return "var:" + computed[rng.IntN(len(computed))] }
			switch rng.IntN(4) {
			case 0:
				e2 = append(e2, x()+" ex:q0 [ a ex:D ; ex:q1 "+x()+" ] .")
			case 1:
				e2 = append(e2, x()+" "+preds[rng.IntN(len(preds))]+" "+objs[rng.IntN(len(objs))]+" .")
			default:
				e2 = append(e2, x()+" ex:q2 "+x()+" .")
			}
		}
		extra := ""
		if len(funcs) > 0 {
			extra += functions(funcs...)
		}
		if rng.IntN(3) == 0 {
			extra += `<sripas:filters rdf:parseType="Literal"><sripas:filter sripas:about="&var;` + computed[rng.IntN(len(computed))] +
				`" sripas:datatype="` + xsdNS + dts[rng.IntN(len(dts))] + `"/></sripas:filters>`
		}
		if rng.IntN(2) == 0 {
			extra += `<sripas:typings rdf:parseType="Literal"><sripas:typing sripas:about="&var;` + computed[rng.IntN(len(computed))] +
				`" sripas:datatype="` + xsdNS + dts[rng.IntN(len(dts))] + `"/></sripas:typings>`
		}
		steps += step(id)
		cells += cell(id, strings.Join(e1, " "), strings.Join(e2, " "), extra)
	}
	return doc(steps, cells)
}
