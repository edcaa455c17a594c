package w3c

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine"
)

// lossyStore drops the first solution of every SELECT, the first triple of
// every graph result, negates ASK and replaces updates: a store every
// evaluation test the engine passes should catch.
type lossyStore struct{ *engine.Engine }

func (s lossyStore) Query(ctx context.Context, q string) (*triplestore.Result, error) {
	res, err := s.Engine.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	switch res.Form {
	case triplestore.FormSelect:
		rows, err := triplestore.Collect(res.Rows)
		if err != nil {
			return nil, err
		}
		if len(rows) > 0 {
			rows = rows[1:]
		} else {
			rows = []triplestore.Binding{{"injected": rdf.String("x")}}
		}
		res.Rows = triplestore.SliceRows(rows)
	case triplestore.FormAsk:
		res.Boolean = !res.Boolean
	default:
		if len(res.Graph) > 0 {
			res.Graph = res.Graph[1:]
		} else {
			res.Graph = []rdf.Triple{{S: rdf.IRI("urn:x"), P: rdf.IRI("urn:y"), O: rdf.String("z")}}
		}
	}
	return res, nil
}

func (s lossyStore) Update(ctx context.Context, u string) error {
	return s.Engine.Update(ctx, "INSERT DATA { <urn:injected> <urn:p> 1 }")
}

// TestHarnessCatchesWrongAnswers proves the comparisons can fail: a store
// that answers wrongly fails every evaluation test the engine passes.
func TestHarnessCatchesWrongAnswers(t *testing.T) {
	corpus := corpusDir(t)
	runner := &Runner{NewStore: func() (Store, error) { return lossyStore{engine.NewMemory()}, nil }}
	honest := &Runner{NewStore: func() (Store, error) { return engine.NewMemory(), nil }}
	for _, m := range []string{"sparql10/basic/manifest.ttl", "sparql11/aggregates/manifest.ttl", "sparql11/delete/manifest.ttl"} {
		tests, err := ReadManifest(filepath.Join(corpus, m))
		if err != nil {
			t.Fatal(err)
		}
		evaluated := 0
		for _, tc := range tests {
			if tc.Kind != QueryEvaluation && tc.Kind != UpdateEvaluation {
				continue
			}
			if honest.Run(context.Background(), tc).Status != Pass {
				continue // the engine itself fails it; nothing to learn
			}
			evaluated++
			if out := runner.Run(context.Background(), tc); out.Status == Pass {
				t.Errorf("%s: a wrong answer passed", tc.ID)
			}
		}
		if evaluated == 0 {
			t.Errorf("%s: no evaluation tests found", m)
		}
	}
}
