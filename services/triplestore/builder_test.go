package triplestore

import (
	"errors"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
)

func TestFormatTerm(t *testing.T) {
	tests := []struct {
		name string
		term rdf.Term
		want string
		err  bool
	}{
		{"an IRI is written in angle brackets", rdf.IRI("http://ex/a#b"), "<http://ex/a#b>", false},
		{"an IRI with '>' is refused", rdf.IRI("http://ex/a> } ; DROP ALL ; <x"), "", true},
		{"an IRI with a space is refused", rdf.IRI("http://ex/a b"), "", true},
		{"an IRI with a newline is refused", rdf.IRI("http://ex/a\nb"), "", true},
		{"a string with quotes and newlines is escaped", rdf.String("a\"b\nc\\"), `"a\"b\nc\\"`, false},
		{"an injection attempt stays inside the string", rdf.String(`" } ; DROP ALL ; #`), `"\" } ; DROP ALL ; #"`, false},
		{"unicode is kept", rdf.String("température ✓"), `"température ✓"`, false},
		{"a control character is escaped", rdf.String("a\x01"), `"a\u0001"`, false},
		{"a language tag is written", rdf.LangLiteral("chat", "fr"), `"chat"@fr`, false},
		{"a bad language tag is refused", rdf.Term{Kind: rdf.KindLiteral, Value: "x", Datatype: rdf.RDFLangString, Lang: "en} DROP ALL"}, "", true},
		{"a typed literal carries its datatype", rdf.Literal("5", rdf.XSDInteger), `"5"^^<http://www.w3.org/2001/XMLSchema#integer>`, false},
		{"a hostile datatype is refused", rdf.Literal("5", "x> } DROP ALL"), "", true},
		{"a blank node is written with its label", rdf.Blank("b0"), "_:b0", false},
		{"a hostile blank label is refused", rdf.Blank("b } DROP ALL"), "", true},
		{"the zero term is refused", rdf.Term{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FormatTerm(tt.term)
			if tt.err {
				if !errors.Is(err, ErrInvalidTerm) {
					t.Fatalf("got %q, %v; want ErrInvalidTerm", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestBind(t *testing.T) {
	got, err := Bind(`SELECT %{v} WHERE { GRAPH %{g} { %{d} <http://ex/name> %{v} } VALUES %{v} { %{names} } }`, map[string]any{
		"g":     rdf.IRI("http://ex/g"),
		"d":     rdf.IRI("http://ex/d"),
		"v":     Var("n"),
		"names": []rdf.Term{rdf.String("a"), rdf.String("b\"")},
	})
	want := `SELECT ?n WHERE { GRAPH <http://ex/g> { <http://ex/d> <http://ex/name> ?n } VALUES ?n { "a" "b\"" } }`
	if err != nil || got != want {
		t.Fatalf("got %q, %v\nwant %q", got, err, want)
	}
	for name, args := range map[string]map[string]any{
		"a missing argument is an error":   {},
		"a raw string is not a term":       {"x": "http://ex/a"},
		"a hostile IRI is refused":         {"x": rdf.IRI("a> } DROP ALL {")},
		"a hostile variable is refused":    {"x": Var("x } DROP ALL")},
		"a hostile list member is refused": {"x": []rdf.Term{rdf.IRI("ok"), rdf.IRI("bad>")}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Bind(`ASK { %{x} ?p ?o }`, args); !errors.Is(err, ErrInvalidTerm) {
				t.Fatalf("got %v, want ErrInvalidTerm", err)
			}
		})
	}
}
