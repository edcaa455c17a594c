package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine"
)

// newRegistry returns a Registry over a fresh embedded store.
func newRegistry(t testing.TB) (*Registry, *engine.Engine) {
	t.Helper()
	st := engine.NewMemory()
	t.Cleanup(func() { st.Close() })
	r, err := New(Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return r, st
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err wraps want (nil meaning success).
func wantErr(t testing.TB, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error %v, want one wrapping %v", err, want)
	}
}

// quadCount returns how many quads the store holds.
func quadCount(t testing.TB, st *engine.Engine) int {
	t.Helper()
	qs, err := st.Dump(context.Background())
	must(t, err)
	return len(qs)
}

// sharedDir returns ../shared relative to the repository root, skipping
// (or failing under CI=true) when it is missing.
func sharedDir(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	must(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared corpus %s is missing: %v", p, err)
		}
		t.Skipf("shared corpus %s is missing (it sits beside the repository in CI): %v", p, err)
	}
	return p
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := Config{DiscoveryTimeout: -1}.Validate()
	if err == nil {
		t.Fatal("Validate accepted a config without a store and with a negative timeout")
	}
	for _, want := range []string{"Store is required", "negative"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %q does not mention %q", err, want)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("New accepted an invalid config")
	}
	if err := (Config{Store: engine.NewMemory()}).Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

var _ triplestore.Store = (*engine.Engine)(nil)
