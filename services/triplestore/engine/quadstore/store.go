package quadstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/sirupsen/logrus"
)

// Store is a dictionary-encoded quad store with snapshot reads and
// serialised, durable write transactions. All methods are safe for
// concurrent use.
type Store struct {
	cfg  Config
	log  logrus.FieldLogger
	dict *dictionary
	cur  atomic.Pointer[state]

	wmu    sync.Mutex // held by the open write transaction
	closed atomic.Bool

	// head is the newest written state, which writers build on; cur (what
	// readers see) catches up once head is durable. In memory they move
	// together.
	headMu sync.Mutex
	head   *state
	pubMu  sync.Mutex // serialises replacing cur

	// syncMu is held while fsyncing the log (group commit: one fsync
	// covers every record written before it); durableSeq is guarded by it.
	syncMu     sync.Mutex
	durableSeq uint64

	foldWG sync.WaitGroup
	// foldMin is the size from which folds run in the background.
	foldMin int
	bgFolds atomic.Int64

	// Persistence (nil/zero in memory).
	wal      *wal
	lockFile *os.File
	ckptMu   sync.Mutex // guards ckptBusy and ckptErr
	ckptBusy bool
	ckptErr  error
	ckptWG   sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// Open opens (or creates) a store. With cfg.Dir set it takes the
// directory's lock, loads the latest snapshot file and replays the
// write-ahead log; a torn log tail is truncated with a warning, while a
// damaged snapshot file fails with a *CorruptSnapshotError.
func Open(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Store{cfg: cfg, log: cfg.Log, dict: newDictionary(), foldMin: foldInBackground}
	s.cur.Store(emptyState)
	s.head = emptyState
	if cfg.Dir == "" {
		return s, nil
	}
	if err := s.openDir(); err != nil {
		if s.wal != nil {
			s.wal.close()
		}
		if s.lockFile != nil {
			unlockDir(s.lockFile)
		}
		return nil, err
	}
	return s, nil
}

func (s *Store) openDir() error {
	start := time.Now()
	dir := s.cfg.Dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	lf, err := lockDir(dir)
	if err != nil {
		return err
	}
	s.lockFile = lf
	os.Remove(filepath.Join(dir, snapName+tmpSuffix))

	st := emptyState
	sc, ok, err := readSnapshotFile(dir, s.dict)
	if err != nil {
		return err
	}
	if ok {
		base := newRun(sc.quads)
		st = &state{base: base, n: base.len(), seq: sc.seq}
		sc.quads = nil
	}
	s.wal = &wal{dir: dir, noSync: s.cfg.NoSync}
	st, err = s.replay(st)
	if err != nil {
		return err
	}
	s.cur.Store(st)
	s.head, s.durableSeq = st, st.seq
	s.log.WithFields(logrus.Fields{
		"dir": dir, "quads": st.n, "terms": s.dict.len() - firstTermID,
		"seq": st.seq, "took": time.Since(start).Round(time.Millisecond).String(),
	}).Info("quad store opened")
	return nil
}

// replay applies every WAL record after st.seq and leaves the log open for
// appending.
func (s *Store) replay(st *state) (*state, error) {
	segs, err := listSegments(s.cfg.Dir)
	if err != nil {
		return nil, err
	}
	s.wal.segs = segs
	if len(segs) == 0 {
		return st, s.wal.createSegment(st.seq + 1)
	}
	for i, seg := range segs {
		path := filepath.Join(s.cfg.Dir, segmentName(seg))
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		records := 0
		end, ferr, err := scanFrames(data, func(payload []byte) error {
			rec, err := decodeRecord(payload, s.dict)
			if err != nil {
				return err
			}
			records++
			if rec.seq <= st.seq {
				return nil
			}
			if rec.seq != st.seq+1 {
				return fmt.Errorf("record %d follows %d", rec.seq, st.seq)
			}
			st, _ = st.commit(normalisedLayer(st, rec.adds, rec.dels), rec.seq, 0)
			return nil
		})
		if err != nil {
			return nil, &CorruptWALError{Path: path, Offset: end, Reason: err.Error()}
		}
		last := i == len(segs)-1
		if ferr != nil && (!last || validFrameFollows(data, ferr.offset)) {
			return nil, &CorruptWALError{Path: path, Offset: ferr.offset, Reason: ferr.reason}
		}
		if !last {
			continue
		}
		if ferr != nil {
			s.log.WithFields(logrus.Fields{
				"file": path, "offset": ferr.offset, "droppedBytes": int64(len(data)) - ferr.offset, "reason": ferr.reason,
			}).Warn("truncating damaged write-ahead log tail; transactions in it were never acknowledged")
			if ferr.offset < int64(len(walMagic)) {
				// Not even a header: start the segment afresh.
				return st, s.wal.createSegment(seg)
			}
			if err := os.Truncate(path, ferr.offset); err != nil {
				return nil, err
			}
		}
		if err := s.wal.openSegment(seg, end, records); err != nil {
			return nil, err
		}
		if ferr != nil {
			if err := s.wal.sync(s.wal.f); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}

// normalisedLayer builds a layer from a logged record. Records are
// normalised when written (one op per quad, adds absent and deletes present
// beforehand); replay re-checks against st so that a layer never breaks the
// invariant counting relies on.
func normalisedLayer(st *state, adds, dels [][4]uint32) *layer {
	if st.n > 0 {
		adds = slices.DeleteFunc(adds, st.contains)
	}
	dels = slices.DeleteFunc(dels, func(q [4]uint32) bool { return !st.contains(q) })
	return &layer{adds: newRun(adds), dels: newRun(dels)}
}

// Close closes the store, waiting for an open write transaction and a
// running checkpoint to finish. It is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.wmu.Lock()
		s.closed.Store(true)
		s.wmu.Unlock()
		s.ckptWG.Wait()
		s.foldWG.Wait()
		var errs []error
		if s.wal != nil {
			// Make committed-but-unsynced records durable for their waiters.
			s.syncMu.Lock()
			if s.wal.err() == nil {
				errs = append(errs, s.syncLocked())
			}
			errs = append(errs, s.wal.close())
			s.syncMu.Unlock()
		}
		if s.lockFile != nil {
			errs = append(errs, unlockDir(s.lockFile))
		}
		s.closeErr = errors.Join(errs...)
		if s.cfg.Dir != "" {
			s.log.WithField("dir", s.cfg.Dir).Info("quad store closed")
		}
	})
	return s.closeErr
}

// Find returns the ID of an existing term without adding it. The zero Term
// (the default graph in a quad's graph position) is DefaultGraph.
func (s *Store) Find(t rdf.Term) (ID, bool) { return find(s.dict, t) }

func find(d *dictionary, t rdf.Term) (ID, bool) {
	if t.IsZero() {
		return DefaultGraph, true
	}
	id, ok := d.lookup(t)
	return ID(id), ok
}

// Term returns the term of id; None, DefaultGraph and unknown IDs give the
// zero Term. It takes no lock and does not allocate.
func (s *Store) Term(id ID) rdf.Term { return termOf(s.dict, id) }

func termOf(d *dictionary, id ID) rdf.Term {
	if id > math.MaxUint32 {
		return rdf.Term{}
	}
	return d.term(uint32(id))
}

// Intern returns the ID of t, adding it to the dictionary if needed (the
// zero Term gives DefaultGraph). Terms added but never used in a committed
// quad are dropped at the next restart.
func (s *Store) Intern(t rdf.Term) (ID, error) {
	if t.IsZero() {
		return DefaultGraph, nil
	}
	if t.Kind > rdf.KindLiteral {
		return 0, fmt.Errorf("%w: unknown term kind %d", ErrInvalidQuad, t.Kind)
	}
	id, ok := s.dict.intern(t)
	if !ok {
		return 0, fmt.Errorf("%w: dictionary full", ErrTooLarge)
	}
	return ID(id), nil
}

func (s *Store) internQuad(q rdf.Quad) ([4]uint32, error) {
	var iq [4]uint32
	for i, t := range [4]rdf.Term{q.S, q.P, q.O, q.G} {
		id, err := s.Intern(t)
		if err != nil {
			return iq, err
		}
		iq[i] = uint32(id)
	}
	return iq, nil
}

// Snapshot returns a consistent view of the committed state (with a data
// directory: of every commit that is durable).
func (s *Store) Snapshot() *Snapshot {
	return &Snapshot{st: s.cur.Load(), dict: s.dict}
}

func (s *Store) walErr() error {
	if s.wal == nil {
		return nil
	}
	return s.wal.err()
}

// Load adds quads in one transaction, sorting and merging them in bulk
// rather than inserting one by one. Invalid quads fail the whole load. Load
// is a write transaction of its own: it waits for an open Txn (so calling
// it while holding one in the same goroutine deadlocks). The log record of
// one Load is limited to 1 GiB (roughly 25M registry-like triples); split
// larger loads.
func (s *Store) Load(ctx context.Context, quads []rdf.Quad) error {
	seq, err := s.load(ctx, quads)
	if err != nil || seq == 0 {
		return err
	}
	return s.waitDurable(seq)
}

// load writes the bulk transaction and returns its sequence number (0 when
// there was nothing to add).
func (s *Store) load(ctx context.Context, quads []rdf.Quad) (uint64, error) {
	tx := s.Begin()
	if err := tx.check(); err != nil {
		return 0, err
	}
	defer tx.Rollback()
	ids, err := s.internAll(ctx, quads)
	if err != nil {
		return 0, err
	}
	spog := make([]key, len(ids))
	for i, q := range ids {
		spog[i] = makeKey(q, orderSPOG)
	}
	ids = nil
	sortKeys(spog)
	spog = slices.Compact(spog)
	base := tx.base
	if base.n > 0 {
		spog = slices.DeleteFunc(spog, func(k key) bool { return base.contains(k.quad(orderSPOG)) })
	}
	if len(spog) == 0 {
		return 0, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.commitLayer(base, &layer{adds: runFromSPOG(spog), dels: emptyRun})
}

// internAll validates quads and turns them into IDs, holding the
// dictionary's writer lock once for the whole batch (readers do not need it).
func (s *Store) internAll(ctx context.Context, quads []rdf.Quad) ([][4]uint32, error) {
	for _, q := range quads {
		if err := checkQuad(q); err != nil {
			return nil, err
		}
	}
	d := s.dict
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([][4]uint32, 0, len(quads))
	var prev [4]rdf.Term
	var prevIDs [4]uint32
	for i, q := range quads {
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var iq [4]uint32
		for j, t := range [4]rdf.Term{q.S, q.P, q.O, q.G} {
			switch {
			case i > 0 && sameTerm(t, prev[j]):
				// Consecutive quads often share subject, predicate and graph.
				iq[j] = prevIDs[j]
			case t.IsZero():
				iq[j] = uint32(DefaultGraph)
			default:
				id, ok := d.internLocked(t)
				if !ok {
					return nil, fmt.Errorf("%w: dictionary full", ErrTooLarge)
				}
				iq[j] = id
			}
			prev[j] = t
		}
		prevIDs = iq
		ids = append(ids, iq)
	}
	return ids, nil
}

// sameTerm compares terms cheaply: equal strings that share memory are
// recognised without reading them.
func sameTerm(a, b rdf.Term) bool {
	return a.Kind == b.Kind && sameString(a.Value, b.Value) && sameString(a.Datatype, b.Datatype) && sameString(a.Lang, b.Lang)
}

func sameString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b) {
		return true
	}
	return a == b
}

// Stats describes a store's size.
type Stats struct {
	Quads      int // visible quads
	Terms      int // dictionary entries (including unused ones)
	Layers     int // change layers above the base run
	DictBytes  int // dictionary memory, approximately
	IndexBytes int // index memory, approximately
	// BackgroundFolds counts layer folds into the base done off the
	// commit path since Open.
	BackgroundFolds int64
	// WALSyncs counts fsyncs of the write-ahead log since Open; with
	// concurrent committers it is below the number of commits (group
	// commit).
	WALSyncs int64
}

// Stats returns size figures for the current state.
func (s *Store) Stats() Stats {
	st := s.cur.Load()
	var syncs int64
	if s.wal != nil {
		syncs = s.wal.syncs.Load()
	}
	keys := st.base.len()
	for _, l := range st.layers {
		keys += l.size()
	}
	return Stats{
		Quads:           st.n,
		Terms:           s.dict.len() - firstTermID,
		Layers:          len(st.layers),
		DictBytes:       s.dict.bytes(),
		IndexBytes:      keys * int(numOrders) * int(unsafe.Sizeof(key{})),
		BackgroundFolds: s.bgFolds.Load(),
		WALSyncs:        syncs,
	}
}

// String describes the store for logs.
func (s *Store) String() string {
	var b strings.Builder
	if s.cfg.Dir == "" {
		b.WriteString("quadstore(memory)")
	} else {
		fmt.Fprintf(&b, "quadstore(%s)", s.cfg.Dir)
	}
	return b.String()
}
