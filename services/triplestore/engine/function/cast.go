package function

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// IsCast reports whether iri names an XSD datatype Cast supports.
func IsCast(iri string) bool {
	switch iri {
	case rdf.XSDString, rdf.XSDBoolean, rdf.XSDInteger, rdf.XSDDecimal, rdf.XSDFloat,
		rdf.XSDDouble, rdf.XSDDateTime, xsdDate:
		return true
	}
	_, ok := integerRanges[iri]
	return ok
}

// Cast converts t to the XSD datatype named by target, following the
// casting table of SPARQL 17.5 and XPath casting rules:
//
//   - to xsd:string: IRIs give their IRI, literals their value in the
//     canonical form XPath specifies (1.0 → "1", 1.0E0 → "1", 1.0E7 →
//     "1.0E7", "0"^^xsd:boolean → "false");
//   - from xsd:string: the (whitespace-trimmed) string must be in the target
//     type's lexical space ("1.5" is not an xsd:integer);
//   - between numerics: decimals and floats truncate towards zero when cast
//     to xsd:integer, NaN and ±INF cannot become integers or decimals;
//   - booleans become 1/0 and numerics become false only when zero or NaN;
//   - derived integer types (xsd:int, xsd:byte, ...) are range-checked.
//
// Anything else is a type error. Results are in canonical lexical form.
func Cast(target string, t rdf.Term) (rdf.Term, error) {
	switch t.Kind {
	case rdf.KindNone:
		return rdf.Term{}, errUnbound
	case rdf.KindBlank:
		return rdf.Term{}, errBadCast
	case rdf.KindIRI:
		if target == rdf.XSDString {
			return rdf.String(t.Value), nil
		}
		return rdf.Term{}, errBadCast
	}
	if t.Datatype == rdf.RDFLangString && target != rdf.XSDString {
		return rdf.Term{}, errBadCast
	}
	fromString := t.Datatype == rdf.XSDString
	v := classify(t)
	if v.class == vcOther && !fromString && knownDatatype(t.Datatype) {
		return rdf.Term{}, errBadCast // ill-formed source literal
	}
	switch target {
	case rdf.XSDString:
		return castToString(t, v), nil
	case rdf.XSDBoolean:
		switch {
		case fromString:
			b, ok := parseBooleanLex(strings.TrimSpace(t.Value))
			if !ok {
				return rdf.Term{}, errBadCast
			}
			return Bool(b), nil
		case v.class == vcBoolean:
			return Bool(v.b), nil
		case v.class == vcNumeric:
			return Bool(!v.num.isZero() && !v.num.isNaN()), nil
		}
	case rdf.XSDDouble, rdf.XSDFloat:
		bits, k := 64, nkDouble
		if target == rdf.XSDFloat {
			bits, k = 32, nkFloat
		}
		switch {
		case fromString:
			f, ok := parseFloatLex(strings.TrimSpace(t.Value), bits)
			if !ok {
				return rdf.Term{}, errBadCast
			}
			return numeric{kind: k, f: f}.term(), nil
		case v.class == vcBoolean:
			return numeric{kind: k, f: b2f(v.b)}.term(), nil
		case v.class == vcNumeric:
			f := v.num.float()
			if k == nkFloat {
				f = float64(float32(f))
			}
			return numeric{kind: k, f: f}.term(), nil
		}
	case rdf.XSDDecimal:
		switch {
		case fromString:
			n, ok := parseDecimalLex(strings.TrimSpace(t.Value))
			if !ok {
				return rdf.Term{}, errBadCast
			}
			return n.term(), nil
		case v.class == vcBoolean:
			return numeric{kind: nkDecimal, small: int64(b2f(v.b))}.term(), nil
		case v.class == vcNumeric:
			n, ok := toDecimal(v.num)
			if !ok {
				return rdf.Term{}, errBadCast
			}
			return n.term(), nil
		}
	case rdf.XSDDateTime:
		switch {
		case fromString:
			s := strings.TrimSpace(t.Value)
			if _, ok := parseDateTimeLex(s); !ok {
				return rdf.Term{}, errBadCast
			}
			return rdf.Literal(s, rdf.XSDDateTime), nil
		case v.class == vcDateTime:
			return rdf.Literal(t.Value, rdf.XSDDateTime), nil
		case v.class == vcDate:
			datePart := t.Value[:len(t.Value)-len(v.dt.tzLex)]
			return rdf.Literal(datePart+"T00:00:00"+v.dt.tzLex, rdf.XSDDateTime), nil
		}
	case xsdDate:
		switch {
		case fromString:
			s := strings.TrimSpace(t.Value)
			if _, ok := parseDateLex(s); !ok {
				return rdf.Term{}, errBadCast
			}
			return rdf.Literal(s, xsdDate), nil
		case v.class == vcDate:
			return rdf.Literal(t.Value, xsdDate), nil
		case v.class == vcDateTime:
			i := strings.IndexByte(t.Value, 'T')
			return rdf.Literal(t.Value[:i]+v.dt.tzLex, xsdDate), nil
		}
	default:
		r, ok := integerRanges[target]
		if target != rdf.XSDInteger && !ok {
			return rdf.Term{}, ErrUnknownFunction
		}
		var n numeric
		switch {
		case fromString:
			n, ok = parseIntegerLex(strings.TrimSpace(t.Value))
		case v.class == vcBoolean:
			n, ok = numeric{kind: nkInteger, small: int64(b2f(v.b))}, true
		case v.class == vcNumeric:
			n, ok = toInteger(v.num)
		default:
			ok = false
		}
		if !ok || (target != rdf.XSDInteger && !inIntRange(n, r)) {
			return rdf.Term{}, errBadCast
		}
		return rdf.Term{Kind: rdf.KindLiteral, Value: n.lexical(), Datatype: target}, nil
	}
	return rdf.Term{}, errBadCast
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// knownDatatype reports whether classify would give a value for a
// well-formed literal of dt (so vcOther means ill-formed).
func knownDatatype(dt string) bool {
	switch dt {
	case rdf.XSDBoolean, rdf.XSDDateTime, xsdDateTimeStamp, xsdDate:
		return true
	}
	return isNumericDatatype(dt)
}

// toInteger truncates a numeric towards zero.
func toInteger(n numeric) (numeric, bool) {
	switch n.kind {
	case nkInteger:
		return n, true
	case nkDecimal:
		if n.r == nil {
			v := n.small
			if n.scale > 0 {
				v /= pow10i[n.scale]
			}
			return numeric{kind: nkInteger, small: v}, true
		}
		q := new(big.Int).Quo(n.r.Num(), n.r.Denom())
		return fromRat(nkInteger, new(big.Rat).SetInt(q)), true
	}
	if math.IsNaN(n.f) || math.IsInf(n.f, 0) {
		return numeric{}, false
	}
	f := math.Trunc(n.f)
	if f >= -9e18 && f <= 9e18 {
		return numeric{kind: nkInteger, small: int64(f)}, true
	}
	b, _ := big.NewFloat(f).Int(nil)
	return fromRat(nkInteger, new(big.Rat).SetInt(b)), true
}

// toDecimal converts a numeric to xsd:decimal; floats use their shortest
// round-tripping decimal representation.
func toDecimal(n numeric) (numeric, bool) {
	switch n.kind {
	case nkInteger, nkDecimal:
		n.kind = nkDecimal
		return n, true
	}
	if math.IsNaN(n.f) || math.IsInf(n.f, 0) {
		return numeric{}, false
	}
	bits := 64
	if n.kind == nkFloat {
		bits = 32
	}
	return parseDecimalLex(strconv.FormatFloat(n.f, 'f', -1, bits))
}

// castToString renders a literal's value as XPath's cast to xs:string does.
func castToString(t rdf.Term, v value) rdf.Term {
	switch v.class {
	case vcNumeric:
		n := v.num
		switch n.kind {
		case nkInteger:
			return rdf.String(n.lexical())
		case nkDecimal:
			return rdf.String(formatDecimal(n, false))
		}
		a := math.Abs(n.f)
		if n.f == 0 {
			if math.Signbit(n.f) {
				return rdf.String("-0")
			}
			return rdf.String("0")
		}
		if a >= 1e-6 && a < 1e6 {
			d, _ := toDecimal(n)
			return rdf.String(formatDecimal(d, false))
		}
		bits := 64
		if n.kind == nkFloat {
			bits = 32
		}
		return rdf.String(formatFloat(n.f, bits))
	case vcBoolean:
		if v.b {
			return rdf.String("true")
		}
		return rdf.String("false")
	}
	return rdf.String(t.Value)
}
