package quadstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// A snapshot file holds every quad of one state:
//
//	magic "IMWQSNP1"  seq:uvarint  terms  quads:uvarint {quad}  crc32c:uint32le  "QEND"
//
// The checksum covers everything before it. It is written to a temporary
// file, synced, renamed over the previous snapshot, and the directory is
// synced, so a crash leaves either the old or the new snapshot.

const (
	snapMagic   = "IMWQSNP1"
	snapTrailer = "QEND"
	snapName    = "snapshot.qs"
	tmpSuffix   = ".tmp"
)

// hashWriter feeds everything written through it to a CRC.
type hashWriter struct {
	w   io.Writer
	crc uint32
}

func (h *hashWriter) Write(p []byte) (int, error) {
	h.crc = crc32.Update(h.crc, castagnoli, p)
	return h.w.Write(p)
}

// writeSnapshotFile writes st to dir/snapshot.qs atomically.
func writeSnapshotFile(dir string, st *state, dict *dictionary, noSync bool) (err error) {
	path := filepath.Join(dir, snapName)
	tmp := path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	hw := &hashWriter{w: bw}
	sn := &Snapshot{st: st, dict: dict}

	// Pass 1: number the terms in order of first use.
	tt := newTermTable(1024)
	sn.Match(0, 0, 0, 0, func(q [4]ID) bool {
		for i, id := range q {
			if i != posG || id != DefaultGraph {
				tt.index(uint32(id))
			}
		}
		return true
	})
	var buf []byte
	buf = append(buf, snapMagic...)
	buf = binary.AppendUvarint(buf, st.seq)
	if _, err := hw.Write(buf); err != nil {
		return err
	}
	// Terms, written in batches to bound the buffer.
	if _, err := hw.Write(binary.AppendUvarint(nil, uint64(len(tt.ids)))); err != nil {
		return err
	}
	buf = buf[:0]
	for _, id := range tt.ids {
		buf = appendTerm(buf, dict.term(id))
		if len(buf) > 1<<16 {
			if _, err := hw.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	buf = binary.AppendUvarint(buf, uint64(st.n))
	// Pass 2: the quads.
	var werr error
	written := 0
	sn.Match(0, 0, 0, 0, func(q [4]ID) bool {
		buf = tt.appendQuad(buf, [4]uint32{uint32(q[0]), uint32(q[1]), uint32(q[2]), uint32(q[3])})
		written++
		if len(buf) > 1<<16 {
			_, werr = hw.Write(buf)
			buf = buf[:0]
		}
		return werr == nil
	})
	if werr != nil {
		return werr
	}
	if written != st.n {
		return fmt.Errorf("snapshot: wrote %d quads, state holds %d", written, st.n)
	}
	if _, err := hw.Write(buf); err != nil {
		return err
	}
	trailer := binary.LittleEndian.AppendUint32(nil, hw.crc)
	trailer = append(trailer, snapTrailer...)
	if _, err := bw.Write(trailer); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if !noSync {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if noSync {
		return nil
	}
	return syncDir(dir)
}

// snapshotContents is a loaded snapshot file.
type snapshotContents struct {
	seq   uint64
	quads [][4]uint32
}

// readSnapshotFile loads dir/snapshot.qs, interning its terms. A missing
// file is not an error (ok is false); a damaged one is a
// *CorruptSnapshotError.
func readSnapshotFile(dir string, dict *dictionary) (sc snapshotContents, ok bool, err error) {
	path := filepath.Join(dir, snapName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return sc, false, nil
	}
	if err != nil {
		return sc, false, err
	}
	corrupt := func(reason string) error { return &CorruptSnapshotError{Path: path, Reason: reason} }
	tail := len(snapTrailer) + 4
	if len(data) < len(snapMagic)+tail || string(data[:len(snapMagic)]) != snapMagic {
		return sc, false, corrupt("missing header")
	}
	if string(data[len(data)-len(snapTrailer):]) != snapTrailer {
		return sc, false, corrupt("missing trailer (truncated file?)")
	}
	body := data[:len(data)-tail]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(data)-tail:]) {
		return sc, false, corrupt("checksum mismatch")
	}
	d := &decoder{b: body, off: len(snapMagic)}
	sc.seq = d.uvarint()
	ids, err := readTerms(d, dict)
	if err != nil {
		return sc, false, corrupt(err.Error())
	}
	n := d.count(minQuadBytes)
	sc.quads = make([][4]uint32, 0, n)
	for range n {
		q := d.readQuad(ids)
		if d.err != nil {
			break
		}
		sc.quads = append(sc.quads, q)
	}
	if d.err == nil && d.off != len(body) {
		d.fail(errors.New("trailing bytes"))
	}
	if d.err != nil {
		return sc, false, corrupt(d.err.Error())
	}
	return sc, true, nil
}
