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

// BenchmarkTranslate compares, in one run, per alignment and input: the
// native executor (the default), the engine executing the prepared
// updates, and the baseline of the same updates as SPARQL text through
// the engine's generic path. Besides ns/op it reports cpu-ns/op, the
// process CPU time per translation, which a loaded machine disturbs less.
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
		run := func(name string, f func() error) {
			b.Run(tc.alignment+"/"+tc.input+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				c0 := cpuTime()
				for b.Loop() {
					if err := f(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
			})
		}
		native, prepared := c.WithExecutor(ExecutorNative), c.WithExecutor(ExecutorEngine)
		run("native", func() error {
			_, _, err := native.Apply(ctx, payload, false)
			return err
		})
		run("prepared", func() error {
			_, _, err := prepared.Apply(ctx, payload, false)
			return err
		})
		run("text-baseline", func() error {
			_, err := textPath(ctx, updates, payload)
			return err
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
