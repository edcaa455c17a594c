package function

import "github.com/intermw/intermw/ontology/rdf"

// Equal implements the SPARQL = operator (17.3, RDFterm-equal extended with
// value equality for the datatypes this package knows):
//
//   - identical terms are equal, whatever their datatype;
//   - numerics compare by value after type promotion (1 = 1.0 = "01"^^xsd:integer),
//     strings by code points, booleans, xsd:dateTime and xsd:date by value;
//   - an IRI or blank node is never equal to a different term;
//   - a language-tagged string is equal only to the identical term (false otherwise);
//   - literals of two known but different value spaces (1 and "1", a date and
//     a dateTime) are not equal;
//   - otherwise (an unknown datatype or an ill-formed literal on either side)
//     the values cannot be compared and the result is a type error.
//
// An unbound (zero) operand is a type error. dateTimes whose order depends
// on a missing timezone are a type error too.
func Equal(a, b rdf.Term) (bool, error) {
	if a.Kind == rdf.KindNone || b.Kind == rdf.KindNone {
		return false, errUnbound
	}
	// Fast path: identical terms (Go string comparison checks lengths and
	// pointers first).
	if a.Kind == b.Kind && a.Value == b.Value && a.Datatype == b.Datatype && a.Lang == b.Lang {
		return true, nil
	}
	if a.Kind != rdf.KindLiteral || b.Kind != rdf.KindLiteral {
		return false, nil
	}
	if a.Datatype == rdf.RDFLangString || b.Datatype == rdf.RDFLangString {
		return false, nil
	}
	if a.Datatype == rdf.XSDString && b.Datatype == rdf.XSDString {
		return false, nil // different lexical forms
	}
	if c, ok := fastNumericCompare(a, b); ok {
		return c == 0, nil
	}
	va, vb := classify(a), classify(b)
	if va.class == vcOther || vb.class == vcOther {
		return false, errLiteralsDiffer
	}
	if va.class != vb.class {
		return false, nil
	}
	c, ok := compareValues(&va, &vb)
	if !ok {
		if va.class == vcNumeric {
			return false, nil // NaN
		}
		return false, ErrUnordered
	}
	return c == 0, nil
}

// compareValues compares two values of the same class; ok is false when the
// values are unordered (NaN, indeterminate date/times).
func compareValues(a, b *value) (int, bool) {
	switch a.class {
	case vcNumeric:
		return compareNumeric(a.num, b.num)
	case vcBoolean:
		return cmpBool(a.b, b.b), true
	case vcDateTime, vcDate:
		return compareDateTime(a.dt, b.dt)
	}
	return 0, false
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Compare orders two terms for the <, >, <= and >= operators: numerics by
// value, simple literals and xsd:strings by code point, booleans (false <
// true), xsd:dateTime and xsd:date values. Any other pairing is a type
// error. NaN operands and date/times whose order depends on a missing
// timezone return ErrUnordered; use Relational for the exact operator
// semantics in those cases.
func Compare(a, b rdf.Term) (int, error) {
	if a.Kind == rdf.KindNone || b.Kind == rdf.KindNone {
		return 0, errUnbound
	}
	if a.Kind != rdf.KindLiteral || b.Kind != rdf.KindLiteral {
		return 0, errNotComparable
	}
	if a.Datatype == rdf.XSDString && b.Datatype == rdf.XSDString {
		return cmpString(a.Value, b.Value), nil
	}
	if c, ok := fastNumericCompare(a, b); ok {
		return c, nil
	}
	va, vb := classify(a), classify(b)
	if va.class != vb.class || va.class == vcOther || va.class == vcString || va.class == vcLangString {
		return 0, errNotComparable
	}
	c, ok := compareValues(&va, &vb)
	if !ok {
		return 0, ErrUnordered
	}
	return c, nil
}

// Relational evaluates a SPARQL relational operator ("=", "!=", "<", ">",
// "<=", ">=") with the exact semantics of 17.3: errors propagate, a NaN
// operand makes every comparison false except != (true).
func Relational(op string, a, b rdf.Term) (bool, error) {
	switch op {
	case "=":
		return Equal(a, b)
	case "!=":
		eq, err := Equal(a, b)
		return !eq && err == nil, err
	}
	c, err := Compare(a, b)
	if err == ErrUnordered && isNaNTerm(a, b) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case ">":
		return c > 0, nil
	case "<=":
		return c <= 0, nil
	case ">=":
		return c >= 0, nil
	}
	return false, typeErr("unknown relational operator " + op)
}

func isNaNTerm(a, b rdf.Term) bool {
	x, okx := parseNumeric(a)
	y, oky := parseNumeric(b)
	return okx && oky && (x.isNaN() || y.isNaN())
}

// SameTerm implements sameTerm: RDF term identity.
func SameTerm(a, b rdf.Term) bool { return a == b }

// SameValue reports whether two terms are the same term or literals with
// the same datatype whose values are equal ("1.0"^^xsd:decimal and
// "1.00"^^xsd:decimal, "1.0E0"^^xsd:double and "1"^^xsd:double). Test
// harnesses use it to compare expected and actual results, since the W3C
// results write numeric values in non-canonical forms.
func SameValue(a, b rdf.Term) bool {
	if a == b {
		return true
	}
	if a.Kind != rdf.KindLiteral || b.Kind != rdf.KindLiteral || a.Datatype != b.Datatype || a.Lang != b.Lang {
		return false
	}
	va, vb := classify(a), classify(b)
	if va.class == vcOther || va.class != vb.class || va.class == vcString || va.class == vcLangString {
		return false
	}
	if va.class == vcNumeric && va.num.isNaN() && vb.num.isNaN() {
		return true
	}
	c, ok := compareValues(&va, &vb)
	if va.class == vcDateTime || va.class == vcDate {
		return ok && c == 0 && va.dt.hasTZ == vb.dt.hasTZ
	}
	return ok && c == 0
}

// fastNumericCompare compares two well-formed xsd:integer or xsd:decimal
// literals whose values fit in an int64 without building full values; ok
// is false when the slow path is needed.
func fastNumericCompare(a, b rdf.Term) (int, bool) {
	if (a.Datatype != rdf.XSDInteger && a.Datatype != rdf.XSDDecimal) ||
		(b.Datatype != rdf.XSDInteger && b.Datatype != rdf.XSDDecimal) {
		return 0, false
	}
	var x, y numeric
	var ok bool
	if a.Datatype == rdf.XSDInteger {
		x, ok = parseIntegerLex(a.Value)
	} else {
		x, ok = parseDecimalLex(a.Value)
	}
	if !ok || x.r != nil {
		return 0, false
	}
	if b.Datatype == rdf.XSDInteger {
		y, ok = parseIntegerLex(b.Value)
	} else {
		y, ok = parseDecimalLex(b.Value)
	}
	if !ok || y.r != nil {
		return 0, false
	}
	return compareNumeric(x, y)
}
