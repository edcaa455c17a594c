package quadstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

func openDir(t testing.TB, dir string, cfg Config) *Store {
	t.Helper()
	cfg.Dir = dir
	s, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return s
}

func numbered(i int) []rdf.Quad {
	s := rdf.IRI(fmt.Sprintf("http://example.org/item/%d", i))
	g := rdf.IRI(fmt.Sprintf("http://example.org/graph/%d", i%5))
	return []rdf.Quad{
		{S: s, P: rdf.IRI(rdf.RDFType), O: rdf.IRI("http://example.org/Item"), G: g},
		{S: s, P: rdf.IRI("http://example.org/n"), O: rdf.Literal(strconv.Itoa(i), rdf.XSDInteger), G: g},
		{S: s, P: rdf.IRI("http://example.org/label"), O: rdf.LangLiteral(fmt.Sprintf("item %d", i), "en")},
	}
}

func lines(qs []rdf.Quad) []string {
	var out []string
	for _, q := range qs {
		out = append(out, canonical(q).String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	segs, err := listSegments(dir)
	if err != nil || len(segs) == 0 {
		t.Fatalf("no WAL segments in %s (%v)", dir, err)
	}
	return filepath.Join(dir, segmentName(segs[len(segs)-1]))
}

func TestDurability(t *testing.T) {
	ctx := context.Background()
	t.Run("commits survive a reopen", func(t *testing.T) {
		dir := t.TempDir()
		s := openDir(t, dir, Config{})
		var want []rdf.Quad
		for i := range 20 {
			commit(t, s, numbered(i), nil)
			want = append(want, numbered(i)...)
		}
		commit(t, s, nil, numbered(3))
		want = slices.DeleteFunc(want, func(q rdf.Quad) bool { return slices.Contains(numbered(3), q) })
		if err := s.Load(ctx, numbered(100)); err != nil {
			t.Fatal(err)
		}
		want = append(want, numbered(100)...)
		s.Close()

		s = openDir(t, dir, Config{})
		defer s.Close()
		if got := dump(s.Snapshot()); !slices.Equal(got, lines(want)) {
			t.Fatalf("after reopen:\n got %q\nwant %q", got, lines(want))
		}
	})
	t.Run("snapshot files and the log together restore everything", func(t *testing.T) {
		dir := t.TempDir()
		s := openDir(t, dir, Config{SnapshotEvery: 4})
		var want []rdf.Quad
		for i := range 30 {
			commit(t, s, numbered(i), nil)
			want = append(want, numbered(i)...)
		}
		s.Close() // waits for the background checkpoint
		if _, err := os.Stat(filepath.Join(dir, snapName)); err != nil {
			t.Fatalf("no snapshot file: %v", err)
		}
		segs, _ := listSegments(dir)
		if len(segs) > 2 {
			t.Fatalf("old segments not removed: %v", segs)
		}
		s = openDir(t, dir, Config{SnapshotEvery: 4})
		if got := dump(s.Snapshot()); !slices.Equal(got, lines(want)) {
			t.Fatalf("after reopen: %d quads, want %d", len(got), len(lines(want)))
		}
		// And once more after explicit checkpoints (twice, with nothing in
		// between) and more commits.
		for range 2 {
			if err := s.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
		commit(t, s, numbered(99), numbered(0))
		s.Close()
		want = append(want[len(numbered(0)):], numbered(99)...)
		s = openDir(t, dir, Config{})
		defer s.Close()
		if got := dump(s.Snapshot()); !slices.Equal(got, lines(want)) {
			t.Fatalf("after checkpoint and reopen: %d quads, want %d", len(got), len(lines(want)))
		}
	})
	t.Run("concurrent committers all get their transactions durably in", func(t *testing.T) {
		dir := t.TempDir()
		s := openDir(t, dir, Config{SnapshotEvery: 50})
		const writers, each = 6, 20
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					tx := s.Begin()
					for _, q := range numbered(w*1000 + i) {
						tx.Add(q)
					}
					if err := tx.Commit(ctx); err != nil {
						errs <- err
						return
					}
					// Read-your-writes: a committed transaction is visible.
					sn := s.Snapshot()
					if id, ok := sn.Find(numbered(w*1000 + i)[0].S); !ok || sn.Count(id, 0, 0, 0) != 3 {
						errs <- fmt.Errorf("writer %d: commit %d not visible after Commit", w, i)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		t.Logf("%d commits, %d WAL fsyncs", writers*each, s.Stats().WALSyncs)
		s.Close()
		s = openDir(t, dir, Config{})
		defer s.Close()
		if n := s.Snapshot().Len(); n != writers*each*3 {
			t.Fatalf("%d quads after reopen, want %d", n, writers*each*3)
		}
	})
	t.Run("a second open of the same directory is refused", func(t *testing.T) {
		dir := t.TempDir()
		s := openDir(t, dir, Config{})
		defer s.Close()
		if _, err := Open(Config{Dir: dir}); !errors.Is(err, ErrLocked) {
			t.Fatalf("second Open = %v, want ErrLocked", err)
		}
	})
	t.Run("an in-memory store writes no files", func(t *testing.T) {
		wd, _ := os.Getwd()
		before, _ := os.ReadDir(wd)
		s := openMemory(t)
		commit(t, s, numbered(1), nil)
		s.Close()
		after, _ := os.ReadDir(wd)
		if len(before) != len(after) {
			t.Fatal("files appeared in the working directory")
		}
	})
}

func TestDamagedLog(t *testing.T) {
	// prepare writes three transactions and returns the directory and the
	// last segment's size before the third.
	prepare := func(t *testing.T) (dir string, sizeBeforeLast int64) {
		dir = t.TempDir()
		s := openDir(t, dir, Config{})
		commit(t, s, numbered(1), nil)
		commit(t, s, numbered(2), nil)
		fi, _ := os.Stat(lastSegment(t, dir))
		commit(t, s, numbered(3), nil)
		s.Close()
		return dir, fi.Size()
	}
	twoTxns := lines(append(numbered(1), numbered(2)...))
	threeTxns := lines(append(append(numbered(1), numbered(2)...), numbered(3)...))

	tests := []struct {
		name   string
		damage func(t *testing.T, path string, sizeBeforeLast int64)
		want   []string
		warned bool
	}{
		{
			name: "a torn last record is cut off with a warning",
			damage: func(t *testing.T, path string, before int64) {
				fi, _ := os.Stat(path)
				os.Truncate(path, before+(fi.Size()-before)/2)
			},
			want: twoTxns, warned: true,
		},
		{
			name: "a last record with a flipped byte is cut off with a warning",
			damage: func(t *testing.T, path string, before int64) {
				flipByte(t, path, before+frameHeader+3)
			},
			want: twoTxns, warned: true,
		},
		{
			name: "zeros after the last record are cut off with a warning",
			damage: func(t *testing.T, path string, before int64) {
				f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
				f.Write(make([]byte, 100))
				f.Close()
			},
			want: threeTxns, warned: true,
		},
		{
			name:   "an intact log opens without warnings",
			damage: func(*testing.T, string, int64) {},
			want:   threeTxns,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, before := prepare(t)
			tt.damage(t, lastSegment(t, dir), before)
			logger, hook := logtest.NewNullLogger()
			s := openDir(t, dir, Config{Log: logger})
			if got := dump(s.Snapshot()); !slices.Equal(got, tt.want) {
				t.Fatalf("contents:\n got %q\nwant %q", got, tt.want)
			}
			warned := slices.ContainsFunc(hook.AllEntries(), func(e *logrus.Entry) bool { return e.Level == logrus.WarnLevel })
			if warned != tt.warned {
				t.Fatalf("warned = %v, want %v (%v)", warned, tt.warned, hook.AllEntries())
			}
			// The store keeps working, and the repair sticks.
			commit(t, s, numbered(7), nil)
			s.Close()
			s = openDir(t, dir, Config{})
			defer s.Close()
			if got := dump(s.Snapshot()); !slices.Equal(got, lines(append(linesToQuads(t, tt.want), numbered(7)...))) {
				t.Fatalf("after repair and reopen: %q", got)
			}
		})
	}

	t.Run("a damaged record followed by good ones is an error, not a truncation", func(t *testing.T) {
		dir, _ := prepare(t)
		path := lastSegment(t, dir)
		flipByte(t, path, int64(len(walMagic))+frameHeader+2) // inside the first record
		_, err := Open(Config{Dir: dir})
		var ce *CorruptWALError
		if !errors.Is(err, ErrCorruptWAL) || !errors.As(err, &ce) {
			t.Fatalf("Open = %v, want ErrCorruptWAL", err)
		}
	})
}

func linesToQuads(t *testing.T, ls []string) []rdf.Quad {
	t.Helper()
	qs, err := rdf.ParseNQuads(strings.NewReader(strings.Join(ls, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return qs
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestDamagedSnapshotFile(t *testing.T) {
	prepare := func(t *testing.T) string {
		dir := t.TempDir()
		s := openDir(t, dir, Config{})
		for i := range 10 {
			commit(t, s, numbered(i), nil)
		}
		if err := s.Checkpoint(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.Close()
		return dir
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"a flipped byte", func(t *testing.T, path string) { flipByte(t, path, 40) }},
		{"a truncated file", func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			os.Truncate(path, fi.Size()-7)
		}},
		{"an empty file", func(t *testing.T, path string) { os.Truncate(path, 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" in the snapshot file stops Open with a clear error", func(t *testing.T) {
			dir := prepare(t)
			tt.damage(t, filepath.Join(dir, snapName))
			s, err := Open(Config{Dir: dir})
			var ce *CorruptSnapshotError
			if !errors.Is(err, ErrCorruptSnapshot) || !errors.As(err, &ce) {
				if s != nil {
					s.Close()
				}
				t.Fatalf("Open = %v, want ErrCorruptSnapshot", err)
			}
			// The lock was released: a later Open gets the same error, not ErrLocked.
			if _, err := Open(Config{Dir: dir}); !errors.Is(err, ErrCorruptSnapshot) {
				t.Fatalf("second Open = %v", err)
			}
		})
	}
}

// Crash test: a helper process (this test binary, re-run with an
// environment variable) runs several writers that commit numbered
// transactions concurrently (so commits share fsyncs) and print each one
// they got acknowledged; the parent kills it with SIGKILL mid-stream and
// checks that every acknowledged transaction survived and none is partial.

const (
	crashEnv     = "QUADSTORE_CRASH_HELPER_DIR"
	crashWriters = 3
)

// crashTxn is transaction i of writer 0 (also used by benchmarks).
func crashTxn(i int) []rdf.Quad { return writerTxn(0, i) }

func writerTxn(w, i int) []rdf.Quad {
	var qs []rdf.Quad
	for k := range 5 {
		qs = append(qs, rdf.Quad{
			S: rdf.IRI(fmt.Sprintf("http://example.org/t/%d/%d", w, i)),
			P: rdf.IRI(fmt.Sprintf("http://example.org/k%d", k)),
			O: rdf.String(strings.Repeat("v", i%300)),
			G: rdf.IRI(fmt.Sprintf("http://example.org/g/%d", i%7)),
		})
	}
	return qs
}

var counterP = rdf.IRI("http://example.org/value")

func counterS(w int) rdf.Term { return rdf.IRI(fmt.Sprintf("http://example.org/counter/%d", w)) }

// lastCommitted reads writer w's counter: its last committed transaction.
func lastCommitted(t testing.TB, sn *Snapshot, w int) int {
	t.Helper()
	s, ok1 := sn.Find(counterS(w))
	p, ok2 := sn.Find(counterP)
	if !ok1 || !ok2 {
		return 0
	}
	var vals []int
	sn.Match(s, p, 0, DefaultGraph, func(q [4]ID) bool {
		v, _ := strconv.Atoi(sn.Term(q[2]).Value)
		vals = append(vals, v)
		return true
	})
	if len(vals) != 1 {
		t.Fatalf("writer %d's counter has %d values: %v", w, len(vals), vals)
	}
	return vals[0]
}

func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	s, err := Open(Config{Dir: dir, SnapshotEvery: 40})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	for w := range crashWriters {
		go func() {
			for i := lastCommitted(t, s.Snapshot(), w) + 1; ; i++ {
				tx := s.Begin()
				for _, q := range writerTxn(w, i) {
					tx.Add(q)
				}
				tx.Remove(rdf.Quad{S: counterS(w), P: counterP, O: rdf.Literal(strconv.Itoa(i-1), rdf.XSDInteger)})
				tx.Add(rdf.Quad{S: counterS(w), P: counterP, O: rdf.Literal(strconv.Itoa(i), rdf.XSDInteger)})
				if err := tx.Commit(context.Background()); err != nil {
					fmt.Println("commit error:", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d %d\n", w, i)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	select {} // until killed
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	var acked [crashWriters]int
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		start := acked
		target := 40 + 23*round // acknowledgements per writer this round
		sc := bufio.NewScanner(stdout)
		deadline := time.Now().Add(60 * time.Second)
		reached := func() bool {
			for w := range crashWriters {
				if acked[w] < start[w]+target {
					return false
				}
			}
			return true
		}
		readAck := func() {
			var w, i int
			if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &w, &i); err != nil {
				t.Fatalf("helper: %s", sc.Text())
			}
			acked[w] = i
		}
		for !reached() && time.Now().Before(deadline) && sc.Scan() {
			readAck()
		}
		cmd.Process.Signal(syscall.SIGKILL)
		// Acknowledgements printed before the kill but not read yet count
		// too (each writer has at most one commit in flight past them).
		for sc.Scan() {
			readAck()
		}
		cmd.Wait()
		if !reached() {
			t.Fatalf("round %d: helper acknowledged only %v (from %v)", round, acked, start)
		}

		s := openDir(t, dir, Config{})
		sn := s.Snapshot()
		total := 0
		for w := range crashWriters {
			last := lastCommitted(t, sn, w)
			if last < acked[w] || last > acked[w]+1 {
				t.Fatalf("round %d: writer %d last committed %d, acknowledged %d", round, w, last, acked[w])
			}
			for i := 1; i <= last+2; i++ {
				present := 0
				for _, q := range writerTxn(w, i) {
					var ids [4]ID
					ok := true
					for j, term := range []rdf.Term{q.S, q.P, q.O, q.G} {
						if ids[j], ok = sn.Find(term); !ok {
							break
						}
					}
					if ok && sn.Contains(ids[0], ids[1], ids[2], ids[3]) {
						present++
					}
				}
				switch {
				case i <= last && present != 5:
					t.Fatalf("round %d: writer %d transaction %d has %d of 5 quads", round, w, i, present)
				case i > last && present != 0:
					t.Fatalf("round %d: writer %d uncommitted transaction %d has %d quads", round, w, i, present)
				}
			}
			acked[w] = last
			total += 5*last + 1
		}
		if sn.Len() != total {
			t.Fatalf("round %d: %d quads, want %d", round, sn.Len(), total)
		}
		s.Close()
	}
}
