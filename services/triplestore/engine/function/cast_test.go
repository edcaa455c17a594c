package function

import (
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
)

// The sources are the data of the W3C sparql11/cast tests; the expected
// values follow the casting rules (the W3C results write the same values in
// assorted lexical forms).
func TestCast(t *testing.T) {
	tests := []struct{ to, in, want string }{
		// xsd:boolean
		{"boolean", "<http://example.org/z>", "ERR"},
		{"boolean", `"string"`, "ERR"},
		{"boolean", `"0"`, "false"},
		{"boolean", `"1"`, "true"},
		{"boolean", `"false"`, "false"},
		{"boolean", `" true "`, "true"},
		{"boolean", `"1E0"`, "ERR"},
		{"boolean", `"0"^^xsd:boolean`, "false"},
		{"boolean", "0", "false"},
		{"boolean", "-1", "true"},
		{"boolean", "0.0", "false"},
		{"boolean", "0e1", "false"},
		{"boolean", `"NaN"^^xsd:double`, "false"},
		{"boolean", `"-7.875"^^xsd:float`, "true"},
		{"boolean", `"2002-10-10T17:00:00Z"^^xsd:dateTime`, "ERR"},
		{"boolean", `"true"@en`, "ERR"},
		// xsd:integer
		{"integer", `"0"`, `"0"^^xsd:integer`},
		{"integer", `"13"`, `"13"^^xsd:integer`},
		{"integer", `"+13"`, `"13"^^xsd:integer`},
		{"integer", `"1.5"`, "ERR"},
		{"integer", `"0.0"`, "ERR"},
		{"integer", `"1E0"`, "ERR"},
		{"integer", `"-10.2E3"`, "ERR"},
		{"integer", `"true"`, "ERR"},
		{"integer", "true", `"1"^^xsd:integer`},
		{"integer", `"0"^^xsd:boolean`, `"0"^^xsd:integer`},
		{"integer", "-1", `"-1"^^xsd:integer`},
		{"integer", "-1.0", `"-1"^^xsd:integer`},
		{"integer", "2.5", `"2"^^xsd:integer`},
		{"integer", "-2.5", `"-2"^^xsd:integer`},
		{"integer", "1e0", `"1"^^xsd:integer`},
		{"integer", `"1.25"^^xsd:float`, `"1"^^xsd:integer`},
		{"integer", `"-7.875"^^xsd:float`, `"-7"^^xsd:integer`},
		{"integer", "1e20", `"100000000000000000000"^^xsd:integer`},
		{"integer", `"INF"^^xsd:double`, "ERR"},
		{"integer", `"NaN"^^xsd:float`, "ERR"},
		{"integer", "<http://example.org/z>", "ERR"},
		{"integer", `"abc"^^xsd:integer`, "ERR"},
		// xsd:decimal
		{"decimal", `"+33.3300"`, `"33.33"^^xsd:decimal`},
		{"decimal", `"0"`, `"0.0"^^xsd:decimal`},
		{"decimal", `"13"`, `"13.0"^^xsd:decimal`},
		{"decimal", `"1.5"`, `"1.5"^^xsd:decimal`},
		{"decimal", `"1E0"`, "ERR"},
		{"decimal", `"false"`, "ERR"},
		{"decimal", "true", `"1.0"^^xsd:decimal`},
		{"decimal", "1", `"1.0"^^xsd:decimal`},
		{"decimal", "1e0", `"1.0"^^xsd:decimal`},
		{"decimal", `"1.25"^^xsd:float`, `"1.25"^^xsd:decimal`},
		{"decimal", `"-7.875"^^xsd:float`, `"-7.875"^^xsd:decimal`},
		{"decimal", "1e-1", `"0.1"^^xsd:decimal`},
		{"decimal", `"INF"^^xsd:double`, "ERR"},
		// xsd:double and xsd:float
		{"double", `"-10.2E3"`, `"-1.02E4"^^xsd:double`},
		{"double", `"+33.3300"`, `"3.333E1"^^xsd:double`},
		{"double", `"0"`, `"0.0E0"^^xsd:double`},
		{"double", `"1.5"`, `"1.5E0"^^xsd:double`},
		{"double", `"INF"`, `"INF"^^xsd:double`},
		{"double", `"-INF"`, `"-INF"^^xsd:double`},
		{"double", `"NaN"`, `"NaN"^^xsd:double`},
		{"double", `"inf"`, "ERR"},
		{"double", `"1e"`, "ERR"},
		{"double", `"0x10"`, "ERR"},
		{"double", `"2002-10-10T17:00:00Z"`, "ERR"},
		{"double", "true", `"1.0E0"^^xsd:double`},
		{"double", "false", `"0.0E0"^^xsd:double`},
		{"double", "-1", `"-1.0E0"^^xsd:double`},
		{"double", "2.5", `"2.5E0"^^xsd:double`},
		{"double", `"-7.875"^^xsd:float`, `"-7.875E0"^^xsd:double`},
		{"float", `"-10.2E3"`, `"-1.02E4"^^xsd:float`},
		{"float", `"1.1"`, `"1.1E0"^^xsd:float`},
		{"float", "1.1e0", `"1.1E0"^^xsd:float`},
		{"float", "1e300", `"INF"^^xsd:float`},
		{"float", "true", `"1.0E0"^^xsd:float`},
		// xsd:string
		{"string", "<http://example.org/z>", `"http://example.org/z"`},
		{"string", `"+33.3300"`, `"+33.3300"`},
		{"string", "true", `"true"`},
		{"string", `"0"^^xsd:boolean`, `"false"`},
		{"string", `"1"^^xsd:boolean`, `"true"`},
		{"string", "-1", `"-1"`},
		{"string", "01", `"1"`},
		{"string", "0.0", `"0"`},
		{"string", "1.0", `"1"`},
		{"string", "-1.0", `"-1"`},
		{"string", "2.50", `"2.5"`},
		{"string", "0e1", `"0"`},
		{"string", "1e0", `"1"`},
		{"string", "1.5e0", `"1.5"`},
		{"string", `"-7.875"^^xsd:float`, `"-7.875"`},
		{"string", "1e7", `"1.0E7"`},
		{"string", "1e-7", `"1.0E-7"`},
		{"string", "123456.5e0", `"123456.5"`},
		{"string", `"INF"^^xsd:double`, `"INF"`},
		{"string", `"2002-10-10T17:00:00Z"^^xsd:dateTime`, `"2002-10-10T17:00:00Z"`},
		{"string", `"x"^^<http://t>`, `"x"`},
		{"string", `"chat"@fr`, `"chat"`},
		{"string", "_:b", "ERR"},
		{"string", "UNDEF", "ERR"},
		// xsd:dateTime and xsd:date
		{"dateTime", `"2002-10-10T17:00:00Z"`, `"2002-10-10T17:00:00Z"^^xsd:dateTime`},
		{"dateTime", `"2002-10-10T17:00:00.25-05:00"`, `"2002-10-10T17:00:00.25-05:00"^^xsd:dateTime`},
		{"dateTime", `"2002-10-10"`, "ERR"},
		{"dateTime", `"2002-10-10T25:00:00"`, "ERR"},
		{"dateTime", `"2001-02-29T00:00:00"`, "ERR"},
		{"dateTime", `"2000-02-29T00:00:00"`, `"2000-02-29T00:00:00"^^xsd:dateTime`},
		{"dateTime", `"string"`, "ERR"},
		{"dateTime", `"2002-10-10"^^xsd:date`, `"2002-10-10T00:00:00"^^xsd:dateTime`},
		{"dateTime", `"2002-10-10-05:00"^^xsd:date`, `"2002-10-10T00:00:00-05:00"^^xsd:dateTime`},
		{"dateTime", "1", "ERR"},
		{"date", `"2002-10-10T17:00:00Z"^^xsd:dateTime`, `"2002-10-10Z"^^xsd:date`},
		{"date", `"2002-10-10"`, `"2002-10-10"^^xsd:date`},
		// derived integer types
		{"int", `"2147483647"`, `"2147483647"^^xsd:int`},
		{"int", `"2147483648"`, "ERR"},
		{"byte", "-128", `"-128"^^xsd:byte`},
		{"byte", "128", "ERR"},
		{"unsignedByte", "-1", "ERR"},
		{"nonNegativeInteger", "0", `"0"^^xsd:nonNegativeInteger`},
		{"positiveInteger", "0", "ERR"},
		{"negativeInteger", "-3.7", `"-3"^^xsd:negativeInteger`},
		{"long", "9.3e18", "ERR"},
		{"short", "true", `"1"^^xsd:short`},
	}
	for _, tc := range tests {
		t.Run("xsd:"+tc.to+"("+tc.in+") gives "+tc.want, func(t *testing.T) {
			got, err := Call(rdf.XSD+tc.to, tms(tc.in), nil)
			checkTerm(t, got, err, tc.want)
		})
	}
}

func TestCastArityAndUnknownTargets(t *testing.T) {
	if _, err := Call(rdf.XSDInteger, tms("1", "2"), nil); err == nil {
		t.Fatal("a cast with two arguments must fail")
	}
	if IsCast(rdf.XSD+"gYear") || !IsCast(rdf.XSD+"unsignedInt") {
		t.Fatal("IsCast disagrees with the supported targets")
	}
}
