package quadstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestConcurrentReadersAndWriters runs readers that check an invariant on
// every snapshot while writers commit: each transaction replaces the pair
// (a, n) and (b, n) with (a, n+1) and (b, n+1), so every consistent view
// has exactly two "state" quads with the same number. Readers also resolve
// fresh terms while the dictionary grows. Run it with -race.
func TestConcurrentReadersAndWriters(t *testing.T) {
	for _, dir := range []string{"", "dir"} {
		name := "in memory"
		cfg := Config{}
		if dir != "" {
			name = "with a data directory"
			cfg = Config{Dir: t.TempDir(), SnapshotEvery: 25, NoSync: true}
		}
		t.Run("readers always see a consistent state "+name, func(t *testing.T) {
			s, err := Open(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.foldMin = 64 // exercise background folds too
			ex := func(v string) rdf.Term { return rdf.IRI("http://example.org/" + v) }
			stateP := ex("state")
			num := func(n int) rdf.Term { return rdf.Literal(strconv.Itoa(n), rdf.XSDInteger) }
			commit(t, s, []rdf.Quad{{S: ex("a"), P: stateP, O: num(0)}, {S: ex("b"), P: stateP, O: num(0)}}, nil)

			const rounds = 300
			var done atomic.Bool
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for r := range 3 {
				wg.Go(func() {
					for !done.Load() {
						sn := s.Snapshot()
						p, ok := sn.Find(stateP)
						if !ok {
							errs <- fmt.Errorf("reader %d: predicate missing", r)
							return
						}
						var vals []string
						sn.Match(0, p, 0, 0, func(q [4]ID) bool {
							vals = append(vals, sn.Term(q[2]).Value)
							return true
						})
						if len(vals) != 2 || vals[0] != vals[1] || sn.Count(0, p, 0, 0) != 2 {
							errs <- fmt.Errorf("reader %d: inconsistent view %v", r, vals)
							return
						}
						// Terms added by the writer resolve both ways.
						n, _ := strconv.Atoi(vals[0])
						id, ok := sn.Find(ex(fmt.Sprintf("extra/%d", n)))
						if n > 0 && (!ok || sn.Term(id) != ex(fmt.Sprintf("extra/%d", n))) {
							errs <- fmt.Errorf("reader %d: term for round %d not resolvable", r, n)
							return
						}
						sn.NamedGraphs(func(ID) bool { return true })
						sn.Release()
					}
				})
			}
			for i := 1; i <= rounds; i++ {
				tx := s.Begin()
				tx.Remove(rdf.Quad{S: ex("a"), P: stateP, O: num(i - 1)})
				tx.Remove(rdf.Quad{S: ex("b"), P: stateP, O: num(i - 1)})
				tx.Add(rdf.Quad{S: ex("a"), P: stateP, O: num(i)})
				tx.Add(rdf.Quad{S: ex("b"), P: stateP, O: num(i)})
				tx.Add(rdf.Quad{S: ex(fmt.Sprintf("extra/%d", i)), P: ex("p"), O: rdf.String("x"), G: ex(fmt.Sprintf("g%d", i%10))})
				if i%3 == 0 {
					// A rolled-back transaction in between must not be seen.
					if err := tx.Commit(context.Background()); err != nil {
						t.Fatal(err)
					}
					tx = s.Begin()
					tx.Remove(rdf.Quad{S: ex("a"), P: stateP, O: num(i)})
					tx.Rollback()
					continue
				}
				if err := tx.Commit(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			done.Store(true)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
