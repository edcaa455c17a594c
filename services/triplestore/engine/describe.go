package engine

import (
	"github.com/intermw/intermw/ontology/rdf"
)

// describe returns the concise bounded description of each resource the
// DESCRIBE names: the triples (in the default graph) with the resource as
// subject, followed recursively through blank node objects.
func (e *Engine) describe(x *exec, root pnode, c *compiled) []rdf.Triple {
	var targets []ID
	seenT := map[ID]bool{}
	addTarget := func(id ID) {
		if id != 0 && !seenT[id] {
			seenT[id] = true
			targets = append(targets, id)
		}
	}
	for _, n := range c.describe {
		if n.slot < 0 && !n.term.IsZero() {
			addTarget(x.tt.id(n.term))
		}
	}
	root.run(x, x.newRow(), func(r row) bool {
		for _, n := range c.describe {
			if n.slot >= 0 {
				addTarget(r[n.slot])
			}
		}
		return x.tick()
	})
	var out []rdf.Triple
	done := map[ID]bool{}
	g := gctx{kind: gDefault}
	var visit func(id ID)
	visit = func(id ID) {
		if done[id] || !inStore(id) {
			return
		}
		done[id] = true
		var objs []ID
		x.matchQuads(id, 0, 0, &g, nil, func(q [4]ID) bool {
			out = append(out, rdf.Triple{S: x.tt.term(q[0]), P: x.tt.term(q[1]), O: x.tt.term(q[2])})
			if x.tt.term(q[2]).IsBlank() {
				objs = append(objs, q[2])
			}
			return x.tick()
		})
		for _, o := range objs {
			visit(o)
		}
	}
	for _, t := range targets {
		visit(t)
	}
	return out
}
