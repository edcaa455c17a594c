package messages

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns ../shared/<rel> beside the repository root, skipping the
// test (or failing it under CI=true) when it is missing.
func sharedDir(tb testing.TB, rel string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", rel)
	if _, err := os.Stat(path); err != nil {
		msg := "shared corpus " + path + " is missing (it sits beside the repository in CI)"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return path
}

// fixtureFiles lists the JSON files of a shared fixture directory.
func fixtureFiles(tb testing.TB, rel string) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(sharedDir(tb, rel), "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatalf("no JSON files in %s", rel)
	}
	return files
}

func newTestCodec(tb testing.TB, cfg Config) *Codec {
	tb.Helper()
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
