package sparql

import "github.com/intermw/intermw/ontology/rdf"

// This file parses triples: subjects, property lists, object lists,
// blank node property lists and collections, for both triple patterns
// (with property paths) and templates (plain triples).

// isTriplesStart reports whether the current token can start a
// TriplesSameSubject(Path).
func (p *parser) isTriplesStart() bool {
	t := p.peek()
	switch t.kind {
	case tVar, tIRI, tPNameLN, tPNameNS, tBlank, tString, tInteger, tDecimal, tDouble:
		return true
	case tPunct:
		return t.val == "[" || t.val == "("
	case tWord:
		return isBoolWord(t.val)
	}
	return false
}

func isBoolWord(s string) bool {
	return len(s) >= 4 && len(s) <= 5 && (eqFold(s, "true") || eqFold(s, "false"))
}

// triplesSameSubject parses one TriplesSameSubject (paths false) or
// TriplesSameSubjectPath (paths true), appending its triples to out.
func (p *parser) triplesSameSubject(out *[]TriplePattern, paths bool) {
	t := p.peek()
	if t.kind == tPunct && (t.val == "[" || t.val == "(") && !p.isEmptyPair() {
		s := p.triplesNode(out, paths)
		if p.isVerbStart(paths) {
			p.propertyListNotEmpty(s, out, paths)
		}
		return
	}
	s := p.varOrTerm()
	p.propertyListNotEmpty(s, out, paths)
}

// isEmptyPair reports whether the current '[' or '(' is immediately
// closed: ANON or NIL.
func (p *parser) isEmptyPair() bool {
	t := p.peek()
	n := p.peekAt(1)
	if n.kind != tPunct {
		return false
	}
	return (t.val == "[" && n.val == "]") || (t.val == "(" && n.val == ")")
}

// isVerbStart reports whether a verb (or a path) starts here.
func (p *parser) isVerbStart(paths bool) bool {
	t := p.peek()
	switch t.kind {
	case tVar, tIRI, tPNameLN, tPNameNS:
		return true
	case tWord:
		return t.val == "a"
	case tPunct:
		return paths && (t.val == "^" || t.val == "!" || t.val == "(")
	}
	return false
}

// varOrTerm parses a Var or a GraphTerm (including ANON and NIL).
func (p *parser) varOrTerm() Node {
	t := p.peek()
	switch t.kind {
	case tVar:
		return VarNode(p.variable())
	case tIRI, tPNameLN, tPNameNS:
		return TermNode(rdf.IRI(p.iri()))
	case tBlank:
		p.i++
		return p.blankNode(t.val, t.pos)
	case tPunct:
		if p.isEmptyPair() {
			p.i += 2
			if t.val == "[" {
				return p.blankNode("", t.pos)
			}
			return TermNode(rdf.IRI(rdfNil))
		}
	}
	if lit, ok := p.literal(); ok {
		return TermNode(lit)
	}
	p.fail("a variable or an RDF term")
	return Node{}
}

// propertyListNotEmpty parses verb objectList ( ';' ( verb objectList )? )*.
func (p *parser) propertyListNotEmpty(s Node, out *[]TriplePattern, paths bool) {
	for {
		pred, path := p.verb(paths)
		p.objectList(s, pred, path, out, paths)
		if !p.isPunct(";") {
			return
		}
		for p.acceptPunct(";") {
		}
		if !p.isVerbStart(paths) {
			return
		}
	}
}

// verb parses a Verb (Var, iri or 'a'), or with paths a VerbPath or
// VerbSimple. A path that is a single IRI comes back as the predicate.
func (p *parser) verb(paths bool) (Node, Path) {
	t := p.peek()
	if t.kind == tVar {
		return VarNode(p.variable()), nil
	}
	if t.kind == tWord && t.val == "a" {
		if !paths || !p.isPathModAt(1) && !p.isPathContinueAt(1) {
			p.i++
			return TermNode(rdf.IRI(rdf.RDFType)), nil
		}
	}
	if !paths {
		if t.kind == tIRI || t.kind == tPNameLN || t.kind == tPNameNS {
			return TermNode(rdf.IRI(p.iri())), nil
		}
		p.fail("a predicate (variable, IRI or 'a')")
	}
	if !p.isVerbStart(true) {
		p.fail("a predicate or property path")
	}
	pa := p.path()
	if pi, ok := pa.(*PathIRI); ok {
		return TermNode(rdf.IRI(pi.IRI)), nil
	}
	return Node{}, pa
}

// objectList parses object ( ',' object )* and appends the triples.
func (p *parser) objectList(s, pred Node, path Path, out *[]TriplePattern, paths bool) {
	for {
		o := p.graphNode(out, paths)
		*out = append(*out, TriplePattern{S: s, P: pred, O: o, Path: path})
		if !p.acceptPunct(",") {
			return
		}
	}
}

// graphNode parses a GraphNode(Path): a VarOrTerm or a TriplesNode(Path).
func (p *parser) graphNode(out *[]TriplePattern, paths bool) Node {
	t := p.peek()
	if t.kind == tPunct && (t.val == "[" || t.val == "(") && !p.isEmptyPair() {
		return p.triplesNode(out, paths)
	}
	return p.varOrTerm()
}

// triplesNode parses a collection or a blank node property list and
// returns the node standing for it.
func (p *parser) triplesNode(out *[]TriplePattern, paths bool) Node {
	p.enter()
	defer p.leave()
	t := p.advance()
	if t.val == "[" {
		b := p.blankNode("", t.pos)
		p.propertyListNotEmpty(b, out, paths)
		p.expectPunct("]")
		return b
	}
	// Collection: '(' GraphNode+ ')'.
	var items []Node
	for !p.isPunct(")") {
		if p.peek().kind == tEOF {
			p.fail("')' to close the collection")
		}
		items = append(items, p.graphNode(out, paths))
	}
	p.i++
	first := rdf.IRI(rdfFirst)
	rest := rdf.IRI(rdfRest)
	head := p.blankNode("", t.pos)
	cur := head
	for i, it := range items {
		*out = append(*out, TriplePattern{S: cur, P: TermNode(first), O: it})
		next := TermNode(rdf.IRI(rdfNil))
		if i < len(items)-1 {
			next = p.blankNode("", t.pos)
		}
		*out = append(*out, TriplePattern{S: cur, P: TermNode(rest), O: next})
		cur = next
	}
	return head
}

// triplesTemplate parses TriplesTemplate? up to (not including) '}',
// allowing '.' separators; used for CONSTRUCT templates and quads.
func (p *parser) triplesTemplate(out *[]TriplePattern) {
	for p.isTriplesStart() {
		p.triplesSameSubject(out, false)
		if !p.acceptPunct(".") {
			return
		}
	}
}

func eqFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		d := b[i]
		if d >= 'A' && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}
