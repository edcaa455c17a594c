package sparql

import (
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// ParseOptions configures a parse.
type ParseOptions struct {
	// BaseIRI is the base IRI relative IRIs resolve against until a BASE
	// declaration replaces it. Empty means none: relative IRIs then stay
	// as written.
	BaseIRI string
	// Prefixes are prefix declarations in effect before the request's own
	// (prefix without ':' -> namespace IRI). PREFIX declarations in the
	// text override them.
	Prefixes map[string]string
}

// ParseQuery parses a SPARQL 1.1 query. Errors are *triplestore.SyntaxError
// or *UnknownPrefixError.
func ParseQuery(text string, opts ParseOptions) (q *Query, err error) {
	p, err := newParser(text, opts)
	if err != nil {
		return nil, err
	}
	defer p.recover(&err)
	q = p.queryUnit()
	return q, nil
}

// ParseUpdate parses a SPARQL 1.1 update request. Errors are
// *triplestore.SyntaxError or *UnknownPrefixError.
func ParseUpdate(text string, opts ParseOptions) (u *Update, err error) {
	p, err := newParser(text, opts)
	if err != nil {
		return nil, err
	}
	defer p.recover(&err)
	u = p.updateUnit()
	return u, nil
}

const rdfFirst, rdfRest, rdfNil = rdf.RDFNS + "first", rdf.RDFNS + "rest", rdf.RDFNS + "nil"

// blankMode says what blank nodes become where they are being parsed.
type blankMode uint8

const (
	blankAsVar   blankMode = iota // query patterns: variables
	blankAsTerm                   // templates and INSERT DATA: renumbered blank terms
	blankIllegal                  // DELETE DATA, DELETE WHERE, DELETE templates
)

// parser is a recursive descent parser over the token slice. Errors are
// raised with panic(parseError) and recovered in ParseQuery/ParseUpdate.
type parser struct {
	src      string // the text after \u escape processing
	orig     string // the text as written
	edits    []escapeEdit
	toks     []token
	i        int
	base     string
	prefixes map[string]string
	ownPfx   bool // prefixes is a private copy

	// Blank nodes.
	mode       blankMode
	anonN      int            // counter for anonymous pattern blank nodes
	bgpID      int            // identifier of the BGP being parsed
	bgpN       int            // BGP counter
	labelBGP   map[string]int // pattern blank label -> BGP it belongs to
	tmplLabels map[string]string
	tmplN      int
	opN        int            // update operation number
	labelOp    map[string]int // update request: label -> operation using it
	noVars     bool           // INSERT/DELETE DATA: variables are errors
	noVarsWhat string

	// depth counts nested groups, expressions, paths and triples nodes;
	// it is capped at maxDepth so hostile input cannot exhaust the stack.
	depth int

	// Expressions.
	aggAllowed bool // an aggregate may appear here
	inAgg      bool // inside an aggregate's argument
	sawAgg     bool // an aggregate was parsed (reset by the caller)
}

func newParser(text string, opts ParseOptions) (*parser, error) {
	src, edits, bad, msg := unescapeCodepoints(text)
	if bad >= 0 {
		return nil, syntaxErrorAt(text, bad, msg)
	}
	p := &parser{src: src, orig: text, edits: edits, base: opts.BaseIRI, prefixes: opts.Prefixes}
	toks, lerr := tokenize(src)
	if lerr != nil {
		return nil, p.syntaxError(lerr.pos, lerr.msg)
	}
	p.toks = toks
	if p.prefixes == nil {
		p.prefixes = map[string]string{}
		p.ownPfx = true
	}
	return p, nil
}

func (p *parser) recover(err *error) {
	if r := recover(); r != nil {
		pe, ok := r.(parseError)
		if !ok {
			panic(r)
		}
		*err = pe.err
	}
}

// ---------------------------------------------------------------------------
// Token helpers

func (p *parser) peek() *token { return &p.toks[p.i] }

func (p *parser) peekAt(n int) *token {
	if p.i+n < len(p.toks) {
		return &p.toks[p.i+n]
	}
	return &p.toks[len(p.toks)-1]
}

func (p *parser) advance() *token {
	t := &p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isWord(kw string) bool {
	t := &p.toks[p.i]
	return t.kind == tWord && len(t.val) == len(kw) && strings.EqualFold(t.val, kw)
}

func (p *parser) isWordAt(n int, kw string) bool {
	t := p.peekAt(n)
	return t.kind == tWord && strings.EqualFold(t.val, kw)
}

func (p *parser) isPunct(s string) bool {
	t := &p.toks[p.i]
	return t.kind == tPunct && t.val == s
}

func (p *parser) acceptWord(kw string) bool {
	if p.isWord(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) acceptPunct(s string) bool {
	if p.isPunct(s) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectWord(kw string) {
	if !p.acceptWord(kw) {
		p.fail("'" + kw + "'")
	}
}

func (p *parser) expectPunct(s string) {
	if !p.acceptPunct(s) {
		p.fail("'" + s + "'")
	}
}

// fail reports that what was expected is not at the current token.
func (p *parser) fail(expected string) {
	t := p.peek()
	p.errorAt(t.pos, "expected "+expected+", found "+t.describe(p.src))
}

// maxDepth caps syntactic nesting.
const maxDepth = 256

// enter records one level of nesting; callers defer p.leave().
func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.errorAt(p.peek().pos, "nesting deeper than "+itoa(maxDepth)+" levels")
	}
}

func (p *parser) leave() { p.depth-- }

// position returns the line and column, in the text as written, of byte
// offset pos of p.src.
func (p *parser) position(pos int) (line, col int) {
	return position(p.orig, originalOffset(p.edits, pos))
}

func (p *parser) syntaxError(pos int, msg string) *triplestore.SyntaxError {
	line, col := p.position(pos)
	return &triplestore.SyntaxError{Line: line, Column: col, Msg: msg}
}

func (p *parser) errorAt(pos int, msg string) {
	panic(parseError{p.syntaxError(pos, msg)})
}

// ---------------------------------------------------------------------------
// Prologue, IRIs and terms

// prologue parses BASE and PREFIX declarations.
func (p *parser) prologue() {
	for {
		switch {
		case p.isWord("BASE"):
			p.i++
			t := p.peek()
			if t.kind != tIRI {
				p.fail("an IRI after BASE")
			}
			p.i++
			p.base = rdf.ResolveIRI(p.base, t.val)
		case p.isWord("PREFIX"):
			p.i++
			t := p.peek()
			if t.kind != tPNameNS {
				p.fail("a prefix name ending in ':' after PREFIX")
			}
			p.i++
			it := p.peek()
			if it.kind != tIRI {
				p.fail("an IRI after PREFIX " + t.val + ":")
			}
			p.i++
			if !p.ownPfx {
				m := make(map[string]string, len(p.prefixes)+4)
				for k, v := range p.prefixes {
					m[k] = v
				}
				p.prefixes, p.ownPfx = m, true
			}
			p.prefixes[t.val] = rdf.ResolveIRI(p.base, it.val)
		default:
			return
		}
	}
}

func (p *parser) isIRIStart() bool {
	k := p.peek().kind
	return k == tIRI || k == tPNameLN || k == tPNameNS
}

// iri parses an iri (IRIREF or prefixed name) and returns it absolute.
func (p *parser) iri() string {
	t := p.peek()
	switch t.kind {
	case tIRI:
		p.i++
		return rdf.ResolveIRI(p.base, t.val)
	case tPNameLN, tPNameNS:
		p.i++
		ns, ok := p.prefixes[t.val]
		if !ok {
			line, col := p.position(t.pos)
			panic(parseError{&UnknownPrefixError{Prefix: t.val, Line: line, Column: col}})
		}
		return ns + t.local
	}
	p.fail("an IRI")
	return ""
}

// literal parses an RDFLiteral, NumericLiteral or BooleanLiteral if one is
// next.
func (p *parser) literal() (rdf.Term, bool) {
	t := p.peek()
	switch t.kind {
	case tString:
		p.i++
		n := p.peek()
		if n.kind == tLangTag {
			p.i++
			return rdf.LangLiteral(t.val, n.val), true
		}
		if n.kind == tPunct && n.val == "^^" {
			p.i++
			return rdf.Literal(t.val, p.iri()), true
		}
		return rdf.String(t.val), true
	case tInteger:
		p.i++
		return rdf.Literal(t.val, rdf.XSDInteger), true
	case tDecimal:
		p.i++
		return rdf.Literal(t.val, rdf.XSDDecimal), true
	case tDouble:
		p.i++
		return rdf.Literal(t.val, rdf.XSDDouble), true
	case tWord:
		if strings.EqualFold(t.val, "true") {
			p.i++
			return rdf.Literal("true", rdf.XSDBoolean), true
		}
		if strings.EqualFold(t.val, "false") {
			p.i++
			return rdf.Literal("false", rdf.XSDBoolean), true
		}
	}
	return rdf.Term{}, false
}

func (p *parser) variable() Var {
	t := p.peek()
	if t.kind != tVar {
		p.fail("a variable")
	}
	p.i++
	p.checkVarAllowed(t)
	return Var(t.val)
}

func (p *parser) checkVarAllowed(t *token) {
	if p.noVars {
		p.errorAt(t.pos, "variables are not allowed in "+p.noVarsWhat)
	}
}

// varOrIRI parses a Var or an iri.
func (p *parser) varOrIRI() Node {
	if p.peek().kind == tVar {
		return VarNode(p.variable())
	}
	return TermNode(rdf.IRI(p.iri()))
}

// blankNode returns the node for a blank node label (label != "") or an
// anonymous blank node (label == "") at byte offset pos, following p.mode.
func (p *parser) blankNode(label string, pos int) Node {
	switch p.mode {
	case blankIllegal:
		p.errorAt(pos, "blank nodes are not allowed in "+p.noBlankWhat())
	case blankAsTerm:
		if label == "" {
			l := "b" + itoa(p.tmplN)
			p.tmplN++
			return TermNode(rdf.Blank(l))
		}
		if p.noVars {
			p.useLabelInOp(label, pos)
		}
		if p.tmplLabels == nil {
			p.tmplLabels = map[string]string{}
		}
		l, ok := p.tmplLabels[label]
		if !ok {
			l = "b" + itoa(p.tmplN)
			p.tmplN++
			p.tmplLabels[label] = l
		}
		return TermNode(rdf.Blank(l))
	}
	if label == "" {
		p.anonN++
		return VarNode(Var("_:#" + itoa(p.anonN)))
	}
	if p.labelBGP == nil {
		p.labelBGP = map[string]int{}
	}
	if id, ok := p.labelBGP[label]; ok && id != p.bgpID {
		p.errorAt(pos, "blank node label _:"+label+" is used in two different basic graph patterns")
	}
	p.labelBGP[label] = p.bgpID
	return VarNode(Var("_:" + label))
}

// useLabelInOp enforces, in an update request, that a blank node label of
// INSERT DATA is not shared between operations (spec 19.6).
func (p *parser) useLabelInOp(label string, pos int) {
	if p.labelOp == nil {
		return
	}
	if op, ok := p.labelOp[label]; ok && op != p.opN {
		p.errorAt(pos, "blank node label _:"+label+" is used in two operations of the update request")
	}
	p.labelOp[label] = p.opN
}

func (p *parser) noBlankWhat() string {
	if p.noVarsWhat != "" {
		return p.noVarsWhat
	}
	return "DELETE templates"
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}
