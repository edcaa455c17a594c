package rdf

import (
	"strings"
)

// Well-known namespace and datatype IRIs.
const (
	XSD           = "http://www.w3.org/2001/XMLSchema#"
	RDFNS         = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	XSDString     = XSD + "string"
	XSDBoolean    = XSD + "boolean"
	XSDInteger    = XSD + "integer"
	XSDDecimal    = XSD + "decimal"
	XSDDouble     = XSD + "double"
	XSDFloat      = XSD + "float"
	XSDDateTime   = XSD + "dateTime"
	RDFLangString = RDFNS + "langString"
	RDFType       = RDFNS + "type"
)

// Kind says what sort of term a Term is. The zero Kind is no term at all
// (an unbound variable, or the default graph in a Quad's graph position).
type Kind uint8

// The kinds of RDF term.
const (
	KindNone Kind = iota
	KindIRI
	KindBlank
	KindLiteral
)

func (k Kind) String() string {
	switch k {
	case KindIRI:
		return "IRI"
	case KindBlank:
		return "blank node"
	case KindLiteral:
		return "literal"
	default:
		return "none"
	}
}

// Term is an RDF term. Value holds the IRI, the blank node label (without
// "_:") or the literal's lexical form. Datatype and Lang are set for literals
// only. Terms are comparable; build them with the constructors so that
// literals are normalised.
type Term struct {
	Kind     Kind
	Value    string
	Datatype string
	Lang     string
}

// IRI returns an IRI term.
func IRI(iri string) Term { return Term{Kind: KindIRI, Value: iri} }

// Blank returns a blank node term with the given label (no "_:" prefix).
func Blank(label string) Term { return Term{Kind: KindBlank, Value: label} }

// Literal returns a typed literal. An empty datatype means xsd:string.
func Literal(lexical, datatype string) Term {
	if datatype == "" {
		datatype = XSDString
	}
	return Term{Kind: KindLiteral, Value: lexical, Datatype: datatype}
}

// String returns a simple literal (an xsd:string).
func String(s string) Term { return Term{Kind: KindLiteral, Value: s, Datatype: XSDString} }

// LangLiteral returns a language-tagged string. The tag is lower-cased.
func LangLiteral(s, lang string) Term {
	return Term{Kind: KindLiteral, Value: s, Datatype: RDFLangString, Lang: strings.ToLower(lang)}
}

// IsZero reports whether t is the zero Term (no term).
func (t Term) IsZero() bool { return t.Kind == KindNone }

// IsIRI reports whether t is an IRI.
func (t Term) IsIRI() bool { return t.Kind == KindIRI }

// IsBlank reports whether t is a blank node.
func (t Term) IsBlank() bool { return t.Kind == KindBlank }

// IsLiteral reports whether t is a literal.
func (t Term) IsLiteral() bool { return t.Kind == KindLiteral }

// String renders t in N-Triples syntax; the zero Term renders as "".
func (t Term) String() string {
	var b strings.Builder
	AppendTerm(&b, t)
	return b.String()
}

// Triple is an RDF triple.
type Triple struct {
	S, P, O Term
}

// Quad is an RDF quad. A zero G means the default graph.
type Quad struct {
	S, P, O, G Term
}

// Triple returns the quad without its graph.
func (q Quad) Triple() Triple { return Triple{S: q.S, P: q.P, O: q.O} }

// InGraph returns the triple placed in graph g (zero g is the default graph).
func (t Triple) InGraph(g Term) Quad { return Quad{S: t.S, P: t.P, O: t.O, G: g} }

// String renders the triple as one N-Triples line without the newline.
func (t Triple) String() string {
	var b strings.Builder
	AppendTerm(&b, t.S)
	b.WriteByte(' ')
	AppendTerm(&b, t.P)
	b.WriteByte(' ')
	AppendTerm(&b, t.O)
	b.WriteString(" .")
	return b.String()
}

// String renders the quad as one N-Quads line without the newline.
func (q Quad) String() string {
	var b strings.Builder
	AppendTerm(&b, q.S)
	b.WriteByte(' ')
	AppendTerm(&b, q.P)
	b.WriteByte(' ')
	AppendTerm(&b, q.O)
	if !q.G.IsZero() {
		b.WriteByte(' ')
		AppendTerm(&b, q.G)
	}
	b.WriteString(" .")
	return b.String()
}

// Normalized returns t in the form the constructors build: no datatype or
// language on IRIs and blank nodes, a lower-cased language tag with
// rdf:langString, xsd:string for a literal without datatype. A langString
// without a tag is not a valid term and becomes a plain string.
func (t Term) Normalized() Term {
	if t.Kind != KindLiteral {
		if t.Datatype == "" && t.Lang == "" {
			return t
		}
		return Term{Kind: t.Kind, Value: t.Value}
	}
	if t.Lang != "" {
		lang := t.Lang
		for i := 0; i < len(lang); i++ {
			if c := lang[i]; c >= 'A' && c <= 'Z' {
				lang = strings.ToLower(lang)
				break
			}
		}
		if lang == t.Lang && t.Datatype == RDFLangString {
			return t
		}
		return Term{Kind: KindLiteral, Value: t.Value, Datatype: RDFLangString, Lang: lang}
	}
	if t.Datatype == "" || t.Datatype == RDFLangString {
		return Term{Kind: KindLiteral, Value: t.Value, Datatype: XSDString}
	}
	return t
}
