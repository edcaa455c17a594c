package function

import (
	"errors"
	"strings"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
)

// errInput stands for an expression that raised an error for a solution.
const errInput = "ERRIN"

func runAgg(name string, distinct bool, sep string, inputs []string) (rdf.Term, error) {
	a := NewAggregator(name, distinct, sep)
	for _, in := range inputs {
		if in == errInput {
			a.Add(rdf.Term{}, ErrType)
			continue
		}
		a.Add(tm(in), nil)
	}
	return a.Result()
}

func TestAggregates(t *testing.T) {
	tests := []struct {
		name     string
		distinct bool
		sep      string
		in       []string
		want     string
	}{
		{"COUNT", false, "", []string{"1", "2", "2"}, `"3"^^xsd:integer`},
		{"COUNT", true, "", []string{"1", "2", "2"}, `"2"^^xsd:integer`},
		{"COUNT", true, "", []string{"1", "1.0", "01"}, `"3"^^xsd:integer`},
		{"COUNT", false, "", []string{"1", "UNDEF", errInput}, `"1"^^xsd:integer`},
		{"COUNT", false, "", nil, `"0"^^xsd:integer`},
		{"count", false, "", []string{`"*"`, `"*"`}, `"2"^^xsd:integer`},
		{"SUM", false, "", []string{"1", "2", "3"}, `"6"^^xsd:integer`},
		{"SUM", false, "", []string{"1.0", "2.2", "3.5"}, `"6.7"^^xsd:decimal`},
		{"SUM", false, "", []string{"1.0e2", "2.0e3", "3.0e4"}, `"3.21E4"^^xsd:double`},
		{"SUM", false, "", []string{"1", "2.2"}, `"3.2"^^xsd:decimal`},
		{"SUM", false, "", []string{"2e-1", "0.2"}, `"4.0E-1"^^xsd:double`},
		{"SUM", true, "", []string{"1", "2", "1", "2"}, `"3"^^xsd:integer`},
		{"SUM", false, "", nil, `"0"^^xsd:integer`},
		{"SUM", false, "", []string{"1", `"2"`}, "ERR"},
		{"SUM", false, "", []string{"1", "_:b"}, "ERR"},
		{"SUM", false, "", []string{"1", errInput}, "ERR"},
		{"SUM", false, "", []string{"9223372036854775807", "1"}, `"9223372036854775808"^^xsd:integer`},
		{"AVG", false, "", []string{"1.0", "2.2", "3.5", "2.2", "2.2"}, `"2.22"^^xsd:decimal`},
		{"AVG", false, "", []string{"1", "2", "3"}, `"2.0"^^xsd:decimal`},
		{"AVG", false, "", []string{"1", "2.2"}, `"1.6"^^xsd:decimal`},
		{"AVG", false, "", []string{"2e-1", "0.2"}, `"2.0E-1"^^xsd:double`},
		{"AVG", false, "", []string{"1", "2", "3", "4"}, `"2.5"^^xsd:decimal`},
		{"AVG", false, "", []string{"1", "2"}, `"1.5"^^xsd:decimal`},
		{"AVG", true, "", []string{"1", "2", "2", "1"}, `"1.5"^^xsd:decimal`},
		{"AVG", false, "", []string{"2.5e0", "0", "3.5", "4"}, `"2.5E0"^^xsd:double`},
		{"AVG", false, "", nil, `"0"^^xsd:integer`},
		{"AVG", false, "", []string{"1", "_:b2", "3", "4"}, "ERR"},
		{"AVG", false, "", []string{"1", errInput}, "ERR"},
		{"MIN", false, "", []string{"3", "1", "2"}, `"1"^^xsd:integer`},
		{"MIN", false, "", []string{"1.0", "2.2", "3.5"}, `"1.0"^^xsd:decimal`},
		{"MIN", false, "", []string{"2e-1", "2.2"}, `"2e-1"^^xsd:double`},
		{"MIN", false, "", []string{"1", "_:b2", "3"}, "_:b2"},
		{"MIN", false, "", []string{`"b"`, "<http://a>", "5"}, "<http://a>"},
		{"MIN", false, "", []string{errInput, "4", "UNDEF"}, `"4"^^xsd:integer`},
		{"MIN", false, "", nil, "ERR"},
		{"MAX", false, "", []string{"1", "2.2"}, `"2.2"^^xsd:decimal`},
		{"MAX", false, "", []string{"1.0e2", "2.0e3", "3.0e4", "1", "2.2"}, `"3.0e4"^^xsd:double`},
		{"MAX", false, "", []string{`"b"`, "<http://a>", "5"}, `"b"`},
		{"MAX", true, "", []string{"1", "3", "3"}, `"3"^^xsd:integer`},
		{"MAX", false, "", nil, "ERR"},
		{"SAMPLE", false, "", []string{errInput, "7", "8"}, `"7"^^xsd:integer`},
		{"SAMPLE", false, "", nil, "ERR"},
		{"GROUP_CONCAT", false, " ", []string{`"1"`, `"22"`}, `"1 22"`},
		{"GROUP_CONCAT", false, ":", []string{`"1"`, `"22"`}, `"1:22"`},
		{"GROUP_CONCAT", true, " ", []string{`"1"`, `"2"`, `"1"`}, `"1 2"`},
		{"GROUP_CONCAT", false, ", ", []string{`"a"@en`, `"b"@en`}, `"a, b"`}, // a simple literal, as agg-groupconcat-04 expects
		{"GROUP_CONCAT", false, ", ", []string{`"a"@en`, `"b"@fr`}, `"a, b"`},
		{"GROUP_CONCAT", false, " ", []string{"1", "2.5"}, `"1 2.5"`},
		{"GROUP_CONCAT", false, " ", nil, `""`},
		{"GROUP_CONCAT", false, " ", []string{`"a"`, "<http://b>"}, "ERR"},
		{"GROUP_CONCAT", false, " ", []string{`"a"`, errInput}, "ERR"},
		{"MEDIAN", false, "", []string{"1"}, "ERR"},
	}
	for _, tc := range tests {
		d := ""
		if tc.distinct {
			d = "DISTINCT "
		}
		t.Run(tc.name+"("+d+strings.Join(tc.in, ", ")+") gives "+tc.want, func(t *testing.T) {
			got, err := runAgg(tc.name, tc.distinct, tc.sep, tc.in)
			checkTerm(t, got, err, tc.want)
		})
	}
}

func TestUnknownAggregateReportsUnknownFunction(t *testing.T) {
	_, err := NewAggregator("MEDIAN", false, "").Result()
	if !errors.Is(err, ErrUnknownFunction) {
		t.Fatalf("err = %v", err)
	}
}
