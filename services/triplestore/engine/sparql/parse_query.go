package sparql

import (
	"strconv"

	"github.com/intermw/intermw/services/triplestore"
)

// This file parses the query forms (grammar rules [1]-[31]): the four
// query forms, dataset clauses, solution modifiers and sub-selects.

// projPos records where a SELECT item's variable was written, for errors.
type projPos struct{ pos int }

func (p *parser) queryUnit() *Query {
	p.prologue()
	q := &Query{Limit: -1, Offset: -1}
	var pos []projPos
	switch {
	case p.acceptWord("SELECT"):
		q.Form = triplestore.FormSelect
		pos = p.selectClause(q)
		p.datasetClauses(q)
		p.whereClause(q)
		p.solutionModifier(q)
	case p.acceptWord("CONSTRUCT"):
		q.Form = triplestore.FormConstruct
		p.constructQuery(q)
	case p.acceptWord("DESCRIBE"):
		q.Form = triplestore.FormDescribe
		p.describeQuery(q)
	case p.acceptWord("ASK"):
		q.Form = triplestore.FormAsk
		p.datasetClauses(q)
		p.whereClause(q)
		p.solutionModifier(q)
	default:
		p.fail("SELECT, CONSTRUCT, DESCRIBE or ASK")
	}
	if p.acceptWord("VALUES") {
		q.Values = p.dataBlock()
	}
	if p.peek().kind != tEOF {
		p.fail("end of query")
	}
	q.Base = p.base
	q.Prefixes = p.prefixes
	if q.Form == triplestore.FormSelect {
		p.checkSelect(q, pos)
	}
	return q
}

// subSelect parses a SubSelect: SelectClause WhereClause SolutionModifier
// ValuesClause.
func (p *parser) subSelect() *Query {
	p.expectWord("SELECT")
	q := &Query{Form: triplestore.FormSelect, Limit: -1, Offset: -1}
	pos := p.selectClause(q)
	p.whereClause(q)
	p.solutionModifier(q)
	if p.acceptWord("VALUES") {
		q.Values = p.dataBlock()
	}
	p.checkSelect(q, pos)
	return q
}

// selectClause parses the rest of a SelectClause after SELECT.
func (p *parser) selectClause(q *Query) []projPos {
	if p.acceptWord("DISTINCT") {
		q.Distinct = true
	} else if p.acceptWord("REDUCED") {
		q.Reduced = true
	}
	if t := p.peek(); p.acceptPunct("*") {
		q.Star = true
		return []projPos{{t.pos}}
	}
	var pos []projPos
	p.aggAllowed, p.sawAgg = true, false
	for {
		t := p.peek()
		if t.kind == tVar {
			p.i++
			q.Projection = append(q.Projection, Projection{Var: Var(t.val)})
			pos = append(pos, projPos{t.pos})
			continue
		}
		if t.kind == tPunct && t.val == "(" {
			p.i++
			e := p.expression()
			p.expectWord("AS")
			vt := p.peek()
			v := p.variable()
			p.expectPunct(")")
			q.Projection = append(q.Projection, Projection{Var: v, Expr: e})
			pos = append(pos, projPos{vt.pos})
			continue
		}
		break
	}
	p.aggAllowed = false
	if len(q.Projection) == 0 {
		p.fail("'*', a variable or '(' expression AS variable ')' in SELECT")
	}
	if p.sawAgg {
		q.Aggregated = true
	}
	return pos
}

func (p *parser) datasetClauses(q *Query) {
	for p.acceptWord("FROM") {
		if p.acceptWord("NAMED") {
			q.FromNamed = append(q.FromNamed, p.iri())
		} else {
			q.From = append(q.From, p.iri())
		}
	}
}

// whereClause parses 'WHERE'? GroupGraphPattern.
func (p *parser) whereClause(q *Query) {
	if !p.acceptWord("WHERE") && !p.isPunct("{") {
		p.fail("WHERE or '{'")
	}
	saved := p.mode
	p.mode = blankAsVar
	q.Where = p.groupGraphPattern()
	p.mode = saved
}

func (p *parser) constructQuery(q *Query) {
	if p.isPunct("{") {
		open := p.advance()
		p.mode = blankAsTerm
		p.tmplLabels = nil
		p.triplesTemplate(&q.Template)
		p.mode = blankAsVar
		p.expectClose(open)
		p.datasetClauses(q)
		p.whereClause(q)
		p.solutionModifier(q)
		return
	}
	// CONSTRUCT WHERE { TriplesTemplate }: the template is also the pattern.
	p.datasetClauses(q)
	p.expectWord("WHERE")
	open := p.peek()
	p.expectPunct("{")
	start := p.i
	p.mode = blankAsTerm
	p.tmplLabels = nil
	p.triplesTemplate(&q.Template)
	p.i = start
	p.mode = blankAsVar
	p.newBGP()
	bgp := &BGP{}
	p.triplesTemplate(&bgp.Triples)
	p.expectClose(open)
	q.Where = &GroupPattern{}
	if len(bgp.Triples) > 0 {
		q.Where.Elements = []Element{bgp}
	}
	p.solutionModifier(q)
}

func (p *parser) describeQuery(q *Query) {
	if p.acceptPunct("*") {
		q.Star = true
	} else {
		for p.peek().kind == tVar || p.isIRIStart() {
			q.Describe = append(q.Describe, p.varOrIRI())
		}
		if len(q.Describe) == 0 {
			p.fail("'*', a variable or an IRI after DESCRIBE")
		}
	}
	p.datasetClauses(q)
	if p.isWord("WHERE") || p.isPunct("{") {
		p.whereClause(q)
	}
	p.solutionModifier(q)
}

// solutionModifier parses GroupClause? HavingClause? OrderClause?
// LimitOffsetClauses?.
func (p *parser) solutionModifier(q *Query) {
	if p.isWord("GROUP") {
		p.i++
		p.expectWord("BY")
		q.Aggregated = true
		for {
			c, ok := p.groupCondition()
			if !ok {
				break
			}
			q.GroupBy = append(q.GroupBy, c)
		}
		if len(q.GroupBy) == 0 {
			p.fail("a GROUP BY condition")
		}
	}
	if p.acceptWord("HAVING") {
		p.aggAllowed, p.sawAgg = true, false
		for p.isPunct("(") || p.isBuiltinCallStart() || p.isIRIStart() {
			q.Having = append(q.Having, p.constraint())
		}
		p.aggAllowed = false
		if len(q.Having) == 0 {
			p.fail("a HAVING condition")
		}
		q.Aggregated = true // HAVING groups even without GROUP BY
	}
	if p.isWord("ORDER") {
		p.i++
		p.expectWord("BY")
		p.aggAllowed, p.sawAgg = true, false
		for {
			c, ok := p.orderCondition()
			if !ok {
				break
			}
			q.OrderBy = append(q.OrderBy, c)
		}
		p.aggAllowed = false
		if len(q.OrderBy) == 0 {
			p.fail("an ORDER BY condition")
		}
		if p.sawAgg {
			q.Aggregated = true
		}
	}
	for i := 0; i < 2; i++ {
		if q.Limit < 0 && p.acceptWord("LIMIT") {
			q.Limit = p.unsignedInteger("LIMIT")
		} else if q.Offset < 0 && p.acceptWord("OFFSET") {
			q.Offset = p.unsignedInteger("OFFSET")
		}
	}
}

func (p *parser) unsignedInteger(what string) int64 {
	t := p.peek()
	if t.kind != tInteger || t.signed {
		p.fail("a non-negative integer after " + what)
	}
	p.i++
	n, err := strconv.ParseInt(t.val, 10, 64)
	if err != nil {
		p.errorAt(t.pos, what+" value is too large")
	}
	return n
}

// groupCondition parses one GroupCondition if one starts here.
func (p *parser) groupCondition() (GroupCondition, bool) {
	t := p.peek()
	switch {
	case t.kind == tVar:
		return GroupCondition{Expr: p.variable()}, true
	case t.kind == tPunct && t.val == "(":
		p.i++
		c := GroupCondition{Expr: p.expression()}
		if p.acceptWord("AS") {
			c.As = p.variable()
		}
		p.expectPunct(")")
		return c, true
	case p.isBuiltinCallStart():
		return GroupCondition{Expr: p.builtinCall()}, true
	case p.isIRIStart():
		return GroupCondition{Expr: p.functionCall()}, true
	}
	return GroupCondition{}, false
}

// orderCondition parses one OrderCondition if one starts here.
func (p *parser) orderCondition() (OrderCondition, bool) {
	t := p.peek()
	switch {
	case p.isWord("ASC") || p.isWord("DESC"):
		p.i++
		p.expectPunct("(")
		e := p.expression()
		p.expectPunct(")")
		return OrderCondition{Expr: e, Desc: eqFold(t.val, "DESC")}, true
	case t.kind == tVar:
		return OrderCondition{Expr: p.variable()}, true
	case t.kind == tPunct && t.val == "(" || p.isBuiltinCallStart() || p.isIRIStart():
		return OrderCondition{Expr: p.constraint()}, true
	}
	return OrderCondition{}, false
}
