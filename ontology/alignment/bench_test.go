package alignment

import (
	"context"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine"
)

// textPath is the baseline: the same cells as SPARQL text, parsed and
// run through the engine's generic Update on a fresh in-memory store.
func textPath(ctx context.Context, updates []string, payload []rdf.Triple) ([]rdf.Triple, error) {
	e := engine.NewMemory()
	defer e.Close()
	qs := make([]rdf.Quad, len(payload))
	for i, t := range payload {
		qs[i] = rdf.Quad{S: t.S, P: t.P, O: t.O}
	}
	if err := e.Load(ctx, qs); err != nil {
		return nil, err
	}
	for _, u := range updates {
		if err := e.Update(ctx, u); err != nil {
			return nil, err
		}
	}
	out, err := e.Dump(ctx)
	if err != nil {
		return nil, err
	}
	ts := make([]rdf.Triple, len(out))
	for i, q := range out {
		ts[i] = q.Triple()
	}
	return ts, nil
}

func BenchmarkTranslate(b *testing.B) {
	ctx := context.Background()
	cases := append([]struct{ alignment, input string }{}, translationCases...)
	cases = append(cases, struct{ alignment, input string }{"CO_FIWARE", "bc-weight"})
	for _, tc := range cases {
		c := loadFixture(b, tc.alignment)
		payload := decodeInput(b, tc.input).Payload
		if tc.alignment == "CO_FIWARE" {
			// CO_FIWARE reads the central ontology: feed it BodyCloud's output.
			out, _, err := loadFixture(b, "BodyCloud_CO").Apply(ctx, payload, false)
			if err != nil {
				b.Fatal(err)
			}
			payload = out
		}
		updates := c.Updates()
		b.Run(tc.alignment+"/"+tc.input+"/prepared", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.Apply(ctx, payload, false); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.alignment+"/"+tc.input+"/text-baseline", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := textPath(ctx, updates, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseAndCompile(b *testing.B) {
	for _, name := range []string{"BodyCloud_CO", "Port_CO"} {
		data := readFixture(b, "alignments/"+name+".rdf")
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(data, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
