package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/intermw/intermw/broker"
)

func seqsOf(es []Entry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

func TestPull(t *testing.T) {
	ctx := context.Background()

	t.Run("a pulled message is removed only once committed", func(t *testing.T) {
		d := newDeliverer(t, testConfig(t, t.TempDir(), newMemoryBroker(t)))
		if err := d.Upsert(ctx, pullClient("alice")); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if _, err := d.Append(ctx, "alice", msgBody(i)); err != nil {
				t.Fatal(err)
			}
		}
		pctx, cancel := context.WithCancel(ctx)
		es, _, err := d.Pull(pctx, "alice", 3)
		if err != nil || fmt.Sprint(seqsOf(es)) != "[1 2 3]" {
			t.Fatalf("%v %v", seqsOf(es), err)
		}
		cancel() // the response was never written: the lease ends with the request
		eventually(t, func() bool {
			es, commit, err := d.Pull(ctx, "alice", 10)
			if err != nil || len(es) != 5 {
				if len(es) > 0 {
					d.clients["alice"].mb.release(seqsOf(es))
				}
				return false
			}
			return commit() == nil
		})
		es, _, _ = d.Pull(ctx, "alice", 10)
		if len(es) != 0 {
			t.Fatalf("committed messages came back: %v", seqsOf(es))
		}
	})

	t.Run("concurrent pulls never hand out one message twice", func(t *testing.T) {
		d := newDeliverer(t, testConfig(t, t.TempDir(), newMemoryBroker(t)))
		d.Upsert(ctx, pullClient("bob"))
		const n = 2000
		for i := range n {
			d.Append(ctx, "bob", msgBody(i))
		}
		var mu sync.Mutex
		seen := map[uint64]int{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					es, commit, err := d.Pull(ctx, "bob", 7)
					if err != nil || len(es) == 0 {
						return
					}
					mu.Lock()
					for _, e := range es {
						seen[e.Seq]++
					}
					mu.Unlock()
					commit()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Fatalf("saw %d distinct of %d", len(seen), n)
		}
		for s, c := range seen {
			if c != 1 {
				t.Fatalf("seq %d handed out %d times", s, c)
			}
		}
	})

	t.Run("a commit after the lease expired is refused and the messages come back", func(t *testing.T) {
		cfg := testConfig(t, t.TempDir(), newMemoryBroker(t))
		d := newDeliverer(t, cfg)
		d.Upsert(ctx, pullClient("carol"))
		d.Append(ctx, "carol", msgBody(1))
		pctx, cancel := context.WithCancel(ctx)
		_, commit, _ := d.Pull(pctx, "carol", 1)
		cancel()
		mb := d.clients["carol"].mb
		eventually(t, func() bool {
			mb.mu.Lock()
			defer mb.mu.Unlock()
			return mb.slots[0].state == stAvail
		})
		if err := commit(); !errors.Is(err, ErrLeaseExpired) {
			t.Fatal(err)
		}
		es, _, _ := d.Pull(ctx, "carol", 1)
		if len(es) != 1 {
			t.Fatal("message lost")
		}
	})

	t.Run("pulling for an unknown client fails", func(t *testing.T) {
		d := newDeliverer(t, testConfig(t, t.TempDir(), newMemoryBroker(t)))
		if _, _, err := d.Pull(ctx, "nobody", 1); !errors.Is(err, ErrUnknownClient) {
			t.Fatal(err)
		}
	})
}

func TestMailboxRecovery(t *testing.T) {
	ctx := context.Background()

	t.Run("uncommitted messages survive a restart and committed ones do not", func(t *testing.T) {
		dir := t.TempDir()
		cfg := testConfig(t, dir, newMemoryBroker(t))
		cfg.Sync = SyncBatch
		cfg.SegmentBytes = 512 // several segments
		d, _ := New(cfg)
		d.Upsert(ctx, pullClient("alice"))
		for i := range 50 {
			if _, err := d.Append(ctx, "alice", msgBody(i)); err != nil {
				t.Fatal(err)
			}
		}
		es, commit, _ := d.Pull(ctx, "alice", 20)
		if len(es) != 20 || commit() != nil {
			t.Fatal("pull")
		}
		d.Pull(ctx, "alice", 5) // leased, never committed
		d.Close()

		d2 := newDeliverer(t, cfg)
		d2.Upsert(ctx, pullClient("alice"))
		es, _, err := d2.Pull(ctx, "alice", 100)
		if err != nil || len(es) != 30 || es[0].Seq != 21 || es[29].Seq != 50 {
			t.Fatalf("after restart: %v %v", seqsOf(es), err)
		}
		if !bytes.Contains(es[0].Data, []byte(`"n":1020`)) {
			t.Fatalf("wrong body %s", es[0].Data)
		}
		// New messages continue the sequence.
		seq, _ := d2.Append(ctx, "alice", msgBody(99))
		if seq != 51 {
			t.Fatalf("seq %d", seq)
		}
	})

	t.Run("a torn tail is cut off and everything before it kept", func(t *testing.T) {
		dir := t.TempDir()
		cfg := testConfig(t, dir, newMemoryBroker(t))
		d, _ := New(cfg)
		d.Upsert(ctx, pullClient("alice"))
		for i := range 3 {
			d.Append(ctx, "alice", msgBody(i))
		}
		d.Close()
		segs, _ := filepath.Glob(filepath.Join(dir, "alice", "*"+segSuffix))
		st, _ := os.Stat(segs[len(segs)-1])
		os.Truncate(segs[len(segs)-1], st.Size()-3)
		d2 := newDeliverer(t, cfg)
		d2.Upsert(ctx, pullClient("alice"))
		es, _, _ := d2.Pull(ctx, "alice", 10)
		if len(es) != 2 {
			t.Fatalf("got %v", seqsOf(es))
		}
		if seq, _ := d2.Append(ctx, "alice", msgBody(7)); seq != 3 {
			t.Fatalf("seq %d", seq)
		}
	})

	t.Run("acknowledged segments are deleted", func(t *testing.T) {
		dir := t.TempDir()
		cfg := testConfig(t, dir, newMemoryBroker(t))
		cfg.SegmentBytes = 300
		d := newDeliverer(t, cfg)
		d.Upsert(ctx, pullClient("alice"))
		for i := range 40 {
			d.Append(ctx, "alice", msgBody(i))
		}
		before, _ := filepath.Glob(filepath.Join(dir, "alice", "*"+segSuffix))
		for {
			es, commit, _ := d.Pull(ctx, "alice", 10)
			if len(es) == 0 {
				break
			}
			commit()
		}
		after, _ := filepath.Glob(filepath.Join(dir, "alice", "*"+segSuffix))
		if len(before) < 5 || len(after) != 1 {
			t.Fatalf("segments before %d, after %d", len(before), len(after))
		}
	})
}

func TestOverflowGoesToDeadLetters(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t, t.TempDir(), newMemoryBroker(t))
	body := msgBody(0)
	cfg.MaxBytesPerClient = int64(len(body)) * 10
	d := newDeliverer(t, cfg)
	d.Upsert(ctx, pullClient("alice"))
	for i := range 15 {
		d.Append(ctx, "alice", msgBody(i))
	}
	dls, _ := d.ListDeadLetters(ctx, "alice")
	if len(dls) != 5 || dls[0].Seq != 1 || dls[0].Reason != ReasonOverflow {
		t.Fatalf("dead letters %+v", dls)
	}
	es, commit, _ := d.Pull(ctx, "alice", 100)
	if len(es) != 10 || es[0].Seq != 6 {
		t.Fatalf("queue %v", seqsOf(es))
	}
	commit()
	n, err := d.Replay(ctx, "alice", []uint64{dls[0].ID, dls[1].ID})
	if err != nil || n != 2 {
		t.Fatal(n, err)
	}
	es, _, _ = d.Pull(ctx, "alice", 100)
	if len(es) != 2 || !bytes.Contains(es[0].Data, []byte(`"n":1000`)) {
		t.Fatalf("replayed %v", seqsOf(es))
	}
	if err := d.Drop(ctx, "alice", nil); err != nil {
		t.Fatal(err)
	}
	if dls, _ := d.ListDeadLetters(ctx, "alice"); len(dls) != 0 {
		t.Fatalf("left %d", len(dls))
	}
	st := d.QueueStats()
	if len(st) != 1 || st[0].Depth != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRemoveDeletesTheMailbox(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := newDeliverer(t, testConfig(t, dir, newMemoryBroker(t)))
	d.Upsert(ctx, pullClient("alice"))
	d.Append(ctx, "alice", msgBody(1))
	if err := d.Remove(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if n := dirSize(t, dir); n != 0 {
		t.Fatalf("%d entries left in the data directory", n)
	}
	if _, _, err := d.Pull(ctx, "alice", 1); !errors.Is(err, ErrUnknownClient) {
		t.Fatal(err)
	}
}

func TestRemoveDeletesTheBrokerQueue(t *testing.T) {
	ctx := context.Background()
	b := newMemoryBroker(t)
	d := newDeliverer(t, testConfig(t, t.TempDir(), b))
	running(t, d)
	if err := d.Upsert(ctx, pullClient("alice")); err != nil {
		t.Fatal(err)
	}
	has := func() bool {
		for _, dp := range b.Depths() {
			if dp.Topic == broker.RESTAPI("alice") {
				return true
			}
		}
		return false
	}
	if !has() {
		t.Fatal("no broker group consumes alice's queue")
	}
	if err := d.Remove(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if has() {
		t.Fatal("alice's queue is still on the broker after Remove")
	}
}
