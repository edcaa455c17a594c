package conversation

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// The log's framing: every record is a little-endian uint32 length of the
// body, a uint32 CRC-32C (Castagnoli) of the body, then the body: one
// operation byte (opPut, opDelete) and its argument (a JSON record, or the
// conversation ID).
const (
	logName       = "conversations.log"
	frameHeader   = 8
	opPut         = 'P'
	opDelete      = 'D'
	maxBodyBytes  = 16 << 20
	defaultMinLog = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// FileConfig configures a FileStore.
type FileConfig struct {
	// Dir is the directory that holds the log. Required; created if missing.
	Dir string
	// CompactMinBytes is the log size below which the log is never
	// compacted. Zero means 1 MiB. Above it, the log is rewritten with the
	// live records once they take less than a quarter of it.
	CompactMinBytes int64
	// NoSync skips fsync (tests and benchmarks only: a crash may lose
	// conversations).
	NoSync bool
	// Log receives lifecycle messages; nil discards them.
	Log logrus.FieldLogger
}

// Validate reports every problem with c.
func (c FileConfig) Validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, fmt.Errorf("%w: FileConfig.Dir is required", ErrInvalid))
	}
	if c.CompactMinBytes < 0 {
		errs = append(errs, fmt.Errorf("%w: FileConfig.CompactMinBytes must not be negative", ErrInvalid))
	}
	return errors.Join(errs...)
}

func (c FileConfig) withDefaults() FileConfig {
	if c.CompactMinBytes == 0 {
		c.CompactMinBytes = defaultMinLog
	}
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	return c
}

// FileStore is the all-in-one Store: an append-only, checksummed log in a
// directory, replayed on open.
type FileStore struct {
	cfg FileConfig

	mu        sync.Mutex
	f         *os.File
	size      int64 // bytes in the log
	liveBytes int64 // bytes the live records would take
	live      map[string]liveRec
	closed    bool
}

type liveRec struct {
	rec  Record
	size int64
}

// OpenFile opens (creating if needed) the log in cfg.Dir and replays it. A
// torn or corrupt tail (a crash mid-write) is cut off and logged; nothing
// before it is lost.
func OpenFile(cfg FileConfig) (*FileStore, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("conversation: %w", err)
	}
	path := filepath.Join(cfg.Dir, logName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("conversation: %w", err)
	}
	s := &FileStore{cfg: cfg, f: f, live: make(map[string]liveRec)}
	good, err := s.replay()
	if err != nil {
		f.Close()
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("conversation: %w", err)
	}
	if st.Size() != good {
		cfg.Log.WithFields(logrus.Fields{"file": path, "kept": good, "dropped": st.Size() - good}).
			Warn("conversation log had a torn tail; cut it off")
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, fmt.Errorf("conversation: %w", err)
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("conversation: %w", err)
	}
	s.size = good
	return s, nil
}

// replay reads the log and returns the offset after the last good frame.
func (s *FileStore) replay() (int64, error) {
	r := bufio.NewReaderSize(s.f, 64<<10)
	var off int64
	var hdr [frameHeader]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return off, nil // clean end or torn header
		}
		n := binary.LittleEndian.Uint32(hdr[0:4])
		sum := binary.LittleEndian.Uint32(hdr[4:8])
		if n == 0 || n > maxBodyBytes {
			return off, nil
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return off, nil
		}
		if crc32.Checksum(body, castagnoli) != sum {
			return off, nil
		}
		size := int64(frameHeader) + int64(n)
		switch body[0] {
		case opPut:
			var w wireRecord
			if err := json.Unmarshal(body[1:], &w); err != nil {
				return 0, fmt.Errorf("%w: record at offset %d: %v", ErrCorrupt, off, err)
			}
			s.apply(w.record(), size)
		case opDelete:
			s.remove(string(body[1:]))
		default:
			return 0, fmt.Errorf("%w: unknown operation %q at offset %d", ErrCorrupt, body[0], off)
		}
		off += size
	}
}

func (s *FileStore) apply(r Record, size int64) {
	if old, ok := s.live[r.ConversationID]; ok {
		s.liveBytes -= old.size
	}
	s.live[r.ConversationID] = liveRec{rec: r, size: size}
	s.liveBytes += size
}

func (s *FileStore) remove(id string) {
	if old, ok := s.live[id]; ok {
		s.liveBytes -= old.size
		delete(s.live, id)
	}
}

// wireRecord is a Record as the log and the triplestore store it.
type wireRecord struct {
	ConversationID  string    `json:"id"`
	ClientID        string    `json:"client"`
	Kind            string    `json:"kind"`
	ExpectedReplies int       `json:"expected,omitempty"`
	RepliedBy       []string  `json:"repliedBy,omitempty"`
	CreatedAt       time.Time `json:"created"`
	Deadline        time.Time `json:"deadline,omitzero"`
	PlatformIDs     []string  `json:"platforms,omitempty"`
}

func toWire(r Record) wireRecord {
	return wireRecord{
		ConversationID: r.ConversationID, ClientID: r.ClientID, Kind: r.Kind.String(),
		ExpectedReplies: r.ExpectedReplies, RepliedBy: r.RepliedBy, CreatedAt: r.CreatedAt,
		Deadline: r.Deadline, PlatformIDs: r.PlatformIDs,
	}
}

func (w wireRecord) record() Record {
	k, _ := ParseKind(w.Kind)
	return Record{
		ConversationID: w.ConversationID, ClientID: w.ClientID, Kind: k,
		ExpectedReplies: w.ExpectedReplies, Received: len(w.RepliedBy), RepliedBy: w.RepliedBy,
		CreatedAt: w.CreatedAt, Deadline: w.Deadline, PlatformIDs: w.PlatformIDs,
	}
}

func frame(op byte, arg []byte) []byte {
	buf := make([]byte, frameHeader+1+len(arg))
	body := buf[frameHeader:]
	body[0] = op
	copy(body[1:], arg)
	binary.LittleEndian.PutUint32(buf[0:4], uint32(len(body)))
	binary.LittleEndian.PutUint32(buf[4:8], crc32.Checksum(body, castagnoli))
	return buf
}

// Put implements Store.
func (s *FileStore) Put(ctx context.Context, r Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	arg, err := json.Marshal(toWire(r))
	if err != nil {
		return fmt.Errorf("conversation: %w", err)
	}
	fr := frame(opPut, arg)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.appendLocked(fr); err != nil {
		return err
	}
	s.apply(r.clone(), int64(len(fr)))
	return s.maybeCompactLocked()
}

// Delete implements Store.
func (s *FileStore) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live[id]; !ok {
		return nil
	}
	if err := s.appendLocked(frame(opDelete, []byte(id))); err != nil {
		return err
	}
	s.remove(id)
	return s.maybeCompactLocked()
}

// Get implements Store.
func (s *FileStore) Get(ctx context.Context, id string) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Record{}, os.ErrClosed
	}
	lr, ok := s.live[id]
	if !ok {
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return lr.rec.clone(), nil
}

// List implements Store.
func (s *FileStore) List(ctx context.Context) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, os.ErrClosed
	}
	out := make([]Record, 0, len(s.live))
	for _, lr := range s.live {
		out = append(out, lr.rec.clone())
	}
	return out, nil
}

func (s *FileStore) appendLocked(fr []byte) error {
	if s.closed {
		return os.ErrClosed
	}
	if _, err := s.f.Write(fr); err != nil {
		// Cut a partial write off so that the log stays well-formed.
		_ = s.f.Truncate(s.size)
		_, _ = s.f.Seek(s.size, io.SeekStart)
		return fmt.Errorf("conversation: writing the log: %w", err)
	}
	if !s.cfg.NoSync {
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("conversation: syncing the log: %w", err)
		}
	}
	s.size += int64(len(fr))
	return nil
}

// maybeCompactLocked rewrites the log with only the live records once it
// is big and mostly dead: write a temporary file, fsync it, rename it over
// the log, fsync the directory.
func (s *FileStore) maybeCompactLocked() error {
	if s.size < s.cfg.CompactMinBytes || s.liveBytes*4 > s.size {
		return nil
	}
	path := filepath.Join(s.cfg.Dir, logName)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("conversation: compacting: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	var size int64
	sizes := make(map[string]int64, len(s.live))
	for id, lr := range s.live {
		arg, err := json.Marshal(toWire(lr.rec))
		if err != nil {
			f.Close()
			return fmt.Errorf("conversation: compacting: %w", err)
		}
		fr := frame(opPut, arg)
		if _, err := w.Write(fr); err != nil {
			f.Close()
			return fmt.Errorf("conversation: compacting: %w", err)
		}
		size += int64(len(fr))
		sizes[id] = int64(len(fr))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("conversation: compacting: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("conversation: compacting: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		f.Close()
		return fmt.Errorf("conversation: compacting: %w", err)
	}
	syncDir(s.cfg.Dir)
	s.f.Close()
	s.f = f
	s.size = size
	s.liveBytes = size
	for id, n := range sizes {
		lr := s.live[id]
		lr.size = n
		s.live[id] = lr
	}
	s.cfg.Log.WithFields(logrus.Fields{"live": len(s.live), "bytes": size}).Debug("conversation log compacted")
	return nil
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Close closes the log. It is idempotent.
func (s *FileStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.f.Close()
}
