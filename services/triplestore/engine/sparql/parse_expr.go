package sparql

import (
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// This file parses expressions (grammar rules [69]-[129]): operators,
// built-in calls, aggregates, function calls and constants.

// arity gives the argument counts of a built-in function; max < 0 means
// any number (an ExpressionList).
type arity struct{ min, max int }

var builtins = map[string]arity{
	"STR": {1, 1}, "LANG": {1, 1}, "LANGMATCHES": {2, 2}, "DATATYPE": {1, 1},
	"BOUND": {1, 1}, "IRI": {1, 1}, "URI": {1, 1}, "BNODE": {0, 1}, "RAND": {0, 0},
	"ABS": {1, 1}, "CEIL": {1, 1}, "FLOOR": {1, 1}, "ROUND": {1, 1},
	"CONCAT": {0, -1}, "SUBSTR": {2, 3}, "STRLEN": {1, 1}, "REPLACE": {3, 4},
	"UCASE": {1, 1}, "LCASE": {1, 1}, "ENCODE_FOR_URI": {1, 1},
	"CONTAINS": {2, 2}, "STRSTARTS": {2, 2}, "STRENDS": {2, 2},
	"STRBEFORE": {2, 2}, "STRAFTER": {2, 2},
	"YEAR": {1, 1}, "MONTH": {1, 1}, "DAY": {1, 1}, "HOURS": {1, 1},
	"MINUTES": {1, 1}, "SECONDS": {1, 1}, "TIMEZONE": {1, 1}, "TZ": {1, 1},
	"NOW": {0, 0}, "UUID": {0, 0}, "STRUUID": {0, 0},
	"MD5": {1, 1}, "SHA1": {1, 1}, "SHA256": {1, 1}, "SHA384": {1, 1}, "SHA512": {1, 1},
	"COALESCE": {0, -1}, "IF": {3, 3}, "STRLANG": {2, 2}, "STRDT": {2, 2},
	"SAMETERM": {2, 2}, "ISIRI": {1, 1}, "ISURI": {1, 1}, "ISBLANK": {1, 1},
	"ISLITERAL": {1, 1}, "ISNUMERIC": {1, 1}, "REGEX": {2, 3},
}

var aggregates = map[string]bool{
	"COUNT": true, "SUM": true, "MIN": true, "MAX": true, "AVG": true, "SAMPLE": true, "GROUP_CONCAT": true,
}

// knownWords maps upper-case keywords to themselves, so that upperWord
// can return a canonical string without allocating.
var knownWords = func() map[string]string {
	m := map[string]string{}
	for k := range builtins {
		m[k] = k
	}
	for k := range aggregates {
		m[k] = k
	}
	for _, k := range []string{"EXISTS", "NOT", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
		"INSERT", "DELETE", "WITH", "DATA", "WHERE"} {
		m[k] = k
	}
	return m
}()

// upperWord returns the upper-case form of an ASCII keyword.
func upperWord(s string) string {
	if len(s) <= 16 {
		var buf [16]byte
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			buf[i] = c
		}
		if k, ok := knownWords[string(buf[:len(s)])]; ok {
			return k
		}
	}
	return strings.ToUpper(s)
}

// isBuiltinCallStart reports whether the current token starts a
// BuiltInCall (including aggregates, EXISTS and NOT EXISTS).
func (p *parser) isBuiltinCallStart() bool {
	t := p.peek()
	if t.kind != tWord {
		return false
	}
	u := upperWord(t.val)
	if _, ok := builtins[u]; ok {
		return true
	}
	if aggregates[u] || u == "EXISTS" {
		return true
	}
	return u == "NOT" && p.isWordAt(1, "EXISTS")
}

// constraint parses a Constraint: BrackettedExpression | BuiltInCall |
// FunctionCall.
func (p *parser) constraint() Expr {
	t := p.peek()
	switch {
	case t.kind == tPunct && t.val == "(":
		p.i++
		e := p.expression()
		p.expectPunct(")")
		return e
	case p.isBuiltinCallStart():
		return p.builtinCall()
	case p.isIRIStart():
		return p.functionCall()
	}
	p.fail("'(', a built-in call or a function call")
	return nil
}

// functionCall parses iri ArgList (the argument list is required).
func (p *parser) functionCall() Expr {
	name := p.iri()
	if !p.isPunct("(") {
		p.fail("'(' to start the argument list of <" + name + ">")
	}
	return p.argList(name)
}

func (p *parser) argList(name string) *FuncCall {
	f := &FuncCall{Name: name, IsIRI: true}
	p.expectPunct("(")
	if p.acceptPunct(")") {
		return f
	}
	f.Distinct = p.acceptWord("DISTINCT")
	f.Args = append(f.Args, p.expression())
	for p.acceptPunct(",") {
		f.Args = append(f.Args, p.expression())
	}
	p.expectPunct(")")
	return f
}

// expression parses an Expression (ConditionalOrExpression).
func (p *parser) expression() Expr {
	p.enter()
	defer p.leave()
	l := p.andExpression()
	for p.acceptPunct("||") {
		l = &Binary{Op: "||", L: l, R: p.andExpression()}
	}
	return l
}

func (p *parser) andExpression() Expr {
	l := p.relationalExpression()
	for p.acceptPunct("&&") {
		l = &Binary{Op: "&&", L: l, R: p.relationalExpression()}
	}
	return l
}

func (p *parser) relationalExpression() Expr {
	l := p.additiveExpression()
	t := p.peek()
	switch t.kind {
	case tPunct:
		switch t.val {
		case "=", "!=", "<", ">", "<=", ">=":
			p.i++
			return &Binary{Op: t.val, L: l, R: p.additiveExpression()}
		}
	case tWord:
		if eqFold(t.val, "IN") {
			p.i++
			return &In{Expr: l, List: p.expressionList()}
		}
		if eqFold(t.val, "NOT") && p.isWordAt(1, "IN") {
			p.i += 2
			return &In{Expr: l, List: p.expressionList(), Not: true}
		}
	}
	return l
}

// expressionList parses NIL | '(' Expression ( ',' Expression )* ')'.
func (p *parser) expressionList() []Expr {
	p.expectPunct("(")
	if p.acceptPunct(")") {
		return nil
	}
	list := []Expr{p.expression()}
	for p.acceptPunct(",") {
		list = append(list, p.expression())
	}
	p.expectPunct(")")
	return list
}

func (p *parser) additiveExpression() Expr {
	l := p.multiplicativeExpression()
	for {
		t := p.peek()
		switch {
		case t.kind == tPunct && (t.val == "+" || t.val == "-"):
			p.i++
			l = &Binary{Op: t.val, L: l, R: p.multiplicativeExpression()}
		case t.signed && (t.kind == tInteger || t.kind == tDecimal || t.kind == tDouble):
			// "?x -1" is ?x - 1: the sign of the literal is the operator.
			p.i++
			var r Expr = &Const{Term: numericTerm(t.kind, t.val[1:])}
			for {
				o := p.peek()
				if o.kind != tPunct || (o.val != "*" && o.val != "/") {
					break
				}
				p.i++
				r = &Binary{Op: o.val, L: r, R: p.unaryExpression()}
			}
			l = &Binary{Op: t.val[:1], L: l, R: r}
		default:
			return l
		}
	}
}

func numericTerm(k tokKind, lex string) rdf.Term {
	switch k {
	case tDecimal:
		return rdf.Literal(lex, rdf.XSDDecimal)
	case tDouble:
		return rdf.Literal(lex, rdf.XSDDouble)
	}
	return rdf.Literal(lex, rdf.XSDInteger)
}

func (p *parser) multiplicativeExpression() Expr {
	l := p.unaryExpression()
	for {
		t := p.peek()
		if t.kind != tPunct || (t.val != "*" && t.val != "/") {
			return l
		}
		p.i++
		l = &Binary{Op: t.val, L: l, R: p.unaryExpression()}
	}
}

func (p *parser) unaryExpression() Expr {
	t := p.peek()
	if t.kind == tPunct && (t.val == "!" || t.val == "+" || t.val == "-") {
		p.i++
		return &Unary{Op: t.val, X: p.primaryExpression()}
	}
	return p.primaryExpression()
}

func (p *parser) primaryExpression() Expr {
	t := p.peek()
	switch t.kind {
	case tPunct:
		if t.val == "(" {
			p.i++
			e := p.expression()
			p.expectPunct(")")
			return e
		}
	case tVar:
		return p.variable()
	case tIRI, tPNameLN, tPNameNS:
		name := p.iri()
		if p.isPunct("(") {
			return p.argList(name)
		}
		return &Const{Term: rdf.IRI(name)}
	case tWord:
		if p.isBuiltinCallStart() {
			return p.builtinCall()
		}
	}
	if lit, ok := p.literal(); ok {
		return &Const{Term: lit}
	}
	p.fail("an expression")
	return nil
}

// builtinCall parses a BuiltInCall, an Aggregate, EXISTS or NOT EXISTS.
func (p *parser) builtinCall() Expr {
	t := p.advance()
	name := upperWord(t.val)
	switch {
	case name == "EXISTS":
		return &Exists{Pattern: p.existsPattern()}
	case name == "NOT":
		p.expectWord("EXISTS")
		return &Exists{Pattern: p.existsPattern(), Not: true}
	case aggregates[name]:
		return p.aggregate(t, name)
	}
	ar := builtins[name]
	switch name {
	case "URI":
		name = "IRI"
	case "ISURI":
		name = "ISIRI"
	}
	f := &FuncCall{Name: name}
	if name == "BOUND" {
		p.expectPunct("(")
		f.Args = []Expr{p.variable()}
		p.expectPunct(")")
		return f
	}
	open := p.peek()
	p.expectPunct("(")
	if !p.acceptPunct(")") {
		f.Args = append(f.Args, p.expression())
		for p.acceptPunct(",") {
			f.Args = append(f.Args, p.expression())
		}
		p.expectPunct(")")
	}
	if n := len(f.Args); n < ar.min || (ar.max >= 0 && n > ar.max) {
		want := itoa(ar.min)
		if ar.max < 0 {
			want = "at least " + want
		} else if ar.max != ar.min {
			want += " to " + itoa(ar.max)
		}
		p.errorAt(open.pos, t.val+" takes "+want+" argument(s), found "+itoa(n))
	}
	return f
}

func (p *parser) existsPattern() *GroupPattern {
	saved := p.mode
	p.mode = blankAsVar
	gp := p.groupGraphPattern()
	p.mode = saved
	return gp
}

func (p *parser) aggregate(t *token, name string) Expr {
	if !p.aggAllowed {
		p.errorAt(t.pos, "aggregate "+name+" is not allowed here (only in SELECT, HAVING and ORDER BY)")
	}
	if p.inAgg {
		p.errorAt(t.pos, "aggregate "+name+" may not be nested in another aggregate")
	}
	p.sawAgg = true
	p.inAgg = true
	defer func() { p.inAgg = false }()
	a := &Aggregate{Name: name}
	p.expectPunct("(")
	a.Distinct = p.acceptWord("DISTINCT")
	if name == "COUNT" && p.acceptPunct("*") {
		a.Star = true
	} else {
		a.Arg = p.expression()
	}
	if name == "GROUP_CONCAT" && p.acceptPunct(";") {
		p.expectWord("SEPARATOR")
		p.expectPunct("=")
		s := p.peek()
		if s.kind != tString {
			p.fail("a string after SEPARATOR =")
		}
		p.i++
		sep := s.val
		a.Separator = &sep
	}
	p.expectPunct(")")
	return a
}
