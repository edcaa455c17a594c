// Package sparqlserver starts a real SPARQL 1.1 Protocol server for tests and
// benchmarks: the oxigraph engine from npm behind the small Node wrapper in
// server.js. It installs the npm package on first use when it is missing.
package sparqlserver
