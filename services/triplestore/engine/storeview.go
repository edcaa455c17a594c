package engine

import (
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine/quadstore"
)

// ID is a term ID of the quad store. 0 means no term (an unbound slot in a
// solution, a wildcard in a lookup).
type ID = quadstore.ID

// defaultGraphID names the store's default graph in the graph position.
const defaultGraphID = quadstore.DefaultGraph

// view is the read side of the quad store the evaluator needs: a
// consistent snapshot of the quads.
type view interface {
	Match(s, p, o, g ID, fn func(q [4]ID) bool)
	Count(s, p, o, g ID) int
	NamedGraphs(fn func(g ID) bool)
}

// dictionary maps terms to store IDs and back.
type dictionary interface {
	Find(t rdf.Term) (ID, bool)
	Term(id ID) rdf.Term
}
