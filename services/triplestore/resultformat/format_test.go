package resultformat

import (
	"bytes"
	"strings"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

func sampleRows() []triplestore.Binding {
	return []triplestore.Binding{
		{"s": rdf.IRI("http://ex/a"), "o": rdf.LangLiteral("chat", "fr")},
		{"s": rdf.Blank("b1"), "o": rdf.Literal("5", rdf.XSDInteger)},
		{"s": rdf.IRI("http://ex/c"), "o": rdf.String("x, \"quoted\"\nline")},
		{"s": rdf.IRI("http://ex/d")},
	}
}

func selectResult() *triplestore.Result {
	return &triplestore.Result{Form: triplestore.FormSelect, Vars: []string{"s", "o"}, Rows: triplestore.SliceRows(sampleRows())}
}

func TestJSONAndXMLRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		f    Format
		read func(*bytes.Buffer) (*triplestore.Result, error)
	}{
		{"SPARQL JSON round-trips every kind of term", JSON, func(b *bytes.Buffer) (*triplestore.Result, error) { return triplestore.DecodeJSONResults(b) }},
		{"SPARQL XML round-trips every kind of term", XML, func(b *bytes.Buffer) (*triplestore.Result, error) { return triplestore.DecodeXMLResults(b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, selectResult(), tt.f); err != nil {
				t.Fatal(err)
			}
			res, err := tt.read(&buf)
			if err != nil {
				t.Fatalf("read back: %v\n%s", err, buf.String())
			}
			rows, err := triplestore.Collect(res.Rows)
			if err != nil {
				t.Fatal(err)
			}
			want := sampleRows()
			if len(rows) != len(want) || strings.Join(res.Vars, ",") != "s,o" {
				t.Fatalf("got %d rows vars %v", len(rows), res.Vars)
			}
			for i := range want {
				for k, v := range want[i] {
					if rows[i][k] != v {
						t.Errorf("row %d %s: got %v want %v", i, k, rows[i][k], v)
					}
				}
				if len(rows[i]) != len(want[i]) {
					t.Errorf("row %d: got %v want %v", i, rows[i], want[i])
				}
			}
		})
	}
	t.Run("ASK round-trips in JSON and XML", func(t *testing.T) {
		for _, f := range []Format{JSON, XML} {
			var buf bytes.Buffer
			if err := Write(&buf, &triplestore.Result{Form: triplestore.FormAsk, Boolean: true}, f); err != nil {
				t.Fatal(err)
			}
			var res *triplestore.Result
			var err error
			if f == JSON {
				res, err = triplestore.DecodeJSONResults(&buf)
			} else {
				res, err = triplestore.DecodeXMLResults(&buf)
			}
			if err != nil || res.Form != triplestore.FormAsk || !res.Boolean {
				t.Fatalf("format %v: got %+v, %v", f, res, err)
			}
		}
	})
}

func TestCSVAndTSV(t *testing.T) {
	var csv, tsv bytes.Buffer
	if err := Write(&csv, selectResult(), CSV); err != nil {
		t.Fatal(err)
	}
	if err := Write(&tsv, selectResult(), TSV); err != nil {
		t.Fatal(err)
	}
	wantCSV := "s,o\r\nhttp://ex/a,chat\r\n_:b1,5\r\nhttp://ex/c,\"x, \"\"quoted\"\"\nline\"\r\nhttp://ex/d,\r\n"
	if csv.String() != wantCSV {
		t.Errorf("CSV:\n%q\nwant\n%q", csv.String(), wantCSV)
	}
	wantTSV := "?s\t?o\n<http://ex/a>\t\"chat\"@fr\n_:b1\t5\n<http://ex/c>\t\"x, \\\"quoted\\\"\\nline\"\n<http://ex/d>\t\n"
	if tsv.String() != wantTSV {
		t.Errorf("TSV:\n%q\nwant\n%q", tsv.String(), wantTSV)
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name   string
		accept string
		form   triplestore.Form
		want   Format
		ok     bool
	}{
		{"no Accept gives JSON for SELECT", "", triplestore.FormSelect, JSON, true},
		{"no Accept gives Turtle for CONSTRUCT", "", triplestore.FormConstruct, Turtle, true},
		{"XML is chosen by name", "application/sparql-results+xml", triplestore.FormSelect, XML, true},
		{"quality decides", "text/csv;q=0.5, application/sparql-results+xml;q=0.9", triplestore.FormSelect, XML, true},
		{"a graph format is not offered for SELECT", "text/turtle", triplestore.FormSelect, JSON, false},
		{"JSON-LD for a graph", "application/ld+json", triplestore.FormDescribe, JSONLD, true},
		{"a wildcard falls back to the default", "*/*", triplestore.FormAsk, JSON, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Negotiate(tt.accept, tt.form)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("Negotiate(%q) = %v,%v want %v,%v", tt.accept, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestWriteGraphFormatsParseBack(t *testing.T) {
	g := []rdf.Triple{
		{S: rdf.IRI("http://ex/a"), P: rdf.IRI(rdf.RDFType), O: rdf.IRI("http://www.w3.org/ns/sosa/Sensor")},
		{S: rdf.IRI("http://ex/a"), P: rdf.IRI("http://inter-iot.eu/GOIoTP#hasName"), O: rdf.String("n \"1\"")},
		{S: rdf.IRI("http://ex/a"), P: rdf.IRI("http://ex/v"), O: rdf.Literal("1.5", rdf.XSDDecimal)},
		{S: rdf.Blank("x"), P: rdf.IRI("http://ex/v"), O: rdf.LangLiteral("hi", "en")},
	}
	var ttl, nt bytes.Buffer
	if err := WriteGraph(&ttl, g, Turtle); err != nil {
		t.Fatal(err)
	}
	if err := WriteGraph(&nt, g, NTriples); err != nil {
		t.Fatal(err)
	}
	got, err := rdf.ParseTurtle(&ttl, "")
	if err != nil {
		t.Fatalf("Turtle does not parse back: %v", err)
	}
	if !rdf.IsomorphicGraphs(got, g) {
		t.Fatalf("Turtle round trip differs: %v", got)
	}
	got, err = rdf.ParseNTriples(&nt)
	if err != nil || !rdf.IsomorphicGraphs(got, g) {
		t.Fatalf("N-Triples round trip: %v %v", got, err)
	}
}
