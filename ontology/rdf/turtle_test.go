package rdf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveIRI(t *testing.T) {
	// The examples of RFC 3986 section 5.4.
	base := "http://a/b/c/d;p?q"
	tests := map[string]string{
		"g:h": "g:h", "g": "http://a/b/c/g", "./g": "http://a/b/c/g", "g/": "http://a/b/c/g/",
		"/g": "http://a/g", "//g": "http://g", "?y": "http://a/b/c/d;p?y", "g?y": "http://a/b/c/g?y",
		"#s": "http://a/b/c/d;p?q#s", "g#s": "http://a/b/c/g#s", "g?y#s": "http://a/b/c/g?y#s",
		";x": "http://a/b/c/;x", "g;x": "http://a/b/c/g;x", "": "http://a/b/c/d;p?q",
		".": "http://a/b/c/", "./": "http://a/b/c/", "..": "http://a/b/", "../": "http://a/b/",
		"../g": "http://a/b/g", "../..": "http://a/", "../../": "http://a/", "../../g": "http://a/g",
		"../../../g": "http://a/g", "../../../../g": "http://a/g", "/./g": "http://a/g",
		"/../g": "http://a/g", "g.": "http://a/b/c/g.", ".g": "http://a/b/c/.g", "g..": "http://a/b/c/g..",
		"..g": "http://a/b/c/..g", "./../g": "http://a/b/g", "./g/.": "http://a/b/c/g/",
		"g/./h": "http://a/b/c/g/h", "g/../h": "http://a/b/c/h", "g;x=1/./y": "http://a/b/c/g;x=1/y",
		"g;x=1/../y": "http://a/b/c/y",
	}
	for ref, want := range tests {
		t.Run("resolving "+ref, func(t *testing.T) {
			if got := ResolveIRI(base, ref); got != want {
				t.Fatalf("ResolveIRI(%q) = %q, want %q", ref, got, want)
			}
		})
	}
}

func TestParseTurtle(t *testing.T) {
	doc := `@prefix ex: <http://ex/> .
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
@base <http://base/dir/> .
<s> ex:p "a", 'b'@EN, """long
"quoted" text""", 1, -2.5, 1e3, true ;
    a ex:Thing ;
    ex:list ( 1 ex:x ) ;
    ex:bn [ ex:q ex:r ] ; .
_:x ex:p ex:a.b .
[ ex:p ex:o ] .
ex:s ex:p "v"^^xsd:integer .
`
	got, err := ParseTurtle(strings.NewReader(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ParseNTriples(strings.NewReader(`<http://base/dir/s> <http://ex/p> "a" .
<http://base/dir/s> <http://ex/p> "b"@en .
<http://base/dir/s> <http://ex/p> "long\n\"quoted\" text" .
<http://base/dir/s> <http://ex/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://base/dir/s> <http://ex/p> "-2.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://base/dir/s> <http://ex/p> "1e3"^^<http://www.w3.org/2001/XMLSchema#double> .
<http://base/dir/s> <http://ex/p> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<http://base/dir/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex/Thing> .
<http://base/dir/s> <http://ex/list> _:l1 .
_:l1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
_:l1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:l2 .
_:l2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> <http://ex/x> .
_:l2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .
<http://base/dir/s> <http://ex/bn> _:b .
_:b <http://ex/q> <http://ex/r> .
_:x <http://ex/p> <http://ex/a.b> .
_:y <http://ex/p> <http://ex/o> .
<http://ex/s> <http://ex/p> "v"^^<http://www.w3.org/2001/XMLSchema#integer> .
`))
	if err != nil {
		t.Fatal(err)
	}
	if !IsomorphicGraphs(got, want) {
		var b strings.Builder
		WriteNTriples(&b, got)
		t.Fatalf("graphs differ; got:\n%s", b.String())
	}
}

func TestParseTurtleErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"an undeclared prefix is refused", `ex:a ex:b ex:c .`},
		{"a missing dot is refused", `<a> <b> <c>`},
		{"an unterminated string is refused", `<a> <b> "x .`},
		{"a literal subject is refused", `"x" <b> <c> .`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTurtle(strings.NewReader(tt.in), "")
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != 1 {
				t.Fatalf("got %v, want a ParseError on line 1", err)
			}
		})
	}
}

// TestParseTurtleW3CData parses every Turtle file of the W3C SPARQL suites.
func TestParseTurtleW3CData(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "conformance", "w3c-sparql")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the W3C SPARQL corpus is missing at %s: %v", dir, err)
		}
		t.Skipf("the W3C SPARQL corpus is not at %s; skipping", dir)
	}
	n := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".ttl") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := ParseTurtle(f, "http://example/base/"); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		n++
		return nil
	})
	t.Logf("parsed %d Turtle files", n)
}
