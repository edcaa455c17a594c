package engine

import (
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine/function"
)

// This file is the only place that calls package function: the evaluator
// works on rdf.Term values there.

func fnEBV(t rdf.Term) (bool, error) { return function.EBV(t) }

func fnRelational(op string, a, b rdf.Term) (bool, error) { return function.Relational(op, a, b) }

func fnArith(op byte, a, b rdf.Term) (rdf.Term, error) { return function.Arithmetic(op, a, b) }

func fnNegate(a rdf.Term) (rdf.Term, error) { return function.Negate(a) }

func fnUnaryPlus(a rdf.Term) (rdf.Term, error) { return function.UnaryPlus(a) }

func fnOrder(a, b rdf.Term) int { return function.OrderCompare(a, b) }
