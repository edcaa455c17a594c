package function

import "testing"

func TestEBV(t *testing.T) {
	tests := []struct{ in, want string }{
		{"true", "true"},
		{"false", "false"},
		{`"1"^^xsd:boolean`, "true"},
		{`"0"^^xsd:boolean`, "false"},
		{`"maybe"^^xsd:boolean`, "false"},
		{"0", "false"},
		{"00", "false"},
		{"-0", "false"},
		{"1", "true"},
		{"-3", "true"},
		{`"abc"^^xsd:integer`, "false"},
		{"0.0", "false"},
		{"0.01", "true"},
		{"0e0", "false"},
		{"-0e0", "false"},
		{`"NaN"^^xsd:double`, "false"},
		{`"NaN"^^xsd:float`, "false"},
		{`"INF"^^xsd:double`, "true"},
		{`"1"^^xsd:unsignedByte`, "true"},
		{`"0"^^xsd:int`, "false"},
		{`""`, "false"},
		{`"x"`, "true"},
		{`"false"`, "true"},
		{`""@en`, "false"},
		{`"x"@en`, "true"},
		{`"2002-10-10T12:00:00Z"^^xsd:dateTime`, "ERR"},
		{`"x"^^<http://t>`, "ERR"},
		{"<http://a>", "ERR"},
		{"_:a", "ERR"},
		{"UNDEF", "ERR"},
	}
	for _, tc := range tests {
		t.Run("EBV of "+tc.in+" is "+tc.want, func(t *testing.T) {
			if got := boolOrErr(EBV(tm(tc.in))); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}
