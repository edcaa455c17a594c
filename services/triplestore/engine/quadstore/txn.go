package quadstore

import (
	"context"
	"fmt"

	"github.com/intermw/intermw/ontology/rdf"
)

// Txn is a write transaction. Only one is open at a time: Begin waits for
// the previous one to commit or roll back. Changes are buffered until Commit
// and are invisible to other readers until then. A Txn is not safe for
// concurrent use; always finish it (defer tx.Rollback() is fine: it does
// nothing after Commit).
type Txn struct {
	s       *Store
	base    *state
	pending map[[4]uint32]bool // true: add, false: delete; normalised against base
	view    *Snapshot          // cached Snapshot of base + pending
	done    bool
	err     error
}

// Begin starts a write transaction, waiting for any other to finish. If the
// store is closed the transaction's methods return ErrClosed.
func (s *Store) Begin() *Txn {
	s.wmu.Lock()
	if s.closed.Load() {
		s.wmu.Unlock()
		return &Txn{done: true, err: ErrClosed}
	}
	if s.walErr() != nil {
		s.wmu.Unlock()
		return &Txn{done: true, err: s.walErr()}
	}
	return &Txn{s: s, base: s.headState(), pending: make(map[[4]uint32]bool)}
}

func (tx *Txn) check() error {
	if tx.done {
		if tx.err != nil {
			return tx.err
		}
		return ErrTxnDone
	}
	return nil
}

// Add adds q (zero G: the default graph). Adding a present quad does nothing.
// A quad that is not valid RDF is refused with an *InvalidQuadError.
func (tx *Txn) Add(q rdf.Quad) error {
	if err := tx.check(); err != nil {
		return err
	}
	if err := checkQuad(q); err != nil {
		return err
	}
	iq, err := tx.s.internQuad(q)
	if err != nil {
		return err
	}
	tx.addIDs(iq)
	return nil
}

// Remove deletes q (zero G: the default graph). Removing an absent quad
// does nothing.
func (tx *Txn) Remove(q rdf.Quad) error {
	if err := tx.check(); err != nil {
		return err
	}
	var iq [4]uint32
	for i, t := range [4]rdf.Term{q.S, q.P, q.O, q.G} {
		if i != posG && t.IsZero() {
			return nil
		}
		id, ok := find(tx.s.dict, t)
		if !ok {
			return nil // an unknown term is in no quad
		}
		iq[i] = uint32(id)
	}
	tx.removeIDs(iq)
	return nil
}

// AddIDs adds the quad {s, p, o, g} of existing IDs (g DefaultGraph for the
// default graph). IDs must come from this store; nothing is checked beyond
// that none is zero.
func (tx *Txn) AddIDs(s, p, o, g ID) error {
	if err := tx.check(); err != nil {
		return err
	}
	q, ok := pattern(s, p, o, g)
	if !ok || q[0] == 0 || q[1] == 0 || q[2] == 0 || q[3] == 0 {
		return fmt.Errorf("%w: bad IDs %d %d %d %d", ErrInvalidQuad, s, p, o, g)
	}
	tx.addIDs(q)
	return nil
}

// RemoveIDs deletes the quad {s, p, o, g} of IDs.
func (tx *Txn) RemoveIDs(s, p, o, g ID) error {
	if err := tx.check(); err != nil {
		return err
	}
	if q, ok := pattern(s, p, o, g); ok && q[0] != 0 && q[1] != 0 && q[2] != 0 && q[3] != 0 {
		tx.removeIDs(q)
	}
	return nil
}

func (tx *Txn) addIDs(q [4]uint32) {
	tx.view = nil
	if tx.base.contains(q) {
		delete(tx.pending, q) // cancels a pending delete, if any
	} else {
		tx.pending[q] = true
	}
}

func (tx *Txn) removeIDs(q [4]uint32) {
	tx.view = nil
	if tx.base.contains(q) {
		tx.pending[q] = false
	} else {
		delete(tx.pending, q) // cancels a pending add, if any
	}
}

// Pending returns the number of buffered changes.
func (tx *Txn) Pending() int { return len(tx.pending) }

// layer builds the transaction's change layer.
func (tx *Txn) layer() *layer {
	var adds, dels [][4]uint32
	for q, add := range tx.pending {
		if add {
			adds = append(adds, q)
		} else {
			dels = append(dels, q)
		}
	}
	return &layer{adds: newRun(adds), dels: newRun(dels)}
}

// Snapshot returns a view of the committed state at Begin plus this
// transaction's pending changes. It stays valid after the transaction ends
// and does not see later changes made through tx.
func (tx *Txn) Snapshot() *Snapshot {
	if tx.done {
		return &Snapshot{st: emptyState, dict: tx.dictOrEmpty()}
	}
	if tx.view == nil {
		st := tx.base
		if len(tx.pending) > 0 {
			st = st.with(tx.layer())
		}
		tx.view = &Snapshot{st: st, dict: tx.s.dict}
	}
	return tx.view
}

func (tx *Txn) dictOrEmpty() *dictionary {
	if tx.s != nil {
		return tx.s.dict
	}
	return newDictionary()
}

// Commit makes the changes durable (WAL append and fsync when the store has
// a directory) and then visible to new snapshots, all at once. If ctx is
// already done nothing is committed. On error nothing is visible, and the
// transaction is finished either way.
//
// The writer lock is released once the record is written, so the next
// transaction can begin while this one waits for fsync; transactions
// committing close together share one fsync (group commit). A later
// transaction builds on this one's changes; if the fsync fails the store
// stops accepting writes, so it cannot commit on top of a lost one.
func (tx *Txn) Commit(ctx context.Context) error {
	if err := tx.check(); err != nil {
		return err
	}
	s := tx.s
	seq, err := func() (uint64, error) {
		defer tx.finish() // the next writer may start while we wait for fsync
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if len(tx.pending) == 0 {
			return 0, nil
		}
		return s.commitLayer(tx.base, tx.layer())
	}()
	if err != nil || seq == 0 {
		return err
	}
	return s.waitDurable(seq)
}

// Rollback discards the changes. It does nothing after Commit or Rollback.
func (tx *Txn) Rollback() {
	if tx.done {
		return
	}
	tx.finish()
}

func (tx *Txn) finish() {
	tx.done = true
	tx.pending = nil
	tx.view = nil
	tx.s.wmu.Unlock()
}
