// Package storetest is the conformance suite every triplestore.Store passes:
// the embedded engine and the remote SPARQL 1.1 Protocol client (against a
// real server) run the same tests, so either can stand in for the other.
//
// It covers every query form, updates and their atomicity, named graphs,
// escaping of hostile IRIs and literals through the query builder, and
// concurrent readers and writers.
package storetest
