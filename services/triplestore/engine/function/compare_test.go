package function

import (
	"testing"
)

func TestEqual(t *testing.T) {
	tests := []struct{ a, b, want string }{
		// numerics by value, with promotion
		{"1", "1", "true"},
		{"1", `"01"^^xsd:integer`, "true"},
		{"1", "1.0", "true"},
		{"1", "1e0", "true"},
		{"1", `"1"^^xsd:float`, "true"},
		{"1.5", `"1.50"^^xsd:decimal`, "true"},
		{"1", "2", "false"},
		{"0.1", "1e-1", "true"}, // the decimal is promoted to the same double
		{`"1"^^xsd:short`, "1", "true"},
		{`"1"^^xsd:byte`, `"1"^^xsd:unsignedLong`, "true"},
		{`"NaN"^^xsd:double`, `"NaN"^^xsd:double`, "true"}, // identical terms
		{`"NaN"^^xsd:double`, `"NaN"^^xsd:float`, "false"},
		{`"INF"^^xsd:double`, `"INF"^^xsd:float`, "true"},
		{"-0.0e0", "0e0", "true"},
		{"123456789012345678901234567890", "123456789012345678901234567890.0", "true"},
		{"123456789012345678901234567890", "123456789012345678901234567891", "false"},
		// strings
		{`"abc"`, `"abc"`, "true"},
		{`"abc"`, `"abc"^^xsd:string`, "true"},
		{`"abc"`, `"ABC"`, "false"},
		{`"abc"@en`, `"abc"@EN`, "true"},
		{`"abc"@en`, `"abc"@fr`, "false"},
		{`"abc"@en`, `"abc"`, "false"},
		{`"abc"@en`, `"abc"^^<http://example/t>`, "false"},
		{`"abc"@en`, `"abc"^^xsd:integer`, "false"},
		// booleans
		{"true", "true", "true"},
		{"true", `"1"^^xsd:boolean`, "true"},
		{"false", `"0"^^xsd:boolean`, "true"},
		{"true", "false", "false"},
		// different known value spaces are unequal, not errors
		{"1", `"1"`, "false"},
		{"true", "1", "false"},
		{`"2006-08-23T09:00:00+01:00"^^xsd:dateTime`, `"2006-08-22"^^xsd:date`, "false"},
		// unknown datatypes and ill-formed literals: identity or error
		{`"a"^^<http://example/t1>`, `"a"^^<http://example/t1>`, "true"},
		{`"a"^^<http://example/t1>`, `"b"^^<http://example/t1>`, "ERR"},
		{`"a"^^<http://example/t1>`, `"a"^^<http://example/t2>`, "ERR"},
		{`"xyz"`, `"xyz"^^<http://example/unknown>`, "ERR"},
		{`"xyz"`, `"xyz"^^xsd:integer`, "ERR"},
		{`"xyz"^^xsd:integer`, `"xyz"^^xsd:integer`, "true"},
		{`"xyz"^^xsd:integer`, `"abc"^^xsd:integer`, "ERR"},
		{`"xyz"^^xsd:integer`, "1", "ERR"},
		{`"maybe"^^xsd:boolean`, "true", "ERR"},
		// non-literals
		{"<http://a>", "<http://a>", "true"},
		{"<http://a>", "<http://b>", "false"},
		{"<http://a>", `"http://a"`, "false"},
		{"_:a", "_:a", "true"},
		{"_:a", "_:b", "false"},
		{"_:a", "<http://a>", "false"},
		{`"xyz"^^<http://example/unknown>`, "_:b", "false"},
		// dateTimes
		{`"2002-10-10T12:00:00-05:00"^^xsd:dateTime`, `"2002-10-10T17:00:00Z"^^xsd:dateTime`, "true"},
		{`"2002-10-10T12:00:00-05:00"^^xsd:dateTime`, `"2002-10-10T12:00:00Z"^^xsd:dateTime`, "false"},
		{`"2002-10-10T17:00:00.000Z"^^xsd:dateTime`, `"2002-10-10T17:00:00Z"^^xsd:dateTime`, "true"},
		{`"2002-10-10T17:00:00"^^xsd:dateTime`, `"2002-10-10T17:00:00Z"^^xsd:dateTime`, "ERR"},
		{`"2002-10-10T17:00:00"^^xsd:dateTime`, `"2002-10-11T17:00:00Z"^^xsd:dateTime`, "false"},
		{`"2002-10-10T24:00:00Z"^^xsd:dateTime`, `"2002-10-11T00:00:00Z"^^xsd:dateTime`, "true"},
		{`"2002-13-10T17:00:00Z"^^xsd:dateTime`, `"2002-10-11T00:00:00Z"^^xsd:dateTime`, "ERR"},
		// dates (open-world date-1, date-2)
		{`"2006-08-23"^^xsd:date`, `"2006-08-23"^^xsd:date`, "true"},
		{`"2006-08-23Z"^^xsd:date`, `"2006-08-23"^^xsd:date`, "ERR"},
		{`"2006-08-23+00:00"^^xsd:date`, `"2006-08-23Z"^^xsd:date`, "true"},
		{`"2001-01-01Z"^^xsd:date`, `"2006-08-23"^^xsd:date`, "false"},
		// unbound
		{"UNDEF", "1", "ERR"},
		{"1", "UNDEF", "ERR"},
	}
	for _, tc := range tests {
		t.Run(tc.a+" = "+tc.b+" is "+tc.want, func(t *testing.T) {
			got := boolOrErr(Equal(tm(tc.a), tm(tc.b)))
			if got != tc.want {
				t.Fatalf("Equal = %s, want %s", got, tc.want)
			}
			// = is symmetric.
			if back := boolOrErr(Equal(tm(tc.b), tm(tc.a))); back != tc.want {
				t.Fatalf("Equal reversed = %s, want %s", back, tc.want)
			}
			// != is the negation with the same errors.
			ne := boolOrErr(Relational("!=", tm(tc.a), tm(tc.b)))
			wantNE := map[string]string{"true": "false", "false": "true", "ERR": "ERR"}[tc.want]
			if ne != wantNE {
				t.Fatalf("!= = %s, want %s", ne, wantNE)
			}
		})
	}
}

func TestRelational(t *testing.T) {
	tests := []struct{ a, op, b, want string }{
		{"1", "<", "2", "true"},
		{"2", "<", "1", "false"},
		{"1", "<=", "1.0", "true"},
		{"1", ">=", "1e0", "true"},
		{"1.5", ">", "1", "true"},
		{`"1.25"^^xsd:float`, "<", "1.3", "true"},
		{"-5", "<", `"3"^^xsd:unsignedByte`, "true"},
		{"99999999999999999999", ">", "9223372036854775807", "true"},
		{"0.30000000000000004", ">", "0.3", "true"},
		{"100", ">", "99.999999999999999999999", "true"},
		{`"abc"`, "<", `"abd"`, "true"},
		{`"abc"`, "<", `"abc"`, "false"},
		{`"abc"`, "<=", `"abc"^^xsd:string`, "true"},
		{`"Z"`, "<", `"a"`, "true"},
		{`"é"`, ">", `"z"`, "true"},
		{`"abc"@en`, "<", `"abd"@en`, "ERR"},
		{`"abc"`, "<", "1", "ERR"},
		{"false", "<", "true", "true"},
		{"true", "<", "false", "false"},
		{"true", "<", "1", "ERR"},
		{`"2002-10-10T12:00:00-05:00"^^xsd:dateTime`, "<", `"2002-10-10T17:00:01Z"^^xsd:dateTime`, "true"},
		{`"2002-10-10T12:00:00-05:00"^^xsd:dateTime`, ">", `"2002-10-10T16:59:59Z"^^xsd:dateTime`, "true"},
		{`"2006-08-23Z"^^xsd:date`, ">", `"2006-08-22"^^xsd:date`, "true"},
		{`"2006-08-23+00:00"^^xsd:date`, ">", `"2006-08-22"^^xsd:date`, "true"},
		{`"2006-08-23"^^xsd:date`, ">", `"2006-08-22"^^xsd:date`, "true"},
		{`"2006-08-23Z"^^xsd:date`, "<", `"2006-08-23"^^xsd:date`, "ERR"},
		{`"2006-08-23T09:00:00+01:00"^^xsd:dateTime`, "<", `"2006-08-22"^^xsd:date`, "ERR"},
		{"<http://a>", "<", "<http://b>", "ERR"},
		{"_:a", "<", "_:b", "ERR"},
		{`"x"^^<http://example/unknown>`, "<", `"x"^^<http://example/unknown>`, "ERR"},
		{`"NaN"^^xsd:double`, "<", "1", "false"},
		{`"NaN"^^xsd:double`, ">", "1", "false"},
		{`"NaN"^^xsd:double`, ">=", `"NaN"^^xsd:double`, "false"},
		{`"NaN"^^xsd:double`, "!=", "1", "true"},
		{`"NaN"^^xsd:double`, "=", "1", "false"},
		{`"INF"^^xsd:double`, ">", "1e308", "true"},
		{`"-INF"^^xsd:float`, "<", "-99999999999999999999", "true"},
		{"UNDEF", "<", "1", "ERR"},
		{"1", "<", "UNDEF", "ERR"},
	}
	for _, tc := range tests {
		t.Run(tc.a+" "+tc.op+" "+tc.b+" is "+tc.want, func(t *testing.T) {
			if got := boolOrErr(Relational(tc.op, tm(tc.a), tm(tc.b))); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCompareSignAndUnordered(t *testing.T) {
	tests := []struct {
		a, b string
		want int
		err  error
	}{
		{"1", "2", -1, nil},
		{"2", "1", 1, nil},
		{"2", "2.0", 0, nil},
		{`"b"`, `"a"`, 1, nil},
		{`"NaN"^^xsd:double`, "1", 0, ErrUnordered},
		{`"2006-08-23Z"^^xsd:date`, `"2006-08-23"^^xsd:date`, 0, ErrUnordered},
	}
	for _, tc := range tests {
		t.Run("compare "+tc.a+" with "+tc.b, func(t *testing.T) {
			c, err := Compare(tm(tc.a), tm(tc.b))
			if err != tc.err || c != tc.want {
				t.Fatalf("Compare = %d, %v; want %d, %v", c, err, tc.want, tc.err)
			}
		})
	}
}

func TestSameValue(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`"2.0"^^xsd:decimal`, `"2"^^xsd:decimal`, true},
		{`"1.0E0"^^xsd:double`, `"1"^^xsd:double`, true},
		{`"3.21E4"^^xsd:double`, `"32100"^^xsd:double`, true},
		{`"1"^^xsd:integer`, `"1.0"^^xsd:decimal`, false},
		{`"a"`, `"a"`, true},
		{`"a"`, `"b"`, false},
		{`"NaN"^^xsd:double`, `"NaN"^^xsd:double`, true},
		{`"2002-10-10T17:00:00Z"^^xsd:dateTime`, `"2002-10-10T17:00:00.0Z"^^xsd:dateTime`, true},
		{`"2002-10-10T17:00:00Z"^^xsd:dateTime`, `"2002-10-10T17:00:00"^^xsd:dateTime`, false},
		{`"0"^^xsd:boolean`, "false", true},
		{`"x"^^<http://t>`, `"y"^^<http://t>`, false},
	}
	for _, tc := range tests {
		t.Run(tc.a+" same value as "+tc.b, func(t *testing.T) {
			if got := SameValue(tm(tc.a), tm(tc.b)); got != tc.want {
				t.Fatalf("SameValue = %v, want %v", got, tc.want)
			}
		})
	}
}
