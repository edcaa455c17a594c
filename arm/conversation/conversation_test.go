package conversation

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/intermw/intermw/services/triplestore/engine"
)

// backend opens a Store over persistent state that survives reopening, so
// that a test can simulate a restart. closeStore closes what open returned.
type backend struct {
	name string
	// setup returns open, which may be called several times (a restart).
	setup func(t *testing.T) (open func(t *testing.T) Store)
}

func backends() []backend {
	return []backend{
		{name: "file", setup: func(t *testing.T) func(t *testing.T) Store {
			dir := t.TempDir()
			return func(t *testing.T) Store {
				s, err := OpenFile(FileConfig{Dir: dir})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
		}},
		{name: "triplestore", setup: func(t *testing.T) func(t *testing.T) Store {
			e := engine.NewMemory()
			t.Cleanup(func() { e.Close() })
			return func(t *testing.T) Store {
				s, err := NewTripleStore(e, "")
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
		}},
	}
}

var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

func newTable(t *testing.T, s Store) *Table {
	t.Helper()
	tb, err := New(context.Background(), Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func request(id, client string, platforms ...string) Record {
	return Record{ConversationID: id, ClientID: client, Kind: KindRequest, ExpectedReplies: len(platforms),
		PlatformIDs: platforms, CreatedAt: t0, Deadline: t0.Add(time.Minute)}
}

// TestSuite runs every behaviour against every Store implementation.
func TestSuite(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { runSuite(t, b) })
	}
}

func runSuite(t *testing.T, b backend) {
	ctx := context.Background()

	t.Run("a request to three platforms ends at the third distinct reply", func(t *testing.T) {
		tb := newTable(t, b.setup(t)(t))
		if err := tb.Open(ctx, request("conv1", "alice", "http://p/a", "http://p/b", "http://p/c")); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			sender        string
			final, dup    bool
			receivedAfter int
		}{
			{"http://p/a", false, false, 1},
			{"http://p/a", false, true, 1},
			{"http://p/b", false, false, 2},
			{"http://p/c", true, false, 3},
		}
		for i, s := range steps {
			r, err := tb.OnReply(ctx, "conv1", s.sender)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if r.ClientID != "alice" || r.Final != s.final || r.Duplicate != s.dup {
				t.Fatalf("step %d: route %+v", i, r)
			}
			if !s.final {
				rec, err := tb.Get(ctx, "conv1")
				if err != nil || rec.Received != s.receivedAfter {
					t.Fatalf("step %d: record %+v, %v", i, rec, err)
				}
			}
		}
		if _, err := tb.OnReply(ctx, "conv1", "http://p/d"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("reply after the end: %v", err)
		}
	})

	t.Run("an error reply counts as that platform's reply", func(t *testing.T) {
		tb := newTable(t, b.setup(t)(t))
		if err := tb.Open(ctx, request("conv2", "alice", "http://p/a")); err != nil {
			t.Fatal(err)
		}
		r, err := tb.OnReply(ctx, "conv2", "http://p/a")
		if err != nil || !r.Final {
			t.Fatalf("%+v %v", r, err)
		}
	})

	t.Run("a subscription never ends until closed", func(t *testing.T) {
		tb := newTable(t, b.setup(t)(t))
		if err := tb.Open(ctx, Record{ConversationID: "conv3", ClientID: "bob", Kind: KindSubscription, PlatformIDs: []string{"http://p/a"}}); err != nil {
			t.Fatal(err)
		}
		for range 100 {
			r, err := tb.OnReply(ctx, "conv3", "http://p/a")
			if err != nil || r.Final || r.ClientID != "bob" || r.Kind != KindSubscription {
				t.Fatalf("%+v %v", r, err)
			}
		}
		if err := tb.Close(ctx, "conv3"); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.OnReply(ctx, "conv3", "http://p/a"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after close: %v", err)
		}
		if err := tb.Close(ctx, "conv3"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second close: %v", err)
		}
	})

	t.Run("opening an open conversation is a conflict", func(t *testing.T) {
		tb := newTable(t, b.setup(t)(t))
		if err := tb.Open(ctx, request("conv4", "alice", "http://p/a")); err != nil {
			t.Fatal(err)
		}
		if err := tb.Open(ctx, request("conv4", "bob", "http://p/a")); !errors.Is(err, ErrExists) {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("invalid records are refused with every problem", func(t *testing.T) {
		tb := newTable(t, b.setup(t)(t))
		err := tb.Open(ctx, Record{ExpectedReplies: -1})
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("got %v", err)
		}
		if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 4 {
			t.Fatalf("want 4 problems, got %d: %v", n, err)
		}
	})

	t.Run("expired lists requests past their deadline, oldest first, and not subscriptions", func(t *testing.T) {
		tb := newTable(t, b.setup(t)(t))
		for i, d := range []time.Duration{3 * time.Second, time.Second, time.Hour} {
			r := request(fmt.Sprintf("conv-e%d", i), "alice", "http://p/a")
			r.Deadline = t0.Add(d)
			if err := tb.Open(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := tb.Open(ctx, Record{ConversationID: "conv-sub", ClientID: "alice", Kind: KindSubscription, Deadline: t0}); err != nil {
			t.Fatal(err)
		}
		got := tb.Expired(t0.Add(time.Minute))
		if len(got) != 2 || got[0].ConversationID != "conv-e1" || got[1].ConversationID != "conv-e0" {
			t.Fatalf("got %+v", got)
		}
	})

	t.Run("by client lists and closes only that client's conversations", func(t *testing.T) {
		tb := newTable(t, b.setup(t)(t))
		for i, c := range []string{"alice", "bob", "alice"} {
			r := request(fmt.Sprintf("conv-c%d", i), c, "http://p/a")
			r.CreatedAt = t0.Add(time.Duration(i) * time.Second)
			if err := tb.Open(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := tb.ByClient(ctx, "alice")
		if err != nil || len(got) != 2 || got[0].ConversationID != "conv-c0" || got[1].ConversationID != "conv-c2" {
			t.Fatalf("got %+v %v", got, err)
		}
		n, err := tb.CloseClient(ctx, "alice")
		if err != nil || n != 2 {
			t.Fatalf("closed %d, %v", n, err)
		}
		if tb.Len() != 1 {
			t.Fatalf("left %d", tb.Len())
		}
	})

	t.Run("conversations and reply counts survive a restart", func(t *testing.T) {
		open := b.setup(t)
		tb := newTable(t, open(t))
		req := request("conv-r", "alice", "http://p/a", "http://p/b")
		if err := tb.Open(ctx, req); err != nil {
			t.Fatal(err)
		}
		if err := tb.Open(ctx, Record{ConversationID: "conv-s", ClientID: "bob", Kind: KindVirtualSubscription, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := tb.Open(ctx, request("conv-gone", "alice", "")); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.OnReply(ctx, "conv-gone", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.OnReply(ctx, "conv-r", "http://p/a"); err != nil {
			t.Fatal(err)
		}
		if c, ok := any(tb.cfg.Store).(interface{ Close() error }); ok {
			c.Close()
		}

		tb2 := newTable(t, open(t))
		if tb2.Len() != 2 {
			t.Fatalf("after restart: %d conversations", tb2.Len())
		}
		rec, err := tb2.Get(ctx, "conv-r")
		if err != nil {
			t.Fatal(err)
		}
		want := req
		want.RepliedBy, want.Received = []string{"http://p/a"}, 1
		if !recordsEqual(rec, want) {
			t.Fatalf("got %+v\nwant %+v", rec, want)
		}
		r, err := tb2.OnReply(ctx, "conv-r", "http://p/b")
		if err != nil || !r.Final {
			t.Fatalf("%+v %v", r, err)
		}
		r, err = tb2.OnReply(ctx, "conv-s", "http://p/x")
		if err != nil || r.ClientID != "bob" || r.Kind != KindVirtualSubscription {
			t.Fatalf("%+v %v", r, err)
		}
	})

	t.Run("a table finds a conversation another replica opened", func(t *testing.T) {
		open := b.setup(t)
		s := open(t)
		a, other := newTable(t, s), newTable(t, s)
		if err := a.Open(ctx, Record{ConversationID: "conv-x", ClientID: "carol", Kind: KindSubscription}); err != nil {
			t.Fatal(err)
		}
		r, err := other.OnReply(ctx, "conv-x", "http://p/a")
		if err != nil || r.ClientID != "carol" {
			t.Fatalf("%+v %v", r, err)
		}
	})

	t.Run("hostile conversation ids are stored and read back verbatim", func(t *testing.T) {
		tb := newTable(t, b.setup(t)(t))
		ids := []string{`conv"> } ; DROP ALL ; #`, "conv with spaces/and#hash", "conv\u00e9\n"}
		for _, id := range ids {
			if err := tb.Open(ctx, Record{ConversationID: id, ClientID: `cli"ent` + "\n", Kind: KindRequest, PlatformIDs: []string{"x> y"}}); err != nil {
				t.Fatalf("%q: %v", id, err)
			}
		}
		all, err := tb.cfg.Store.List(ctx)
		if err != nil || len(all) != len(ids) {
			t.Fatalf("%d records, %v", len(all), err)
		}
		for _, id := range ids {
			r, err := tb.cfg.Store.Get(ctx, id)
			if err != nil || r.ClientID != `cli"ent`+"\n" {
				t.Fatalf("%q: %+v %v", id, r, err)
			}
		}
	})
}

func recordsEqual(a, b Record) bool {
	return fmt.Sprint(a.ConversationID, a.ClientID, a.Kind, a.ExpectedReplies, a.Received, a.RepliedBy, a.PlatformIDs) ==
		fmt.Sprint(b.ConversationID, b.ClientID, b.Kind, b.ExpectedReplies, b.Received, b.RepliedBy, b.PlatformIDs) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.Deadline.Equal(b.Deadline)
}

func TestFileStoreCutsATornTail(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := OpenFile(FileConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Put(ctx, request(fmt.Sprint("conv", i), "alice", "p")); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	path := filepath.Join(dir, logName)
	st, _ := os.Stat(path)
	// A crash in the middle of the third record.
	if err := os.Truncate(path, st.Size()-5); err != nil {
		t.Fatal(err)
	}
	s, err = OpenFile(FileConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all, _ := s.List(ctx)
	if len(all) != 2 {
		t.Fatalf("want the two whole records, got %d", len(all))
	}
	// The log is writable after the cut.
	if err := s.Put(ctx, request("conv9", "alice", "p")); err != nil {
		t.Fatal(err)
	}
}

func TestFileStoreCompactsAMostlyDeadLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := OpenFile(FileConfig{Dir: dir, CompactMinBytes: 4096, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		id := fmt.Sprint("conv", i)
		if err := s.Put(ctx, request(id, "alice", "p")); err != nil {
			t.Fatal(err)
		}
		if i%10 != 0 {
			if err := s.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.Close()
	st, _ := os.Stat(filepath.Join(dir, logName))
	if st.Size() > 20000 {
		t.Fatalf("log not compacted: %d bytes", st.Size())
	}
	s, err = OpenFile(FileConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all, _ := s.List(ctx)
	if len(all) != 50 {
		t.Fatalf("want 50 live records after compaction, got %d", len(all))
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := FileConfig{CompactMinBytes: -1}.Validate()
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 2 {
		t.Fatalf("want 2 problems, got %v", err)
	}
	if _, err := New(context.Background(), Config{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v", err)
	}
}
