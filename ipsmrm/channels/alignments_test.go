package channels

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/intermw/intermw/ontology/alignment"
)

func TestLoadDir(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string][]byte
		wantIDs int
		wantErr bool
	}{
		{"every alignment document in the directory is loaded", map[string][]byte{
			"a.rdf": renameDoc(t, "A", "1", "x", "y"), "b.xml": renameDoc(t, "B", "1", "x", "y"), "notes.txt": []byte("not an alignment")}, 2, false},
		{"a broken document is reported", map[string][]byte{"a.rdf": renameDoc(t, "A", "1", "x", "y"), "bad.rdf": []byte("<nope")}, 1, true},
		{"two documents with one name and version are reported", map[string][]byte{
			"a.rdf": renameDoc(t, "A", "1", "x", "y"), "a2.rdf": renameDoc(t, "A", "1", "x", "z")}, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, data := range c.files {
				if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			l, err := LoadDir(dir, alignment.Options{})
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			if got := len(l.IDs()); got != c.wantIDs {
				t.Errorf("%d alignments, want %d", got, c.wantIDs)
			}
		})
	}
}

func TestHTTPAlignmentsFetchesAndKeeps(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path == "/ipsm/alignments/Up/1" {
			w.Header().Set("Content-Type", "application/xml")
			w.Write(renameDoc(t, "Up", "1", "weight", "mass"))
			return
		}
		http.Error(w, "no such alignment", http.StatusNotFound)
	}))
	defer srv.Close()
	h, err := NewHTTPAlignments(HTTPConfig{BaseURL: srv.URL + "/ipsm/"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		c, err := h.Alignment(ctx, idOf("Up", "1"))
		if err != nil || c.ID() != idOf("Up", "1") {
			t.Fatalf("got %v, %v", c, err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests for one alignment", calls.Load())
	}
	if _, err := h.Alignment(ctx, idOf("Up", "9")); !errors.Is(err, ErrNoAlignment) {
		t.Errorf("missing alignment: err = %v", err)
	}
	if _, err := NewHTTPAlignments(HTTPConfig{BaseURL: "ftp://x"}); err == nil {
		t.Error("an ftp URL was accepted")
	}
}
