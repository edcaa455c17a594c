package quadstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sirupsen/logrus"
)

// The commit pipeline: a writer logs its record and moves head (under the
// writer lock), then waits outside the lock until a group fsync covers the
// record and publishes a state at least that new. Background work — folding
// layers into the base and writing snapshot files — starts from here.

func (s *Store) headState() *state {
	s.headMu.Lock()
	defer s.headMu.Unlock()
	return s.head
}

// publish makes st what new snapshots see, unless something newer is
// already visible.
func (s *Store) publish(st *state) {
	s.pubMu.Lock()
	if st.seq > s.cur.Load().seq {
		s.cur.Store(st)
	}
	s.pubMu.Unlock()
}

// commitLayer logs l (normalised against base, which has the same contents
// as head) and moves head. It returns the record's sequence number; the
// caller releases the writer lock and then calls waitDurable. The caller
// holds the writer lock.
func (s *Store) commitLayer(base *state, l *layer) (uint64, error) {
	seq := base.seq + 1
	if s.wal != nil {
		if err := s.wal.append(encodeRecord(seq, l, s.dict)); err != nil {
			return 0, err
		}
	}
	s.headMu.Lock()
	ns, startFold := s.head.commit(l, seq, s.foldMin)
	s.head = ns
	s.headMu.Unlock()
	if s.wal == nil {
		s.publish(ns)
	}
	if startFold {
		s.startFold(ns)
	}
	if s.wal != nil && s.wal.records >= s.cfg.SnapshotEvery {
		s.startCheckpoint()
	}
	return seq, nil
}

// waitDurable returns once the record seq is on disk and visible.
func (s *Store) waitDurable(seq uint64) error {
	if s.wal == nil {
		return nil
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.durableSeq >= seq {
		return nil // another committer's fsync covered us
	}
	return s.syncLocked()
}

// syncLocked fsyncs the log, covering every record written so far, and
// publishes the matching state. The caller holds syncMu.
func (s *Store) syncLocked() error {
	if err := s.wal.err(); err != nil {
		return err
	}
	if s.wal.f == nil {
		return ErrClosed
	}
	// Records up to head.seq were written before head moved.
	st := s.headState()
	if err := s.wal.sync(s.wal.f); err != nil {
		return s.wal.fail(fmt.Errorf("fsync: %w", err))
	}
	s.durableSeq = st.seq
	s.publish(st)
	return nil
}

// startFold folds st's first st.folding layers into its base in the
// background, then swaps the folded base into head and cur (whichever
// still use the old one), keeping the layers committed meanwhile. Readers
// are never blocked; writers only for the pointer swap.
func (s *Store) startFold(st *state) {
	k := st.folding
	s.foldWG.Go(func() {
		nb := fold(st.base, st.layers[:k])
		refold := func(x *state) (*state, bool) {
			// Only this fold replaces the base while folding is set, and
			// compaction leaves the first k layers alone, so any state
			// with st's base and folding mark shares those layers.
			if x.base != st.base || x.folding != k {
				return x, false
			}
			return &state{base: nb, layers: slices.Clone(x.layers[k:]), n: x.n, seq: x.seq}, true
		}
		s.headMu.Lock()
		nh, ok := refold(s.head)
		again := false
		if ok {
			again = nh.compact(s.foldMin)
			s.head = nh
		}
		s.headMu.Unlock()
		s.pubMu.Lock()
		if nc, ok := refold(s.cur.Load()); ok {
			s.cur.Store(nc)
		}
		s.pubMu.Unlock()
		s.bgFolds.Add(1)
		if again {
			s.startFold(nh)
		}
	})
}

// rotate makes everything written durable, starts a new WAL segment and
// returns the state the older segments hold. The caller holds the writer
// lock.
func (s *Store) rotate() (*state, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if err := s.syncLocked(); err != nil {
		return nil, err
	}
	st := s.headState()
	if err := s.wal.createSegment(st.seq + 1); err != nil {
		return nil, err
	}
	return st, nil
}

// startCheckpoint rotates the WAL and writes a snapshot file of the state
// before the new segment in the background. The caller holds the writer
// lock.
func (s *Store) startCheckpoint() {
	s.ckptMu.Lock()
	busy := s.ckptBusy
	if !busy {
		s.ckptBusy = true
	}
	s.ckptMu.Unlock()
	if busy {
		return
	}
	st, err := s.rotate()
	if err != nil {
		s.log.WithError(err).Error("cannot start a new write-ahead log segment")
		s.endCheckpoint(err)
		return
	}
	s.ckptWG.Go(func() {
		s.endCheckpoint(s.writeCheckpoint(st))
	})
}

func (s *Store) endCheckpoint(err error) {
	s.ckptMu.Lock()
	s.ckptBusy, s.ckptErr = false, err
	s.ckptMu.Unlock()
}

// writeCheckpoint writes the snapshot file for st and deletes the WAL
// segments it covers.
func (s *Store) writeCheckpoint(st *state) error {
	start := time.Now()
	if err := writeSnapshotFile(s.cfg.Dir, st, s.dict, s.cfg.NoSync); err != nil {
		s.log.WithError(err).Error("writing snapshot file failed; the write-ahead log keeps growing")
		return err
	}
	if err := s.wal.removeBefore(st.seq + 1); err != nil {
		s.log.WithError(err).Warn("removing old write-ahead log segments failed")
	}
	s.log.WithFields(logrus.Fields{
		"seq": st.seq, "quads": st.n, "took": time.Since(start).Round(time.Millisecond).String(),
	}).Info("snapshot file written")
	return nil
}

// Checkpoint writes a snapshot file of the current state now and trims the
// write-ahead log, waiting until done. In memory it does nothing.
func (s *Store) Checkpoint(ctx context.Context) error {
	if s.wal == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	tx := s.Begin()
	if err := tx.check(); err != nil {
		return err
	}
	// Hold the writer lock so nothing commits in between, after any
	// background checkpoint has finished.
	defer tx.Rollback()
	s.ckptWG.Wait()
	st, err := s.rotate()
	if err != nil {
		return err
	}
	return s.writeCheckpoint(st)
}
