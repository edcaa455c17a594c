package sparql

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

const (
	exNS   = "http://example.org/"
	sosaNS = "http://www.w3.org/ns/sosa/"
	iiotNS = "http://inter-iot.eu/GOIoTP#"
)

func iriN(s string) Node             { return TermNode(rdf.IRI(s)) }
func vN(s string) Node               { return VarNode(Var(s)) }
func litN(t rdf.Term) Node           { return TermNode(t) }
func tp(s, p, o Node) TriplePattern  { return TriplePattern{S: s, P: p, O: o} }
func qp(s, p, o, g Node) QuadPattern { return QuadPattern{S: s, P: p, O: o, G: g} }
func intC(lex string) *Const         { return &Const{Term: rdf.Literal(lex, rdf.XSDInteger)} }
func bgp(ts ...TriplePattern) *BGP   { return &BGP{Triples: ts} }
func group(els ...Element) *GroupPattern {
	return &GroupPattern{Elements: els}
}

// dump renders a value as JSON with type names, for readable diffs.
func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

func TestParseQueryBuildsTheAST(t *testing.T) {
	prefixes := "PREFIX sosa: <" + sosaNS + ">\nPREFIX iiot: <" + iiotNS + ">\nPREFIX : <" + exNS + ">\n"
	rdfType := iriN(rdf.RDFType)
	cases := []struct {
		name  string
		query string
		check func(t *testing.T, q *Query)
	}{
		{
			name:  "a registry query with GRAPH, 'a', ';' and a regex FILTER",
			query: prefixes + `SELECT ?d ?n WHERE { GRAPH ?d { ?d a sosa:Sensor ; iiot:hasName ?n FILTER regex(?n, "x") } }`,
			check: func(t *testing.T, q *Query) {
				want := group(&Graph{Name: vN("d"), Pattern: group(
					bgp(tp(vN("d"), rdfType, iriN(sosaNS+"Sensor")), tp(vN("d"), iriN(iiotNS+"hasName"), vN("n"))),
					&Filter{Expr: &FuncCall{Name: "REGEX", Args: []Expr{Var("n"), &Const{Term: rdf.String("x")}}}},
				)})
				eq(t, q.Where, want)
				eq(t, q.Projection, []Projection{{Var: "d"}, {Var: "n"}})
				eq(t, q.ProjectedVars(), []Var{"d", "n"})
				if q.Form != triplestore.FormSelect || q.Limit != -1 || q.Offset != -1 || q.Aggregated {
					t.Errorf("form/limit/offset/aggregated wrong: %+v", q)
				}
			},
		},
		{
			name:  "blank nodes in patterns become variables and collections expand",
			query: prefixes + `SELECT * { _:b :p [ :q ?x ] . ?s :list (1 ?y) }`,
			check: func(t *testing.T, q *Query) {
				first, rest, nilN := iriN(rdfFirst), iriN(rdfRest), iriN(rdfNil)
				want := group(bgp(
					tp(vN("_:#1"), iriN(exNS+"q"), vN("x")),
					tp(vN("_:b"), iriN(exNS+"p"), vN("_:#1")),
					tp(vN("_:#2"), first, litN(rdf.Literal("1", rdf.XSDInteger))),
					tp(vN("_:#2"), rest, vN("_:#3")),
					tp(vN("_:#3"), first, vN("y")),
					tp(vN("_:#3"), rest, nilN),
					tp(vN("s"), iriN(exNS+"list"), vN("_:#2")),
				))
				eq(t, q.Where, want)
				eq(t, q.ProjectedVars(), []Var{"x", "y", "s"})
			},
		},
		{
			name:  "CONSTRUCT templates keep renumbered blank node terms",
			query: prefixes + `CONSTRUCT { _:x :p ?o ; :q [] . _:x :r _:y } WHERE { ?s :p ?o }`,
			check: func(t *testing.T, q *Query) {
				b0, b1, b2 := litN(rdf.Blank("b0")), litN(rdf.Blank("b1")), litN(rdf.Blank("b2"))
				eq(t, q.Template, []TriplePattern{
					tp(b0, iriN(exNS+"p"), vN("o")),
					tp(b0, iriN(exNS+"q"), b1),
					tp(b0, iriN(exNS+"r"), b2),
				})
			},
		},
		{
			name:  "the CONSTRUCT WHERE short form fills template and pattern",
			query: prefixes + `CONSTRUCT WHERE { ?s :p ?o }`,
			check: func(t *testing.T, q *Query) {
				eq(t, q.Template, []TriplePattern{tp(vN("s"), iriN(exNS+"p"), vN("o"))})
				eq(t, q.Where, group(bgp(tp(vN("s"), iriN(exNS+"p"), vN("o")))))
			},
		},
		{
			name:  "property paths keep their structure and single IRIs stay predicates",
			query: prefixes + `SELECT * { ?s ^:p/:q*|!(:r|^a) ?o . ?s (:p) ?z . ?s :a+/(:b?) ?w }`,
			check: func(t *testing.T, q *Query) {
				b := q.Where.Elements[0].(*BGP)
				eq(t, b.Triples[0].Path, Path(&PathAlt{Paths: []Path{
					&PathSeq{Paths: []Path{&PathInverse{Path: &PathIRI{IRI: exNS + "p"}}, &PathZeroOrMore{Path: &PathIRI{IRI: exNS + "q"}}}},
					&PathNegated{Forward: []string{exNS + "r"}, Inverse: []string{rdf.RDFType}},
				}}))
				eq(t, b.Triples[1], tp(vN("s"), iriN(exNS+"p"), vN("z")))
				eq(t, b.Triples[2].Path, Path(&PathSeq{Paths: []Path{
					&PathOneOrMore{Path: &PathIRI{IRI: exNS + "a"}}, &PathZeroOrOne{Path: &PathIRI{IRI: exNS + "b"}},
				}}))
			},
		},
		{
			name:  "operators have SPARQL precedence and a signed literal is an addition",
			query: `SELECT * { FILTER(?a || ?b && ?c = 1 + 2 * -?d) FILTER(?x -1 * 2 < 3) FILTER(?x NOT IN (1, 2) && !BOUND(?y)) }`,
			check: func(t *testing.T, q *Query) {
				f := q.Where.Elements
				eq(t, f[0].(*Filter).Expr, Expr(&Binary{Op: "||", L: Var("a"), R: &Binary{Op: "&&", L: Var("b"),
					R: &Binary{Op: "=", L: Var("c"), R: &Binary{Op: "+", L: intC("1"),
						R: &Binary{Op: "*", L: intC("2"), R: &Unary{Op: "-", X: Var("d")}}}}}}))
				eq(t, f[1].(*Filter).Expr, Expr(&Binary{Op: "<", L: &Binary{Op: "-", L: Var("x"),
					R: &Binary{Op: "*", L: intC("1"), R: intC("2")}}, R: intC("3")}))
				eq(t, f[2].(*Filter).Expr, Expr(&Binary{Op: "&&",
					L: &In{Expr: Var("x"), List: []Expr{intC("1"), intC("2")}, Not: true},
					R: &Unary{Op: "!", X: &FuncCall{Name: "BOUND", Args: []Expr{Var("y")}}}}))
			},
		},
		{
			name: "literals are typed and keep their lexical form",
			query: `SELECT * { ?s ?p 1, +1.50, -2E3, true, 'x'@EN-us, """a
b""", "c"^^<http://www.w3.org/2001/XMLSchema#string>, "\t\u00e9" }`,
			check: func(t *testing.T, q *Query) {
				var got []rdf.Term
				for _, tr := range q.Where.Elements[0].(*BGP).Triples {
					got = append(got, tr.O.Term)
				}
				eq(t, got, []rdf.Term{
					rdf.Literal("1", rdf.XSDInteger), rdf.Literal("+1.50", rdf.XSDDecimal),
					rdf.Literal("-2E3", rdf.XSDDouble), rdf.Literal("true", rdf.XSDBoolean),
					rdf.LangLiteral("x", "en-US"), rdf.String("a\nb"), rdf.String("c"), rdf.String("\té"),
				})
			},
		},
		{
			name: "aggregates, GROUP BY, HAVING, ORDER BY, LIMIT and OFFSET",
			query: prefixes + `SELECT ?g (COUNT(DISTINCT *) AS ?c) (GROUP_CONCAT(?n ; SEPARATOR=",") AS ?all)
				WHERE { ?s :g ?g ; :n ?n } GROUP BY ?g HAVING (SUM(?n) > 2) ORDER BY DESC(?c) ?g OFFSET 5 LIMIT 10`,
			check: func(t *testing.T, q *Query) {
				sep := ","
				eq(t, q.Projection, []Projection{
					{Var: "g"},
					{Var: "c", Expr: &Aggregate{Name: "COUNT", Distinct: true, Star: true}},
					{Var: "all", Expr: &Aggregate{Name: "GROUP_CONCAT", Arg: Var("n"), Separator: &sep}},
				})
				eq(t, q.GroupBy, []GroupCondition{{Expr: Var("g")}})
				eq(t, q.Having, []Expr{&Binary{Op: ">", L: &Aggregate{Name: "SUM", Arg: Var("n")}, R: intC("2")}})
				eq(t, q.OrderBy, []OrderCondition{{Expr: Var("c"), Desc: true}, {Expr: Var("g")}})
				if !q.Aggregated || q.Limit != 10 || q.Offset != 5 {
					t.Errorf("aggregated=%v limit=%d offset=%d", q.Aggregated, q.Limit, q.Offset)
				}
			},
		},
		{
			name: "OPTIONAL, UNION, MINUS, BIND, VALUES, a sub-select and NOT EXISTS",
			query: prefixes + `SELECT * FROM :d FROM NAMED :n WHERE {
				?s :p ?o OPTIONAL { ?o :q ?z } { ?s :a 1 } UNION { ?s :b 2 } UNION { ?s :c 3 }
				MINUS { ?s :bad ?o } BIND(STR(?o) AS ?str) VALUES (?v ?w) { (1 UNDEF) (:x "y") }
				{ SELECT ?s (MAX(?o) AS ?m) { ?s :p ?o } GROUP BY ?s }
				FILTER NOT EXISTS { ?s :hidden true }
			} VALUES ?s { :s1 }`,
			check: func(t *testing.T, q *Query) {
				els := q.Where.Elements
				eq(t, q.From, []string{exNS + "d"})
				eq(t, q.FromNamed, []string{exNS + "n"})
				eq(t, els[1], Element(&Optional{Pattern: group(bgp(tp(vN("o"), iriN(exNS+"q"), vN("z"))))}))
				if u := els[2].(*Union); len(u.Patterns) != 3 {
					t.Errorf("union has %d branches", len(u.Patterns))
				}
				eq(t, els[3], Element(&Minus{Pattern: group(bgp(tp(vN("s"), iriN(exNS+"bad"), vN("o"))))}))
				eq(t, els[4], Element(&Bind{Expr: &FuncCall{Name: "STR", Args: []Expr{Var("o")}}, Var: "str"}))
				eq(t, els[5], Element(&InlineData{Vars: []Var{"v", "w"}, Rows: [][]rdf.Term{
					{rdf.Literal("1", rdf.XSDInteger), {}}, {rdf.IRI(exNS + "x"), rdf.String("y")}}}))
				sub := els[6].(*GroupPattern).Elements[0].(*SubSelect).Query
				eq(t, sub.ProjectedVars(), []Var{"s", "m"})
				if !sub.Aggregated {
					t.Error("sub-select should be aggregated")
				}
				ex := els[7].(*Filter).Expr.(*Exists)
				if !ex.Not {
					t.Error("NOT EXISTS lost its NOT")
				}
				eq(t, q.Values, &InlineData{Vars: []Var{"s"}, Rows: [][]rdf.Term{{rdf.IRI(exNS + "s1")}}})
				eq(t, q.ProjectedVars(), []Var{"s", "o", "z", "str", "v", "w", "m"})
			},
		},
		{
			name:  "BASE resolves relative IRIs, prefixes and later BASEs",
			query: "BASE <http://a/b/c>\nPREFIX x: <d/>\nBASE <e/f>\nASK { <g> x:h <../i> }",
			check: func(t *testing.T, q *Query) {
				eq(t, q.Where, group(bgp(tp(iriN("http://a/b/e/g"), iriN("http://a/b/d/h"), iriN("http://a/b/i")))))
				eq(t, q.Base, "http://a/b/e/f")
			},
		},
		{
			name:  "prefixed names decode escapes and keep percent-encodings",
			query: "PREFIX : <http://e/>\nASK { :a\\~b\\. :c%3D :1.2:3 }",
			check: func(t *testing.T, q *Query) {
				eq(t, q.Where, group(bgp(tp(iriN("http://e/a~b."), iriN("http://e/c%3D"), iriN("http://e/1.2:3")))))
			},
		},
		{
			name:  "function IRIs, casts, keywords in any case and \\u escapes",
			query: "prefix xsd: <http://www.w3.org/2001/XMLSchema#>\nselect (xsd:integer(?x) AS ?i) (isURI(?x) as ?u) where { ?x <p\\u0041> \"\\u00E9\" }",
			check: func(t *testing.T, q *Query) {
				eq(t, q.Projection, []Projection{
					{Var: "i", Expr: &FuncCall{Name: rdf.XSDInteger, IsIRI: true, Args: []Expr{Var("x")}}},
					{Var: "u", Expr: &FuncCall{Name: "ISIRI", Args: []Expr{Var("x")}}},
				})
				eq(t, q.Where, group(bgp(tp(vN("x"), iriN("pA"), litN(rdf.String("é"))))))
			},
		},
		{
			name:  "DESCRIBE with IRIs and no WHERE",
			query: "DESCRIBE <http://e/x> ?y",
			check: func(t *testing.T, q *Query) {
				eq(t, q.Describe, []Node{iriN("http://e/x"), vN("y")})
				if q.Where != nil || q.Form != triplestore.FormDescribe {
					t.Errorf("where=%v form=%v", q.Where, q.Form)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := ParseQuery(c.query, ParseOptions{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			c.check(t, q)
		})
	}
}

func TestParseOptionsSupplyBaseAndPrefixes(t *testing.T) {
	pre := map[string]string{"ex": exNS}
	q, err := ParseQuery("PREFIX p: <x/> SELECT * { ex:a p:b <c> }", ParseOptions{BaseIRI: "http://b/d/", Prefixes: pre})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, q.Where, group(bgp(tp(iriN(exNS+"a"), iriN("http://b/d/x/b"), iriN("http://b/d/c")))))
	if len(pre) != 1 {
		t.Errorf("the caller's prefix map was modified: %v", pre)
	}
}

func TestParseUpdateBuildsTheAST(t *testing.T) {
	cases := []struct {
		name   string
		update string
		want   []Operation
	}{
		{
			name:   "INSERT DATA keeps graphs and renumbers blank nodes",
			update: "PREFIX : <" + exNS + ">\nINSERT DATA { :s :p _:x . GRAPH :g { _:x :q 1 ; :r [] } }",
			want: []Operation{&InsertData{Quads: []rdf.Quad{
				{S: rdf.IRI(exNS + "s"), P: rdf.IRI(exNS + "p"), O: rdf.Blank("b0")},
				{S: rdf.Blank("b0"), P: rdf.IRI(exNS + "q"), O: rdf.Literal("1", rdf.XSDInteger), G: rdf.IRI(exNS + "g")},
				{S: rdf.Blank("b0"), P: rdf.IRI(exNS + "r"), O: rdf.Blank("b1"), G: rdf.IRI(exNS + "g")},
			}}},
		},
		{
			name:   "DELETE DATA, DELETE WHERE and a prologue between operations",
			update: "PREFIX : <" + exNS + ">\nDELETE DATA { :s :p :o } ;\nPREFIX e: <http://e/>\nDELETE WHERE { GRAPH ?g { ?s e:p ?o } }",
			want: []Operation{
				&DeleteData{Quads: []rdf.Quad{{S: rdf.IRI(exNS + "s"), P: rdf.IRI(exNS + "p"), O: rdf.IRI(exNS + "o")}}},
				&DeleteWhere{Quads: []QuadPattern{qp(vN("s"), iriN("http://e/p"), vN("o"), vN("g"))}},
			},
		},
		{
			name:   "DELETE/INSERT with WITH and USING",
			update: "PREFIX : <" + exNS + ">\nWITH :g DELETE { ?s :p ?o } INSERT { GRAPH :h { ?s :q _:n } } USING :u USING NAMED :v WHERE { ?s :p ?o }",
			want: []Operation{&Modify{
				With:      exNS + "g",
				Delete:    []QuadPattern{qp(vN("s"), iriN(exNS+"p"), vN("o"), Node{})},
				Insert:    []QuadPattern{qp(vN("s"), iriN(exNS+"q"), litN(rdf.Blank("b0")), iriN(exNS+"h"))},
				HasDelete: true, HasInsert: true,
				Using: []string{exNS + "u"}, UsingNamed: []string{exNS + "v"},
				Where: group(bgp(tp(vN("s"), iriN(exNS+"p"), vN("o")))),
			}},
		},
		{
			name:   "graph management operations",
			update: "PREFIX : <" + exNS + ">\nLOAD SILENT :src INTO GRAPH :g; CLEAR ALL; DROP GRAPH :g; CLEAR DEFAULT; DROP NAMED; CREATE GRAPH :g; ADD DEFAULT TO :g; MOVE SILENT GRAPH :g TO DEFAULT; COPY :g TO GRAPH :h;",
			want: []Operation{
				&Load{Silent: true, Source: exNS + "src", Into: exNS + "g"},
				&Clear{Target: GraphTarget{Kind: TargetAll}},
				&Drop{Target: GraphTarget{Kind: TargetGraph, IRI: exNS + "g"}},
				&Clear{Target: GraphTarget{Kind: TargetDefault}},
				&Drop{Target: GraphTarget{Kind: TargetNamed}},
				&Create{Graph: exNS + "g"},
				&Add{From: GraphRef{Default: true}, To: GraphRef{IRI: exNS + "g"}},
				&Move{Silent: true, From: GraphRef{IRI: exNS + "g"}, To: GraphRef{Default: true}},
				&Copy{From: GraphRef{IRI: exNS + "g"}, To: GraphRef{IRI: exNS + "h"}},
			},
		},
		{
			name:   "an empty request has no operations",
			update: "# nothing\nPREFIX : <" + exNS + ">",
			want:   nil,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := ParseUpdate(c.update, ParseOptions{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			eq(t, u.Operations, c.want)
		})
	}
}

func TestParseErrorsCarryPositions(t *testing.T) {
	cases := []struct {
		name      string
		text      string
		update    bool
		line, col int
		msg       string
	}{
		{"an unclosed group names the opening brace", "SELECT * WHERE { ?s ?p ?o ", false, 1, 27, "'}' to close the group opened at line 1, column 16"},
		{"a missing expression is reported at the token found", "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o > )\n}", false, 3, 15, "expected an expression, found ')'"},
		{"an unterminated string points at its start", "ASK {\n ?s ?p \"abc }", false, 2, 8, "unterminated string"},
		{"a non-grouped projected variable", "SELECT (COUNT(?x) AS ?c) ?y WHERE { ?x ?p ?y }", false, 1, 26, "neither grouped nor aggregated"},
		{"SELECT * with GROUP BY", "SELECT * { ?s ?p ?o } GROUP BY ?s", false, 1, 8, "SELECT * is not allowed"},
		{"a SELECT expression assigning an in-scope variable", "SELECT (1 AS ?s) { ?s ?p ?o }", false, 1, 14, "already in scope"},
		{"BIND to an in-scope variable", "SELECT * {\n ?s ?p ?o BIND(1 AS ?o) }", false, 2, 21, "already in scope"},
		{"an aggregate in a FILTER", "SELECT * { ?s ?p ?o FILTER(COUNT(?s) > 1) }", false, 1, 28, "not allowed here"},
		{"blank node labels across BGPs", "SELECT * { _:a ?p ?o OPTIONAL { _:a ?q ?r } }", false, 1, 33, "two different basic graph patterns"},
		{"a missing dot between triples", "SELECT * { <a> <b> <c> <d> <e> <f> }", false, 1, 24, "expected '.'"},
		{"too few values in a VALUES row", "SELECT * {} VALUES (?a ?b) { (1) }", false, 1, 30, "1 values for 2 variables"},
		{"a query with no form", "PREFIX : <x>\nFOO", false, 2, 1, "expected SELECT, CONSTRUCT, DESCRIBE or ASK"},
		{"trailing garbage", "ASK {} }", false, 1, 8, "expected end of query"},
		{"a bad \\u escape", "ASK { ?s ?p '\\uD800' }", false, 1, 14, "not a valid Unicode code point"},
		{"variables in INSERT DATA", "INSERT DATA { <a> <b> ?c }", true, 1, 23, "variables are not allowed in INSERT DATA"},
		{"blank nodes in DELETE DATA", "DELETE DATA { _:a <b> <c> }", true, 1, 15, "blank nodes are not allowed in DELETE DATA"},
		{"blank nodes in DELETE WHERE", "DELETE WHERE { [] <b> ?c }", true, 1, 16, "blank nodes are not allowed in DELETE WHERE"},
		{"blank nodes in a DELETE template", "DELETE { ?a <b> [] } WHERE { ?a ?b ?c }", true, 1, 17, "blank nodes are not allowed in DELETE templates"},
		{"blank node labels shared by two INSERT DATA", "INSERT DATA { _:a <b> <c> } ;\nINSERT DATA { _:a <b> <d> }", true, 2, 15, "two operations"},
		{"a missing separator between operations", "CLEAR ALL CLEAR ALL", true, 1, 11, "expected ';'"},
		{"columns count characters, not bytes", "ASK { 'é' <p> ?x ?y }", false, 1, 18, "expected '.'"},
		{"positions count \\u escapes as written", "ASK { <\\u0041> ?p ?o ?x }", false, 1, 22, "expected '.'"},
		{"CR LF line ends", "ASK {\r\n?s ?p\r\n}", false, 3, 1, "expected a variable or an RDF term"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.update {
				_, err = ParseUpdate(c.text, ParseOptions{})
			} else {
				_, err = ParseQuery(c.text, ParseOptions{})
			}
			var se *triplestore.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *triplestore.SyntaxError", err)
			}
			if !errors.Is(err, triplestore.ErrSyntax) {
				t.Error("errors.Is(err, ErrSyntax) is false")
			}
			if se.Line != c.line || se.Column != c.col || !strings.Contains(se.Msg, c.msg) {
				t.Errorf("got line %d column %d %q, want line %d column %d containing %q", se.Line, se.Column, se.Msg, c.line, c.col, c.msg)
			}
		})
	}
}

func TestUnknownPrefixWrapsErrUnknownPrefix(t *testing.T) {
	_, err := ParseQuery("SELECT * {\n  ?s ex:p ?o }", ParseOptions{})
	if !errors.Is(err, triplestore.ErrUnknownPrefix) {
		t.Fatalf("got %v, want ErrUnknownPrefix", err)
	}
	var pe *UnknownPrefixError
	if !errors.As(err, &pe) || pe.Prefix != "ex" || pe.Line != 2 || pe.Column != 6 {
		t.Fatalf("got %#v", err)
	}
	if !strings.Contains(err.Error(), "line 2, column 6") {
		t.Errorf("message lacks the position: %v", err)
	}
}

func eq[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func TestDeepNestingIsAnErrorNotACrash(t *testing.T) {
	cases := map[string]string{
		"expressions": "ASK { FILTER(" + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + ") }",
		"groups":      "ASK " + strings.Repeat("{", 5000) + strings.Repeat("}", 5000),
		"collections": "ASK { ?s ?p " + strings.Repeat("(", 5000) + strings.Repeat(")", 5000) + " }",
		"paths":       "ASK { ?s " + strings.Repeat("(", 5000) + "<p>" + strings.Repeat(")", 5000) + " ?o }",
		"bnode lists": "ASK { ?s ?p " + strings.Repeat("[ <p> ", 5000) + "1" + strings.Repeat("]", 5000) + " }",
	}
	for name, q := range cases {
		t.Run("deeply nested "+name, func(t *testing.T) {
			_, err := ParseQuery(q, ParseOptions{})
			if err == nil || !strings.Contains(err.Error(), "nesting deeper") {
				t.Fatalf("got %v", err)
			}
		})
	}
	if _, err := ParseQuery("ASK { FILTER("+strings.Repeat("(", 100)+"1"+strings.Repeat(")", 100)+") }", ParseOptions{}); err != nil {
		t.Errorf("moderate nesting should parse: %v", err)
	}
}

func TestAggregatesInsideExistsDoNotHideOuterAggregates(t *testing.T) {
	q, err := ParseQuery("SELECT (COUNT(?s) AS ?c) (EXISTS { SELECT (MAX(?o) AS ?m) { ?s ?p ?o } } AS ?e) { ?s ?p ?o }", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !q.Aggregated {
		t.Error("outer query lost its aggregation")
	}
	if _, err := ParseQuery("SELECT (SUM(COUNT(?s)) AS ?c) { ?s ?p ?o }", ParseOptions{}); err == nil {
		t.Error("nested aggregates were accepted")
	}
	if _, err := ParseQuery("SELECT ?s { ?s ?p ?o } GROUP BY (COUNT(?s))", ParseOptions{}); err == nil {
		t.Error("an aggregate in GROUP BY was accepted")
	}
}

func TestLongStringsCloseAtTheFirstTripleQuote(t *testing.T) {
	q, err := ParseQuery(`ASK { ?s ?p """a""b""", '''c''','' }`, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []rdf.Term
	for _, tr := range q.Where.Elements[0].(*BGP).Triples {
		got = append(got, tr.O.Term)
	}
	eq(t, got, []rdf.Term{rdf.String(`a""b`), rdf.String("c"), rdf.String("")})
	if _, err := ParseQuery(`ASK { ?s ?p '''c'''' }`, ParseOptions{}); err == nil {
		t.Error(`'''c'''' parsed, but the fourth quote opens an unterminated string`)
	}
}
