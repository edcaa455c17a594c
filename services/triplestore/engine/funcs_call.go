package engine

import (
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine/function"
)

// fnCall calls a built-in or IRI function with evaluated arguments.
func fnCall(x *exec, name string, args []rdf.Term) (rdf.Term, error) {
	return function.Call(name, args, x.funcCtx())
}

// aggregator accumulates one aggregate over a group.
type aggregator = function.Aggregator

func newAggregator(name string, distinct bool, sep string) aggregator {
	return function.NewAggregator(name, distinct, sep)
}
