package delivery

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"sync"
	"time"
)

// Why an entry was dead-lettered.
const (
	// ReasonOverflow: the mailbox passed MaxBytesPerClient and this was
	// among its oldest entries.
	ReasonOverflow = "overflow"
	// ReasonPushFailed: push gave up after Push.MaxAttempts attempts.
	ReasonPushFailed = "push-failed"
	// ReasonUnrenderable: the entry could not be rendered in the client's
	// format.
	ReasonUnrenderable = "unrenderable"
)

const dlName = "deadletters.log"

// DeadLetter is a message taken out of a client's queue: kept, listed,
// replayable, never silently dropped.
type DeadLetter struct {
	ID       uint64    `json:"id"`
	Seq      uint64    `json:"seq"` // its seq in the mailbox it left
	Reason   string    `json:"reason"`
	Detail   string    `json:"detail,omitempty"` // the last error, for push
	Attempts int       `json:"attempts,omitempty"`
	At       time.Time `json:"at"`
	Stamp    int64     `json:"stamp,omitempty"` // dateTimeStamp, Unix ns
	// Body is the message's canonical JSON-LD.
	Body []byte `json:"body"`
}

// deadLetters is one client's dead-letter list: an append-only log of
// additions and removals (the mailbox framing: length, CRC-32C, body; the
// body is 'A' + a JSON DeadLetter or 'D' + a JSON list of IDs), held in
// memory and rewritten when mostly dead.
type deadLetters struct {
	path   string
	max    int
	noSync bool

	mu      sync.Mutex
	f       *os.File
	size    int64
	list    []DeadLetter // by ID
	nextID  uint64
	dropped int // removed because the list was full
}

func openDeadLetters(path string, max int, noSync bool) (*deadLetters, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	d := &deadLetters{path: path, max: max, noSync: noSync, f: f, nextID: 1}
	r := bufio.NewReader(f)
	var off int64
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			break
		}
		n := binary.LittleEndian.Uint32(hdr[:4])
		if n == 0 || n > maxEntryBody {
			break
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil || crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(hdr[4:]) {
			break
		}
		switch body[0] {
		case 'A':
			var dl DeadLetter
			if json.Unmarshal(body[1:], &dl) == nil {
				d.list = append(d.list, dl)
				d.nextID = max64(d.nextID, dl.ID+1)
			}
		case 'D':
			var ids []uint64
			if json.Unmarshal(body[1:], &ids) == nil {
				d.removeLocked(ids)
			}
		}
		off += 8 + int64(n)
	}
	// Start every run from a compact log with the live entries only.
	if err := d.rewriteLocked(); err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

func dlFrame(op byte, v any) ([]byte, error) {
	arg, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 9+len(arg))
	buf[8] = op
	copy(buf[9:], arg)
	binary.LittleEndian.PutUint32(buf[:4], uint32(len(arg)+1))
	binary.LittleEndian.PutUint32(buf[4:8], crc32.Checksum(buf[8:], castagnoli))
	return buf, nil
}

func (d *deadLetters) writeLocked(fr []byte) error {
	if _, err := d.f.Write(fr); err != nil {
		_ = d.f.Truncate(d.size)
		_, _ = d.f.Seek(d.size, io.SeekStart)
		return fmt.Errorf("delivery: dead-letter log: %w", err)
	}
	d.size += int64(len(fr))
	if !d.noSync {
		if err := d.f.Sync(); err != nil {
			return fmt.Errorf("delivery: dead-letter log: %w", err)
		}
	}
	return nil
}

// add appends dead letters (assigning IDs and times), dropping the oldest
// beyond the limit; it returns how many were dropped.
func (d *deadLetters) add(dls []DeadLetter) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var buf []byte
	now := time.Now().UTC()
	for i := range dls {
		dls[i].ID = d.nextID
		d.nextID++
		if dls[i].At.IsZero() {
			dls[i].At = now
		}
		fr, err := dlFrame('A', dls[i])
		if err != nil {
			return err
		}
		buf = append(buf, fr...)
	}
	if err := d.writeLocked(buf); err != nil {
		return err
	}
	d.list = append(d.list, dls...)
	if over := len(d.list) - d.max; over > 0 {
		ids := make([]uint64, 0, over)
		for _, dl := range d.list[:over] {
			ids = append(ids, dl.ID)
		}
		d.dropped += over
		return d.dropLocked(ids)
	}
	return nil
}

func (d *deadLetters) removeLocked(ids []uint64) int {
	n := len(d.list)
	d.list = slices.DeleteFunc(d.list, func(dl DeadLetter) bool { return slices.Contains(ids, dl.ID) })
	return n - len(d.list)
}

func (d *deadLetters) dropLocked(ids []uint64) error {
	if d.removeLocked(ids) == 0 {
		return nil
	}
	fr, err := dlFrame('D', ids)
	if err != nil {
		return err
	}
	if err := d.writeLocked(fr); err != nil {
		return err
	}
	if d.size > 1<<20 && int64(len(d.list))*1024 < d.size/8 {
		return d.rewriteLocked()
	}
	return nil
}

// drop removes dead letters by ID (all when ids is nil) and returns how
// many it removed.
func (d *deadLetters) drop(ids []uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ids == nil {
		for _, dl := range d.list {
			ids = append(ids, dl.ID)
		}
	}
	return d.dropLocked(ids)
}

// rewriteLocked writes the live list to a fresh log and renames it over.
func (d *deadLetters) rewriteLocked() error {
	tmp := d.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	w := bufio.NewWriter(f)
	var size int64
	for _, dl := range d.list {
		fr, err := dlFrame('A', dl)
		if err != nil {
			f.Close()
			return err
		}
		w.Write(fr)
		size += int64(len(fr))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("delivery: %w", err)
	}
	if !d.noSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("delivery: %w", err)
		}
	}
	if err := os.Rename(tmp, d.path); err != nil {
		f.Close()
		return fmt.Errorf("delivery: %w", err)
	}
	d.f.Close()
	d.f, d.size = f, size
	return nil
}

func (d *deadLetters) snapshot() ([]DeadLetter, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.list), d.dropped
}

func (d *deadLetters) get(ids []uint64) []DeadLetter {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []DeadLetter
	for _, dl := range d.list {
		if ids == nil || slices.Contains(ids, dl.ID) {
			out = append(out, dl)
		}
	}
	return out
}

func (d *deadLetters) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.list)
}

func (d *deadLetters) close() { d.f.Close() }

func (d *deadLetters) snapshotCounts() (int, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.list), d.dropped
}
