package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

func TestConcurrentQueriesAndUpdates(t *testing.T) {
	e := newTestEngine(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				u := fmt.Sprintf(`PREFIX : <http://example.org/> INSERT DATA { GRAPH :w%d { :s%d :p %d } }`, w, i, i)
				if err := e.Update(ctx, u); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				res, err := e.Query(ctx, `SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g`)
				if err != nil {
					errs <- err
					return
				}
				for res.Rows.Next() {
				}
				if err := res.Rows.Err(); err != nil {
					errs <- err
				}
				res.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := rowsOf(t, e, `SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s :p ?o } }`, false)
	if len(got) != 1 || got[0] != "n=100" {
		t.Errorf("got %v, want n=100", got)
	}
}
