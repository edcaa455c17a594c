package sparql

import (
	"strconv"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// This file renders the AST back to SPARQL text: for logs, error reports
// and debugging the evaluator. The output parses to an equivalent AST
// (IRIs are written absolute, literals with explicit datatypes,
// expressions fully parenthesised, blank node variables as blank node
// labels).

// String renders the query as SPARQL.
func (q *Query) String() string {
	var w sparqlWriter
	w.query(q)
	return w.b.String()
}

// String renders the update request as SPARQL.
func (u *Update) String() string {
	var w sparqlWriter
	for i, op := range u.Operations {
		if i > 0 {
			w.s(" ;\n")
		}
		w.operation(op)
	}
	return w.b.String()
}

// String renders the group pattern as SPARQL.
func (gp *GroupPattern) String() string {
	var w sparqlWriter
	w.group(gp)
	return w.b.String()
}

// FormatExpr renders an expression as SPARQL.
func FormatExpr(e Expr) string {
	var w sparqlWriter
	w.expr(e)
	return w.b.String()
}

// FormatPath renders a property path as SPARQL.
func FormatPath(p Path) string {
	var w sparqlWriter
	w.path(p)
	return w.b.String()
}

type sparqlWriter struct{ b strings.Builder }

func (w *sparqlWriter) s(s string) { w.b.WriteString(s) }

func (w *sparqlWriter) iri(s string) {
	w.b.WriteByte('<')
	for _, r := range s {
		switch {
		case r <= 0x20 || strings.ContainsRune("<>\"{}|^`\\", r):
			w.s(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			w.s(strings.Repeat("0", 4-len(h)) + strings.ToUpper(h))
		default:
			w.b.WriteRune(r)
		}
	}
	w.b.WriteByte('>')
}

func (w *sparqlWriter) str(s string) {
	w.b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			w.s(`\"`)
		case '\\':
			w.s(`\\`)
		case '\n':
			w.s(`\n`)
		case '\r':
			w.s(`\r`)
		default:
			w.b.WriteRune(r)
		}
	}
	w.b.WriteByte('"')
}

func (w *sparqlWriter) term(t rdf.Term) {
	switch t.Kind {
	case rdf.KindIRI:
		w.iri(t.Value)
	case rdf.KindBlank:
		w.s("_:" + t.Value)
	case rdf.KindLiteral:
		w.str(t.Value)
		switch {
		case t.Lang != "":
			w.s("@" + t.Lang)
		case t.Datatype != "" && t.Datatype != rdf.XSDString:
			w.s("^^")
			w.iri(t.Datatype)
		}
	default:
		w.s("UNDEF")
	}
}

func (w *sparqlWriter) variable(v Var) {
	if v.IsBlankNode() {
		label := string(v[2:])
		if strings.HasPrefix(label, "#") {
			label = "__anon" + label[1:]
		}
		w.s("_:" + label)
		return
	}
	w.s("?" + string(v))
}

func (w *sparqlWriter) node(n Node) {
	if n.Var != "" {
		w.variable(n.Var)
		return
	}
	w.term(n.Term)
}

func (w *sparqlWriter) query(q *Query) {
	switch q.Form {
	case 0, triplestore.FormSelect: // sub-selects have FormSelect too
		w.s("SELECT ")
		if q.Distinct {
			w.s("DISTINCT ")
		}
		if q.Reduced {
			w.s("REDUCED ")
		}
		if q.Star {
			w.s("*")
		}
		for i, p := range q.Projection {
			if i > 0 {
				w.s(" ")
			}
			if p.Expr == nil {
				w.variable(p.Var)
				continue
			}
			w.s("(")
			w.expr(p.Expr)
			w.s(" AS ")
			w.variable(p.Var)
			w.s(")")
		}
	case triplestore.FormAsk:
		w.s("ASK")
	case triplestore.FormConstruct:
		w.s("CONSTRUCT {")
		for _, t := range q.Template {
			w.s(" ")
			w.triple(t)
		}
		w.s(" }")
	case triplestore.FormDescribe:
		w.s("DESCRIBE")
		if q.Star {
			w.s(" *")
		}
		for _, n := range q.Describe {
			w.s(" ")
			w.node(n)
		}
	}
	for _, f := range q.From {
		w.s("\nFROM ")
		w.iri(f)
	}
	for _, f := range q.FromNamed {
		w.s("\nFROM NAMED ")
		w.iri(f)
	}
	if q.Where != nil {
		w.s("\nWHERE ")
		w.group(q.Where)
	}
	if len(q.GroupBy) > 0 {
		w.s("\nGROUP BY")
		for _, g := range q.GroupBy {
			w.s(" (")
			w.expr(g.Expr)
			if g.As != "" {
				w.s(" AS ")
				w.variable(g.As)
			}
			w.s(")")
		}
	}
	if len(q.Having) > 0 {
		w.s("\nHAVING")
		for _, h := range q.Having {
			w.s(" (")
			w.expr(h)
			w.s(")")
		}
	}
	if len(q.OrderBy) > 0 {
		w.s("\nORDER BY")
		for _, o := range q.OrderBy {
			if o.Desc {
				w.s(" DESC(")
			} else {
				w.s(" ASC(")
			}
			w.expr(o.Expr)
			w.s(")")
		}
	}
	if q.Limit >= 0 {
		w.s("\nLIMIT " + strconv.FormatInt(q.Limit, 10))
	}
	if q.Offset >= 0 {
		w.s("\nOFFSET " + strconv.FormatInt(q.Offset, 10))
	}
	if q.Values != nil {
		w.s("\nVALUES ")
		w.values(q.Values)
	}
}

func (w *sparqlWriter) triple(t TriplePattern) {
	w.node(t.S)
	w.s(" ")
	if t.Path != nil {
		w.path(t.Path)
	} else {
		w.node(t.P)
	}
	w.s(" ")
	w.node(t.O)
	w.s(" .")
}

func (w *sparqlWriter) group(gp *GroupPattern) {
	w.s("{")
	for _, el := range gp.Elements {
		w.s(" ")
		w.element(el)
	}
	w.s(" }")
}

func (w *sparqlWriter) element(el Element) {
	switch e := el.(type) {
	case *BGP:
		for i, t := range e.Triples {
			if i > 0 {
				w.s(" ")
			}
			w.triple(t)
		}
	case *GroupPattern:
		w.group(e)
	case *Optional:
		w.s("OPTIONAL ")
		w.group(e.Pattern)
	case *Union:
		for i, b := range e.Patterns {
			if i > 0 {
				w.s(" UNION ")
			}
			w.group(b)
		}
	case *Minus:
		w.s("MINUS ")
		w.group(e.Pattern)
	case *Graph:
		w.s("GRAPH ")
		w.node(e.Name)
		w.s(" ")
		w.group(e.Pattern)
	case *Service:
		w.s("SERVICE ")
		if e.Silent {
			w.s("SILENT ")
		}
		w.node(e.Endpoint)
		w.s(" ")
		w.group(e.Pattern)
	case *Filter:
		w.s("FILTER (")
		w.expr(e.Expr)
		w.s(")")
	case *Bind:
		w.s("BIND (")
		w.expr(e.Expr)
		w.s(" AS ")
		w.variable(e.Var)
		w.s(")")
	case *InlineData:
		w.s("VALUES ")
		w.values(e)
	case *SubSelect:
		w.query(e.Query)
	}
}

func (w *sparqlWriter) values(d *InlineData) {
	w.s("(")
	for i, v := range d.Vars {
		if i > 0 {
			w.s(" ")
		}
		w.variable(v)
	}
	w.s(") {")
	for _, row := range d.Rows {
		w.s(" (")
		for i, t := range row {
			if i > 0 {
				w.s(" ")
			}
			w.term(t)
		}
		w.s(")")
	}
	w.s(" }")
}

func (w *sparqlWriter) path(p Path) {
	switch x := p.(type) {
	case *PathIRI:
		w.iri(x.IRI)
	case *PathInverse:
		w.s("^(")
		w.path(x.Path)
		w.s(")")
	case *PathSeq:
		w.pathList(x.Paths, "/")
	case *PathAlt:
		w.pathList(x.Paths, "|")
	case *PathZeroOrMore:
		w.s("(")
		w.path(x.Path)
		w.s(")*")
	case *PathOneOrMore:
		w.s("(")
		w.path(x.Path)
		w.s(")+")
	case *PathZeroOrOne:
		w.s("(")
		w.path(x.Path)
		w.s(")?")
	case *PathNegated:
		w.s("!(")
		n := 0
		for _, f := range x.Forward {
			if n > 0 {
				w.s("|")
			}
			w.iri(f)
			n++
		}
		for _, f := range x.Inverse {
			if n > 0 {
				w.s("|")
			}
			w.s("^")
			w.iri(f)
			n++
		}
		w.s(")")
	}
}

func (w *sparqlWriter) pathList(ps []Path, sep string) {
	w.s("(")
	for i, p := range ps {
		if i > 0 {
			w.s(sep)
		}
		w.path(p)
	}
	w.s(")")
}

func (w *sparqlWriter) expr(e Expr) {
	switch x := e.(type) {
	case Var:
		w.variable(x)
	case *Const:
		w.term(x.Term)
	case *Unary:
		w.s(x.Op + "(")
		w.expr(x.X)
		w.s(")")
	case *Binary:
		w.s("(")
		w.expr(x.L)
		w.s(" " + x.Op + " ")
		w.expr(x.R)
		w.s(")")
	case *FuncCall:
		if x.IsIRI {
			w.iri(x.Name)
		} else {
			w.s(x.Name)
		}
		w.s("(")
		if x.Distinct {
			w.s("DISTINCT ")
		}
		for i, a := range x.Args {
			if i > 0 {
				w.s(", ")
			}
			w.expr(a)
		}
		w.s(")")
	case *Aggregate:
		w.s(x.Name + "(")
		if x.Distinct {
			w.s("DISTINCT ")
		}
		if x.Star {
			w.s("*")
		} else {
			w.expr(x.Arg)
		}
		if x.Separator != nil {
			w.s(" ; SEPARATOR=")
			w.str(*x.Separator)
		}
		w.s(")")
	case *In:
		w.s("(")
		w.expr(x.Expr)
		if x.Not {
			w.s(" NOT")
		}
		w.s(" IN (")
		for i, a := range x.List {
			if i > 0 {
				w.s(", ")
			}
			w.expr(a)
		}
		w.s("))")
	case *Exists:
		if x.Not {
			w.s("NOT ")
		}
		w.s("EXISTS ")
		w.group(x.Pattern)
	}
}

func (w *sparqlWriter) quads(qs []QuadPattern) {
	w.s("{")
	for i := 0; i < len(qs); {
		g := qs[i].G
		j := i
		for j < len(qs) && qs[j].G == g {
			j++
		}
		if !g.IsZero() {
			w.s(" GRAPH ")
			w.node(g)
			w.s(" {")
		}
		for _, q := range qs[i:j] {
			w.s(" ")
			w.triple(TriplePattern{S: q.S, P: q.P, O: q.O})
		}
		if !g.IsZero() {
			w.s(" }")
		}
		i = j
	}
	w.s(" }")
}

func groundQuads(qs []rdf.Quad) []QuadPattern {
	out := make([]QuadPattern, len(qs))
	for i, q := range qs {
		out[i] = QuadPattern{S: TermNode(q.S), P: TermNode(q.P), O: TermNode(q.O), G: TermNode(q.G)}
	}
	return out
}

func (w *sparqlWriter) graphRef(g GraphRef) {
	if g.Default {
		w.s("DEFAULT")
		return
	}
	w.s("GRAPH ")
	w.iri(g.IRI)
}

func (w *sparqlWriter) target(t GraphTarget) {
	switch t.Kind {
	case TargetGraph:
		w.s("GRAPH ")
		w.iri(t.IRI)
	case TargetDefault:
		w.s("DEFAULT")
	case TargetNamed:
		w.s("NAMED")
	case TargetAll:
		w.s("ALL")
	}
}

func (w *sparqlWriter) silent(s bool) {
	if s {
		w.s("SILENT ")
	}
}

func (w *sparqlWriter) operation(op Operation) {
	switch o := op.(type) {
	case *InsertData:
		w.s("INSERT DATA ")
		w.quads(groundQuads(o.Quads))
	case *DeleteData:
		w.s("DELETE DATA ")
		w.quads(groundQuads(o.Quads))
	case *DeleteWhere:
		w.s("DELETE WHERE ")
		w.quads(o.Quads)
	case *Modify:
		if o.With != "" {
			w.s("WITH ")
			w.iri(o.With)
			w.s(" ")
		}
		if o.HasDelete {
			w.s("DELETE ")
			w.quads(o.Delete)
			w.s(" ")
		}
		if o.HasInsert {
			w.s("INSERT ")
			w.quads(o.Insert)
			w.s(" ")
		}
		for _, u := range o.Using {
			w.s("USING ")
			w.iri(u)
			w.s(" ")
		}
		for _, u := range o.UsingNamed {
			w.s("USING NAMED ")
			w.iri(u)
			w.s(" ")
		}
		w.s("WHERE ")
		w.group(o.Where)
	case *Load:
		w.s("LOAD ")
		w.silent(o.Silent)
		w.iri(o.Source)
		if o.Into != "" {
			w.s(" INTO GRAPH ")
			w.iri(o.Into)
		}
	case *Clear:
		w.s("CLEAR ")
		w.silent(o.Silent)
		w.target(o.Target)
	case *Drop:
		w.s("DROP ")
		w.silent(o.Silent)
		w.target(o.Target)
	case *Create:
		w.s("CREATE ")
		w.silent(o.Silent)
		w.s("GRAPH ")
		w.iri(o.Graph)
	case *Add:
		w.transfer("ADD", o.Silent, o.From, o.To)
	case *Move:
		w.transfer("MOVE", o.Silent, o.From, o.To)
	case *Copy:
		w.transfer("COPY", o.Silent, o.From, o.To)
	}
}

func (w *sparqlWriter) transfer(name string, silent bool, from, to GraphRef) {
	w.s(name + " ")
	w.silent(silent)
	w.graphRef(from)
	w.s(" TO ")
	w.graphRef(to)
}
