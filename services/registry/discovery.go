package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

// DiscoveryPrefixes are declared for every discovery query, before its own
// PREFIX declarations (which may redeclare them): queries written for
// INTER-MW often use iiot:, sosa: and friends without declaring them.
var DiscoveryPrefixes = map[string]string{
	"rdf":    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
	"rdfs":   "http://www.w3.org/2000/01/rdf-schema#",
	"xsd":    NSXSD,
	"owl":    "http://www.w3.org/2002/07/owl#",
	"iiot":   NSGOIoTP,
	"iiotex": NSGOIoTPex,
	"sosa":   NSSOSA,
	"ssn":    NSSSN,
	"mw":     NSINTERMW,
	"msg":    "http://inter-iot.eu/message/",
	"geo":    NSGeo,
	"sf":     NSSF,
}

// discoveryPrologue is DiscoveryPrefixes as SPARQL text.
var discoveryPrologue = func() string {
	var b strings.Builder
	for _, p := range []string{"rdf", "rdfs", "xsd", "owl", "iiot", "iiotex", "sosa", "ssn", "mw", "msg", "geo", "sf"} {
		b.WriteString("PREFIX " + p + ": <" + DiscoveryPrefixes[p] + ">\n")
	}
	return b.String()
}()

// Discovery runs a read-only SPARQL query (SELECT, ASK, CONSTRUCT or
// DESCRIBE) over the registry graphs: device discovery with
// GRAPH ?device { ... }, platform discovery, anything a client may read.
//
// The text is parsed as a query before anything runs; a text that parses
// only as an update is refused with an error wrapping ErrInvalid and
// triplestore.ErrReadOnly, and malformed text with ErrInvalid and the
// parser's *triplestore.SyntaxError (errors.As), whose position is in the
// client's text. So an update never reaches the store through Discovery.
//
// SELECT rows are read into memory within the registry's DiscoveryTimeout;
// closing the result is still good practice.
func (r *Registry) Discovery(ctx context.Context, query string) (*triplestore.Result, error) {
	if strings.TrimSpace(query) == "" {
		return nil, fmt.Errorf("%w: empty discovery query", ErrInvalid)
	}
	opts := sparql.ParseOptions{Prefixes: DiscoveryPrefixes}
	if _, err := sparql.ParseQuery(query, opts); err != nil {
		if _, uerr := sparql.ParseUpdate(query, opts); uerr == nil {
			return nil, fmt.Errorf("%w: %w: discovery runs read-only queries, and this is a SPARQL update", ErrInvalid, triplestore.ErrReadOnly)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	res, err := r.store.Query(ctx, discoveryPrologue+query)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if res.Rows != nil {
		rows, err := triplestore.Collect(res.Rows)
		if err != nil {
			return nil, fmt.Errorf("discovery: %w", err)
		}
		res.Rows = triplestore.SliceRows(rows)
	}
	return res, nil
}
