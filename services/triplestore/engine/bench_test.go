package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

// Registry-shaped data: devices each in their own named graph, as the
// registry stores them.
const (
	benchNS     = "http://inter-iot.eu/"
	benchSOSA   = "http://www.w3.org/ns/sosa/"
	benchPrefix = "PREFIX sosa: <http://www.w3.org/ns/sosa/> PREFIX iiot: <http://inter-iot.eu/GOIoTP#> "
)

func registryQuads(devices int) []rdf.Quad {
	iiot := "http://inter-iot.eu/GOIoTP#"
	qs := make([]rdf.Quad, 0, devices*10)
	for i := 0; i < devices; i++ {
		d := rdf.IRI(fmt.Sprintf("%sdevice/%d", benchNS, i))
		add := func(p string, o rdf.Term) { qs = append(qs, rdf.Quad{S: d, P: rdf.IRI(p), O: o, G: d}) }
		add(rdf.RDFType, rdf.IRI(benchSOSA+"Sensor"))
		add(iiot+"hasName", rdf.String(fmt.Sprintf("device-%d", i)))
		add(iiot+"hostedBy", rdf.IRI(fmt.Sprintf("%splatform/%d", benchNS, i%50)))
		add(iiot+"location", rdf.IRI(fmt.Sprintf("%slocation/%d", benchNS, i%1000)))
		add(benchSOSA+"observes", rdf.IRI(fmt.Sprintf("%sproperty/%d", benchNS, i%20)))
		add(iiot+"hasSerial", rdf.String(fmt.Sprintf("SN%08d", i)))
		if i%3 == 0 {
			add(iiot+"model", rdf.String(fmt.Sprintf("model-%d", i%7)))
		}
		add(iiot+"battery", rdf.Literal(fmt.Sprint(i%100), rdf.XSDInteger))
		add(iiot+"active", rdf.Literal("true", rdf.XSDBoolean))
		add(iiot+"registered", rdf.Literal("2024-01-01T00:00:00Z", rdf.XSDDateTime))
	}
	return qs
}

var (
	benchOnce   sync.Once
	benchEngine *Engine
)

func registryEngine(b *testing.B) *Engine {
	benchOnce.Do(func() {
		benchEngine = NewMemory()
		if err := benchEngine.Load(context.Background(), registryQuads(100_000)); err != nil {
			b.Fatal(err)
		}
	})
	return benchEngine
}

func benchSelect(b *testing.B, e *Engine, q string, wantRows int) {
	b.Helper()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := e.Query(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for res.Rows.Next() {
			n++
		}
		if err := res.Rows.Err(); err != nil {
			b.Fatal(err)
		}
		res.Close()
		if wantRows >= 0 && n != wantRows {
			b.Fatalf("got %d rows, want %d", n, wantRows)
		}
	}
}

// The selective discovery query, written in a good and in a bad pattern
// order: the planner should make the two cost the same.
func BenchmarkDiscovery(b *testing.B) {
	e := registryEngine(b)
	cases := []struct {
		name, q string
		rows    int
	}{
		{"by_name_good_order", benchPrefix + `SELECT ?d WHERE { GRAPH ?d { ?d iiot:hasName "device-4242" ; a sosa:Sensor } }`, 1},
		{"by_name_bad_order", benchPrefix + `SELECT ?d WHERE { GRAPH ?d { ?d a sosa:Sensor ; iiot:hasName "device-4242" } }`, 1},
		{"by_iri", benchPrefix + `SELECT ?p ?o WHERE { GRAPH <http://inter-iot.eu/device/4242> { <http://inter-iot.eu/device/4242> ?p ?o } }`, 10},
		{"by_name_filter_eq", benchPrefix + `SELECT ?d WHERE { GRAPH ?d { ?d a sosa:Sensor ; iiot:hasName ?n FILTER(?n = "device-4242") } }`, -1},
		{"regex_scan", benchPrefix + `SELECT ?d ?n WHERE { GRAPH ?d { ?d a sosa:Sensor ; iiot:hasName ?n FILTER regex(?n, "^device-4242$") } }`, 1},
		{"count_by_platform", benchPrefix + `SELECT ?p (COUNT(?d) AS ?n) WHERE { GRAPH ?d { ?d iiot:hostedBy ?p } } GROUP BY ?p`, 50},
		{"optional_listing", benchPrefix + `SELECT ?d ?n ?loc ?m WHERE { GRAPH ?d { ?d a sosa:Sensor ; iiot:hostedBy <http://inter-iot.eu/platform/7> OPTIONAL { ?d iiot:location ?loc } OPTIONAL { ?d iiot:model ?m } ?d iiot:hasName ?n } }`, 2000},
	}
	for _, c := range cases {
		b.Run(c.name+"/planned", func(b *testing.B) {
			e.writtenOrder = false
			benchSelect(b, e, c.q, c.rows)
		})
		b.Run(c.name+"/written_order", func(b *testing.B) {
			e.writtenOrder = true
			defer func() { e.writtenOrder = false }()
			benchSelect(b, e, c.q, c.rows)
		})
	}
}

func ipsmQuads() []rdf.Quad {
	var qs []rdf.Quad
	ex := "http://example.org/"
	for i := 0; i < 4; i++ {
		o := rdf.IRI(fmt.Sprintf("%sobs/%d", ex, i))
		qs = append(qs,
			rdf.Quad{S: o, P: rdf.IRI(rdf.RDFType), O: rdf.IRI(benchSOSA + "Observation")},
			rdf.Quad{S: o, P: rdf.IRI(benchSOSA + "madeBySensor"), O: rdf.IRI(ex + "sensor/1")},
			rdf.Quad{S: o, P: rdf.IRI(ex + "tempF"), O: rdf.Literal(fmt.Sprint(60+i), rdf.XSDInteger)},
			rdf.Quad{S: o, P: rdf.IRI(benchSOSA + "resultTime"), O: rdf.Literal("2024-01-01T00:00:00Z", rdf.XSDDateTime)},
			rdf.Quad{S: o, P: rdf.IRI(ex + "unit"), O: rdf.String("F")},
		)
	}
	return qs
}

const ipsmUpdate = `PREFIX ex: <http://example.org/> PREFIX sosa: <http://www.w3.org/ns/sosa/>
DELETE { ?o ex:tempF ?f . ?o ex:unit ?u }
INSERT { ?o ex:tempC ?c . ?o ex:unit "C" }
WHERE { ?o a sosa:Observation ; ex:tempF ?f ; ex:unit ?u BIND((?f - 32) * 5 / 9 AS ?c) }`

// BenchmarkIPSMUpdate is the mediator's step: a fresh 20-triple graph and a
// compiled DELETE/INSERT WHERE applied to it.
func BenchmarkIPSMUpdate(b *testing.B) {
	pu, err := PrepareUpdate(ipsmUpdate, sparql.ParseOptions{})
	if err != nil {
		b.Fatal(err)
	}
	data := ipsmQuads()
	ctx := context.Background()
	b.Run("new_load_exec", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			e := NewMemory()
			if err := e.Load(ctx, data); err != nil {
				b.Fatal(err)
			}
			if err := pu.Exec(ctx, e); err != nil {
				b.Fatal(err)
			}
			e.Close()
		}
	})
	intUpdate, err := PrepareUpdate(strings.Replace(ipsmUpdate, "(?f - 32) * 5 / 9", "?f - 32", 1), sparql.ParseOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		pu   *PreparedUpdate
	}{{"exec_only", pu}, {"exec_only_integer_arith", intUpdate}} {
		pu := c.pu
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			engines := make([]*Engine, b.N)
			for i := range engines {
				engines[i] = NewMemory()
				if err := engines[i].Load(ctx, data); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := pu.Exec(ctx, engines[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			for _, e := range engines {
				e.Close()
			}
		})
	}
	// The same engine over and over: the update rewrites the unit with
	// itself, so every run finds the same 4 solutions.
	sameUpdate, err := PrepareUpdate(`PREFIX ex: <http://example.org/> PREFIX sosa: <http://www.w3.org/ns/sosa/>
DELETE { ?o ex:unit ?u } INSERT { ?o ex:unit ?v }
WHERE { ?o a sosa:Observation ; ex:tempF ?f ; ex:unit ?u BIND(STR(?u) AS ?v) }`, sparql.ParseOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("exec_same_engine", func(b *testing.B) {
		e := NewMemory()
		defer e.Close()
		if err := e.Load(ctx, data); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := sameUpdate.Exec(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse_and_exec", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			e := NewMemory()
			if err := e.Load(ctx, data); err != nil {
				b.Fatal(err)
			}
			if err := e.Update(ctx, ipsmUpdate); err != nil {
				b.Fatal(err)
			}
			e.Close()
		}
	})
}

// BenchmarkNewMemoryLoad is the fixed cost of a throwaway mediation store.
func BenchmarkNewMemoryLoad(b *testing.B) {
	data := ipsmQuads()
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := NewMemory()
		if err := e.Load(ctx, data); err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}
