// Package engine is intermw's embedded SPARQL 1.1 store: it evaluates
// queries and updates over the dictionary-encoded quad store of package
// quadstore and implements triplestore.Store, so the registry, discovery
// and the semantic mediator (IPSM) run on it by default.
//
// A request goes through four stages. Package sparql parses the text;
// translate.go turns the syntax tree into the SPARQL algebra of spec
// section 18 (algebra.go), with variables numbered into slots and
// constants into a per-query table; a compiled query (Prepare,
// PrepareUpdate) keeps only that and can run many times on any Engine.
// For each execution plan.go builds physical operators against a store
// snapshot: basic graph patterns become index nested loops ordered by the
// store's counts, filters run right after the pattern that binds their
// last variable, an operand whose meaning allows it receives the bindings
// of its left side (substitution), and any other is evaluated once and
// hash-joined. GRAPH ?g binds ?g through the index rather than iterating
// the graphs, unless the pattern needs the spec's per-graph evaluation.
// Finally the operators push solutions (rows of store IDs, with a side
// table for computed terms) to their consumer; terms are materialised
// only for expressions and output, through package function.
//
// Datasets: without FROM/FROM NAMED (or QueryOptions graphs) the default
// graph is the store's default graph and the named graphs are all the
// store's named graphs; FROM graphs are merged into the default graph.
// Config.UnionDefaultGraph makes the default graph of such queries the
// union of all graphs instead.
//
// Compile once what runs often: Prepare and PrepareUpdate return objects
// that run on any Engine (the mediator applies one compiled update to a
// fresh NewMemory store per message). Query and Update also keep a small
// per-engine cache of compiled requests by text.
//
// Limits (Config): Timeout (triplestore.ErrTimeout, also when the
// caller's deadline passes), MaxResults (ErrResultTooBig), MaxMemoryBytes
// on materialised intermediate results (ErrMemoryLimit). SELECT results
// stream from a goroutine; close the Rows. Updates run in one quadstore
// transaction: later operations see earlier ones, and an error leaves the
// store untouched. LOAD is off unless Config.AllowLoad, and reads only
// local files under Config.LoadDir. SERVICE is unsupported (SERVICE
// SILENT yields one empty solution).
package engine
