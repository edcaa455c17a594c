package function

import (
	"errors"
	"strings"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
)

// tm parses a compact test notation for terms:
//
//	UNDEF            the zero Term (unbound)
//	<iri>            IRI
//	_:x              blank node
//	"s"  "s"@en  "s"^^xsd:int  "s"^^<iri>
//	1  -2  1.5  1e0  true  false   Turtle-style numeric/boolean literals
func tm(s string) rdf.Term {
	switch {
	case s == "UNDEF":
		return rdf.Term{}
	case strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">"):
		return rdf.IRI(s[1 : len(s)-1])
	case strings.HasPrefix(s, "_:"):
		return rdf.Blank(s[2:])
	case s == "true" || s == "false":
		return rdf.Literal(s, rdf.XSDBoolean)
	case strings.HasPrefix(s, `"`):
		end := strings.LastIndexByte(s, '"')
		lex, rest := unescape(s[1:end]), s[end+1:]
		switch {
		case rest == "":
			return rdf.String(lex)
		case strings.HasPrefix(rest, "@"):
			return rdf.LangLiteral(lex, rest[1:])
		case strings.HasPrefix(rest, "^^xsd:"):
			return rdf.Literal(lex, rdf.XSD+rest[6:])
		case strings.HasPrefix(rest, "^^<"):
			return rdf.Literal(lex, rest[3:len(rest)-1])
		}
		panic("bad literal " + s)
	case strings.ContainsAny(s, "eE"):
		return rdf.Literal(s, rdf.XSDDouble)
	case strings.Contains(s, "."):
		return rdf.Literal(s, rdf.XSDDecimal)
	}
	return rdf.Literal(s, rdf.XSDInteger)
}

// unescape resolves \n, \t, \" and \\ in a test literal.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func tms(ss ...string) []rdf.Term {
	out := make([]rdf.Term, len(ss))
	for i, s := range ss {
		out[i] = tm(s)
	}
	return out
}

// show renders a term in the same notation (with full xsd: prefixes).
func show(t rdf.Term) string {
	switch t.Kind {
	case rdf.KindNone:
		return "UNDEF"
	case rdf.KindIRI:
		return "<" + t.Value + ">"
	case rdf.KindBlank:
		return "_:" + t.Value
	}
	if t.Datatype == rdf.RDFLangString {
		return `"` + t.Value + `"@` + t.Lang
	}
	if t.Datatype == rdf.XSDString {
		return `"` + t.Value + `"`
	}
	if strings.HasPrefix(t.Datatype, rdf.XSD) {
		return `"` + t.Value + `"^^xsd:` + t.Datatype[len(rdf.XSD):]
	}
	return `"` + t.Value + `"^^<` + t.Datatype + `>`
}

// checkTerm compares a result against want: "ERR" expects a type error,
// anything else is the exact expected term in show() notation.
func checkTerm(t *testing.T, got rdf.Term, err error, want string) {
	t.Helper()
	if want == "ERR" {
		if err == nil {
			t.Fatalf("got %s, want a type error", show(got))
		}
		if !errors.Is(err, ErrType) {
			t.Fatalf("error %v does not wrap ErrType", err)
		}
		return
	}
	if want == "true" || want == "false" {
		want = `"` + want + `"^^xsd:boolean`
	}
	if err != nil {
		t.Fatalf("unexpected error %v, want %s", err, want)
	}
	if show(got) != want {
		t.Fatalf("got %s, want %s", show(got), want)
	}
}

func boolOrErr(b bool, err error) string {
	if err != nil {
		return "ERR"
	}
	if b {
		return "true"
	}
	return "false"
}
