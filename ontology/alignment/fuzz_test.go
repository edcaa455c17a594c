package alignment

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the alignment parser arbitrary documents: it must never
// panic, and whatever it accepts must compile or fail with an error.
func FuzzParse(f *testing.F) {
	f.Add([]byte(doc(step("c"), cell("c", "var:s ex:p var:o .", "var:s ex:q [ ex:r var:o ] .", fn("STR", "r", "?o")))))
	f.Add([]byte(lossAlignment))
	if files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "fixtures", "inter-iot", "alignments", "*.rdf")); len(files) > 0 {
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 20000 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse(data, Options{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		_, _ = Compile(a)
	})
}
