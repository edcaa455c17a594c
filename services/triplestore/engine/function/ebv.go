package function

import "github.com/intermw/intermw/ontology/rdf"

// EBV computes the effective boolean value of a term (SPARQL 17.2.2):
// xsd:boolean literals give their value (false when ill-formed), numerics
// are false when zero or NaN (and when ill-formed), simple literals,
// xsd:strings and language-tagged strings are false when empty. Every other
// term (IRIs, blank nodes, other datatypes, unbound) is a type error.
func EBV(t rdf.Term) (bool, error) {
	if t.Kind != rdf.KindLiteral {
		if t.Kind == rdf.KindNone {
			return false, errUnbound
		}
		return false, errNoEBV
	}
	switch t.Datatype {
	case rdf.XSDBoolean:
		b, ok := parseBooleanLex(t.Value)
		return ok && b, nil
	case rdf.XSDString, rdf.RDFLangString:
		return t.Value != "", nil
	case rdf.XSDInteger:
		// Fast path: avoid parsing.
		for i := 0; i < len(t.Value); i++ {
			if c := t.Value[i]; c >= '1' && c <= '9' {
				_, ok := parseIntegerLex(t.Value)
				return ok, nil
			}
		}
		return false, nil
	}
	if !isNumericDatatype(t.Datatype) {
		return false, errNoEBV
	}
	n, ok := parseNumeric(t)
	if !ok {
		return false, nil
	}
	return !n.isZero() && !n.isNaN(), nil
}
