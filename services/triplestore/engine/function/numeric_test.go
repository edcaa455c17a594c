package function

import (
	"testing"
)

func TestArithmetic(t *testing.T) {
	tests := []struct {
		a    string
		op   byte
		b    string
		want string
	}{
		{"1", '+', "2", `"3"^^xsd:integer`},
		{"1", '-', "2", `"-1"^^xsd:integer`},
		{"6", '*', "7", `"42"^^xsd:integer`},
		{"6", '/', "3", `"2.0"^^xsd:decimal`},
		{"1", '/', "3", `"0.333333333333333333333333"^^xsd:decimal`},
		{"2", '/', "3", `"0.666666666666666666666667"^^xsd:decimal`},
		{"1", '/', "8", `"0.125"^^xsd:decimal`},
		{"1", '/', "0", "ERR"},
		{"1.0", '/', "0", "ERR"},
		{"1.0", '+', "2", `"3.0"^^xsd:decimal`},
		{"1.5", '+', "2.25", `"3.75"^^xsd:decimal`},
		{"0.1", '+', "0.2", `"0.3"^^xsd:decimal`},
		{"1.5", '*', "2", `"3.0"^^xsd:decimal`},
		{"-1.5", '*', "1.5", `"-2.25"^^xsd:decimal`},
		{"1.5", '-', "1.5", `"0.0"^^xsd:decimal`},
		{"1e0", '+', "1", `"2.0E0"^^xsd:double`},
		{"2e-1", '+', "2e-1", `"4.0E-1"^^xsd:double`},
		{"1.0e2", '+', "2.0e3", `"2.1E3"^^xsd:double`},
		{"1e0", '/', "0", `"INF"^^xsd:double`},
		{"-1e0", '/', "0", `"-INF"^^xsd:double`},
		{"0e0", '/', "0", `"NaN"^^xsd:double`},
		{`"1.5"^^xsd:float`, '+', "1", `"2.5E0"^^xsd:float`},
		{`"0.1"^^xsd:float`, '+', "0.2", `"3.0E-1"^^xsd:float`},
		{`"1"^^xsd:float`, '+', "1e0", `"2.0E0"^^xsd:double`},
		{`"1"^^xsd:short`, '+', `"2"^^xsd:byte`, `"3"^^xsd:integer`},
		{`"1"^^xsd:short`, '+', "1.5", `"2.5"^^xsd:decimal`},
		{"9223372036854775807", '+', "1", `"9223372036854775808"^^xsd:integer`},
		{"-9223372036854775808", '-', "1", `"-9223372036854775809"^^xsd:integer`},
		{"9223372036854775807", '*', "2", `"18446744073709551614"^^xsd:integer`},
		{"99999999999999999999", '-', "99999999999999999998", `"1"^^xsd:integer`},
		{"12345678901234567890.5", '+', "0.5", `"12345678901234567891.0"^^xsd:decimal`},
		{"1", '+', `"1"`, "ERR"},
		{`"1"`, '+', `"2"`, "ERR"},
		{"1", '+', `"abc"^^xsd:integer`, "ERR"},
		{"1", '+', "<http://a>", "ERR"},
		{"1", '+', "UNDEF", "ERR"},
		{"true", '+', "1", "ERR"},
	}
	for _, tc := range tests {
		t.Run(tc.a+" "+string(tc.op)+" "+tc.b+" gives "+tc.want, func(t *testing.T) {
			got, err := Arithmetic(tc.op, tm(tc.a), tm(tc.b))
			checkTerm(t, got, err, tc.want)
		})
	}
}

func TestNegateAndUnaryPlus(t *testing.T) {
	tests := []struct{ fn, in, want string }{
		{"-", "1", `"-1"^^xsd:integer`},
		{"-", "-1.5", `"1.5"^^xsd:decimal`},
		{"-", "1e0", `"-1.0E0"^^xsd:double`},
		{"-", "0e0", `"-0.0E0"^^xsd:double`},
		{"-", "-9223372036854775808", `"9223372036854775808"^^xsd:integer`},
		{"-", `"3"^^xsd:byte`, `"-3"^^xsd:integer`},
		{"-", `"a"`, "ERR"},
		{"+", "1", `"1"^^xsd:integer`},
		{"+", "01", `"01"^^xsd:integer`},
		{"+", `"3"^^xsd:byte`, `"3"^^xsd:integer`},
		{"+", `"a"`, "ERR"},
	}
	for _, tc := range tests {
		t.Run("unary "+tc.fn+tc.in+" gives "+tc.want, func(t *testing.T) {
			var got, err = Negate(tm(tc.in))
			if tc.fn == "+" {
				got, err = UnaryPlus(tm(tc.in))
			}
			checkTerm(t, got, err, tc.want)
		})
	}
}

func TestNumericFunctions(t *testing.T) {
	tests := []struct{ fn, in, want string }{
		{"ABS", "-2", `"2"^^xsd:integer`},
		{"ABS", "2", `"2"^^xsd:integer`},
		{"ABS", "-1.6", `"1.6"^^xsd:decimal`},
		{"ABS", "-1.5e0", `"1.5E0"^^xsd:double`},
		{"ABS", `"-3"^^xsd:byte`, `"3"^^xsd:integer`},
		{"ABS", `"-INF"^^xsd:double`, `"INF"^^xsd:double`},
		{"ABS", `"-1"`, "ERR"},
		{"CEIL", "-1", `"-1"^^xsd:integer`},
		{"CEIL", "2.5", `"3.0"^^xsd:decimal`},
		{"CEIL", "1.1", `"2.0"^^xsd:decimal`},
		{"CEIL", "-1.6", `"-1.0"^^xsd:decimal`},
		{"CEIL", "-0.5e0", `"-0.0E0"^^xsd:double`},
		{"CEIL", "1.2e0", `"2.0E0"^^xsd:double`},
		{"FLOOR", "2.5", `"2.0"^^xsd:decimal`},
		{"FLOOR", "1.1", `"1.0"^^xsd:decimal`},
		{"FLOOR", "-1.6", `"-2.0"^^xsd:decimal`},
		{"FLOOR", "-2", `"-2"^^xsd:integer`},
		{"FLOOR", "-1.5e0", `"-2.0E0"^^xsd:double`},
		{"ROUND", "2.5", `"3.0"^^xsd:decimal`},
		{"ROUND", "-2.5", `"-2.0"^^xsd:decimal`},
		{"ROUND", "1.1", `"1.0"^^xsd:decimal`},
		{"ROUND", "-1.6", `"-2.0"^^xsd:decimal`},
		{"ROUND", "2.4999", `"2.0"^^xsd:decimal`},
		{"ROUND", "-1", `"-1"^^xsd:integer`},
		{"ROUND", "2.5e0", `"3.0E0"^^xsd:double`},
		{"ROUND", "-2.5e0", `"-2.0E0"^^xsd:double`},
		{"ROUND", "-0.4e0", `"-0.0E0"^^xsd:double`},
		{"ROUND", `"NaN"^^xsd:double`, `"NaN"^^xsd:double`},
		{"ROUND", `"2.5"^^xsd:float`, `"3.0E0"^^xsd:float`},
		{"ROUND", "<http://a>", "ERR"},
	}
	for _, tc := range tests {
		t.Run(tc.fn+"("+tc.in+") gives "+tc.want, func(t *testing.T) {
			got, err := Call(tc.fn, tms(tc.in), nil)
			checkTerm(t, got, err, tc.want)
		})
	}
}

var tenth = 0.1

func TestCanonicalDoubleForms(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1, "1.0E0"}, {-1.02e4, "-1.02E4"}, {33.33, "3.333E1"}, {0.2, "2.0E-1"},
		{1e100, "1.0E100"}, {1.5e-300, "1.5E-300"}, {32100, "3.21E4"}, {tenth + 0.2, "3.0000000000000004E-1"},
	}
	for _, tc := range tests {
		if got := formatFloat(tc.f, 64); got != tc.want {
			t.Errorf("formatFloat(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}
