package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testData = `@prefix : <http://example.org/> .
:alice :name "Alice" ; :age 30 ; :knows :bob , :carol ; :mbox <mailto:alice@example.org> .
:bob :name "Bob" ; :age 25 ; :knows :carol .
:carol :name "Carol" ; :age 35 .
:dave :name "Dave" .
`

const testGraph = `@prefix : <http://example.org/> .
:s1 :temp 20 ; :room :r1 .
:s2 :temp 25 ; :room :r2 .
`

func loadTurtle(t testing.TB, e *Engine, ttl, graph string) {
	t.Helper()
	tr, err := rdf.ParseTurtle(strings.NewReader(ttl), "http://example.org/")
	if err != nil {
		t.Fatal(err)
	}
	var g rdf.Term
	if graph != "" {
		g = rdf.IRI(graph)
	}
	qs := make([]rdf.Quad, len(tr))
	for i, x := range tr {
		qs[i] = x.InGraph(g)
	}
	if err := e.Load(context.Background(), qs); err != nil {
		t.Fatal(err)
	}
}

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	e := NewMemory()
	t.Cleanup(func() { e.Close() })
	loadTurtle(t, e, testData, "")
	loadTurtle(t, e, testGraph, "http://example.org/g1")
	return e
}

// rowsOf runs a SELECT and renders each solution as "v=term ..." in
// projection order; the rows are sorted unless ordered.
func rowsOf(t testing.TB, e *Engine, q string, ordered bool) []string {
	t.Helper()
	res, err := e.Query(context.Background(), "PREFIX : <http://example.org/>\n"+q)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	defer res.Close()
	var out []string
	for res.Rows.Next() {
		b := res.Rows.Binding()
		var parts []string
		for _, v := range res.Vars {
			if term, ok := b[v]; ok {
				parts = append(parts, v+"="+short(term))
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	if err := res.Rows.Err(); err != nil {
		t.Fatalf("rows of %q: %v", q, err)
	}
	if !ordered {
		sort.Strings(out)
	}
	return out
}

// short renders a term compactly: :x for example.org IRIs, the lexical
// form for literals.
func short(t rdf.Term) string {
	switch {
	case t.IsIRI():
		if v, ok := strings.CutPrefix(t.Value, "http://example.org/"); ok {
			return ":" + v
		}
		return "<" + t.Value + ">"
	case t.IsLiteral():
		return t.Value
	case t.IsBlank():
		return "_:"
	}
	return "?"
}

func TestSelectOperators(t *testing.T) {
	e := newTestEngine(t)
	cases := []struct {
		name    string
		query   string
		want    []string
		ordered bool
	}{
		{"a basic graph pattern joins on shared variables",
			`SELECT ?n WHERE { ?x :knows :carol ; :name ?n }`, []string{"n=Alice", "n=Bob"}, false},
		{"a filter keeps matching solutions",
			`SELECT ?x WHERE { ?x :age ?a FILTER(?a > 28) }`, []string{"x=:alice", "x=:carol"}, false},
		{"optional leaves variables unbound",
			`SELECT ?x ?m WHERE { ?x :name ?n OPTIONAL { ?x :mbox ?m } }`, []string{"x=:alice m=<mailto:alice@example.org>", "x=:bob", "x=:carol", "x=:dave"}, false},
		{"a filter inside optional sees the outer solution",
			`SELECT ?x ?y WHERE { ?x :age ?a OPTIONAL { ?x :knows ?y . ?y :age ?b FILTER(?b > ?a) } }`, []string{"x=:alice y=:carol", "x=:bob y=:carol", "x=:carol"}, false},
		{"union concatenates branches",
			`SELECT ?v WHERE { { :alice :name ?v } UNION { :bob :name ?v } }`, []string{"v=Alice", "v=Bob"}, false},
		{"minus removes compatible solutions",
			`SELECT ?x WHERE { ?x :name ?n MINUS { ?x :knows ?y } }`, []string{"x=:carol", "x=:dave"}, false},
		{"minus without shared variables removes nothing",
			`SELECT ?x WHERE { ?x :age 25 MINUS { ?a :knows ?b } }`, []string{"x=:bob"}, false},
		{"not exists filters by substitution",
			`SELECT ?x WHERE { ?x :name ?n FILTER NOT EXISTS { ?x :age ?a } }`, []string{"x=:dave"}, false},
		{"exists sees outer bindings in inner filters",
			`SELECT ?x WHERE { ?x :age ?a FILTER EXISTS { ?x :knows ?y . ?y :age ?b FILTER(?b < ?a) } }`, []string{"x=:alice"}, false},
		{"bind extends solutions",
			`SELECT ?x ?d WHERE { ?x :age ?a BIND(?a * 2 AS ?d) FILTER(?d > 60) }`, []string{"x=:carol d=70"}, false},
		{"values joins inline data",
			`SELECT ?x ?n WHERE { VALUES ?x { :bob :dave :nobody } ?x :name ?n }`, []string{"x=:bob n=Bob", "x=:dave n=Dave"}, false},
		{"graph with a variable binds the graph name",
			`SELECT ?g ?s WHERE { GRAPH ?g { ?s :temp 25 } }`, []string{"g=:g1 s=:s2"}, false},
		{"graph with an IRI restricts to that graph",
			`SELECT ?s WHERE { GRAPH :g1 { ?s :room ?r } }`, []string{"s=:s1", "s=:s2"}, false},
		{"the default graph excludes named graphs",
			`SELECT ?s WHERE { ?s :temp ?t }`, nil, false},
		{"order by sorts with limit and offset",
			`SELECT ?n WHERE { ?x :name ?n } ORDER BY DESC(?n) LIMIT 2 OFFSET 1`, []string{"n=Carol", "n=Bob"}, true},
		{"distinct drops duplicates",
			`SELECT DISTINCT ?y WHERE { ?x :knows ?y }`, []string{"y=:bob", "y=:carol"}, false},
		{"group by counts per key",
			`SELECT ?x (COUNT(?y) AS ?c) WHERE { ?x :knows ?y } GROUP BY ?x`, []string{"x=:alice c=2", "x=:bob c=1"}, false},
		{"an aggregate without group by makes one group even when empty",
			`SELECT (COUNT(*) AS ?c) WHERE { ?x :nothing ?y }`, []string{"c=0"}, false},
		{"having filters groups",
			`SELECT ?x WHERE { ?x :knows ?y } GROUP BY ?x HAVING (COUNT(?y) > 1)`, []string{"x=:alice"}, false},
		{"a subquery projects and limits",
			`SELECT ?x ?n WHERE { ?x :name ?n { SELECT ?x WHERE { ?x :age ?a } ORDER BY ?a LIMIT 1 } }`, []string{"x=:bob n=Bob"}, false},
		{"one-or-more paths reach each node once",
			`SELECT ?y WHERE { :alice :knows+ ?y }`, []string{"y=:bob", "y=:carol"}, false},
		{"zero-or-more paths include the start",
			`SELECT ?y WHERE { :bob :knows* ?y }`, []string{"y=:bob", "y=:carol"}, false},
		{"zero-length paths match a constant not in the graph",
			`SELECT ?y WHERE { :nobody :knows* ?y }`, []string{"y=:nobody"}, false},
		{"inverse and sequence paths compose",
			`SELECT ?n WHERE { :carol ^:knows/:name ?n }`, []string{"n=Alice", "n=Bob"}, false},
		{"negated property sets exclude predicates",
			`SELECT ?p WHERE { :bob !(:knows|:name) ?o BIND(:x AS ?p) }`, []string{"p=:x"}, false},
		{"coalesce and if evaluate lazily",
			`SELECT ?x (COALESCE(?m, "none") AS ?c) WHERE { ?x :age 25 OPTIONAL { ?x :mbox ?m } }`, []string{"x=:bob c=none"}, false},
		{"or with an error and true is true",
			`SELECT ?x WHERE { ?x :name ?n OPTIONAL { ?x :age ?a } FILTER(?a > 30 || ?n = "Dave") }`, []string{"x=:carol", "x=:dave"}, false},
		{"in tests membership",
			`SELECT ?x WHERE { ?x :age ?a FILTER(?a IN (25, 35)) }`, []string{"x=:bob", "x=:carol"}, false},
		{"an equality filter on a string is looked up directly",
			`SELECT ?x WHERE { ?x :name ?n FILTER(?n = "Bob") }`, []string{"x=:bob"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := rowsOf(t, e, c.query, c.ordered)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

func TestAskConstructDescribe(t *testing.T) {
	e := newTestEngine(t)
	ctx := context.Background()
	t.Run("ask answers whether a solution exists", func(t *testing.T) {
		for q, want := range map[string]bool{
			`ASK { :alice :knows :bob }`:    true,
			`ASK { :bob :knows :alice }`:    false,
			`ASK { GRAPH ?g { ?s ?p ?o } }`: true,
		} {
			res, err := e.Query(ctx, "PREFIX : <http://example.org/>\n"+q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Boolean != want {
				t.Errorf("%s: got %v", q, res.Boolean)
			}
		}
	})
	t.Run("construct makes fresh blank nodes per solution", func(t *testing.T) {
		res, err := e.Query(ctx, `PREFIX : <http://example.org/> CONSTRUCT { _:b :of ?x ; :n ?n } WHERE { ?x :age ?a ; :name ?n }`)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Graph) != 6 {
			t.Fatalf("got %d triples, want 6: %v", len(res.Graph), res.Graph)
		}
		blanks := map[string]bool{}
		for _, tr := range res.Graph {
			blanks[tr.S.Value] = true
		}
		if len(blanks) != 3 {
			t.Errorf("got %d distinct blank nodes, want 3", len(blanks))
		}
	})
	t.Run("construct skips triples with unbound variables", func(t *testing.T) {
		res, err := e.Query(ctx, `PREFIX : <http://example.org/> CONSTRUCT { ?x :mail ?m } WHERE { ?x :name ?n OPTIONAL { ?x :mbox ?m } }`)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Graph) != 1 {
			t.Errorf("got %v", res.Graph)
		}
	})
	t.Run("describe returns the resource's triples", func(t *testing.T) {
		res, err := e.Query(ctx, `PREFIX : <http://example.org/> DESCRIBE :bob`)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Graph) != 3 {
			t.Errorf("got %v", res.Graph)
		}
	})
}

func TestDatasets(t *testing.T) {
	e := newTestEngine(t)
	t.Run("from replaces the default graph", func(t *testing.T) {
		got := rowsOf(t, e, `SELECT ?s FROM :g1 WHERE { ?s :temp 20 }`, false)
		if strings.Join(got, ",") != "s=:s1" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("from named restricts graph variables", func(t *testing.T) {
		got := rowsOf(t, e, `SELECT ?g FROM NAMED :nothing WHERE { GRAPH ?g { ?s ?p ?o } }`, false)
		if len(got) != 0 {
			t.Errorf("got %v", got)
		}
	})
	t.Run("query options set the dataset", func(t *testing.T) {
		res, err := e.QueryWith(context.Background(), `SELECT ?s WHERE { ?s <http://example.org/room> ?r }`,
			QueryOptions{DefaultGraphs: []rdf.Term{rdf.IRI("http://example.org/g1")}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Close()
		n := 0
		for res.Rows.Next() {
			n++
		}
		if n != 2 {
			t.Errorf("got %d rows, want 2", n)
		}
	})
}

func TestUpdates(t *testing.T) {
	ctx := context.Background()
	count := func(t *testing.T, e *Engine, q string) int {
		t.Helper()
		return len(rowsOf(t, e, q, false))
	}
	cases := []struct {
		name   string
		update string
		check  string // SELECT whose row count must be want
		want   int
	}{
		{"insert data adds triples", `INSERT DATA { :x :name "X" . GRAPH :g2 { :x :p 1 } }`, `SELECT * WHERE { { :x :name ?n } UNION { GRAPH :g2 { :x :p ?v } } }`, 2},
		{"delete data removes triples", `DELETE DATA { :dave :name "Dave" }`, `SELECT * WHERE { :dave ?p ?o }`, 0},
		{"delete insert where rewrites values", `DELETE { ?x :age ?a } INSERT { ?x :age2 ?b } WHERE { ?x :age ?a BIND(?a + 1 AS ?b) }`, `SELECT * WHERE { ?x :age2 ?b FILTER(?b IN (31, 26, 36)) }`, 3},
		{"delete where removes matches", `DELETE WHERE { ?x :knows ?y }`, `SELECT * WHERE { ?x :knows ?y }`, 0},
		{"with sets the graph of templates and where", `WITH :g1 DELETE { ?s :temp 25 } WHERE { ?s :temp 25 }`, `SELECT * WHERE { GRAPH :g1 { ?s :temp ?t } }`, 1},
		{"later operations see earlier ones", `INSERT DATA { :z :p 1 } ; INSERT { ?s :q 2 } WHERE { ?s :p 1 }`, `SELECT * WHERE { :z :q 2 }`, 1},
		{"clear named empties every named graph", `CLEAR NAMED`, `SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }`, 0},
		{"copy replaces the target graph", `COPY DEFAULT TO :g1`, `SELECT * WHERE { GRAPH :g1 { ?s :temp ?o } }`, 0},
		{"move empties the source", `MOVE :g1 TO :g3`, `SELECT * WHERE { GRAPH :g1 { ?s ?p ?o } }`, 0},
		{"add with the same graph does nothing", `ADD :g1 TO :g1`, `SELECT * WHERE { GRAPH :g1 { ?s ?p ?o } }`, 4},
		{"insert makes fresh blank nodes per solution", `INSERT { ?x :tag _:t . _:t :v ?n } WHERE { ?x :name ?n }`, `SELECT DISTINCT ?t WHERE { ?x :tag ?t }`, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEngine(t)
			if err := e.Update(ctx, "PREFIX : <http://example.org/>\n"+c.update); err != nil {
				t.Fatal(err)
			}
			if got := count(t, e, c.check); got != c.want {
				t.Errorf("got %d rows, want %d", got, c.want)
			}
		})
	}
	t.Run("a failing request changes nothing", func(t *testing.T) {
		e := newTestEngine(t)
		before, _ := e.Dump(ctx)
		err := e.Update(ctx, `PREFIX : <http://example.org/> INSERT DATA { :x :y :z } ; LOAD <file:///etc/passwd>`)
		if !errors.Is(err, triplestore.ErrUnsupported) {
			t.Fatalf("got %v, want ErrUnsupported", err)
		}
		after, _ := e.Dump(ctx)
		if len(after) != len(before) {
			t.Errorf("store changed: %d quads before, %d after", len(before), len(after))
		}
	})
	t.Run("prepared updates run on many engines", func(t *testing.T) {
		pu, err := PrepareUpdate(`PREFIX : <http://example.org/> DELETE { ?x :age ?a } WHERE { ?x :age ?a }`, sparqlOpts())
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			e := newTestEngine(t)
			if err := pu.Exec(ctx, e); err != nil {
				t.Fatal(err)
			}
			if n := count(t, e, `SELECT * WHERE { ?x :age ?a }`); n != 0 {
				t.Errorf("run %d: %d ages left", i, n)
			}
		}
	})
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.nt"), []byte("<http://example.org/l> <http://example.org/p> \"v\" .\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := Open(Config{AllowLoad: true, LoadDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	t.Run("a file under the load directory loads into a graph", func(t *testing.T) {
		if err := e.Update(ctx, `LOAD <file://`+filepath.Join(dir, "d.nt")+`> INTO GRAPH <http://example.org/lg>`); err != nil {
			t.Fatal(err)
		}
		if n := len(rowsOf(t, e, `SELECT * WHERE { GRAPH :lg { ?s ?p ?o } }`, false)); n != 1 {
			t.Errorf("got %d triples", n)
		}
	})
	t.Run("a file outside the load directory is refused", func(t *testing.T) {
		err := e.Update(ctx, `LOAD <file:///etc/hostname>`)
		if !errors.Is(err, triplestore.ErrUnsupported) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("silent hides the failure", func(t *testing.T) {
		if err := e.Update(ctx, `LOAD SILENT <file:///etc/hostname>`); err != nil {
			t.Errorf("got %v", err)
		}
	})
}

func TestLimits(t *testing.T) {
	ctx := context.Background()
	big := func(t *testing.T, cfg Config) *Engine {
		e, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		var qs []rdf.Quad
		for i := 0; i < 2000; i++ {
			qs = append(qs, rdf.Quad{S: rdf.IRI("http://example.org/s" + itoa(i)), P: rdf.IRI("http://example.org/p"), O: rdf.Literal(itoa(i), rdf.XSDInteger)})
		}
		if err := e.Load(ctx, qs); err != nil {
			t.Fatal(err)
		}
		return e
	}
	drain := func(e *Engine, q string) error {
		res, err := e.Query(ctx, q)
		if err != nil {
			return err
		}
		defer res.Close()
		for res.Rows.Next() {
		}
		return res.Rows.Err()
	}
	t.Run("too many results fail with ErrResultTooBig", func(t *testing.T) {
		e := big(t, Config{MaxResults: 100})
		if err := drain(e, `SELECT * WHERE { ?s ?p ?o }`); !errors.Is(err, triplestore.ErrResultTooBig) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("large intermediate results fail with ErrMemoryLimit", func(t *testing.T) {
		e := big(t, Config{MaxMemoryBytes: 10_000})
		if err := drain(e, `SELECT * WHERE { ?s ?p ?o } ORDER BY ?o`); !errors.Is(err, triplestore.ErrMemoryLimit) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a slow query fails with ErrTimeout", func(t *testing.T) {
		e := big(t, Config{Timeout: time.Millisecond})
		err := drain(e, `SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y . ?c ?p ?z }`)
		if !errors.Is(err, triplestore.ErrTimeout) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("closing rows early stops the evaluation", func(t *testing.T) {
		e := big(t, Config{})
		res, err := e.Query(ctx, `SELECT * WHERE { ?a ?p ?x . ?b ?p ?y }`)
		if err != nil {
			t.Fatal(err)
		}
		res.Rows.Next()
		if err := res.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a closed engine refuses work", func(t *testing.T) {
		e := NewMemory()
		e.Close()
		if _, err := e.Query(ctx, `ASK {}`); !errors.Is(err, triplestore.ErrClosed) {
			t.Errorf("got %v", err)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	err := Config{Timeout: -1, MaxResults: -1, AllowLoad: true}.Validate()
	if err == nil || !strings.Contains(err.Error(), "Timeout") || !strings.Contains(err.Error(), "LoadDir") {
		t.Errorf("got %v, want every problem reported", err)
	}
}

func TestStoreInterface(t *testing.T) {
	var _ triplestore.Store = NewMemory()
}

func sparqlOpts() sparql.ParseOptions { return sparql.ParseOptions{} }

func TestPlannerShapes(t *testing.T) {
	e := newTestEngine(t)
	cases := []struct {
		name, query string
		want        []string
	}{
		{"values after a graph pattern still selects",
			`SELECT ?s ?t WHERE { GRAPH ?g { ?s :temp ?t } VALUES ?s { :s2 } }`, []string{"s=:s2 t=25"}},
		{"a pattern after optionals joins before them",
			`SELECT ?x ?m WHERE { ?x :age ?a OPTIONAL { ?x :mbox ?m } ?x :name "Alice" }`, []string{"x=:alice m=<mailto:alice@example.org>"}},
		{"a pattern sharing a variable with an optional's right side keeps join semantics",
			`SELECT ?x ?y WHERE { ?x :age ?a OPTIONAL { ?x :knows ?y } ?y :name "Bob" }`, []string{"x=:alice y=:bob", "x=:carol y=:bob"}},
		{"a subquery without shared variables is evaluated once",
			`SELECT ?n ?c WHERE { ?x :name ?n { SELECT (COUNT(*) AS ?c) WHERE { ?a :knows ?b } } } ORDER BY ?n LIMIT 1`, []string{"n=Alice c=3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := rowsOf(t, e, c.query, false)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestUnionDefaultGraph(t *testing.T) {
	e, err := Open(Config{UnionDefaultGraph: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	loadTurtle(t, e, testGraph, "http://example.org/g1")
	loadTurtle(t, e, testGraph, "http://example.org/g2")
	got := rowsOf(t, e, `SELECT ?s WHERE { ?s :temp ?t }`, false)
	if strings.Join(got, ",") != "s=:s1,s=:s2" {
		t.Errorf("got %v, want each subject once", got)
	}
}
