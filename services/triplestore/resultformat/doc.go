// Package resultformat reads and writes SPARQL query results: the SPARQL 1.1
// Query Results JSON, XML, CSV and TSV formats for SELECT and ASK, and RDF
// graph serialisations for CONSTRUCT and DESCRIBE. The protocol handler, the
// remote store client and the W3C conformance harness all use it.
package resultformat
