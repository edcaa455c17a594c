// Package w3c runs the W3C SPARQL 1.0 and 1.1 test suites (syntax, query
// evaluation and update evaluation) against a store. It reads the suites'
// Turtle manifests, loads each test's data, runs the query or update and
// compares the outcome as the suites' rules say: solution sequences
// unordered unless the query orders them, graphs and datasets up to blank
// node renaming, numeric literals by value.
//
// The embedded engine runs it in this package's tests (make conformance, and
// make test under CI=true). The corpus lives outside the repository, in
// ../shared/conformance/w3c-sparql beside it.
package w3c
