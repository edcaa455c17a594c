package quadstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The write-ahead log is a sequence of segment files named
// wal-<first sequence number, 16 hex digits>.log. Each starts with an
// 8-byte magic and holds frames:
//
//	length:uint32le  crc32c(payload):uint32le  payload
//
// One frame is one committed transaction. The payload is
//
//	seq:uvarint  terms  ops:uvarint  { op:byte(0 add, 1 delete) quad }
//
// in the encoding of codec.go. A checkpoint starts a new segment, writes a
// snapshot file covering everything before it, then deletes the older
// segments. Sequence numbers are contiguous across segments.

const (
	walMagic     = "IMWQWAL1"
	frameHeader  = 8
	maxRecord    = 1 << 30
	walPrefix    = "wal-"
	walSuffix    = ".log"
	opAdd        = 0
	opDelete     = 1
	minQuadBytes = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func segmentName(start uint64) string {
	return fmt.Sprintf("%s%016x%s", walPrefix, start, walSuffix)
}

// wal appends records to the newest segment. Appends are serialised by the
// store's writer lock; mu guards the segment list, which a background
// checkpoint prunes.
type wal struct {
	dir    string
	noSync bool

	mu   sync.Mutex
	segs []uint64 // first sequence number of each segment, ascending

	f       *os.File // the newest segment
	size    int64
	records int // records appended since the newest segment started

	failMu sync.Mutex
	failed error // once set, the log refuses writes

	syncs atomic.Int64 // fsyncs of segments (stats)
}

// err returns the error that broke the log, if any.
func (w *wal) err() error {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	return w.failed
}

// fail marks the log broken and returns the error.
func (w *wal) fail(err error) error {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	if w.failed == nil {
		w.failed = fmt.Errorf("%w: %v", errWALFailed, err)
	}
	return w.failed
}

// listSegments returns the start sequence numbers of the WAL segments in dir.
func listSegments(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var segs []uint64
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, walPrefix) || !strings.HasSuffix(name, walSuffix) {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(name, walPrefix), walSuffix), 16, 64)
		if err != nil {
			continue
		}
		segs = append(segs, v)
	}
	slices.Sort(segs)
	return segs, nil
}

// frameError describes why a frame could not be read.
type frameError struct {
	offset int64
	reason string
}

// scanFrames calls fn with each valid frame's payload in data (a whole
// segment file). It returns the offset just past the last valid frame and,
// if it stopped early, why.
func scanFrames(data []byte, fn func(payload []byte) error) (int64, *frameError, error) {
	if len(data) < len(walMagic) || string(data[:len(walMagic)]) != walMagic {
		return 0, &frameError{0, "missing or damaged segment header"}, nil
	}
	off := len(walMagic)
	for off < len(data) {
		if len(data)-off < frameHeader {
			return int64(off), &frameError{int64(off), "torn frame header"}, nil
		}
		n := binary.LittleEndian.Uint32(data[off:])
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if n == 0 || n > maxRecord {
			return int64(off), &frameError{int64(off), fmt.Sprintf("bad frame length %d", n)}, nil
		}
		if uint64(len(data)-off-frameHeader) < uint64(n) {
			return int64(off), &frameError{int64(off), "torn frame payload"}, nil
		}
		payload := data[off+frameHeader : off+frameHeader+int(n)]
		if crc32.Checksum(payload, castagnoli) != sum {
			return int64(off), &frameError{int64(off), "checksum mismatch"}, nil
		}
		if err := fn(payload); err != nil {
			return int64(off), nil, err
		}
		off += frameHeader + int(n)
	}
	return int64(off), nil, nil
}

// validFrameFollows reports whether a well-formed frame follows the damaged
// one at off. A damaged frame with intact frames after it is corruption
// inside the log, not a torn tail, and must not be silently cut off.
func validFrameFollows(data []byte, off int64) bool {
	if int64(len(data))-off < frameHeader {
		return false
	}
	n := int64(binary.LittleEndian.Uint32(data[off:]))
	next := off + frameHeader + n
	if n == 0 || n > maxRecord || next+frameHeader > int64(len(data)) {
		return false
	}
	m := int64(binary.LittleEndian.Uint32(data[next:]))
	if m == 0 || m > maxRecord || next+frameHeader+m > int64(len(data)) {
		return false
	}
	payload := data[next+frameHeader : next+frameHeader+m]
	return crc32.Checksum(payload, castagnoli) == binary.LittleEndian.Uint32(data[next+4:])
}

// createSegment creates a new, empty segment and makes it durable. On
// failure the partial file is removed (a headerless segment that is not
// the last one would read as corruption) and the current segment stays.
func (w *wal) createSegment(start uint64) (err error) {
	if w.f != nil && w.current() == start {
		if w.records == 0 {
			return nil // the current segment already starts there, empty
		}
		return fmt.Errorf("write-ahead log: segment %d already holds records", start)
	}
	path := filepath.Join(w.dir, segmentName(start))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
		}
	}()
	if _, err := f.WriteAt([]byte(walMagic), 0); err != nil {
		return err
	}
	if err := w.sync(f); err != nil {
		return err
	}
	if err := w.syncDir(); err != nil {
		return err
	}
	if w.f != nil {
		w.f.Close()
	}
	w.f, w.size, w.records = f, int64(len(walMagic)), 0
	w.mu.Lock()
	if !slices.Contains(w.segs, start) {
		w.segs = append(w.segs, start)
	}
	w.mu.Unlock()
	return nil
}

// current returns the start of the newest segment.
func (w *wal) current() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.segs) == 0 {
		return 0
	}
	return w.segs[len(w.segs)-1]
}

// openSegment opens an existing segment for appending at size.
func (w *wal) openSegment(start uint64, size int64, records int) error {
	f, err := os.OpenFile(filepath.Join(w.dir, segmentName(start)), os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	w.f, w.size, w.records = f, size, records
	return nil
}

func (w *wal) sync(f *os.File) error {
	w.syncs.Add(1)
	if w.noSync {
		return nil
	}
	return f.Sync()
}

func (w *wal) syncDir() error {
	if w.noSync {
		return nil
	}
	return syncDir(w.dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// errWALFailed marks a log that can no longer be trusted.
var errWALFailed = errors.New("write-ahead log failed")

// append writes one record without syncing it (see Store.waitDurable). On
// a write error the segment is cut back to its previous length so that
// later records are not hidden behind a torn one; if that fails too the log
// refuses further writes. The caller holds the writer lock.
func (w *wal) append(payload []byte) error {
	if err := w.err(); err != nil {
		return err
	}
	if len(payload) > maxRecord {
		return fmt.Errorf("%w: record of %d bytes exceeds the %d byte limit", ErrTooLarge, len(payload), maxRecord)
	}
	frame := make([]byte, frameHeader, frameHeader+len(payload))
	binary.LittleEndian.PutUint32(frame, uint32(len(payload)))
	binary.LittleEndian.PutUint32(frame[4:], crc32.Checksum(payload, castagnoli))
	frame = append(frame, payload...)
	if _, err := w.f.WriteAt(frame, w.size); err != nil {
		if terr := w.f.Truncate(w.size); terr != nil {
			return w.fail(fmt.Errorf("write: %v; truncate: %v", err, terr))
		}
		return fmt.Errorf("write-ahead log: %w", err)
	}
	w.size += int64(len(frame))
	w.records++
	return nil
}

// removeBefore deletes the segments that start before start.
func (w *wal) removeBefore(start uint64) error {
	w.mu.Lock()
	var keep, drop []uint64
	for _, s := range w.segs {
		if s < start {
			drop = append(drop, s)
		} else {
			keep = append(keep, s)
		}
	}
	w.segs = keep
	w.mu.Unlock()
	var errs []error
	for _, s := range drop {
		if err := os.Remove(filepath.Join(w.dir, segmentName(s))); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(drop) > 0 {
		errs = append(errs, w.syncDir())
	}
	return errors.Join(errs...)
}

func (w *wal) close() error {
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// encodeRecord encodes a committed layer as a WAL payload.
func encodeRecord(seq uint64, l *layer, dict *dictionary) []byte {
	n := l.size()
	tt := newTermTable(min(n*2, 1<<20))
	ops := make([]byte, 0, n*8+16)
	ops = binary.AppendUvarint(ops, uint64(n))
	for _, part := range []struct {
		op   byte
		keys []key
	}{{opAdd, l.adds.keys[orderSPOG]}, {opDelete, l.dels.keys[orderSPOG]}} {
		for _, k := range part.keys {
			ops = append(ops, part.op)
			ops = tt.appendQuad(ops, k.quad(orderSPOG))
		}
	}
	b := binary.AppendUvarint(make([]byte, 0, len(ops)+len(tt.ids)*48+16), seq)
	b = tt.appendTerms(b, dict)
	return append(b, ops...)
}

// walRecord is a decoded WAL payload.
type walRecord struct {
	seq  uint64
	adds [][4]uint32
	dels [][4]uint32
}

// decodeRecord decodes a payload, interning its terms.
func decodeRecord(payload []byte, dict *dictionary) (walRecord, error) {
	d := &decoder{b: payload}
	rec := walRecord{seq: d.uvarint()}
	ids, err := readTerms(d, dict)
	if err != nil {
		return rec, err
	}
	n := d.count(1 + minQuadBytes)
	for range n {
		op := d.byte()
		q := d.readQuad(ids)
		if d.err != nil {
			break
		}
		switch op {
		case opAdd:
			rec.adds = append(rec.adds, q)
		case opDelete:
			rec.dels = append(rec.dels, q)
		default:
			d.fail(fmt.Errorf("bad op %d", op))
		}
	}
	if d.err == nil && d.off != len(d.b) {
		d.fail(errors.New("trailing bytes"))
	}
	return rec, d.err
}

// readTerms reads a term block and interns every term.
func readTerms(d *decoder, dict *dictionary) ([]uint32, error) {
	n := d.count(2)
	ids := make([]uint32, 0, n)
	for range n {
		t := d.term()
		if d.err != nil {
			return nil, d.err
		}
		id, ok := dict.intern(t)
		if !ok {
			return nil, ErrTooLarge
		}
		ids = append(ids, id)
	}
	return ids, d.err
}
