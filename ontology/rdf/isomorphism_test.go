package rdf

import (
	"strings"
	"testing"
)

func mustNQuads(t *testing.T, s string) []Quad {
	t.Helper()
	qs, err := ParseNQuads(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return qs
}

func TestIsomorphicDatasets(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"identical ground datasets are isomorphic",
			`<a> <p> "x" <g> .`, `<a> <p> "x" <g> .`, true},
		{"a different literal breaks isomorphism",
			`<a> <p> "x" .`, `<a> <p> "y" .`, false},
		{"renamed blank nodes are isomorphic",
			"_:x <p> _:y .\n_:y <q> \"1\" .", "_:b <p> _:a .\n_:a <q> \"1\" .", true},
		{"blank node graph names are renamed too",
			"<s> <p> <o> _:g .", "<s> <p> <o> _:h .", true},
		{"a blank node cannot map onto two nodes",
			"_:x <p> _:x .", "_:a <p> _:b .", false},
		{"symmetric cycles need backtracking",
			"_:a <p> _:b .\n_:b <p> _:c .\n_:c <p> _:a .\n_:d <p> _:e .\n_:e <p> _:f .\n_:f <p> _:d .",
			"_:1 <p> _:2 .\n_:2 <p> _:3 .\n_:3 <p> _:1 .\n_:4 <p> _:5 .\n_:5 <p> _:6 .\n_:6 <p> _:4 .", true},
		{"one six-cycle is not two three-cycles",
			"_:a <p> _:b .\n_:b <p> _:c .\n_:c <p> _:a .\n_:d <p> _:e .\n_:e <p> _:f .\n_:f <p> _:d .",
			"_:1 <p> _:2 .\n_:2 <p> _:3 .\n_:3 <p> _:4 .\n_:4 <p> _:5 .\n_:5 <p> _:6 .\n_:6 <p> _:1 .", false},
		{"duplicates are ignored",
			"<a> <p> <b> .\n<a> <p> <b> .", "<a> <p> <b> .", true},
		{"language tags matter",
			`<a> <p> "x"@en .`, `<a> <p> "x"@fr .`, false},
		{"the default graph differs from a named graph",
			`<a> <p> <b> .`, `<a> <p> <b> <g> .`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsomorphicDatasets(mustNQuads(t, tt.a), mustNQuads(t, tt.b)); got != tt.want {
				t.Fatalf("IsomorphicDatasets = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNQuadsRoundTrip(t *testing.T) {
	in := []Quad{
		{S: IRI("http://ex/a b"), P: IRI("http://ex/p"), O: String("line\nbreak \"q\" \\ \u00e9 \x01")},
		{S: Blank("b0"), P: IRI("http://ex/p"), O: LangLiteral("hi", "EN-gb"), G: IRI("http://ex/g")},
		{S: IRI("http://ex/a"), P: IRI("http://ex/p"), O: Literal("5", XSDInteger), G: Blank("g1")},
		{S: IRI("http://ex/a>"), P: IRI("http://ex/p"), O: Literal("x", "")},
	}
	var b strings.Builder
	if err := WriteNQuads(&b, in); err != nil {
		t.Fatal(err)
	}
	out, err := ParseNQuads(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parse %q: %v", b.String(), err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d quads, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i] != in[i] {
			t.Errorf("quad %d: got %v, want %v", i, out[i], in[i])
		}
	}
}

func TestParseNQuadsErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"a literal subject is refused", `"x" <p> <o> .`},
		{"a missing dot is refused", `<s> <p> <o>`},
		{"an unterminated IRI is refused", `<s <p> <o> .`},
		{"a blank predicate is refused", `<s> _:p <o> .`},
		{"a bad escape is refused", `<s> <p> "\q" .`},
		{"trailing garbage is refused", `<s> <p> <o> . x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseNQuads(strings.NewReader(tt.in)); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
}

func TestNormalized(t *testing.T) {
	tests := []struct {
		name    string
		in, out Term
	}{
		{"an IRI drops stray literal fields", Term{Kind: KindIRI, Value: "x", Lang: "en"}, IRI("x")},
		{"a literal without datatype becomes xsd:string", Term{Kind: KindLiteral, Value: "x"}, String("x")},
		{"a language tag is lower-cased", Term{Kind: KindLiteral, Value: "x", Lang: "EN-GB"}, LangLiteral("x", "en-gb")},
		{"a langString without a tag becomes a plain string", Term{Kind: KindLiteral, Value: "x", Datatype: RDFLangString}, String("x")},
		{"a typed literal is kept", Literal("1", XSDInteger), Literal("1", XSDInteger)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Normalized(); got != tt.out {
				t.Fatalf("got %#v, want %#v", got, tt.out)
			}
		})
	}
}
