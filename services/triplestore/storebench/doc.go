// Package storebench measures the embedded SPARQL engine against Oxigraph
// (from npm, behind the SPARQL 1.1 Protocol server in test/sparqlserver) on
// the same registry-shaped data and the same queries, side by side in one
// run: bulk load, discovery queries, and the same queries over HTTP so both
// pay the protocol's cost.
//
// Run it with `make bench-store` (INTERMW_BENCH_DEVICES sets the size;
// 100000 devices is about one million triples).
package storebench
