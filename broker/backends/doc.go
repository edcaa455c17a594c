// Package backends assembles the one explicit table of every broker backend
// compiled into intermw, keyed by URL scheme, for broker.Open. It exists
// because package broker cannot import its own backends (they import it);
// cmd/intermw passes All() to broker.Open.
package backends
