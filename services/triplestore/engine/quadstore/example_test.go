package quadstore_test

import (
	"context"
	"fmt"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine/quadstore"
)

func Example() {
	s, err := quadstore.Open(quadstore.Config{}) // in memory
	if err != nil {
		panic(err)
	}
	defer s.Close()

	dev := rdf.IRI("http://example.org/device/1")
	name := rdf.IRI("http://example.org/name")
	g := rdf.IRI("http://example.org/graph/devices")

	tx := s.Begin()
	tx.Add(rdf.Quad{S: dev, P: name, O: rdf.String("thermometer"), G: g})
	tx.Add(rdf.Quad{S: dev, P: rdf.IRI(rdf.RDFType), O: rdf.IRI("http://example.org/Sensor")})
	// The transaction sees its own writes before they are committed.
	fmt.Println("pending view:", tx.Snapshot().Len(), "committed:", s.Snapshot().Len())
	if err := tx.Commit(context.Background()); err != nil {
		panic(err)
	}

	sn := s.Snapshot()
	defer sn.Release()
	d, _ := sn.Find(dev)
	sn.Match(d, 0, 0, 0, func(q [4]quadstore.ID) bool {
		graph := "default graph"
		if q[3] != quadstore.DefaultGraph {
			graph = sn.Term(q[3]).String()
		}
		fmt.Println(sn.Term(q[1]), sn.Term(q[2]), "in", graph)
		return true
	})
	gid, _ := sn.Find(g)
	fmt.Println("quads in the named graph:", sn.Count(0, 0, 0, gid))
	// Output:
	// pending view: 2 committed: 0
	// <http://example.org/name> "thermometer" in <http://example.org/graph/devices>
	// <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Sensor> in default graph
	// quads in the named graph: 1
}
