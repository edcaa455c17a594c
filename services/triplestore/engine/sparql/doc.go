// Package sparql parses SPARQL 1.1 queries and update requests into an
// abstract syntax tree for intermw's embedded triplestore engine.
//
// ParseQuery and ParseUpdate run a hand-written lexer (lexer.go) and a
// recursive descent parser (parse*.go) over the whole SPARQL 1.1 grammar:
// section 19 of the Query Language recommendation, including the Update
// grammar, \u code point escapes (section 19.2) and relative IRI
// resolution against BASE following RFC 3986 (iri.go). Beyond the grammar
// they enforce the rules that make a request invalid although it matches
// the grammar (scope.go and the parser): variable scope of SELECT
// expressions and BIND (section 18.2.1), grouping (a projected variable
// must be grouped or aggregated), where aggregates may appear and that they
// do not nest, VALUES row widths, blank node label scoping across basic
// graph patterns and across the INSERT DATA operations of a request, and
// the restrictions on variables and blank nodes in INSERT DATA, DELETE
// DATA, DELETE WHERE and DELETE templates.
//
// The result is the AST of ast.go, in which every IRI is absolute, terms
// are rdf.Term values and blank nodes of patterns are variables; ast.go
// documents the conventions and is a stable contract for the engine
// package (the evaluator), which translates it to algebra. The parser
// knows nothing of storage or evaluation. InScope and Query.ProjectedVars
// compute variable scope; the String methods (format.go) render the AST
// back to SPARQL for logs and debugging.
//
// Errors are *triplestore.SyntaxError values with the 1-based line and
// column (in characters, of the text as written) and a message naming
// what was expected and what was found; errors.Is(err,
// triplestore.ErrSyntax) holds. A prefixed name with an undeclared prefix
// yields an *UnknownPrefixError, which wraps triplestore.ErrUnknownPrefix
// and carries the line and column. Nesting of groups, expressions, paths
// and collections is capped (256 levels) so hostile input cannot exhaust
// the stack; the parser never panics on bad input (FuzzParse checks).
package sparql
