// Package rdf is intermw's model of RDF 1.1 terms, triples and quads, shared by
// the INTER-IoT message codec (messages), the triplestore (services/triplestore)
// and the semantic mediator (ontology).
//
// A Term is a small comparable value, so it can key maps and be compared with ==.
// Literals are normalised on construction: a simple literal carries the datatype
// xsd:string and a language-tagged literal carries rdf:langString with a
// lower-cased tag, as RDF 1.1 defines them.
//
// The package also reads N-Triples, N-Quads, Turtle and RDF/XML, writes
// N-Triples and N-Quads, resolves relative IRIs (RFC 3986) and decides whether
// two graphs or datasets are isomorphic, treating blank nodes as existential.
package rdf
