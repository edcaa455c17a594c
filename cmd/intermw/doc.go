// Command intermw is the intermw hub: the one binary that builds every
// component from configuration and runs them.
//
//	intermw serve                 the hub all-in-one (what `make run` starts)
//	intermw triplestore serve     the embedded SPARQL store on its own
//	intermw version
//
// Configuration comes from flags, then INTERMW_* environment variables, then
// a YAML file named by --config, in that order of precedence.
package main
