package alignment

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns ../shared/fixtures/inter-iot relative to the repo
// root, or skips (fails under CI=true) when it is missing.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "fixtures", "inter-iot")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared fixtures missing at %s (CI=true)", p)
		}
		t.Skipf("shared fixtures missing at %s: the INTER-IoT alignments and IPSM inputs are needed", p)
	}
	return p
}

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var fixtureAlignments = []string{
	"BodyCloud_CO", "UniversAAL_CO", "Port_CO", "CO_FIWARE",
	"test-upstream-alignment", "test-downstream-alignment",
}
