package sparql

import (
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// This file is the abstract syntax tree produced by ParseQuery and
// ParseUpdate. It is a stable contract: fields and types are only ever
// added, never changed or removed.
//
// Conventions used throughout:
//   - Every IRI is absolute: relative IRIs are resolved against BASE (or
//     ParseOptions.BaseIRI) and prefixed names are expanded.
//   - Terms are rdf.Term. Numeric and boolean literals are typed
//     (xsd:integer, xsd:decimal, xsd:double, xsd:boolean) and keep their
//     lexical form exactly as written ("+01", "1.0e0"). Simple literals are
//     xsd:string; language tags are lower-cased.
//   - 'a' in predicate position is rdf:type.
//   - Blank nodes in query patterns (WHERE, EXISTS, DELETE WHERE and the
//     WHERE of DELETE/INSERT) become variables: the label _:x becomes the
//     Var "_:x", and an anonymous node ([] or one made for a collection or a
//     blank node property list) a Var "_:#N". Such names are not legal SPARQL
//     variable names, so they never clash with user variables;
//     Var.IsBlankNode reports them and SELECT * never projects them.
//   - Blank nodes in templates (CONSTRUCT, INSERT, INSERT DATA) stay blank
//     node terms. Their labels are renumbered "b0", "b1", ... per request in
//     order of appearance (labelled and anonymous alike), so generated and
//     written labels never clash. The evaluator must create fresh blank
//     nodes per template instantiation, as the spec requires.
//   - Collections ( ... ) and blank node property lists [ ... ] are expanded
//     into plain triples (rdf:first / rdf:rest / rdf:nil).

// Var is a SPARQL variable name without the leading '?' or '$'. A Var is
// also an Expr (a variable reference in an expression).
type Var string

// IsBlankNode reports whether v stands for a blank node of a query pattern
// (see the conventions above) rather than a variable the query wrote.
func (v Var) IsBlankNode() bool { return strings.HasPrefix(string(v), "_:") }

// Node is a variable or an RDF term in a triple or quad pattern position:
// exactly one of Var and Term is set. In a graph position of a QuadPattern,
// the zero Node means the default graph.
type Node struct {
	Var  Var
	Term rdf.Term
}

// IsVar reports whether n is a variable.
func (n Node) IsVar() bool { return n.Var != "" }

// IsZero reports whether n is neither a variable nor a term.
func (n Node) IsZero() bool { return n.Var == "" && n.Term.IsZero() }

// VarNode returns a Node for the variable v.
func VarNode(v Var) Node { return Node{Var: v} }

// TermNode returns a Node for the term t.
func TermNode(t rdf.Term) Node { return Node{Term: t} }

func (n Node) String() string {
	if n.Var != "" {
		return "?" + string(n.Var)
	}
	return n.Term.String()
}

// ---------------------------------------------------------------------------
// Queries

// Query is a parsed SPARQL query (SELECT, CONSTRUCT, ASK or DESCRIBE), or a
// sub-SELECT nested in a pattern (then Base, Prefixes, From and FromNamed
// are empty).
type Query struct {
	Form     triplestore.Form
	Base     string            // the base IRI in effect at the end of the prologue ("" if none)
	Prefixes map[string]string // prefix declarations in effect (prefix without ':' -> namespace IRI); read-only, may be ParseOptions.Prefixes itself

	// SELECT clause.
	Distinct   bool
	Reduced    bool
	Star       bool         // SELECT * or DESCRIBE *
	Projection []Projection // SELECT items in order; empty when Star

	// CONSTRUCT template (also filled for the CONSTRUCT WHERE short form,
	// whose pattern is then in Where as well). Triples only: Path is nil.
	Template []TriplePattern

	// DESCRIBE targets (variables or IRIs); empty with Star.
	Describe []Node

	// Dataset clauses: absolute IRIs.
	From      []string
	FromNamed []string

	// Where is the query pattern. It is nil only for a DESCRIBE without a
	// WHERE clause.
	Where *GroupPattern

	// Solution modifiers.
	GroupBy []GroupCondition
	Having  []Expr
	OrderBy []OrderCondition
	Limit   int64 // -1 when absent
	Offset  int64 // -1 when absent

	// Values is the trailing VALUES clause, nil when absent.
	Values *InlineData

	// Aggregated is true when the query groups: it has GROUP BY, or an
	// aggregate in its SELECT, HAVING or ORDER BY clauses (then the whole
	// solution sequence is one group when GROUP BY is absent).
	Aggregated bool
}

// Projection is one SELECT item: a plain variable (Expr nil) or
// (Expr AS Var).
type Projection struct {
	Var  Var
	Expr Expr
}

// GroupCondition is one GROUP BY item: an expression, optionally bound to
// a variable with (Expr AS Var). A plain GROUP BY ?x has Expr = Var("x")
// and As empty.
type GroupCondition struct {
	Expr Expr
	As   Var
}

// OrderCondition is one ORDER BY item.
type OrderCondition struct {
	Expr Expr
	Desc bool
}

// ---------------------------------------------------------------------------
// Graph patterns

// Element is one element of a group graph pattern. The concrete types are
// *BGP, *GroupPattern (a nested { ... }), *Optional, *Union, *Minus,
// *Graph, *Service, *Filter, *Bind, *InlineData and *SubSelect.
type Element interface{ element() }

// GroupPattern is a group graph pattern { ... }: its elements in the order
// written. Per the spec, the FILTERs of a group apply to the whole group
// wherever they appear in it. A group holding only a sub-SELECT is
// { SELECT ... } and has the single element *SubSelect.
type GroupPattern struct {
	Elements []Element
}

// BGP is a block of consecutive triple patterns (a basic graph pattern,
// possibly with property paths).
type BGP struct {
	Triples []TriplePattern
}

// TriplePattern is a triple pattern. When Path is nil the predicate is P (a
// variable or an IRI); otherwise P is zero and Path is the property path
// expression. A path that is a single IRI is always stored in P.
type TriplePattern struct {
	S    Node
	P    Node
	O    Node
	Path Path
}

// Optional is OPTIONAL { ... }.
type Optional struct{ Pattern *GroupPattern }

// Union is { ... } UNION { ... } [UNION { ... } ...]: two or more branches.
type Union struct{ Patterns []*GroupPattern }

// Minus is MINUS { ... }.
type Minus struct{ Pattern *GroupPattern }

// Graph is GRAPH name { ... }; Name is a variable or an IRI.
type Graph struct {
	Name    Node
	Pattern *GroupPattern
}

// Service is SERVICE [SILENT] endpoint { ... }. It is parsed but the
// embedded engine does not evaluate it.
type Service struct {
	Silent   bool
	Endpoint Node // variable or IRI
	Pattern  *GroupPattern
}

// Filter is FILTER constraint.
type Filter struct{ Expr Expr }

// Bind is BIND (Expr AS Var).
type Bind struct {
	Expr Expr
	Var  Var
}

// InlineData is a VALUES block (inside a pattern, or the trailing VALUES
// of a query). Each row has len(Vars) terms; a zero rdf.Term is UNDEF.
type InlineData struct {
	Vars []Var
	Rows [][]rdf.Term
}

// SubSelect is a nested SELECT query in a pattern.
type SubSelect struct{ Query *Query }

func (*BGP) element()          {}
func (*GroupPattern) element() {}
func (*Optional) element()     {}
func (*Union) element()        {}
func (*Minus) element()        {}
func (*Graph) element()        {}
func (*Service) element()      {}
func (*Filter) element()       {}
func (*Bind) element()         {}
func (*InlineData) element()   {}
func (*SubSelect) element()    {}

// ---------------------------------------------------------------------------
// Property paths

// Path is a property path expression. The concrete types are *PathIRI,
// *PathInverse, *PathSeq, *PathAlt, *PathZeroOrMore, *PathOneOrMore,
// *PathZeroOrOne and *PathNegated. Parenthesised groups leave no node of
// their own.
type Path interface{ path() }

// PathIRI is a single predicate IRI (inside a larger path).
type PathIRI struct{ IRI string }

// PathInverse is ^path.
type PathInverse struct{ Path Path }

// PathSeq is path1 / path2 / ...: two or more steps.
type PathSeq struct{ Paths []Path }

// PathAlt is path1 | path2 | ...: two or more alternatives.
type PathAlt struct{ Paths []Path }

// PathZeroOrMore is path*.
type PathZeroOrMore struct{ Path Path }

// PathOneOrMore is path+.
type PathOneOrMore struct{ Path Path }

// PathZeroOrOne is path?.
type PathZeroOrOne struct{ Path Path }

// PathNegated is a negated property set !iri, !^iri or !(a|^b|...):
// Forward holds the IRIs excluded in the forward direction, Inverse those
// written with ^ (excluded in the inverse direction).
type PathNegated struct {
	Forward []string
	Inverse []string
}

func (*PathIRI) path()        {}
func (*PathInverse) path()    {}
func (*PathSeq) path()        {}
func (*PathAlt) path()        {}
func (*PathZeroOrMore) path() {}
func (*PathOneOrMore) path()  {}
func (*PathZeroOrOne) path()  {}
func (*PathNegated) path()    {}

// ---------------------------------------------------------------------------
// Expressions

// Expr is an expression. The concrete types are Var, *Const, *Unary,
// *Binary, *FuncCall, *Aggregate, *In and *Exists.
type Expr interface{ expr() }

// Const is an RDF term constant (IRI or literal).
type Const struct{ Term rdf.Term }

// Unary is a unary operator: Op is "!", "+" or "-".
type Unary struct {
	Op string
	X  Expr
}

// Binary is a binary operator: Op is one of "||", "&&", "=", "!=", "<",
// ">", "<=", ">=", "+", "-", "*", "/". Chains are left-associative.
type Binary struct {
	Op   string
	L, R Expr
}

// FuncCall is a call of a built-in function or of an IRI function (which
// includes XSD casts such as xsd:integer(...)).
//
// For built-ins Name is the upper-case name as in the grammar, with two
// normalisations: URI is "IRI" and isURI is "ISIRI". So: "STR", "LANG",
// "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "BNODE", "RAND", "ABS",
// "CEIL", "FLOOR", "ROUND", "CONCAT", "SUBSTR", "STRLEN", "REPLACE",
// "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS",
// "STRBEFORE", "STRAFTER", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES",
// "SECONDS", "TIMEZONE", "TZ", "NOW", "UUID", "STRUUID", "MD5", "SHA1",
// "SHA256", "SHA384", "SHA512", "COALESCE", "IF", "STRLANG", "STRDT",
// "SAMETERM", "ISIRI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "REGEX".
// BOUND's single argument is always a Var. BNODE() has no arguments.
//
// For IRI functions Name is the absolute IRI. Distinct and Separator are
// only ever set for an IRI function called with aggregate syntax (a
// custom aggregate: iri(DISTINCT ...)).
type FuncCall struct {
	Name      string
	Args      []Expr
	IsIRI     bool // Name is a function IRI rather than a built-in
	Distinct  bool
	Separator *string
}

// Aggregate is a set function: Name is "COUNT", "SUM", "MIN", "MAX",
// "AVG", "SAMPLE" or "GROUP_CONCAT". Star is COUNT(*) (Arg nil).
// Separator is GROUP_CONCAT's separator, nil when not given (the default
// is a single space).
type Aggregate struct {
	Name      string
	Distinct  bool
	Star      bool
	Arg       Expr
	Separator *string
}

// In is Expr [NOT] IN (List...).
type In struct {
	Expr Expr
	List []Expr
	Not  bool
}

// Exists is [NOT] EXISTS { ... }.
type Exists struct {
	Pattern *GroupPattern
	Not     bool
}

func (Var) expr()        {}
func (*Const) expr()     {}
func (*Unary) expr()     {}
func (*Binary) expr()    {}
func (*FuncCall) expr()  {}
func (*Aggregate) expr() {}
func (*In) expr()        {}
func (*Exists) expr()    {}

// ---------------------------------------------------------------------------
// Updates

// Update is a parsed SPARQL update request: operations run in order.
// Base and Prefixes are those in effect at the end of the request.
type Update struct {
	Base       string
	Prefixes   map[string]string
	Operations []Operation
}

// Operation is one update operation. The concrete types are *InsertData,
// *DeleteData, *DeleteWhere, *Modify, *Load, *Clear, *Drop, *Create, *Add,
// *Move and *Copy.
type Operation interface{ operation() }

// QuadPattern is a triple pattern inside a quad template or quad pattern
// with its graph: G is the zero Node for the default graph (or the WITH
// graph of a Modify), else a variable or an IRI.
type QuadPattern struct {
	S, P, O, G Node
}

// InsertData is INSERT DATA { quads }: ground quads (no variables). Blank
// nodes keep renumbered labels (see the conventions above); the evaluator
// makes them fresh.
type InsertData struct{ Quads []rdf.Quad }

// DeleteData is DELETE DATA { quads }: ground quads without blank nodes.
type DeleteData struct{ Quads []rdf.Quad }

// DeleteWhere is DELETE WHERE { quad pattern }: the pattern is both the
// WHERE pattern and the delete template. Blank nodes are not allowed.
type DeleteWhere struct{ Quads []QuadPattern }

// Modify is [WITH iri] (DELETE {...} [INSERT {...}] | INSERT {...})
// [USING ...] WHERE { ... }. Delete templates hold no blank nodes; blank
// nodes in Insert are terms (fresh per solution). A zero G in a template
// means the WITH graph when With is set, else the default graph; With is
// also the default graph of Where unless USING is given.
type Modify struct {
	With       string // "" when absent
	Delete     []QuadPattern
	Insert     []QuadPattern
	HasDelete  bool // a DELETE clause was written (even an empty one)
	HasInsert  bool // an INSERT clause was written (even an empty one)
	Using      []string
	UsingNamed []string
	Where      *GroupPattern
}

// Load is LOAD [SILENT] source [INTO GRAPH into]; Into "" is the default
// graph.
type Load struct {
	Silent bool
	Source string
	Into   string
}

// TargetKind says which graphs CLEAR or DROP affect.
type TargetKind uint8

// The CLEAR/DROP targets.
const (
	TargetGraph   TargetKind = iota + 1 // GRAPH iri
	TargetDefault                       // DEFAULT
	TargetNamed                         // NAMED: every named graph
	TargetAll                           // ALL: the default graph and every named graph
)

// GraphTarget is the target of CLEAR or DROP; IRI is set for TargetGraph.
type GraphTarget struct {
	Kind TargetKind
	IRI  string
}

// Clear is CLEAR [SILENT] target.
type Clear struct {
	Silent bool
	Target GraphTarget
}

// Drop is DROP [SILENT] target.
type Drop struct {
	Silent bool
	Target GraphTarget
}

// Create is CREATE [SILENT] GRAPH iri.
type Create struct {
	Silent bool
	Graph  string
}

// GraphRef names a graph in ADD, MOVE and COPY: the default graph
// (Default true) or the graph IRI.
type GraphRef struct {
	Default bool
	IRI     string
}

// Add is ADD [SILENT] from TO to.
type Add struct {
	Silent   bool
	From, To GraphRef
}

// Move is MOVE [SILENT] from TO to.
type Move struct {
	Silent   bool
	From, To GraphRef
}

// Copy is COPY [SILENT] from TO to.
type Copy struct {
	Silent   bool
	From, To GraphRef
}

func (*InsertData) operation()  {}
func (*DeleteData) operation()  {}
func (*DeleteWhere) operation() {}
func (*Modify) operation()      {}
func (*Load) operation()        {}
func (*Clear) operation()       {}
func (*Drop) operation()        {}
func (*Create) operation()      {}
func (*Add) operation()         {}
func (*Move) operation()        {}
func (*Copy) operation()        {}
