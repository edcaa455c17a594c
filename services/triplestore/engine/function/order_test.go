package function

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
)

func TestOrderCompareSortsIntoTheDocumentedOrder(t *testing.T) {
	// Already in ascending order.
	want := tms(
		"UNDEF",
		"_:a", "_:b",
		"<http://a>", "<http://b>",
		`"NaN"^^xsd:double`, `"-INF"^^xsd:double`, "-5", "1.0", "1e0", "1", "1.5", `"2"^^xsd:short`, "3",
		"false", "true",
		`"2002-10-10T12:00:00"^^xsd:dateTime`, `"2002-10-10T12:00:00Z"^^xsd:dateTime`, `"2002-10-10T13:00:00Z"^^xsd:dateTime`,
		`"2002-10-10"^^xsd:date`,
		`""`, `"Alice"`, `"Bob"`, `"alice"`, `"é"`,
		`"a"@en`, `"a"@fr`, `"b"@de`,
		`"x"^^<http://t/a>`, `"y"^^<http://t/a>`, `"abc"^^xsd:integer`, `"x"^^xsd:time`,
	)
	got := slices.Clone(want)
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		slices.SortStableFunc(got, OrderCompare)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("position %d: got %s, want %s", i, show(got[i]), show(want[i]))
			}
		}
	}
}

func TestOrderCompareIsAntisymmetricAndZeroOnlyForIdenticalTerms(t *testing.T) {
	terms := tms("UNDEF", "_:a", "<http://a>", "1", "1.0", "01", "1e0", `"1"^^xsd:float`, `"1"`, `"1"@en`,
		"true", `"1"^^xsd:boolean`, `"x"^^<http://t>`, `"2002-10-10T12:00:00Z"^^xsd:dateTime`, `"2002-10-10T12:00:00+00:00"^^xsd:dateTime`)
	terms[5] = rdf.Literal("01", rdf.XSDInteger)
	for _, a := range terms {
		for _, b := range terms {
			ab, ba := OrderCompare(a, b), OrderCompare(b, a)
			if ab != -ba {
				t.Errorf("OrderCompare(%s,%s)=%d but reversed %d", show(a), show(b), ab, ba)
			}
			if (ab == 0) != (a == b) {
				t.Errorf("OrderCompare(%s,%s)=%d", show(a), show(b), ab)
			}
		}
	}
}
