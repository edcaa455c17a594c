package storebench

import (
	"fmt"

	"github.com/intermw/intermw/ontology/rdf"
)

// Vocabulary of the registry data.
const (
	sosa = "http://www.w3.org/ns/sosa/"
	iiot = "http://inter-iot.eu/GOIoTP#"
	geo  = "http://www.opengis.net/ont/geosparql#"
	base = "http://inter-iot.eu/dev/"
)

// Platforms is how many platforms host the generated devices.
const Platforms = 100

// Devices generates n registry-shaped devices, each in its own named graph
// (the device IRI), about ten triples each: types, name, local id, host
// platform, location, observed properties.
func Devices(n int) []rdf.Quad {
	quads := make([]rdf.Quad, 0, n*10)
	for i := 0; i < n; i++ {
		d := rdf.IRI(fmt.Sprintf("%sdevice%d", base, i))
		add := func(p string, o rdf.Term) { quads = append(quads, rdf.Quad{S: d, P: rdf.IRI(p), O: o, G: d}) }
		add(rdf.RDFType, rdf.IRI(iiot+"IoTDevice"))
		if i%2 == 0 {
			add(rdf.RDFType, rdf.IRI(sosa+"Sensor"))
		} else {
			add(rdf.RDFType, rdf.IRI(sosa+"Actuator"))
		}
		add(iiot+"hasName", rdf.String(fmt.Sprintf("device %d", i)))
		if i%3 != 0 {
			add(iiot+"hasLocalId", rdf.String(fmt.Sprintf("local-%d", i)))
		}
		add(iiot+"isHostedBy", rdf.IRI(fmt.Sprintf("%splatform%d", base, i%Platforms)))
		if i%4 != 0 {
			add(iiot+"hasLocation", rdf.IRI(fmt.Sprintf("%slocation%d", base, i%1000)))
		}
		add(sosa+"observes", rdf.IRI(fmt.Sprintf("%sproperty%d", base, i%50)))
		add(sosa+"observes", rdf.IRI(fmt.Sprintf("%sproperty%d", base, (i+7)%50)))
		add(iiot+"hasDescription", rdf.String(fmt.Sprintf("generated device number %d", i)))
		add(geo+"hasGeometry", rdf.Literal(fmt.Sprintf("POINT(%d.5 %d.25)", i%90, i%180), geo+"wktLiteral"))
	}
	return quads
}

// Query is one benchmarked query shape.
type Query struct {
	Name string
	Text string
}

const prefixes = "PREFIX sosa: <" + sosa + ">\nPREFIX iiot: <" + iiot + ">\n"

// Queries are the discovery shapes of the hub's registry.
func Queries(n int) []Query {
	mid := n / 2
	return []Query{
		{"selective-name", prefixes + fmt.Sprintf(`SELECT ?d WHERE { GRAPH ?d { ?d a sosa:Sensor ; iiot:hasName "device %d" } }`, mid-mid%2)},
		{"selective-device", prefixes + fmt.Sprintf(`SELECT ?p ?o WHERE { GRAPH <%sdevice%d> { <%sdevice%d> ?p ?o } }`, base, mid, base, mid)},
		{"regex-name", prefixes + `SELECT ?d ?n WHERE { GRAPH ?d { ?d a sosa:Sensor ; iiot:hasName ?n FILTER regex(?n, "^device 4242[0-9]?$") } }`},
		{"count-by-platform", prefixes + `SELECT ?p (COUNT(?d) AS ?c) WHERE { GRAPH ?d { ?d iiot:isHostedBy ?p } } GROUP BY ?p`},
		{"optional-listing", prefixes + fmt.Sprintf(`SELECT ?d ?n ?l ?loc WHERE { GRAPH ?d { ?d iiot:isHostedBy <%splatform7> . OPTIONAL { ?d iiot:hasName ?n } OPTIONAL { ?d iiot:hasLocalId ?l } OPTIONAL { ?d iiot:hasLocation ?loc } } }`, base)},
		{"sensors-observing", prefixes + fmt.Sprintf(`SELECT ?d WHERE { GRAPH ?d { ?d a sosa:Sensor ; sosa:observes <%sproperty3> ; iiot:isHostedBy <%splatform12> } }`, base, base)},
	}
}
