package sparql

import "github.com/intermw/intermw/ontology/rdf"

// This file parses property path expressions (spec section 9, grammar
// rules [88]-[96]).

// isPathModAt reports whether the token n ahead is a path modifier.
func (p *parser) isPathModAt(n int) bool {
	t := p.peekAt(n)
	return t.kind == tPunct && (t.val == "?" || t.val == "*" || t.val == "+")
}

// isPathContinueAt reports whether the token n ahead continues a path
// ('/' or '|').
func (p *parser) isPathContinueAt(n int) bool {
	t := p.peekAt(n)
	return t.kind == tPunct && (t.val == "/" || t.val == "|")
}

// path parses a PathAlternative.
func (p *parser) path() Path {
	p.enter()
	defer p.leave()
	first := p.pathSequence()
	if !p.isPunct("|") {
		return first
	}
	alt := &PathAlt{Paths: []Path{first}}
	for p.acceptPunct("|") {
		alt.Paths = append(alt.Paths, p.pathSequence())
	}
	return alt
}

func (p *parser) pathSequence() Path {
	first := p.pathEltOrInverse()
	if !p.isPunct("/") {
		return first
	}
	seq := &PathSeq{Paths: []Path{first}}
	for p.acceptPunct("/") {
		seq.Paths = append(seq.Paths, p.pathEltOrInverse())
	}
	return seq
}

func (p *parser) pathEltOrInverse() Path {
	if p.acceptPunct("^") {
		return &PathInverse{Path: p.pathElt()}
	}
	return p.pathElt()
}

func (p *parser) pathElt() Path {
	prim := p.pathPrimary()
	t := p.peek()
	if t.kind == tPunct {
		switch t.val {
		case "?":
			p.i++
			return &PathZeroOrOne{Path: prim}
		case "*":
			p.i++
			return &PathZeroOrMore{Path: prim}
		case "+":
			p.i++
			return &PathOneOrMore{Path: prim}
		}
	}
	return prim
}

func (p *parser) pathPrimary() Path {
	t := p.peek()
	switch t.kind {
	case tIRI, tPNameLN, tPNameNS:
		return &PathIRI{IRI: p.iri()}
	case tWord:
		if t.val == "a" {
			p.i++
			return &PathIRI{IRI: rdf.RDFType}
		}
	case tPunct:
		switch t.val {
		case "!":
			p.i++
			return p.pathNegated()
		case "(":
			p.i++
			inner := p.path()
			p.expectPunct(")")
			return inner
		}
	}
	p.fail("a property path (IRI, 'a', '^', '!' or '(')")
	return nil
}

// pathNegated parses the PathNegatedPropertySet after '!'.
func (p *parser) pathNegated() Path {
	neg := &PathNegated{}
	if !p.acceptPunct("(") {
		p.pathOneInPropertySet(neg)
		return neg
	}
	if p.acceptPunct(")") {
		return neg
	}
	p.pathOneInPropertySet(neg)
	for p.acceptPunct("|") {
		p.pathOneInPropertySet(neg)
	}
	p.expectPunct(")")
	return neg
}

func (p *parser) pathOneInPropertySet(neg *PathNegated) {
	inverse := p.acceptPunct("^")
	var iri string
	t := p.peek()
	switch {
	case t.kind == tWord && t.val == "a":
		p.i++
		iri = rdf.RDFType
	case t.kind == tIRI || t.kind == tPNameLN || t.kind == tPNameNS:
		iri = p.iri()
	default:
		p.fail("an IRI, 'a' or '^' in a negated property set")
	}
	if inverse {
		neg.Inverse = append(neg.Inverse, iri)
	} else {
		neg.Forward = append(neg.Forward, iri)
	}
}
