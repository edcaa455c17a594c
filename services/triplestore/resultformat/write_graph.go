package resultformat

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// GraphPrefixes are the prefixes the Turtle writer abbreviates with.
var GraphPrefixes = map[string]string{
	"rdf":  rdf.RDFNS,
	"rdfs": "http://www.w3.org/2000/01/rdf-schema#",
	"xsd":  rdf.XSD,
	"sosa": "http://www.w3.org/ns/sosa/",
	"ssn":  "http://www.w3.org/ns/ssn/",
	"iiot": "http://inter-iot.eu/GOIoTP#",
	"msg":  "http://inter-iot.eu/message/",
}

// WriteGraph serialises a graph in a graph format.
func WriteGraph(w io.Writer, g []rdf.Triple, f Format) error {
	switch f {
	case NTriples:
		return rdf.WriteNTriples(w, g)
	case NQuads:
		qs := make([]rdf.Quad, len(g))
		for i, t := range g {
			qs[i] = t.InGraph(rdf.Term{})
		}
		return rdf.WriteNQuads(w, qs)
	case Turtle:
		return rdf.WriteTurtle(w, g, GraphPrefixes)
	case JSONLD:
		return writeJSONLD(w, g)
	}
	return fmt.Errorf("%w: %s is not a graph format", triplestore.ErrUnsupported, f.ContentType())
}

// writeJSONLD writes the graph as flattened, expanded JSON-LD: one node
// object per subject, in first-seen order.
func writeJSONLD(w io.Writer, g []rdf.Triple) error {
	type node struct {
		id    string
		props map[string][]any
		order []string
	}
	var nodes []*node
	index := map[rdf.Term]*node{}
	idOf := func(t rdf.Term) string {
		if t.IsBlank() {
			return "_:" + t.Value
		}
		return t.Value
	}
	for _, t := range g {
		n := index[t.S]
		if n == nil {
			n = &node{id: idOf(t.S), props: map[string][]any{}}
			index[t.S] = n
			nodes = append(nodes, n)
		}
		key := t.P.Value
		var val any
		switch {
		case t.P.Value == rdf.RDFType && !t.O.IsLiteral():
			key, val = "@type", idOf(t.O)
		case t.O.IsLiteral():
			m := map[string]string{"@value": t.O.Value}
			if t.O.Lang != "" {
				m["@language"] = t.O.Lang
			} else if t.O.Datatype != rdf.XSDString {
				m["@type"] = t.O.Datatype
			}
			val = m
		default:
			val = map[string]string{"@id": idOf(t.O)}
		}
		if _, ok := n.props[key]; !ok {
			n.order = append(n.order, key)
		}
		n.props[key] = append(n.props[key], val)
	}
	out := make([]map[string]any, 0, len(nodes))
	for _, n := range nodes {
		m := map[string]any{"@id": n.id}
		for _, k := range n.order {
			m[k] = n.props[k]
		}
		out = append(out, m)
	}
	enc := json.NewEncoder(w)
	return enc.Encode(out)
}
