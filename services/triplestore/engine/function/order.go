package function

import (
	"math"

	"github.com/intermw/intermw/ontology/rdf"
)

// OrderCompare is the total order used by ORDER BY (SPARQL 15.1): unbound
// (the zero Term) < blank nodes < IRIs < literals. Blank nodes and IRIs
// order by label/IRI string. Literals order first by family, then by value
// within it:
//
//	numerics < booleans < xsd:dateTime < xsd:date < simple literals and
//	xsd:string < language-tagged strings < everything else
//
// Numerics order by value (NaN first), strings by code point, dateTimes by
// instant (a value without timezone taken as UTC), language-tagged strings
// by lexical form then tag, and the rest by datatype IRI then lexical form.
// Ties between different terms (1 and 1.0) break by datatype then lexical
// form, so the order is total and deterministic. It returns -1, 0 or +1;
// 0 only for identical terms.
func OrderCompare(a, b rdf.Term) int {
	if a.Kind != b.Kind {
		return cmpInt64(kindRank(a.Kind), kindRank(b.Kind))
	}
	switch a.Kind {
	case rdf.KindNone:
		return 0
	case rdf.KindIRI, rdf.KindBlank:
		return cmpString(a.Value, b.Value)
	}
	if a.Datatype == rdf.XSDString && b.Datatype == rdf.XSDString {
		return cmpString(a.Value, b.Value)
	}
	va, vb := classify(a), classify(b)
	ra, rb := orderRank(va.class), orderRank(vb.class)
	if ra != rb {
		return cmpInt64(int64(ra), int64(rb))
	}
	c := 0
	switch va.class {
	case vcNumeric:
		c = orderNumeric(va.num, vb.num)
	case vcBoolean:
		c = cmpBool(va.b, vb.b)
	case vcDateTime, vcDate:
		c = orderDateTime(va.dt, vb.dt)
	case vcString:
		c = cmpString(a.Value, b.Value)
	case vcLangString:
		if c = cmpString(a.Value, b.Value); c == 0 {
			c = cmpString(a.Lang, b.Lang)
		}
	default:
		c = cmpString(a.Datatype, b.Datatype)
	}
	if c != 0 {
		return c
	}
	if c = cmpString(a.Datatype, b.Datatype); c != 0 {
		return c
	}
	if c = cmpString(a.Value, b.Value); c != 0 {
		return c
	}
	return cmpString(a.Lang, b.Lang)
}

func orderRank(c valueClass) int {
	switch c {
	case vcNumeric:
		return 0
	case vcBoolean:
		return 1
	case vcDateTime:
		return 2
	case vcDate:
		return 3
	case vcString:
		return 4
	case vcLangString:
		return 5
	}
	return 6
}

func orderNumeric(a, b numeric) int {
	an, bn := a.isNaN(), b.isNaN()
	switch {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	c, _ := compareNumeric(a, b)
	if c == 0 && a.kind >= nkFloat && b.kind >= nkFloat {
		// Order -0 before +0 so the order stays total on values.
		return cmpBool(!math.Signbit(a.f), !math.Signbit(b.f))
	}
	return c
}

func orderDateTime(a, b dateTime) int {
	as, bs := a.localSeconds(), b.localSeconds()
	if a.hasTZ {
		as -= int64(a.tzMinutes) * 60
	}
	if b.hasTZ {
		bs -= int64(b.tzMinutes) * 60
	}
	if c := cmpInstant(as, a.nanos, bs, b.nanos); c != 0 {
		return c
	}
	return cmpBool(a.hasTZ, b.hasTZ)
}

// kindRank orders term kinds: unbound < blank node < IRI < literal.
func kindRank(k rdf.Kind) int64 {
	switch k {
	case rdf.KindBlank:
		return 1
	case rdf.KindIRI:
		return 2
	case rdf.KindLiteral:
		return 3
	}
	return 0
}
