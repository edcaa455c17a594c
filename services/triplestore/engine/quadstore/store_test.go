package quadstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

// openMemory opens an in-memory store closed at the end of the test.
func openMemory(t testing.TB) *Store {
	t.Helper()
	s, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dump returns every quad of sn as N-Quads lines, sorted.
func dump(sn *Snapshot) []string {
	var out []string
	sn.Match(0, 0, 0, 0, func(q [4]ID) bool {
		out = append(out, toQuad(sn, q).String())
		return true
	})
	slices.Sort(out)
	return out
}

func toQuad(sn *Snapshot, q [4]ID) rdf.Quad {
	return rdf.Quad{S: sn.Term(q[0]), P: sn.Term(q[1]), O: sn.Term(q[2]), G: sn.Term(q[3])}
}

func commit(t testing.TB, s *Store, add, remove []rdf.Quad) {
	t.Helper()
	tx := s.Begin()
	for _, q := range remove {
		if err := tx.Remove(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range add {
		if err := tx.Add(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// reference is the naive model: a set of quads.
type reference map[rdf.Quad]string

// add puts q (canonicalised) into the reference.
func (r reference) add(q rdf.Quad) {
	q = canonical(q)
	r[q] = q.String()
}

func (r reference) clone() reference {
	c := make(reference, len(r))
	for q, line := range r {
		c[q] = line
	}
	return c
}

func (r reference) lines() []string {
	var out []string
	for _, line := range r {
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

// match returns the reference's quads matching a term pattern, where nil
// is a wildcard and a pointer to the zero Term in G is the default graph.
func (r reference) match(pat [4]*rdf.Term) []string {
	var out []string
	for q, line := range r {
		terms := [4]rdf.Term{q.S, q.P, q.O, q.G}
		ok := true
		for i, p := range pat {
			if p != nil && *p != terms[i] {
				ok = false
			}
		}
		if ok {
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

// termPool is the random generator's vocabulary: small, so that random
// operations collide often.
type termPool struct {
	subjects, predicates, objects, graphs []rdf.Term
}

func newTermPool() termPool {
	var p termPool
	for i := range 6 {
		p.subjects = append(p.subjects, rdf.IRI(fmt.Sprintf("http://example.org/s%d", i)))
	}
	p.subjects = append(p.subjects, rdf.Blank("b0"), rdf.Blank("b1"))
	for i := range 4 {
		p.predicates = append(p.predicates, rdf.IRI(fmt.Sprintf("http://example.org/p%d", i)))
	}
	p.objects = append(p.objects, p.subjects[:3]...)
	p.objects = append(p.objects,
		rdf.String("x"), rdf.Literal("x", ""), rdf.LangLiteral("x", "EN"), rdf.Literal("1", rdf.XSDInteger),
		rdf.Literal("1", rdf.XSDDecimal), rdf.Literal("", ""), rdf.Blank("b0"), rdf.Literal("x", "http://example.org/dt"))
	p.graphs = []rdf.Term{{}, {}, rdf.IRI("http://example.org/g0"), rdf.IRI("http://example.org/g1"), rdf.IRI("http://example.org/s0"), rdf.Blank("gb")}
	return p
}

func pick(rng *rand.Rand, ts []rdf.Term) rdf.Term { return ts[rng.IntN(len(ts))] }

func (p termPool) quad(rng *rand.Rand) rdf.Quad {
	return rdf.Quad{S: pick(rng, p.subjects), P: pick(rng, p.predicates), O: pick(rng, p.objects), G: pick(rng, p.graphs)}
}

// canonical applies the store's literal normalisation to a test quad.
func canonical(q rdf.Quad) rdf.Quad {
	return rdf.Quad{S: normalize(q.S), P: normalize(q.P), O: normalize(q.O), G: normalize(q.G)}
}

// checkAgainst compares every pattern shape (all 16 bound/unbound
// combinations, with several random bindings each) between sn and ref.
func checkAgainst(t *testing.T, sn *Snapshot, ref reference, pool termPool, rng *rand.Rand) {
	t.Helper()
	if got, want := dump(sn), ref.lines(); !slices.Equal(got, want) {
		t.Fatalf("contents differ:\n got %q\nwant %q", got, want)
	}
	if sn.Len() != len(ref) {
		t.Fatalf("Len = %d, want %d", sn.Len(), len(ref))
	}
	unknown := rdf.IRI("http://example.org/never-used")
	for mask := range 16 {
		for range 2 {
			var pat [4]*rdf.Term
			var ids [4]ID
			known := true
			for i, pool := range [][]rdf.Term{pool.subjects, pool.predicates, pool.objects, pool.graphs} {
				if mask&(1<<i) == 0 {
					continue
				}
				term := normalize(pick(rng, pool))
				if rng.IntN(20) == 0 {
					term = unknown
				}
				pat[i] = &term
				id, ok := sn.Find(term)
				if !ok {
					known = false
				}
				ids[i] = id
			}
			want := ref.match(pat)
			var got []string
			if known {
				sn.Match(ids[0], ids[1], ids[2], ids[3], func(q [4]ID) bool {
					got = append(got, toQuad(sn, q).String())
					return true
				})
				slices.Sort(got)
				if n := sn.Count(ids[0], ids[1], ids[2], ids[3]); n != len(want) {
					t.Fatalf("Count(%v) = %d, want %d", describe(pat), n, len(want))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("Match(%v):\n got %q\nwant %q", describe(pat), got, want)
			}
		}
	}
	var graphs, wantGraphs []string
	sn.NamedGraphs(func(g ID) bool {
		graphs = append(graphs, sn.Term(g).String())
		return true
	})
	seen := map[string]bool{}
	for q := range ref {
		if !q.G.IsZero() && !seen[q.G.String()] {
			seen[q.G.String()] = true
			wantGraphs = append(wantGraphs, q.G.String())
		}
	}
	slices.Sort(graphs)
	slices.Sort(wantGraphs)
	if !slices.Equal(graphs, wantGraphs) {
		t.Fatalf("NamedGraphs = %q, want %q", graphs, wantGraphs)
	}
}

func describe(pat [4]*rdf.Term) string {
	var parts []string
	for _, p := range pat {
		if p == nil {
			parts = append(parts, "?")
		} else if p.IsZero() {
			parts = append(parts, "DEFAULT")
		} else {
			parts = append(parts, p.String())
		}
	}
	return strings.Join(parts, " ")
}

// TestMatchAgreesWithReference is the property test: random transactions
// (commits and rollbacks, single adds and bulk loads) against a naive set,
// checking every pattern shape after each step, for the committed state
// and for transactions' own views.
func TestMatchAgreesWithReference(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("seed %d gives the same answers as a naive set", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, seed*7))
			pool := newTermPool()
			s := openMemory(t)
			ref := reference{}
			for step := range 60 {
				if rng.IntN(10) == 0 {
					var batch []rdf.Quad
					for range rng.IntN(40) {
						q := pool.quad(rng)
						batch = append(batch, q)
						ref.add(q)
					}
					if err := s.Load(context.Background(), batch); err != nil {
						t.Fatal(err)
					}
					checkAgainst(t, s.Snapshot(), ref, pool, rng)
					continue
				}
				tx := s.Begin()
				pending := ref.clone()
				for range 1 + rng.IntN(12) {
					q := pool.quad(rng)
					if rng.IntN(3) == 0 {
						if err := tx.Remove(q); err != nil {
							t.Fatal(err)
						}
						delete(pending, canonical(q))
					} else {
						if err := tx.Add(q); err != nil {
							t.Fatal(err)
						}
						pending.add(q)
					}
					if rng.IntN(8) == 0 {
						checkAgainst(t, tx.Snapshot(), pending, pool, rng)
					}
				}
				if step%7 == 3 {
					tx.Rollback()
				} else {
					if err := tx.Commit(context.Background()); err != nil {
						t.Fatal(err)
					}
					ref = pending
				}
				checkAgainst(t, s.Snapshot(), ref, pool, rng)
			}
		})
	}
}

// TestLargeStoreAgreesWithReference exercises layer merging and folding
// into a base with enough quads that the compaction thresholds trigger.
func TestLargeStoreAgreesWithReference(t *testing.T) {
	for _, tc := range []struct {
		name    string
		foldMin int
	}{
		{"with folds on the commit path", 0},
		{"with folds in the background", 1000},
	} {
		t.Run("a large store agrees with a naive set "+tc.name, func(t *testing.T) {
			s := openMemory(t)
			s.foldMin = tc.foldMin
			largeStoreSteps(t, s)
			if tc.foldMin == 0 {
				if folds := s.Stats().BackgroundFolds; folds != 0 {
					t.Fatalf("%d background folds", folds)
				}
				return
			}
			deadline := time.Now().Add(10 * time.Second)
			for s.Stats().BackgroundFolds == 0 {
				if time.Now().After(deadline) {
					t.Fatal("no background fold finished")
				}
				runtime.Gosched()
			}
		})
	}
}

func largeStoreSteps(t *testing.T, s *Store) {
	rng := rand.New(rand.NewPCG(42, 43))
	ref := reference{}
	iri := func(kind string, n int) rdf.Term { return rdf.IRI(fmt.Sprintf("http://example.org/%s%d", kind, n)) }
	var initial []rdf.Quad
	for i := range 5000 {
		q := rdf.Quad{S: iri("s", i%700), P: iri("p", i%13), O: rdf.String(fmt.Sprint(i % 997)), G: iri("g", i%31)}
		initial = append(initial, q)
		ref.add(q)
	}
	if err := s.Load(context.Background(), initial); err != nil {
		t.Fatal(err)
	}
	for step := range 300 {
		var add, remove []rdf.Quad
		for range 1 + rng.IntN(30) {
			i := rng.IntN(8000)
			q := rdf.Quad{S: iri("s", i%700), P: iri("p", i%13), O: rdf.String(fmt.Sprint(i % 997)), G: iri("g", i%31)}
			if rng.IntN(2) == 0 {
				add = append(add, q)
			} else {
				remove = append(remove, q)
			}
		}
		commit(t, s, add, remove)
		for _, q := range remove {
			delete(ref, q)
		}
		for _, q := range add {
			ref.add(q)
		}
		if step%50 == 0 || step == 299 {
			sn := s.Snapshot()
			if got, want := dump(sn), ref.lines(); !slices.Equal(got, want) {
				t.Fatalf("step %d: contents differ (%d vs %d quads)", step, len(got), len(want))
			}
			for i := range 31 {
				g, _ := sn.Find(iri("g", i))
				want := 0
				for q := range ref {
					if q.G == iri("g", i) {
						want++
					}
				}
				if n := sn.Count(0, 0, 0, g); n != want {
					t.Fatalf("step %d: Count(graph %d) = %d, want %d", step, i, n, want)
				}
			}
		}
	}
	if st := s.Stats(); st.Quads != len(ref) {
		t.Fatalf("Stats.Quads = %d, want %d", st.Quads, len(ref))
	}
}

func TestTermsRoundTrip(t *testing.T) {
	s := openMemory(t)
	long := strings.Repeat("ü", 100000)
	tests := []struct {
		name string
		in   rdf.Term
		want rdf.Term
	}{
		{"an IRI comes back unchanged", rdf.IRI("http://example.org/a"), rdf.IRI("http://example.org/a")},
		{"a blank node comes back unchanged", rdf.Blank("x1"), rdf.Blank("x1")},
		{"a simple literal is an xsd:string", rdf.Literal("v", ""), rdf.String("v")},
		{"an empty string literal survives", rdf.String(""), rdf.String("")},
		{"a language tag is lower-cased", rdf.Term{Kind: rdf.KindLiteral, Value: "v", Lang: "EN-GB"}, rdf.LangLiteral("v", "en-gb")},
		{"a typed literal keeps its datatype", rdf.Literal("1", rdf.XSDInteger), rdf.Literal("1", rdf.XSDInteger)},
		{"a custom datatype is kept", rdf.Literal("v", "http://example.org/dt"), rdf.Literal("v", "http://example.org/dt")},
		{"a very long literal is kept", rdf.String(long), rdf.String(long)},
		{"the zero term is the default graph", rdf.Term{}, rdf.Term{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := s.Intern(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Term(id); got != tt.want {
				t.Fatalf("Term = %#v, want %#v", got, tt.want)
			}
			if found, ok := s.Find(tt.want); !ok || found != id {
				t.Fatalf("Find = %d %v, want %d", found, ok, id)
			}
		})
	}
	t.Run("an IRI and a literal with the same text are different terms", func(t *testing.T) {
		a, _ := s.Intern(rdf.IRI("x"))
		b, _ := s.Intern(rdf.String("x"))
		c, _ := s.Intern(rdf.Blank("x"))
		if a == b || b == c || a == c {
			t.Fatalf("ids %d %d %d collide", a, b, c)
		}
	})
	t.Run("unknown and reserved IDs give the zero term", func(t *testing.T) {
		for _, id := range []ID{None, DefaultGraph, 1 << 31, 1 << 40} {
			if got := s.Term(id); !got.IsZero() {
				t.Fatalf("Term(%d) = %v", id, got)
			}
		}
	})
	t.Run("many terms grow the tables", func(t *testing.T) {
		ids := map[ID]int{}
		for i := range 20000 {
			id, _ := s.Intern(rdf.Literal(fmt.Sprint(i), fmt.Sprintf("http://example.org/dt%d", i%1500)))
			ids[id] = i
		}
		for id, i := range ids {
			if got, want := s.Term(id), rdf.Literal(fmt.Sprint(i), fmt.Sprintf("http://example.org/dt%d", i%1500)); got != want {
				t.Fatalf("Term(%d) = %v, want %v", id, got, want)
			}
		}
	})
}

func TestInvalidQuadsAreRefused(t *testing.T) {
	s := openMemory(t)
	iri := rdf.IRI("http://example.org/a")
	tests := []struct {
		name string
		q    rdf.Quad
	}{
		{"a literal subject", rdf.Quad{S: rdf.String("x"), P: iri, O: iri}},
		{"a blank predicate", rdf.Quad{S: iri, P: rdf.Blank("p"), O: iri}},
		{"a missing object", rdf.Quad{S: iri, P: iri}},
		{"a literal graph name", rdf.Quad{S: iri, P: iri, O: iri, G: rdf.String("g")}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			tx := s.Begin()
			err := tx.Add(tt.q)
			tx.Rollback()
			var iqe *InvalidQuadError
			if !errors.Is(err, ErrInvalidQuad) || !errors.As(err, &iqe) {
				t.Fatalf("Add = %v, want ErrInvalidQuad", err)
			}
			if err := s.Load(context.Background(), []rdf.Quad{tt.q}); !errors.Is(err, ErrInvalidQuad) {
				t.Fatalf("Load = %v, want ErrInvalidQuad", err)
			}
		})
	}
}

func TestTransactions(t *testing.T) {
	ex := func(s string) rdf.Term { return rdf.IRI("http://example.org/" + s) }
	a := rdf.Quad{S: ex("a"), P: ex("p"), O: rdf.String("1")}
	b := rdf.Quad{S: ex("b"), P: ex("p"), O: rdf.String("2"), G: ex("g")}
	ctx := context.Background()

	t.Run("a rollback leaves nothing behind", func(t *testing.T) {
		s := openMemory(t)
		commit(t, s, []rdf.Quad{a}, nil)
		tx := s.Begin()
		tx.Add(b)
		tx.Remove(a)
		tx.Rollback()
		if got := dump(s.Snapshot()); !slices.Equal(got, []string{a.String()}) {
			t.Fatalf("after rollback: %q", got)
		}
	})
	t.Run("a reader's snapshot does not change while a writer commits", func(t *testing.T) {
		s := openMemory(t)
		commit(t, s, []rdf.Quad{a}, nil)
		before := s.Snapshot()
		defer before.Release()
		want := dump(before)
		commit(t, s, []rdf.Quad{b}, []rdf.Quad{a})
		for range 50 { // enough commits to trigger merges
			commit(t, s, []rdf.Quad{{S: ex("c"), P: ex("p"), O: rdf.String(fmt.Sprint(rand.Int()))}}, nil)
		}
		if got := dump(before); !slices.Equal(got, want) {
			t.Fatalf("old snapshot changed: %q, want %q", got, want)
		}
		if before.Count(0, 0, 0, 0) != 1 {
			t.Fatalf("old snapshot count changed")
		}
	})
	t.Run("a transaction sees its own pending writes", func(t *testing.T) {
		s := openMemory(t)
		commit(t, s, []rdf.Quad{a}, nil)
		tx := s.Begin()
		defer tx.Rollback()
		tx.Remove(a)
		tx.Add(b)
		if got := dump(tx.Snapshot()); !slices.Equal(got, []string{b.String()}) {
			t.Fatalf("txn view: %q", got)
		}
		if got := dump(s.Snapshot()); !slices.Equal(got, []string{a.String()}) {
			t.Fatalf("committed view during txn: %q", got)
		}
	})
	t.Run("adding then removing in one transaction cancels out", func(t *testing.T) {
		s := openMemory(t)
		tx := s.Begin()
		tx.Add(a)
		tx.Remove(a)
		if tx.Pending() != 0 {
			t.Fatalf("pending = %d", tx.Pending())
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if s.Snapshot().Len() != 0 {
			t.Fatal("quad visible")
		}
	})
	t.Run("a finished transaction refuses more work", func(t *testing.T) {
		s := openMemory(t)
		tx := s.Begin()
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Add(a); !errors.Is(err, ErrTxnDone) {
			t.Fatalf("Add after commit = %v", err)
		}
		if err := tx.Commit(ctx); !errors.Is(err, ErrTxnDone) {
			t.Fatalf("second Commit = %v", err)
		}
		tx.Rollback() // no effect, no deadlock
		s.Begin().Rollback()
	})
	t.Run("a cancelled context commits nothing", func(t *testing.T) {
		s := openMemory(t)
		tx := s.Begin()
		tx.Add(a)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := tx.Commit(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Commit = %v", err)
		}
		if s.Snapshot().Len() != 0 {
			t.Fatal("quad visible")
		}
	})
	t.Run("a closed store refuses transactions", func(t *testing.T) {
		s := openMemory(t)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close = %v", err)
		}
		tx := s.Begin()
		if err := tx.Add(a); !errors.Is(err, ErrClosed) {
			t.Fatalf("Add = %v", err)
		}
		if err := tx.Commit(ctx); !errors.Is(err, ErrClosed) {
			t.Fatalf("Commit = %v", err)
		}
		if err := s.Load(ctx, []rdf.Quad{a}); !errors.Is(err, ErrClosed) {
			t.Fatalf("Load = %v", err)
		}
	})
	t.Run("the default graph and named graphs are told apart", func(t *testing.T) {
		s := openMemory(t)
		inNamed := a
		inNamed.G = ex("g")
		commit(t, s, []rdf.Quad{a, inNamed}, nil)
		sn := s.Snapshot()
		g, _ := sn.Find(ex("g"))
		if n := sn.Count(0, 0, 0, DefaultGraph); n != 1 {
			t.Fatalf("default graph count %d", n)
		}
		if n := sn.Count(0, 0, 0, g); n != 1 {
			t.Fatalf("named graph count %d", n)
		}
		if n := sn.Count(0, 0, 0, 0); n != 2 {
			t.Fatalf("all graphs count %d", n)
		}
		sid, _ := sn.Find(a.S)
		if !sn.Contains(sid, mustFind(t, sn, a.P), mustFind(t, sn, a.O), DefaultGraph) {
			t.Fatal("Contains(default) = false")
		}
	})
	t.Run("Match stops when the callback says so", func(t *testing.T) {
		s := openMemory(t)
		var qs []rdf.Quad
		for i := range 10 {
			qs = append(qs, rdf.Quad{S: ex("s"), P: ex("p"), O: rdf.String(fmt.Sprint(i))})
		}
		commit(t, s, qs[:5], nil)
		commit(t, s, qs[5:], nil) // two sources, so the merge path runs
		n := 0
		s.Snapshot().Match(0, 0, 0, 0, func([4]ID) bool { n++; return n < 3 })
		if n != 3 {
			t.Fatalf("callback ran %d times", n)
		}
	})
}

func mustFind(t *testing.T, sn *Snapshot, term rdf.Term) ID {
	t.Helper()
	id, ok := sn.Find(term)
	if !ok {
		t.Fatalf("term %v not found", term)
	}
	return id
}
