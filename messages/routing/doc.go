// Package routing maps an INTER-IoT message's metadata to and from the
// routing headers it travels with on the broker (broker.Route), so that
// PRM, IPSMRM, the bridges host and ARM route most messages without decoding
// their JSON-LD bodies. Only hub components write these headers, always from
// the message they encode; broker.ReadRoute decides when they are trusted.
package routing
