// Package triplestore is intermw's SPARQL 1.1 store abstraction: the Store
// interface the registries, discovery and the semantic mediator use, typed
// results, the errors callers branch on, an escaping query builder, and a
// client for any SPARQL 1.1 Protocol endpoint.
//
// The embedded engine lives in the engine subpackage; storetest is the
// conformance suite every Store passes.
package triplestore
