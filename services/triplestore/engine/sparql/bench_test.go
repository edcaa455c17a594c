package sparql

import "testing"

// Typical queries of the registry and discovery services.
const registryQuery = `PREFIX sosa: <http://www.w3.org/ns/sosa/>
PREFIX iiot: <http://inter-iot.eu/GOIoTP#>
SELECT ?d ?n WHERE { GRAPH ?d { ?d a sosa:Sensor ; iiot:hasName ?n FILTER regex(?n, "x") } }`

const discoveryQuery = `PREFIX sosa: <http://www.w3.org/ns/sosa/>
PREFIX ssn: <http://www.w3.org/ns/ssn/>
PREFIX iiot: <http://inter-iot.eu/GOIoTP#>
PREFIX iiotex: <http://inter-iot.eu/GOIoTPex#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT DISTINCT ?device ?platform ?name ?location
WHERE {
  GRAPH <http://inter-iot.eu/devices> {
    ?device a iiot:IoTDevice ;
            iiotex:hasPlatform ?platform ;
            iiot:hasName ?name .
    OPTIONAL { ?device iiot:hasLocation ?location }
    ?device sosa:observes/ssn:hasProperty* ?prop .
    FILTER (?platform IN (<http://example.org/platform/1>, <http://example.org/platform/2>))
    FILTER (STRSTARTS(STR(?device), "http://example.org/") && !isBlank(?location))
  }
}
ORDER BY ?name
LIMIT 100`

const registryUpdate = `PREFIX iiot: <http://inter-iot.eu/GOIoTP#>
PREFIX iiotex: <http://inter-iot.eu/GOIoTPex#>
DELETE { GRAPH <http://inter-iot.eu/platforms> { ?p iiot:hasName ?old } }
INSERT { GRAPH <http://inter-iot.eu/platforms> { ?p iiot:hasName "Platform 1" ; iiotex:hasType "MQTT" } }
WHERE { GRAPH <http://inter-iot.eu/platforms> { ?p a iiot:Platform . OPTIONAL { ?p iiot:hasName ?old } } }`

func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name, text string
		update     bool
	}{
		{"registry-query", registryQuery, false},
		{"discovery-query", discoveryQuery, false},
		{"registry-update", registryUpdate, true},
	}
	for _, c := range cases {
		// Baseline: the lexer alone, to show what parsing adds to tokenising.
		b.Run(c.name+"/lex-only", func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tokenize(c.text); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/parse", func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if c.update {
					_, err = ParseUpdate(c.text, ParseOptions{})
				} else {
					_, err = ParseQuery(c.text, ParseOptions{})
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
