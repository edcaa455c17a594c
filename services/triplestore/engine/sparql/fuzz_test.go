package sparql

import (
	"errors"
	"testing"

	"github.com/intermw/intermw/services/triplestore"
)

var fuzzSeeds = []string{
	registryQuery,
	discoveryQuery,
	"SELECT * { ?s ^<p>/<q>*|!(<r>|^a) ?o }",
	"BASE <http://a/b/c> PREFIX : <d#> CONSTRUCT { _:b :p [ :q (1 2.5 -3e2) ] } WHERE { ?s :p ?o FILTER NOT EXISTS { ?o :q ?z } }",
	"SELECT (GROUP_CONCAT(DISTINCT ?x; SEPARATOR='|') AS ?g) { VALUES (?x ?y) { (1 UNDEF) } } GROUP BY ?y HAVING(COUNT(*) > 1)",
	"PREFIX : <http://e/> WITH :g DELETE { ?s :p ?o } INSERT { GRAPH :h { ?s :q _:n } } USING :u WHERE { ?s :p ?o OPTIONAL { ?o :x ?y } }",
	"INSERT DATA { <a> <b> \"\"\"long\n'string'\"\"\"@en-GB } ; LOAD SILENT <x> INTO GRAPH <g> ; CLEAR ALL ; ADD DEFAULT TO <g>",
	"PREFIX : <http://e/> ASK { :a\\~b\\. :c%3D '\\u00e9\\t' }",
	"SELECT ?x WHERE { { SELECT (MAX(?v) AS ?x) { ?s ?p ?v } } UNION { BIND(IF(?a, 1, 2) AS ?x) } MINUS { ?x a [] } }",
}

// FuzzParse checks that neither parser panics and that every error is one
// of the documented kinds.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		_, qerr := ParseQuery(text, ParseOptions{BaseIRI: "http://example.org/base/"})
		_, uerr := ParseUpdate(text, ParseOptions{})
		for _, err := range []error{qerr, uerr} {
			if err == nil {
				continue
			}
			var se *triplestore.SyntaxError
			if errors.As(err, &se) {
				if se.Line < 1 || se.Column < 1 {
					t.Fatalf("bad position in %v", err)
				}
				continue
			}
			if !errors.Is(err, triplestore.ErrUnknownPrefix) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
		}
	})
}

func TestFuzzSeedsParse(t *testing.T) {
	for _, s := range fuzzSeeds {
		_, qerr := ParseQuery(s, ParseOptions{})
		_, uerr := ParseUpdate(s, ParseOptions{})
		if qerr != nil && uerr != nil {
			t.Errorf("seed parses neither as query nor update: %q\n query: %v\n update: %v", s, qerr, uerr)
		}
	}
}
