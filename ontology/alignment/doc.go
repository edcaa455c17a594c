// Package alignment runs IPSM-AF alignments, the semantic translation
// rules of INTER-IoT's IPSM, on the payload graphs of INTER-IoT messages.
//
// Parse reads an IPSM-AF document (RDF/XML after the INRIA Alignment
// format, with sripas: extensions): title, version, creator, description,
// onto1/onto2, the cell format (Turtle or RDF/XML cells), sripas:steps and
// the cells with their entities, transformation functions, filters and
// typings. IRIs in the sripas: namespace are variables (var: is the
// sripas#node_ shorthand); in RDF/XML cells an anonymous node typed by a
// variable is that variable. The document's XML entities resolve, and
// Turtle cells may use its namespace declarations as prefixes. Parse
// validates as it goes (the structure rules of IPSM's alignment shapes,
// step cells, unique ids, variable bindings, function arity) and reports
// every problem at once in a *ValidationError naming cells and lines.
//
// Compile turns each stepped cell, once, into a SPARQL Update prepared by
// the embedded engine (services/triplestore/engine), and into a plan of
// the native executor:
//
//	DELETE { entity1 } INSERT { entity2 }
//	WHERE  { entity1 FILTERs BIND(typings) BIND(functions) }
//
// Apply runs the steps in document order on the payload graph only;
// blank nodes of entity2 are fresh per match, typed variables are cast
// with STRDT(STR(?v), dt), and functions are SPARQL built-ins plus the IPSM
// extension unixEpochToUTC (compiled to built-in arithmetic, since the
// engine has no extension hook). Where IPSM silently loses data — a BIND
// fails, so entity2 triples are not inserted while entity1 is deleted —
// the matches that lose a value are counted first: the default mode
// records a Loss (a warning triple on the message metadata and a metric),
// strict mode fails with ErrDataLoss.
//
// Two executors run the compiled cells and give the same graphs (up to
// blank node labels) and the same losses; the tests check this on every
// fixture and on random graphs and alignments. The native executor, the
// default, parses each cell's update text once more into a plan: the
// payload goes into a small graph of interned terms chained by subject
// and predicate (graph.go), entity1 is matched by a backtracking join
// ordered by selectivity, BINDs and FILTERs are evaluated with the
// engine's function package node by node as the engine evaluates them
// (native_expr.go), and the templates apply with SPARQL Update semantics:
// every match found on the graph before the step, then every deletion,
// then every insertion (native_exec.go). A cell it cannot express
// (BNODE(), say) runs on the engine, and Compiled.Fallbacks lists it.
// ExecutorEngine (Options.Executor, Compiled.WithExecutor) runs each
// prepared update on a throwaway in-memory engine store instead, with a
// prepared check query counting the lost matches.
//
// Package ipsm serves these alignments over the IPSM REST API and plugs
// them into IPSMRM's translation channels (ARCHITECTURE.md §1, IPSM).
package alignment
