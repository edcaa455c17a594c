package delivery

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
)

// Segment framing: every entry is a little-endian header
//
//	uint32 body length | uint32 CRC-32C of (seq, stamp, body) | uint64 seq | int64 stamp
//
// followed by the body: the message's canonical JSON-LD, exactly as it came
// off the broker. stamp is the message's dateTimeStamp in Unix nanoseconds
// (0 when unknown), kept for the delivery-latency metric.
const (
	entryHeader  = 24
	maxEntryBody = 64 << 20
	segSuffix    = ".seg"
	ackName      = "ack"
	ackMagic     = 0x61636b31 // "ack1"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// slot states.
const (
	stAvail uint8 = iota
	stLeased
	stDone
)

type segment struct {
	f     *os.File
	path  string
	first uint64 // seq of the first entry
	last  uint64 // seq of the last entry written (first-1 when empty)
	size  int64
}

type slot struct {
	seg   *segment
	off   int64 // offset of the entry header
	n     uint32
	stamp int64
	state uint8
}

// stored is an entry as read from a segment.
type stored struct {
	seq   uint64
	stamp int64
	body  []byte
}

// mailbox is one client's durable queue: segment files plus an ack file in
// its own directory. Entries are handed out by leasing (pull, push) and
// removed by committing; the ack offset is the highest seq below which
// everything is committed, and segments entirely below it are deleted.
type mailbox struct {
	dir      string
	clientID string
	cfg      *Config
	log      logrus.FieldLogger

	mu       sync.Mutex
	segs     []*segment
	slots    []slot // slots[i] holds seq head+i
	head     uint64
	next     uint64 // seq of the next append
	scanFrom uint64 // no avail slot below this seq
	bytes    int64  // body bytes of entries not done
	count    int    // entries not done
	acked    uint64 // persisted ack offset
	ackFile  *os.File
	changed  chan struct{} // closed and replaced on every append
	closed   bool
	dirty    bool // written since the last fsync (interval policy)
	ackDirty bool // ack offset written since its last fsync

	// group commit
	written  uint64 // appends so far (generation)
	syncMu   sync.Mutex
	syncCond *sync.Cond
	synced   uint64
	syncing  bool

	dl *deadLetters
}

// openMailbox opens or creates the mailbox in dir and recovers it.
func openMailbox(dir, clientID string, cfg *Config) (*mailbox, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	m := &mailbox{dir: dir, clientID: clientID, cfg: cfg, changed: make(chan struct{}),
		log: cfg.Log.WithField("clientId", clientID)}
	m.syncCond = sync.NewCond(&m.syncMu)
	if err := m.recover(); err != nil {
		m.closeFiles()
		return nil, err
	}
	dl, err := openDeadLetters(filepath.Join(dir, dlName), cfg.MaxDeadLetters, cfg.NoSync())
	if err != nil {
		m.closeFiles()
		return nil, err
	}
	m.dl = dl
	return m, nil
}

func (m *mailbox) recover() error {
	af, err := os.OpenFile(filepath.Join(m.dir, ackName), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	m.ackFile = af
	var buf [16]byte
	if n, _ := af.ReadAt(buf[:], 0); n == 16 && binary.LittleEndian.Uint32(buf[12:]) == ackMagic &&
		crc32.Checksum(buf[:8], castagnoli) == binary.LittleEndian.Uint32(buf[8:12]) {
		m.acked = binary.LittleEndian.Uint64(buf[:8])
	}
	names, err := filepath.Glob(filepath.Join(m.dir, "*"+segSuffix))
	if err != nil {
		return err
	}
	type segName struct {
		first uint64
		path  string
	}
	var found []segName
	for _, p := range names {
		first, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(p), segSuffix), 10, 64)
		if err != nil {
			continue
		}
		found = append(found, segName{first, p})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].first < found[j].first })
	m.head = m.acked + 1
	m.next = m.acked + 1
	for i, sn := range found {
		last := i == len(found)-1
		seg, entries, err := m.scanSegment(sn.path, sn.first, last)
		if err != nil {
			return err
		}
		if seg.last < m.head && !last {
			seg.f.Close()
			if err := os.Remove(seg.path); err != nil {
				return fmt.Errorf("delivery: %w", err)
			}
			continue
		}
		m.segs = append(m.segs, seg)
		for _, e := range entries {
			if e.seq < m.head {
				continue
			}
			if len(m.slots) == 0 && e.seq > m.head {
				m.head = e.seq
			}
			for m.head+uint64(len(m.slots)) < e.seq { // a gap: nothing to deliver there
				m.slots = append(m.slots, slot{state: stDone})
			}
			if e.seq < m.head+uint64(len(m.slots)) {
				continue // a repeated seq; keep the first
			}
			m.slots = append(m.slots, slot{seg: seg, off: e.off, n: e.n, stamp: e.stamp})
			m.bytes += int64(e.n)
			m.count++
		}
		if seg.last+1 > m.next {
			m.next = seg.last + 1
		}
	}
	if len(m.slots) == 0 {
		m.head = m.next
	}
	m.scanFrom = m.head
	if len(m.segs) == 0 {
		if err := m.newSegment(); err != nil {
			return err
		}
	}
	m.written, m.synced = 0, 0
	return nil
}

type scanned struct {
	seq   uint64
	off   int64
	n     uint32
	stamp int64
}

// scanSegment reads a segment's entry headers, checking every CRC. A bad or
// torn entry ends the segment; in the last segment the tail is cut off.
func (m *mailbox) scanSegment(path string, first uint64, last bool) (*segment, []scanned, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0o640)
	if err != nil {
		return nil, nil, fmt.Errorf("delivery: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("delivery: %w", err)
	}
	seg := &segment{f: f, path: path, first: first, last: first - 1}
	var out []scanned
	var off int64
	for {
		if int64(len(data))-off < entryHeader {
			break
		}
		h := data[off : off+entryHeader]
		n := binary.LittleEndian.Uint32(h[0:4])
		if n > maxEntryBody || int64(len(data))-off-entryHeader < int64(n) {
			break
		}
		sum := crc32.Update(crc32.Checksum(h[8:24], castagnoli), castagnoli, data[off+entryHeader:off+entryHeader+int64(n)])
		if sum != binary.LittleEndian.Uint32(h[4:8]) {
			break
		}
		seq := binary.LittleEndian.Uint64(h[8:16])
		out = append(out, scanned{seq: seq, off: off, n: n, stamp: int64(binary.LittleEndian.Uint64(h[16:24]))})
		seg.last = seq
		off += entryHeader + int64(n)
	}
	if off != int64(len(data)) {
		m.log.WithFields(logrus.Fields{"segment": path, "kept": off, "dropped": int64(len(data)) - off}).
			Warn("mailbox segment has a torn or corrupt tail")
		if last {
			if err := f.Truncate(off); err != nil {
				f.Close()
				return nil, nil, fmt.Errorf("delivery: %w", err)
			}
		}
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("delivery: %w", err)
	}
	seg.size = off
	return seg, out, nil
}

func (m *mailbox) newSegment() error {
	path := filepath.Join(m.dir, fmt.Sprintf("%020d%s", m.next, segSuffix))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	m.segs = append(m.segs, &segment{f: f, path: path, first: m.next, last: m.next - 1})
	if !m.cfg.NoSync() {
		syncDir(m.dir)
	}
	return nil
}

// append writes one entry and returns its seq and write generation; the
// caller makes it durable with waitDurable(gen). When the mailbox is over
// its byte limit, the oldest entries not leased go to the dead-letter list
// first.
func (m *mailbox) append(body []byte, stamp int64) (seq, gen uint64, err error) {
	if len(body) > maxEntryBody {
		return 0, 0, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(body))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, 0, ErrClosed
	}
	if err := m.evictLocked(int64(len(body))); err != nil {
		return 0, 0, err
	}
	seg := m.segs[len(m.segs)-1]
	if seg.size >= m.cfg.SegmentBytes && seg.last >= seg.first {
		if !m.cfg.NoSync() {
			if err := seg.f.Sync(); err != nil {
				return 0, 0, fmt.Errorf("delivery: %w", err)
			}
		}
		if err := m.newSegment(); err != nil {
			return 0, 0, err
		}
		seg = m.segs[len(m.segs)-1]
	}
	seq = m.next
	buf := make([]byte, entryHeader+len(body))
	binary.LittleEndian.PutUint32(buf[0:4], uint32(len(body)))
	binary.LittleEndian.PutUint64(buf[8:16], seq)
	binary.LittleEndian.PutUint64(buf[16:24], uint64(stamp))
	copy(buf[entryHeader:], body)
	binary.LittleEndian.PutUint32(buf[4:8], crc32.Checksum(buf[8:], castagnoli))
	if _, err := seg.f.Write(buf); err != nil {
		_ = seg.f.Truncate(seg.size)
		_, _ = seg.f.Seek(seg.size, io.SeekStart)
		return 0, 0, fmt.Errorf("delivery: appending: %w", err)
	}
	if len(m.slots) == 0 {
		m.head = seq
		if m.scanFrom < seq {
			m.scanFrom = seq
		}
	}
	m.slots = append(m.slots, slot{seg: seg, off: seg.size, n: uint32(len(body)), stamp: stamp})
	seg.size += int64(len(buf))
	seg.last = seq
	m.next++
	m.bytes += int64(len(body))
	m.count++
	m.written++
	m.dirty = true
	gen = m.written
	close(m.changed)
	m.changed = make(chan struct{})
	return seq, gen, nil
}

// evictLocked moves the oldest available entries to the dead-letter list
// until need more bytes fit under MaxBytesPerClient.
func (m *mailbox) evictLocked(need int64) error {
	limit := m.cfg.MaxBytesPerClient
	if m.bytes+need <= limit {
		return nil
	}
	var moved []DeadLetter
	var seqs []uint64
	for i := range m.slots {
		if m.bytes+need <= limit {
			break
		}
		s := &m.slots[i]
		if s.state != stAvail {
			continue
		}
		seq := m.head + uint64(i)
		body, err := m.readLocked(s)
		if err != nil {
			return err
		}
		moved = append(moved, DeadLetter{Seq: seq, Reason: ReasonOverflow, Stamp: s.stamp, Body: body})
		seqs = append(seqs, seq)
		s.state = stDone
		m.bytes -= int64(s.n)
		m.count--
	}
	if len(moved) == 0 {
		return nil // everything is leased: accept and let commits free space
	}
	if err := m.dl.add(moved); err != nil {
		return err
	}
	m.cfg.Metrics.DeadLettered(m.clientID, ReasonOverflow, len(moved))
	m.log.WithField("entries", len(moved)).Warn("mailbox over its byte limit: oldest entries moved to the dead-letter list")
	return m.advanceLocked()
}

func (m *mailbox) readLocked(s *slot) ([]byte, error) {
	body := make([]byte, s.n)
	if _, err := s.seg.f.ReadAt(body, s.off+entryHeader); err != nil {
		return nil, fmt.Errorf("delivery: reading an entry: %w", err)
	}
	return body, nil
}

// waitDurable returns once every append up to generation gen is on disk
// (group commit: one appender fsyncs for all that wait). With the interval
// or none policies it returns at once.
func (m *mailbox) waitDurable(gen uint64) error {
	if m.cfg.Sync != SyncBatch {
		return nil
	}
	m.syncMu.Lock()
	defer m.syncMu.Unlock()
	for m.synced < gen {
		if m.syncing {
			m.syncCond.Wait()
			continue
		}
		m.syncing = true
		m.syncMu.Unlock()
		m.mu.Lock()
		f := m.segs[len(m.segs)-1].f
		upto := m.written
		m.dirty = false
		m.mu.Unlock()
		err := f.Sync()
		if errors.Is(err, os.ErrClosed) {
			err = nil // the segment was rotated (synced) or the mailbox closed
		}
		m.syncMu.Lock()
		m.syncing = false
		if err == nil && upto > m.synced {
			m.synced = upto
		}
		m.syncCond.Broadcast()
		if err != nil {
			return fmt.Errorf("delivery: fsync: %w", err)
		}
	}
	return nil
}

// syncIfDirty fsyncs the active segment when something was written since
// the last fsync (the interval policy's tick).
func (m *mailbox) syncIfDirty() error {
	m.mu.Lock()
	if !m.dirty || m.closed {
		m.mu.Unlock()
		return nil
	}
	m.dirty = false
	f := m.segs[len(m.segs)-1].f
	ack := m.ackDirty
	m.ackDirty = false
	m.mu.Unlock()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	if ack {
		if err := m.ackFile.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
			return err
		}
	}
	return nil
}

// take leases up to max available entries, oldest first.
func (m *mailbox) take(max int) ([]stored, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	var out []stored
	i := max64(m.scanFrom, m.head) - m.head
	for ; i < uint64(len(m.slots)) && len(out) < max; i++ {
		s := &m.slots[i]
		if s.state != stAvail {
			continue
		}
		body, err := m.readLocked(s)
		if err != nil {
			return nil, err
		}
		s.state = stLeased
		out = append(out, stored{seq: m.head + i, stamp: s.stamp, body: body})
	}
	// Every slot below i is leased or done now.
	m.scanFrom = m.head + i
	return out, nil
}

// peekAfter returns up to max entries after seq that are not done, without
// leasing them (SSE).
func (m *mailbox) peekAfter(after uint64, max int) ([]stored, <-chan struct{}, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, nil, ErrClosed
	}
	var out []stored
	start := uint64(0)
	if after+1 > m.head {
		start = after + 1 - m.head
	}
	for i := start; i < uint64(len(m.slots)) && len(out) < max; i++ {
		s := &m.slots[i]
		if s.state == stDone {
			continue
		}
		body, err := m.readLocked(s)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, stored{seq: m.head + i, stamp: s.stamp, body: body})
	}
	return out, m.changed, nil
}

// waitChan returns a channel closed at the next append.
func (m *mailbox) waitChan() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

// commit removes leased (or available) entries for good.
func (m *mailbox) commit(seqs []uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	for _, seq := range seqs {
		m.doneLocked(seq)
	}
	return m.advanceLocked()
}

func (m *mailbox) doneLocked(seq uint64) {
	if seq < m.head || seq >= m.head+uint64(len(m.slots)) {
		return
	}
	s := &m.slots[seq-m.head]
	if s.state == stDone {
		return
	}
	s.state = stDone
	m.bytes -= int64(s.n)
	m.count--
}

// ackUpTo commits every entry up to and including seq (an SSE client's
// Last-Event-ID).
func (m *mailbox) ackUpTo(seq uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	for s := m.head; s <= seq && s < m.head+uint64(len(m.slots)); s++ {
		m.doneLocked(s)
	}
	return m.advanceLocked()
}

// release returns leased entries to the queue.
func (m *mailbox) release(seqs []uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, seq := range seqs {
		if seq < m.head || seq >= m.head+uint64(len(m.slots)) {
			continue
		}
		s := &m.slots[seq-m.head]
		if s.state == stLeased {
			s.state = stAvail
			if seq < m.scanFrom {
				m.scanFrom = seq
			}
		}
	}
	if len(seqs) > 0 {
		close(m.changed)
		m.changed = make(chan struct{})
	}
}

// advanceLocked drops done entries from the front, persists the ack offset
// and deletes segments that hold only acknowledged entries.
func (m *mailbox) advanceLocked() error {
	k := 0
	for k < len(m.slots) && m.slots[k].state == stDone {
		k++
	}
	if k == 0 {
		return nil
	}
	m.slots = m.slots[k:]
	if len(m.slots) == 0 {
		m.slots = nil
	}
	m.head += uint64(k)
	if m.scanFrom < m.head {
		m.scanFrom = m.head
	}
	acked := m.head - 1
	if len(m.slots) == 0 {
		acked = m.next - 1
		m.head = m.next
		m.scanFrom = m.next
	}
	if acked > m.acked {
		var buf [16]byte
		binary.LittleEndian.PutUint64(buf[:8], acked)
		binary.LittleEndian.PutUint32(buf[8:12], crc32.Checksum(buf[:8], castagnoli))
		binary.LittleEndian.PutUint32(buf[12:], ackMagic)
		if _, err := m.ackFile.WriteAt(buf[:], 0); err != nil {
			return fmt.Errorf("delivery: writing the ack offset: %w", err)
		}
		// The ack offset is fsynced at close and by syncIfDirty, not per
		// commit: losing it in a power cut redelivers, never loses.
		m.ackDirty = true
		m.acked = acked
	}
	for len(m.segs) > 1 && m.segs[0].last <= m.acked {
		seg := m.segs[0]
		seg.f.Close()
		if err := os.Remove(seg.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			m.log.WithError(err).Warn("could not delete an acknowledged segment")
		}
		m.segs = m.segs[1:]
	}
	return nil
}

// depth returns how many entries wait (available or leased) and their bytes.
func (m *mailbox) depth() (int, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.count, m.bytes
}

// replay appends dead letters back to the queue and removes them from the
// dead-letter list once the appends are durable.
func (m *mailbox) replay(ids []uint64) (int, error) {
	dls := m.dl.get(ids)
	var gen uint64
	for _, d := range dls {
		_, g, err := m.append(d.Body, d.Stamp)
		if err != nil {
			return 0, err
		}
		gen = g
	}
	if err := m.waitDurable(gen); err != nil {
		return 0, err
	}
	done := make([]uint64, 0, len(dls))
	for _, d := range dls {
		done = append(done, d.ID)
	}
	if err := m.dl.drop(done); err != nil {
		return 0, err
	}
	return len(dls), nil
}

func (m *mailbox) closeFiles() {
	for _, s := range m.segs {
		s.f.Close()
	}
	if m.ackFile != nil {
		m.ackFile.Close()
	}
	if m.dl != nil {
		m.dl.close()
	}
}

// close syncs and closes the mailbox's files. It is idempotent.
func (m *mailbox) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	var err error
	if !m.cfg.NoSync() && len(m.segs) > 0 {
		err = errors.Join(m.segs[len(m.segs)-1].f.Sync(), m.ackFile.Sync())
	}
	m.closeFiles()
	return err
}

// destroy closes the mailbox and deletes its directory.
func (m *mailbox) destroy() error {
	_ = m.close()
	return os.RemoveAll(m.dir)
}

// syncDir fsyncs a directory so that file creations and renames in it last.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func max64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}
