package messages

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/piprate/json-gold/ld"
)

// benchFixtures are the documents the benchmarks run on: a 9.6 KB INTER-MW
// observation and a 1.5 KB BodyCloud message from the IPSM inputs (both
// shared corpora), and our own 2.5 KB (1.3 KB compact) observation.
var benchFixtures = []struct{ name, rel string }{
	{"observation", "fixtures/inter-iot/messages/observation.json"},
	{"bc-weight", "fixtures/inter-iot/ipsm-inputs/bc-weight.json"},
	{"small-observation", "testdata/observation_vocab.json"},
}

func benchDoc(b *testing.B, rel string) []byte {
	b.Helper()
	if strings.HasPrefix(rel, "testdata/") {
		data, err := os.ReadFile(rel)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	path := sharedDir(b, filepath.Dir(rel))
	data, err := os.ReadFile(filepath.Join(path, filepath.Base(rel)))
	if err != nil {
		b.Skipf("fixture missing: %v", err)
	}
	return data
}

// BenchmarkRoundTrip compares, per document, our decode+encode round trip of
// the canonical form (fast path) and of the original form (json-gold
// expansion, then our conversion) with json-gold's own Expand+Compact.
func BenchmarkRoundTrip(b *testing.B) {
	for _, fx := range benchFixtures {
		orig := benchDoc(b, fx.rel)
		c := newTestCodec(b, Config{})
		m, err := c.Decode(orig)
		if err != nil {
			b.Fatal(err)
		}
		canonical, err := c.Encode(m)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := decodeFast(canonical); !ok {
			b.Fatal("canonical form missed the fast path")
		}
		var canonicalCtx any
		if err := json.Unmarshal([]byte(CanonicalContext), &canonicalCtx); err != nil {
			b.Fatal(err)
		}

		b.Run(fx.name+"/ours-canonical", func(b *testing.B) {
			b.SetBytes(int64(len(canonical)))
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				m, err := c.Decode(canonical)
				if err != nil {
					b.Fatal(err)
				}
				if buf, err = AppendEncode(buf[:0], m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fx.name+"/ours-original", func(b *testing.B) {
			b.SetBytes(int64(len(orig)))
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				m, err := c.Decode(orig)
				if err != nil {
					b.Fatal(err)
				}
				if buf, err = AppendEncode(buf[:0], m); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, in := range []struct {
			name string
			data []byte
		}{{"canonical", canonical}, {"original", orig}} {
			b.Run(fx.name+"/jsongold-"+in.name, func(b *testing.B) {
				b.SetBytes(int64(len(in.data)))
				b.ReportAllocs()
				proc := ld.NewJsonLdProcessor()
				opts := &ld.JsonLdOptions{ProcessingMode: ld.JsonLd_1_1, DocumentLoader: c.loader, CompactArrays: true}
				for b.Loop() {
					var doc any
					if err := json.Unmarshal(in.data, &doc); err != nil {
						b.Fatal(err)
					}
					exp, err := proc.Expand(doc, opts)
					if err != nil {
						b.Fatal(err)
					}
					out, err := proc.Compact(exp, canonicalCtx, opts)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := json.Marshal(out); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDecodeFast and BenchmarkEncode split the canonical round trip.
func BenchmarkDecodeFast(b *testing.B) {
	for _, fx := range benchFixtures {
		c := newTestCodec(b, Config{})
		m, err := c.Decode(benchDoc(b, fx.rel))
		if err != nil {
			b.Fatal(err)
		}
		canonical, _ := c.Encode(m)
		b.Run(fx.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Decode(canonical); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, fx := range benchFixtures {
		c := newTestCodec(b, Config{})
		m, err := c.Decode(benchDoc(b, fx.rel))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fx.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				if buf, err = AppendEncode(buf[:0], m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
