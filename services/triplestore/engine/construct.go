package engine

import (
	"github.com/intermw/intermw/ontology/rdf"
)

// construct instantiates the template of a CONSTRUCT for each solution:
// template blank nodes are fresh per solution, triples with an unbound
// variable or an invalid term in some position are skipped, and the
// result is a set.
func (e *Engine) construct(x *exec, root pnode, c *compiled) []rdf.Triple {
	var out []rdf.Triple
	seen := make(map[rdf.Triple]bool)
	blanks := map[string]rdf.Term{}
	root.run(x, x.newRow(), func(r row) bool {
		clear(blanks)
		for _, t := range c.template {
			s, ok1 := x.instantiate(t.s, r, blanks)
			p, ok2 := x.instantiate(t.p, r, blanks)
			o, ok3 := x.instantiate(t.o, r, blanks)
			if !ok1 || !ok2 || !ok3 || !validTriple(s, p, o) {
				continue
			}
			tr := rdf.Triple{S: s, P: p, O: o}
			if seen[tr] {
				continue
			}
			if !x.charge(int64(len(s.Value) + len(p.Value) + len(o.Value) + 96)) {
				return false
			}
			seen[tr] = true
			out = append(out, tr)
		}
		return x.tick()
	})
	return out
}

// instantiate gives the term of a template position for solution r.
func (x *exec) instantiate(n tmplNode, r row, blanks map[string]rdf.Term) (rdf.Term, bool) {
	switch {
	case n.slot >= 0:
		id := r[n.slot]
		if id == 0 {
			return rdf.Term{}, false
		}
		return x.tt.term(id), true
	case n.blank != "":
		b, ok := blanks[n.blank]
		if !ok {
			b = x.freshBlank()
			blanks[n.blank] = b
		}
		return b, true
	}
	return n.term, true
}

// validTriple reports whether the terms form an RDF triple.
func validTriple(s, p, o rdf.Term) bool {
	return (s.IsIRI() || s.IsBlank()) && p.IsIRI() && !o.IsZero()
}
