// Package protocol serves a triplestore.Store over the SPARQL 1.1 Protocol:
// one endpoint takes queries (GET ?query=, POST form query=, POST
// application/sparql-query) and updates (POST form update=, POST
// application/sparql-update), with content negotiation of the result
// format. The hub mounts the Handler; `intermw triplestore serve` runs it on
// its own.
package protocol
