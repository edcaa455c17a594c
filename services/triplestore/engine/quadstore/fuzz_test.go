package quadstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
)

// FuzzDecodeRecord checks that no WAL payload, however damaged, makes the
// decoder panic or allocate without bound.
func FuzzDecodeRecord(f *testing.F) {
	s, err := Open(Config{})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	tx := s.Begin()
	for _, q := range numbered(1) {
		tx.Add(q)
	}
	tx.Remove(rdf.Quad{S: rdf.IRI("http://example.org/x"), P: rdf.IRI("http://example.org/p"), O: rdf.String("y")})
	l := tx.layer()
	tx.Rollback()
	f.Add(encodeRecord(7, l, s.dict))
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		d := newDictionary()
		decodeRecord(payload, d)
	})
}

// FuzzSnapshotFile checks that a damaged snapshot file is reported as
// corrupt (or, if the checksum happens to hold, loads) without panicking.
func FuzzSnapshotFile(f *testing.F) {
	dir := f.TempDir()
	s, err := Open(Config{Dir: dir, NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	tx := s.Begin()
	for _, q := range append(numbered(1), numbered(2)...) {
		tx.Add(q)
	}
	if err := tx.Commit(f.Context()); err != nil {
		f.Fatal(err)
	}
	if err := s.Checkpoint(f.Context()); err != nil {
		f.Fatal(err)
	}
	s.Close()
	good, err := os.ReadFile(filepath.Join(dir, snapName))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, snapName), data, 0o644); err != nil {
			t.Fatal(err)
		}
		readSnapshotFile(dir, newDictionary())
	})
}
