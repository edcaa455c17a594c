package rdf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRDFXML(t *testing.T) {
	doc := `<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY ex "http://ex/"> <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex/" xml:base="http://base/">
  <ex:Thing rdf:about="&ex;a" ex:name="A">
    <ex:age rdf:datatype="&xsd;integer">5</ex:age>
    <ex:label xml:lang="EN">hello</ex:label>
    <ex:knows rdf:resource="b"/>
    <ex:part rdf:parseType="Resource"><ex:v>1</ex:v></ex:part>
    <ex:list rdf:parseType="Collection"><rdf:Description rdf:about="&ex;x"/></ex:list>
    <ex:nested><ex:Other rdf:nodeID="n1"/></ex:nested>
  </ex:Thing>
</rdf:RDF>`
	got, err := ParseRDFXML(strings.NewReader(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ParseNTriples(strings.NewReader(`<http://ex/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex/Thing> .
<http://ex/a> <http://ex/name> "A" .
<http://ex/a> <http://ex/age> "5"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://ex/a> <http://ex/label> "hello"@en .
<http://ex/a> <http://ex/knows> <http://base/b> .
<http://ex/a> <http://ex/part> _:p .
_:p <http://ex/v> "1" .
<http://ex/a> <http://ex/list> _:l .
_:l <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> <http://ex/x> .
_:l <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .
<http://ex/a> <http://ex/nested> _:n1 .
_:n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex/Other> .
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

func TestParseRDFXMLRefusesBadInput(t *testing.T) {
	tests := []struct{ name, in string }{
		{"malformed XML is refused", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><a>`},
		{"an undeclared entity is refused", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex/"><ex:T rdf:about="&nope;x"/></rdf:RDF>`},
		{"an empty document is refused", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseRDFXML(strings.NewReader(tt.in), ""); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
}

// TestParseRDFXMLSharedFiles parses the RDF/XML files of the shared corpora:
// the W3C suites' expected results and the INTER-IoT alignments.
func TestParseRDFXMLSharedFiles(t *testing.T) {
	for _, dir := range []string{"conformance/w3c-sparql", "fixtures/inter-iot/alignments"} {
		root := filepath.Join("..", "..", "..", "shared", dir)
		if _, err := os.Stat(root); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("shared corpus missing at %s: %v", root, err)
			}
			t.Skipf("shared corpus not at %s; skipping", root)
		}
		n := 0
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rdf") {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ts, err := ParseRDFXML(f, "http://example/base/")
			if err != nil {
				t.Errorf("%s: %v", path, err)
			} else if len(ts) == 0 {
				t.Errorf("%s: no triples", path)
			}
			n++
			return nil
		})
		if n == 0 {
			t.Errorf("no RDF/XML files under %s", root)
		}
	}
}
