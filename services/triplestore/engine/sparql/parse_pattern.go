package sparql

import "github.com/intermw/intermw/ontology/rdf"

// This file parses group graph patterns and their elements (grammar rules
// [53]-[68]).

func (p *parser) newBGP() {
	p.bgpN++
	p.bgpID = p.bgpN
}

// groupGraphPattern parses '{' ( SubSelect | GroupGraphPatternSub ) '}'.
func (p *parser) groupGraphPattern() *GroupPattern {
	open := p.peek()
	p.expectPunct("{")
	p.enter()
	defer p.leave()
	savedAgg, savedIn, savedSaw := p.aggAllowed, p.inAgg, p.sawAgg
	p.aggAllowed, p.inAgg = false, false
	defer func() { p.aggAllowed, p.inAgg, p.sawAgg = savedAgg, savedIn, savedSaw }()
	if p.isWord("SELECT") {
		q := p.subSelect()
		p.expectClose(open)
		return &GroupPattern{Elements: []Element{&SubSelect{Query: q}}}
	}
	gp := p.groupGraphPatternSub()
	p.expectClose(open)
	return gp
}

func (p *parser) expectClose(open *token) {
	if !p.acceptPunct("}") {
		line, col := p.position(open.pos)
		p.fail("'}' to close the group opened at line " + itoa(line) + ", column " + itoa(col))
	}
}

func (p *parser) groupGraphPatternSub() *GroupPattern {
	gp := &GroupPattern{}
	p.newBGP()
	for {
		t := p.peek()
		if t.kind == tPunct && t.val == "}" || t.kind == tEOF {
			return gp
		}
		if p.isTriplesStart() {
			var bgp *BGP
			if n := len(gp.Elements); n > 0 {
				bgp, _ = gp.Elements[n-1].(*BGP)
			}
			if bgp == nil {
				bgp = &BGP{}
				gp.Elements = append(gp.Elements, bgp)
			}
			for {
				p.triplesSameSubject(&bgp.Triples, true)
				if !p.acceptPunct(".") {
					if p.isTriplesStart() {
						p.fail("'.' between triple patterns")
					}
					break
				}
				if !p.isTriplesStart() {
					break
				}
			}
			continue
		}
		el := p.graphPatternNotTriples(gp)
		if el == nil {
			p.fail("a triple pattern, '{', OPTIONAL, MINUS, GRAPH, SERVICE, FILTER, BIND, VALUES or '}'")
		}
		gp.Elements = append(gp.Elements, el)
		if _, isFilter := el.(*Filter); !isFilter {
			p.newBGP()
		}
		p.acceptPunct(".")
	}
}

// graphPatternNotTriples parses one GraphPatternNotTriples, or returns nil
// if none starts here. gp is the group so far (for BIND's scope rule).
func (p *parser) graphPatternNotTriples(gp *GroupPattern) Element {
	t := p.peek()
	if t.kind == tPunct && t.val == "{" {
		first := p.groupGraphPattern()
		if !p.isWord("UNION") {
			return first
		}
		u := &Union{Patterns: []*GroupPattern{first}}
		for p.acceptWord("UNION") {
			u.Patterns = append(u.Patterns, p.groupGraphPattern())
		}
		return u
	}
	if t.kind != tWord {
		return nil
	}
	switch {
	case eqFold(t.val, "OPTIONAL"):
		p.i++
		return &Optional{Pattern: p.groupGraphPattern()}
	case eqFold(t.val, "MINUS"):
		p.i++
		return &Minus{Pattern: p.groupGraphPattern()}
	case eqFold(t.val, "GRAPH"):
		p.i++
		name := p.varOrIRI()
		return &Graph{Name: name, Pattern: p.groupGraphPattern()}
	case eqFold(t.val, "SERVICE"):
		p.i++
		s := &Service{Silent: p.acceptWord("SILENT")}
		s.Endpoint = p.varOrIRI()
		s.Pattern = p.groupGraphPattern()
		return s
	case eqFold(t.val, "FILTER"):
		p.i++
		saved := p.bgpID
		e := p.constraint()
		p.bgpID = saved
		return &Filter{Expr: e}
	case eqFold(t.val, "BIND"):
		p.i++
		p.expectPunct("(")
		e := p.expression()
		p.expectWord("AS")
		vt := p.peek()
		v := p.variable()
		p.expectPunct(")")
		if varInScope(gp.Elements, v) {
			p.errorAt(vt.pos, "BIND variable ?"+string(v)+" is already in scope in this group")
		}
		return &Bind{Expr: e, Var: v}
	case eqFold(t.val, "VALUES"):
		p.i++
		return p.dataBlock()
	}
	return nil
}

// dataBlock parses the DataBlock after VALUES.
func (p *parser) dataBlock() *InlineData {
	d := &InlineData{}
	if p.peek().kind == tVar {
		d.Vars = []Var{p.variable()}
		p.expectPunct("{")
		for !p.acceptPunct("}") {
			d.Rows = append(d.Rows, []rdf.Term{p.dataBlockValue()})
		}
		return d
	}
	if !p.acceptPunct("(") {
		p.fail("a variable or '(' after VALUES")
	}
	for !p.acceptPunct(")") {
		vt := p.peek()
		v := p.variable()
		for _, w := range d.Vars {
			if w == v {
				p.errorAt(vt.pos, "variable ?"+string(v)+" listed twice in VALUES")
			}
		}
		d.Vars = append(d.Vars, v)
	}
	p.expectPunct("{")
	for !p.acceptPunct("}") {
		rt := p.peek()
		if !p.acceptPunct("(") {
			p.fail("'(' to start a row of VALUES or '}'")
		}
		row := make([]rdf.Term, 0, len(d.Vars))
		for !p.acceptPunct(")") {
			row = append(row, p.dataBlockValue())
		}
		if len(row) != len(d.Vars) {
			p.errorAt(rt.pos, "VALUES row has "+itoa(len(row))+" values for "+itoa(len(d.Vars))+" variables")
		}
		d.Rows = append(d.Rows, row)
	}
	return d
}

// dataBlockValue parses iri | RDFLiteral | NumericLiteral | BooleanLiteral
// | UNDEF; UNDEF is the zero term.
func (p *parser) dataBlockValue() rdf.Term {
	if p.acceptWord("UNDEF") {
		return rdf.Term{}
	}
	if p.isIRIStart() {
		return rdf.IRI(p.iri())
	}
	if lit, ok := p.literal(); ok {
		return lit
	}
	p.fail("an IRI, a literal or UNDEF")
	return rdf.Term{}
}
