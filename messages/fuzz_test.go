package messages

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
)

// FuzzDecode checks, for any input, that Decode returns a message or one of
// the package's errors without panicking; that whatever the fast path
// accepts, full JSON-LD expansion reads the same way; and that a decoded
// message survives encode and decode unchanged.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, dir := range []string{"fixtures/inter-iot/messages", "fixtures/inter-iot/ipsm-inputs"} {
		if root := fuzzShared(dir); root != "" {
			more, _ := filepath.Glob(filepath.Join(root, "*.json"))
			seeds = append(seeds, more...)
		}
	}
	c, err := New(Config{MaxBytes: 256 << 10, MaxDepth: 48})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		// Seed the canonical form of each too, to exercise the fast path.
		if m, err := c.Decode(data); err == nil {
			if out, err := c.Encode(m); err == nil {
				f.Add(out)
			}
		}
	}
	known := []error{ErrInvalidJSON, ErrTooLarge, ErrTooDeep, ErrContextRefused, ErrInvalidJSONLD, ErrNoMetadata, ErrMetaNode}
	f.Fuzz(func(t *testing.T, data []byte) {
		if fast, ok := decodeFast(data); ok {
			slow, err := c.decodeExpanded(data)
			if err != nil {
				t.Fatalf("fast path accepted what expansion refuses (%v):\n%s", err, data)
			}
			if !rdf.IsomorphicDatasets(dedupeQuads(fast.quads()), slow.quads()) {
				t.Fatalf("fast path and expansion disagree on\n%s", data)
			}
		}
		m, err := c.Decode(data)
		if err != nil {
			for _, k := range known {
				if errors.Is(err, k) {
					return
				}
			}
			t.Fatalf("untyped error %v", err)
		}
		out, err := c.Encode(m)
		if err != nil {
			if errors.Is(err, ErrUnencodable) {
				return
			}
			t.Fatalf("encode: %v", err)
		}
		back, err := c.Decode(out)
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, out)
		}
		if !rdf.IsomorphicDatasets(dedupeQuads(m.Quads()), dedupeQuads(back.Quads())) {
			t.Fatalf("round trip changed the dataset of\n%s\ninto\n%s", data, out)
		}
	})
}

func dedupeQuads(qs []rdf.Quad) []rdf.Quad {
	seen := make(map[rdf.Quad]struct{}, len(qs))
	out := qs[:0:0]
	for _, q := range qs {
		if _, dup := seen[q]; !dup {
			seen[q] = struct{}{}
			out = append(out, q)
		}
	}
	return out
}

// fuzzShared finds ../shared/<rel> beside the repository, or "".
func fuzzShared(rel string) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", rel)
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
