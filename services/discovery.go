package services

import (
	"strconv"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/registry"
	"github.com/intermw/intermw/services/triplestore"
)

// NSResultSet is the W3C DAWG result-set vocabulary a SELECT result is
// written in (what Jena's RDFOutput, and so INTER-MW, wrote).
const NSResultSet = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"

// AskResultIRI is the subject INTER-MW gave an ASK answer:
// <http://inter-iot.eu/askResult> rdf:value true|false.
const AskResultIRI = "http://inter-iot.eu/askResult"

var (
	rsResultSet      = rdf.IRI(NSResultSet + "ResultSet")
	rsResultVariable = rdf.IRI(NSResultSet + "resultVariable")
	rsSize           = rdf.IRI(NSResultSet + "size")
	rsSolution       = rdf.IRI(NSResultSet + "solution")
	rsIndex          = rdf.IRI(NSResultSet + "index")
	rsBinding        = rdf.IRI(NSResultSet + "binding")
	rsVariable       = rdf.IRI(NSResultSet + "variable")
	rsValue          = rdf.IRI(NSResultSet + "value")
	rdfType          = rdf.IRI(rdf.RDFType)
	rdfValue         = rdf.IRI(rdf.RDFNS + "value")
)

// resultPayload writes a discovery result as a payload graph: a CONSTRUCT
// or DESCRIBE graph as is, an ASK as AskResultIRI rdf:value, and a SELECT
// in the result-set vocabulary, each solution with its rs:index (1-based,
// in the order the query gave) so that ORDER BY survives.
func resultPayload(res *triplestore.Result) ([]rdf.Triple, error) {
	switch res.Form {
	case triplestore.FormAsk:
		return []rdf.Triple{{S: rdf.IRI(AskResultIRI), P: rdfValue, O: rdf.Literal(strconv.FormatBool(res.Boolean), rdf.XSDBoolean)}}, nil
	case triplestore.FormConstruct, triplestore.FormDescribe:
		return res.Graph, nil
	}
	rows, err := triplestore.Collect(res.Rows)
	if err != nil {
		return nil, err
	}
	set := rdf.Blank("rs")
	ts := []rdf.Triple{{S: set, P: rdfType, O: rsResultSet}}
	for _, v := range res.Vars {
		ts = append(ts, rdf.Triple{S: set, P: rsResultVariable, O: rdf.String(v)})
	}
	ts = append(ts, rdf.Triple{S: set, P: rsSize, O: rdf.Literal(strconv.Itoa(len(rows)), rdf.XSDInteger)})
	values := map[string]string{} // blank nodes of the result, renamed apart from ours
	for i, row := range rows {
		sol := rdf.Blank("s" + strconv.Itoa(i))
		ts = append(ts,
			rdf.Triple{S: set, P: rsSolution, O: sol},
			rdf.Triple{S: sol, P: rsIndex, O: rdf.Literal(strconv.Itoa(i+1), rdf.XSDInteger)})
		for j, v := range res.Vars {
			val, ok := row[v]
			if !ok || val.IsZero() {
				continue
			}
			if val.IsBlank() {
				n, seen := values[val.Value]
				if !seen {
					n = "v" + strconv.Itoa(len(values))
					values[val.Value] = n
				}
				val = rdf.Blank(n)
			}
			b := rdf.Blank("b" + strconv.Itoa(i) + "_" + strconv.Itoa(j))
			ts = append(ts,
				rdf.Triple{S: sol, P: rsBinding, O: b},
				rdf.Triple{S: b, P: rsVariable, O: rdf.String(v)},
				rdf.Triple{S: b, P: rsValue, O: val})
		}
	}
	return ts, nil
}

// platformsPayload lists platforms for a Platform_discovery_query without
// a query: their GOIoTP descriptions, without credentials.
func platformsPayload(ps []registry.Platform) []rdf.Triple {
	var ts []rdf.Triple
	for _, p := range ps {
		p.Username, p.EncryptedPassword, p.EncryptionAlgorithm = "", "", ""
		ts = append(ts, registry.PlatformPayload(p)...)
	}
	return ts
}
