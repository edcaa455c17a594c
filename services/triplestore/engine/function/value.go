package function

import "github.com/intermw/intermw/ontology/rdf"

// valueClass groups literals whose values the SPARQL operators can compare
// with each other (the operator mapping table of SPARQL 17.3).
type valueClass uint8

const (
	// vcOther is a literal of an unknown datatype, of a known datatype this
	// package does not interpret, or with an ill-formed lexical form. Its
	// value is unknown, so only term identity can say anything about it.
	vcOther valueClass = iota
	vcNumeric
	vcString // simple literal == xsd:string
	vcLangString
	vcBoolean
	vcDateTime
	vcDate
)

// value is a literal's parsed value, computed on demand from an rdf.Term.
type value struct {
	class valueClass
	num   numeric
	b     bool
	dt    dateTime
}

// classify parses a literal into its value. It never allocates for the
// common datatypes (small integers, decimals, doubles, strings, booleans).
func classify(t rdf.Term) value {
	switch t.Datatype {
	case rdf.XSDString:
		return value{class: vcString}
	case rdf.RDFLangString:
		return value{class: vcLangString}
	case rdf.XSDBoolean:
		b, ok := parseBooleanLex(t.Value)
		if !ok {
			return value{}
		}
		return value{class: vcBoolean, b: b}
	case rdf.XSDDateTime, xsdDateTimeStamp:
		d, ok := parseDateTimeTerm(t)
		if !ok {
			return value{}
		}
		return value{class: vcDateTime, dt: d}
	case xsdDate:
		d, ok := parseDateLex(t.Value)
		if !ok {
			return value{}
		}
		return value{class: vcDate, dt: d}
	}
	if n, ok := parseNumeric(t); ok {
		return value{class: vcNumeric, num: n}
	}
	return value{}
}

// parseBooleanLex parses the xsd:boolean lexical space.
func parseBooleanLex(s string) (bool, bool) {
	switch s {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// isStringLiteral reports whether t is a simple literal, an xsd:string or a
// language-tagged string (a "string literal" in SPARQL 17.4.3).
func isStringLiteral(t rdf.Term) bool {
	return t.Kind == rdf.KindLiteral && (t.Datatype == rdf.XSDString || t.Datatype == rdf.RDFLangString)
}

// isSimpleString reports whether t is a simple literal or an xsd:string.
func isSimpleString(t rdf.Term) bool {
	return t.Kind == rdf.KindLiteral && t.Datatype == rdf.XSDString
}

var (
	trueTerm  = rdf.Term{Kind: rdf.KindLiteral, Value: "true", Datatype: rdf.XSDBoolean}
	falseTerm = rdf.Term{Kind: rdf.KindLiteral, Value: "false", Datatype: rdf.XSDBoolean}
)

// Bool returns the xsd:boolean literal for b.
func Bool(b bool) rdf.Term {
	if b {
		return trueTerm
	}
	return falseTerm
}

// Integer returns the xsd:integer literal for v.
func Integer(v int64) rdf.Term { return intTerm(v) }

// IsNumeric reports whether t is a literal of a numeric datatype with a
// valid lexical form (the isNUMERIC built-in).
func IsNumeric(t rdf.Term) bool {
	_, ok := parseNumeric(t)
	return ok
}
