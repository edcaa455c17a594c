package sparql

import "github.com/intermw/intermw/ontology/rdf"

// This file parses update requests (grammar rules [3], [29]-[52]).

func (p *parser) updateUnit() *Update {
	u := &Update{}
	p.labelOp = map[string]int{}
	for {
		p.prologue()
		if p.peek().kind == tEOF {
			break
		}
		p.opN++
		p.labelBGP = nil // pattern blank nodes are scoped per operation
		u.Operations = append(u.Operations, p.update1())
		if p.peek().kind == tEOF {
			break
		}
		if !p.acceptPunct(";") {
			p.fail("';' between update operations or end of request")
		}
	}
	u.Base = p.base
	u.Prefixes = p.prefixes
	return u
}

func (p *parser) update1() Operation {
	t := p.peek()
	if t.kind != tWord {
		p.fail("an update operation (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY or WITH)")
	}
	switch upperWord(t.val) {
	case "LOAD":
		p.i++
		l := &Load{Silent: p.acceptWord("SILENT")}
		l.Source = p.iri()
		if p.acceptWord("INTO") {
			p.expectWord("GRAPH")
			l.Into = p.iri()
		}
		return l
	case "CLEAR":
		p.i++
		c := &Clear{Silent: p.acceptWord("SILENT")}
		c.Target = p.graphRefAll()
		return c
	case "DROP":
		p.i++
		d := &Drop{Silent: p.acceptWord("SILENT")}
		d.Target = p.graphRefAll()
		return d
	case "CREATE":
		p.i++
		c := &Create{Silent: p.acceptWord("SILENT")}
		p.expectWord("GRAPH")
		c.Graph = p.iri()
		return c
	case "ADD", "MOVE", "COPY":
		p.i++
		silent := p.acceptWord("SILENT")
		from := p.graphOrDefault()
		p.expectWord("TO")
		to := p.graphOrDefault()
		switch upperWord(t.val) {
		case "ADD":
			return &Add{Silent: silent, From: from, To: to}
		case "MOVE":
			return &Move{Silent: silent, From: from, To: to}
		}
		return &Copy{Silent: silent, From: from, To: to}
	case "INSERT":
		if p.isWordAt(1, "DATA") {
			p.i += 2
			return &InsertData{Quads: p.quadData("INSERT DATA", blankAsTerm)}
		}
		return p.modify()
	case "DELETE":
		if p.isWordAt(1, "DATA") {
			p.i += 2
			return &DeleteData{Quads: p.quadData("DELETE DATA", blankIllegal)}
		}
		if p.isWordAt(1, "WHERE") {
			p.i += 2
			p.mode, p.noVarsWhat = blankIllegal, "DELETE WHERE"
			quads := p.quads()
			p.mode, p.noVarsWhat = blankAsVar, ""
			return &DeleteWhere{Quads: quads}
		}
		return p.modify()
	case "WITH":
		return p.modify()
	}
	p.fail("an update operation (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY or WITH)")
	return nil
}

// graphRefAll parses GraphRefAll: GRAPH iri | DEFAULT | NAMED | ALL.
func (p *parser) graphRefAll() GraphTarget {
	switch {
	case p.acceptWord("GRAPH"):
		return GraphTarget{Kind: TargetGraph, IRI: p.iri()}
	case p.acceptWord("DEFAULT"):
		return GraphTarget{Kind: TargetDefault}
	case p.acceptWord("NAMED"):
		return GraphTarget{Kind: TargetNamed}
	case p.acceptWord("ALL"):
		return GraphTarget{Kind: TargetAll}
	}
	p.fail("GRAPH, DEFAULT, NAMED or ALL")
	return GraphTarget{}
}

// graphOrDefault parses GraphOrDefault: DEFAULT | GRAPH? iri.
func (p *parser) graphOrDefault() GraphRef {
	if p.acceptWord("DEFAULT") {
		return GraphRef{Default: true}
	}
	p.acceptWord("GRAPH")
	return GraphRef{IRI: p.iri()}
}

// quadData parses QuadData ('{' Quads '}') whose quads must be ground.
func (p *parser) quadData(what string, mode blankMode) []rdf.Quad {
	p.mode, p.noVars, p.noVarsWhat = mode, true, what
	p.tmplLabels = nil
	qp := p.quads()
	p.mode, p.noVars, p.noVarsWhat = blankAsVar, false, ""
	out := make([]rdf.Quad, len(qp))
	for i, q := range qp {
		out[i] = rdf.Quad{S: q.S.Term, P: q.P.Term, O: q.O.Term, G: q.G.Term}
	}
	return out
}

// quads parses '{' Quads '}': TriplesTemplate? ( QuadsNotTriples '.'?
// TriplesTemplate? )*.
func (p *parser) quads() []QuadPattern {
	open := p.peek()
	p.expectPunct("{")
	var out []QuadPattern
	var buf []TriplePattern
	add := func(g Node) {
		for _, t := range buf {
			out = append(out, QuadPattern{S: t.S, P: t.P, O: t.O, G: g})
		}
		buf = buf[:0]
	}
	for {
		p.triplesTemplate(&buf)
		add(Node{})
		if !p.isWord("GRAPH") {
			break
		}
		p.i++
		g := p.varOrIRI()
		gopen := p.peek()
		p.expectPunct("{")
		p.triplesTemplate(&buf)
		p.expectClose(gopen)
		add(g)
		p.acceptPunct(".")
	}
	p.expectClose(open)
	return out
}

// modify parses [WITH iri] DeleteClause? InsertClause? UsingClause* WHERE
// GroupGraphPattern.
func (p *parser) modify() *Modify {
	m := &Modify{}
	if p.acceptWord("WITH") {
		m.With = p.iri()
	}
	if p.acceptWord("DELETE") {
		m.HasDelete = true
		p.mode, p.noVarsWhat = blankIllegal, "DELETE templates"
		m.Delete = p.quads()
		p.mode, p.noVarsWhat = blankAsVar, ""
	}
	if p.acceptWord("INSERT") {
		m.HasInsert = true
		p.mode = blankAsTerm
		p.tmplLabels = nil
		m.Insert = p.quads()
		p.mode = blankAsVar
	}
	if !m.HasDelete && !m.HasInsert {
		p.fail("DELETE or INSERT")
	}
	for p.acceptWord("USING") {
		if p.acceptWord("NAMED") {
			m.UsingNamed = append(m.UsingNamed, p.iri())
		} else {
			m.Using = append(m.Using, p.iri())
		}
	}
	p.expectWord("WHERE")
	p.mode = blankAsVar
	m.Where = p.groupGraphPattern()
	return m
}
