package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// NewStore returns an empty store for one test. The suite closes it.
type NewStore func(t *testing.T) triplestore.Store

// Run runs the whole suite.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s triplestore.Store)
	}{
		{"SELECT returns typed terms of every kind", testSelectTerms},
		{"ASK answers true and false", testAsk},
		{"CONSTRUCT returns a graph", testConstruct},
		{"DESCRIBE returns the resource's triples", testDescribe},
		{"INSERT DATA and DELETE DATA change the store", testInsertDeleteData},
		{"DELETE/INSERT WHERE rewrites matches", testModify},
		{"a failing update request changes nothing", testAtomicity},
		{"a syntax error is reported as ErrSyntax", testSyntaxError},
		{"named graphs are kept apart", testNamedGraphs},
		{"hostile literals round-trip through the builder", testHostileLiterals},
		{"hostile IRIs are refused before reaching the store", testHostileIRIs},
		{"concurrent readers and writers see consistent data", testConcurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			defer s.Close()
			tt.fn(t, s)
		})
	}
}

const ex = "http://example.org/"

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func update(t *testing.T, s triplestore.Store, u string) {
	t.Helper()
	if err := s.Update(ctx(t), u); err != nil {
		t.Fatalf("update %q: %v", u, err)
	}
}

func selectRows(t *testing.T, s triplestore.Store, q string) []triplestore.Binding {
	t.Helper()
	res, err := s.Query(ctx(t), q)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	if res.Form != triplestore.FormSelect {
		t.Fatalf("query %q: got a %v result", q, res.Form)
	}
	rows, err := triplestore.Collect(res.Rows)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return rows
}

func count(t *testing.T, s triplestore.Store, where string) int {
	t.Helper()
	rows := selectRows(t, s, "SELECT (COUNT(*) AS ?n) WHERE { "+where+" }")
	if len(rows) != 1 {
		t.Fatalf("count: %d rows", len(rows))
	}
	var n int
	fmt.Sscan(rows[0]["n"].Value, &n)
	return n
}

func testSelectTerms(t *testing.T, s triplestore.Store) {
	update(t, s, `PREFIX ex: <`+ex+`>
INSERT DATA { ex:a ex:p "plain", "chat"@fr, 42, "2.5"^^<http://www.w3.org/2001/XMLSchema#decimal>, ex:b, _:x . }`)
	rows := selectRows(t, s, `SELECT ?o WHERE { <`+ex+`a> <`+ex+`p> ?o }`)
	want := map[rdf.Term]bool{
		rdf.String("plain"):                false,
		rdf.LangLiteral("chat", "fr"):      false,
		rdf.Literal("42", rdf.XSDInteger):  false,
		rdf.Literal("2.5", rdf.XSDDecimal): false,
		rdf.IRI(ex + "b"):                  false,
	}
	blanks := 0
	for _, r := range rows {
		o := r["o"]
		if o.IsBlank() {
			blanks++
			continue
		}
		if _, ok := want[o]; !ok {
			t.Errorf("unexpected term %v", o)
		}
		want[o] = true
	}
	for term, seen := range want {
		if !seen {
			t.Errorf("missing term %v", term)
		}
	}
	if blanks != 1 || len(rows) != 6 {
		t.Errorf("got %d rows with %d blank nodes, want 6 with 1", len(rows), blanks)
	}
	res, err := s.Query(ctx(t), `SELECT ?x ?unbound WHERE { <`+ex+`a> <`+ex+`p> ?x OPTIONAL { ?x <`+ex+`none> ?unbound } } LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = triplestore.Collect(res.Rows)
	if len(res.Vars) != 2 || len(rows) != 1 {
		t.Fatalf("vars %v rows %v", res.Vars, rows)
	}
	if _, ok := rows[0]["unbound"]; ok {
		t.Errorf("an unbound variable must be absent from the binding")
	}
}

func testAsk(t *testing.T, s triplestore.Store) {
	update(t, s, `INSERT DATA { <`+ex+`a> <`+ex+`p> <`+ex+`b> }`)
	for q, want := range map[string]bool{
		`ASK { <` + ex + `a> <` + ex + `p> <` + ex + `b> }`: true,
		`ASK { <` + ex + `a> <` + ex + `p> <` + ex + `c> }`: false,
	} {
		res, err := s.Query(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Form != triplestore.FormAsk || res.Boolean != want {
			t.Errorf("%s: got %v %v, want %v", q, res.Form, res.Boolean, want)
		}
	}
}

func testConstruct(t *testing.T, s triplestore.Store) {
	update(t, s, `INSERT DATA { <`+ex+`a> <`+ex+`p> "1", "2" }`)
	res, err := s.Query(ctx(t), `CONSTRUCT { ?s <`+ex+`q> ?o } WHERE { ?s <`+ex+`p> ?o }`)
	if err != nil {
		t.Fatal(err)
	}
	want := []rdf.Triple{
		{S: rdf.IRI(ex + "a"), P: rdf.IRI(ex + "q"), O: rdf.String("1")},
		{S: rdf.IRI(ex + "a"), P: rdf.IRI(ex + "q"), O: rdf.String("2")},
	}
	if res.Form != triplestore.FormConstruct || !rdf.IsomorphicGraphs(res.Graph, want) {
		t.Fatalf("got %v %v", res.Form, res.Graph)
	}
}

func testDescribe(t *testing.T, s triplestore.Store) {
	update(t, s, `INSERT DATA { <`+ex+`a> <`+ex+`p> "1" . <`+ex+`b> <`+ex+`p> "2" }`)
	res, err := s.Query(ctx(t), `DESCRIBE <`+ex+`a>`)
	if err != nil {
		t.Fatal(err)
	}
	if res.Form != triplestore.FormDescribe && res.Form != triplestore.FormConstruct {
		t.Fatalf("got a %v result", res.Form)
	}
	found := false
	for _, tr := range res.Graph {
		if tr.S == rdf.IRI(ex+"b") {
			t.Errorf("DESCRIBE <a> returned a triple about <b>: %v", tr)
		}
		if tr.S == rdf.IRI(ex+"a") && tr.O == rdf.String("1") {
			found = true
		}
	}
	if !found {
		t.Errorf("DESCRIBE <a> lacks <a>'s triple: %v", res.Graph)
	}
}

func testInsertDeleteData(t *testing.T, s triplestore.Store) {
	update(t, s, `INSERT DATA { <`+ex+`a> <`+ex+`p> 1, 2, 3 }`)
	if n := count(t, s, `?s ?p ?o`); n != 3 {
		t.Fatalf("after insert: %d triples, want 3", n)
	}
	update(t, s, `DELETE DATA { <`+ex+`a> <`+ex+`p> 2 }`)
	if n := count(t, s, `?s ?p ?o`); n != 2 {
		t.Fatalf("after delete: %d triples, want 2", n)
	}
	update(t, s, `INSERT DATA { <`+ex+`a> <`+ex+`p> 1 }`) // a duplicate
	if n := count(t, s, `?s ?p ?o`); n != 2 {
		t.Fatalf("a duplicate insert must not add a triple: %d", n)
	}
}

func testModify(t *testing.T, s triplestore.Store) {
	update(t, s, `PREFIX ex: <`+ex+`>
INSERT DATA { ex:a ex:temp 20 . ex:b ex:temp 30 . ex:c ex:other 1 }`)
	update(t, s, `PREFIX ex: <`+ex+`>
DELETE { ?s ex:temp ?v } INSERT { ?s ex:celsius ?v } WHERE { ?s ex:temp ?v }`)
	if n := count(t, s, `?s <`+ex+`temp> ?v`); n != 0 {
		t.Errorf("%d ex:temp triples left", n)
	}
	if n := count(t, s, `?s <`+ex+`celsius> ?v`); n != 2 {
		t.Errorf("%d ex:celsius triples, want 2", n)
	}
	update(t, s, `DELETE WHERE { ?s <`+ex+`other> ?o }`)
	if n := count(t, s, `?s ?p ?o`); n != 2 {
		t.Errorf("after DELETE WHERE: %d triples, want 2", n)
	}
}

func testAtomicity(t *testing.T, s triplestore.Store) {
	update(t, s, `INSERT DATA { GRAPH <`+ex+`g> { <`+ex+`a> <`+ex+`p> 1 } }`)
	// The second operation fails (CREATE of an existing graph), so the
	// first must not be applied either.
	err := s.Update(ctx(t), `INSERT DATA { <`+ex+`x> <`+ex+`p> 1 } ; CREATE GRAPH <`+ex+`g>`)
	if err == nil {
		t.Fatal("CREATE GRAPH of an existing graph must fail")
	}
	if n := count(t, s, `<`+ex+`x> ?p ?o`); n != 0 {
		t.Fatalf("a failed request left %d triples behind", n)
	}
	// A syntax error in the last operation rejects the whole request too.
	if err := s.Update(ctx(t), `INSERT DATA { <`+ex+`y> <`+ex+`p> 1 } ; INSERT DATA { oops`); err == nil {
		t.Fatal("a syntax error must fail")
	}
	if n := count(t, s, `<`+ex+`y> ?p ?o`); n != 0 {
		t.Fatalf("a rejected request left %d triples behind", n)
	}
}

func testSyntaxError(t *testing.T, s triplestore.Store) {
	_, err := s.Query(ctx(t), "SELECT ?x WHERE { ?x ?y }")
	if !errors.Is(err, triplestore.ErrSyntax) {
		t.Fatalf("got %v, want ErrSyntax", err)
	}
	err = s.Update(ctx(t), "INSERT DATA { <a> <b> }")
	if !errors.Is(err, triplestore.ErrSyntax) {
		t.Fatalf("got %v, want ErrSyntax", err)
	}
}

func testNamedGraphs(t *testing.T, s triplestore.Store) {
	update(t, s, `PREFIX ex: <`+ex+`>
INSERT DATA { ex:d ex:p "default" . GRAPH ex:g1 { ex:d ex:p "one" } GRAPH ex:g2 { ex:d ex:p "two" } }`)
	rows := selectRows(t, s, `SELECT ?g ?o WHERE { GRAPH ?g { <`+ex+`d> <`+ex+`p> ?o } }`)
	got := map[string]string{}
	for _, r := range rows {
		got[r["g"].Value] = r["o"].Value
	}
	if len(got) != 2 || got[ex+"g1"] != "one" || got[ex+"g2"] != "two" {
		t.Fatalf("GRAPH ?g gave %v", got)
	}
	rows = selectRows(t, s, `SELECT ?o WHERE { GRAPH <`+ex+`g2> { ?s ?p ?o } }`)
	if len(rows) != 1 || rows[0]["o"].Value != "two" {
		t.Fatalf("GRAPH <g2> gave %v", rows)
	}
	update(t, s, `DROP GRAPH <`+ex+`g1>`)
	if n := count(t, s, `GRAPH ?g { ?s ?p ?o }`); n != 1 {
		t.Fatalf("after DROP GRAPH: %d quads in named graphs, want 1", n)
	}
	res, err := s.Query(ctx(t), `ASK { <`+ex+`d> <`+ex+`p> "default" }`)
	if err != nil || !res.Boolean {
		t.Fatalf("the default graph lost its triple: %v %v", res, err)
	}
}

// Hostile values a client may send as ids, names or descriptions.
var hostile = []string{
	`quote " inside`,
	`single ' quote`,
	`> angle`,
	"new\nline and\r\ncarriage",
	"tab\tand back\\slash",
	`} ; DROP ALL ; INSERT DATA { <x> <y> <z> } #`,
	`"""triple quoted"""`,
	"unicode: température, 数据, 🙂",
	`\u0022 escaped quote text`,
}

func testHostileLiterals(t *testing.T, s triplestore.Store) {
	update(t, s, `INSERT DATA { <`+ex+`keep> <`+ex+`p> "kept" }`)
	for i, v := range hostile {
		u, err := triplestore.Bind(`INSERT DATA { GRAPH %{g} { %{s} <`+ex+`name> %{v} } }`, map[string]any{
			"g": rdf.IRI(fmt.Sprintf("%sg%d", ex, i)),
			"s": rdf.IRI(fmt.Sprintf("%sd%d", ex, i)),
			"v": rdf.String(v),
		})
		if err != nil {
			t.Fatal(err)
		}
		update(t, s, u)
		q := triplestore.MustBind(`SELECT ?v WHERE { GRAPH ?g { %{s} <`+ex+`name> ?v } }`, map[string]any{
			"s": rdf.IRI(fmt.Sprintf("%sd%d", ex, i)),
		})
		rows := selectRows(t, s, q)
		if len(rows) != 1 || rows[0]["v"] != rdf.String(v) {
			t.Errorf("value %q came back as %v", v, rows)
		}
		// Looking the value up by the hostile literal finds it.
		q = triplestore.MustBind(`ASK { GRAPH ?g { ?s <`+ex+`name> %{v} } }`, map[string]any{"v": rdf.String(v)})
		res, err := s.Query(ctx(t), q)
		if err != nil || !res.Boolean {
			t.Errorf("lookup by %q: %v %v", v, res, err)
		}
	}
	if n := count(t, s, `<`+ex+`keep> ?p ?o`); n != 1 {
		t.Fatalf("a hostile value dropped data: %d", n)
	}
	if n := count(t, s, `GRAPH ?g { ?s ?p ?o }`); n != len(hostile) {
		t.Fatalf("%d quads in named graphs, want %d", n, len(hostile))
	}
}

func testHostileIRIs(t *testing.T, s triplestore.Store) {
	update(t, s, `INSERT DATA { <`+ex+`keep> <`+ex+`p> "kept" }`)
	for _, iri := range []string{
		ex + `a> } ; DROP ALL ; INSERT DATA { <x`,
		ex + "a b",
		ex + "new\nline",
		ex + `"quote`,
		ex + `{brace}`,
	} {
		_, err := triplestore.Bind(`DELETE WHERE { %{s} ?p ?o }`, map[string]any{"s": rdf.IRI(iri)})
		if !errors.Is(err, triplestore.ErrInvalidTerm) {
			t.Errorf("IRI %q: got %v, want ErrInvalidTerm", iri, err)
		}
	}
	if n := count(t, s, `?s ?p ?o`); n != 1 {
		t.Fatalf("the store changed: %d triples", n)
	}
}

func testConcurrency(t *testing.T, s triplestore.Store) {
	const writers, perWriter, readers = 4, 25, 4
	c := ctx(t)
	var wg sync.WaitGroup
	errc := make(chan error, writers+readers)
	stop := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				u := triplestore.MustBind(`INSERT DATA { GRAPH %{g} { %{s} <`+ex+`n> 1 . %{s} <`+ex+`m> 2 } }`, map[string]any{
					"g": rdf.IRI(fmt.Sprintf("%sw%d/g%d", ex, w, i)),
					"s": rdf.IRI(fmt.Sprintf("%sw%d/s%d", ex, w, i)),
				})
				if err := s.Update(c, u); err != nil {
					errc <- err
					return
				}
			}
		}(w)
	}
	var rg sync.WaitGroup
	for r := 0; r < readers; r++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// Each graph is written in one update, so a reader sees
				// both of its triples or neither.
				res, err := s.Query(c, `SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g`)
				if err != nil {
					errc <- err
					return
				}
				rows, err := triplestore.Collect(res.Rows)
				if err != nil {
					errc <- err
					return
				}
				for _, row := range rows {
					if row["n"].Value != "2" {
						errc <- fmt.Errorf("graph %v seen with %s triples: a partial update was visible", row["g"], row["n"].Value)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if n := count(t, s, `GRAPH ?g { ?s ?p ?o }`); n != writers*perWriter*2 {
		t.Fatalf("%d quads, want %d", n, writers*perWriter*2)
	}
}
