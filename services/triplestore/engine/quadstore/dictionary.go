package quadstore

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/bits"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/intermw/intermw/ontology/rdf"
)

// ID names a term inside one Store. IDs are process-local: they are never
// written to disk, and a reopened store may number its terms differently.
type ID uint64

// Reserved IDs.
const (
	// None is no term; in a Match pattern it is a wildcard.
	None ID = 0
	// DefaultGraph names the default graph in the graph position.
	DefaultGraph ID = 1
)

// firstTermID is the first ID handed to a real term.
const firstTermID = 2

// maxTermID bounds the dictionary: internally IDs are uint32.
const maxTermID = math.MaxUint32 - 1

// Tags of the dictionary's term encoding (the first byte of an encoded term).
const (
	tagIRI       byte = 1 // rest: the IRI
	tagBlank     byte = 2 // rest: the label
	tagTyped     byte = 3 // rest: uvarint datatype index, lexical form
	tagLang      byte = 4 // rest: uvarint len(lang), lang, lexical form
	tagTypedText byte = 5 // rest: uvarint len(datatype), datatype, lexical form
)

// maxDatatypes bounds the datatype table; further datatypes are stored inline.
const maxDatatypes = 1024

// dictionary maps terms to IDs and back. Terms are encoded once into
// append-only byte arenas; the ID → term table and the term → ID hash table
// refer into those arenas. Writers are serialised by mu; readers (Term,
// lookup) take no lock: everything they read is either immutable once
// published or read with atomic operations.
type dictionary struct {
	mu sync.Mutex // serialises inserts

	seed maphash.Seed

	// pages holds, for each ID, where its encoded term sits: chunk<<32 |
	// offset. Page p holds pageBase<<p entries, so small dictionaries stay
	// small. Entries hold no pointers, so the garbage collector never scans
	// them.
	pages atomic.Pointer[[][]uint64]
	// chunks are the arenas. In a chunk, each term is a uvarint length
	// followed by the encoded term. Chunk bytes are never modified once
	// written.
	chunks atomic.Pointer[[][]byte]
	next   atomic.Uint32 // next ID to assign (writer-owned, read by stats)

	table atomic.Pointer[hashTable]

	dts atomic.Pointer[datatypeTable]

	// arena is the chunk currently being filled (writer-owned).
	arena     []byte
	arenaIdx  int // its index in chunks
	arenaUsed int
	arenaSize int // bytes held by all chunks (stats)
}

const (
	pageBaseBits = 6
	pageBase     = 1 << pageBaseBits
	minChunk     = 1 << 10
	maxChunk     = 1 << 20
)

// hashTable is an open-addressing table of slots hash-high-32 | ID.
// Slots are read and written atomically so lookups need no lock.
type hashTable struct {
	slots []uint64
	mask  uint64
	used  int
}

type datatypeTable struct {
	names []string
	index map[string]uint32
}

func newDictionary() *dictionary {
	d := &dictionary{seed: maphash.MakeSeed()}
	pages := [][]uint64{make([]uint64, pageBase)}
	d.pages.Store(&pages)
	chunks := [][]byte{}
	d.chunks.Store(&chunks)
	d.next.Store(firstTermID)
	d.table.Store(&hashTable{slots: make([]uint64, 32), mask: 31})
	d.dts.Store(initialDatatypes)
	return d
}

// initialDatatypes is the datatype table every dictionary starts from. It
// is never modified (adding a datatype copies the table), so dictionaries
// can share it.
var initialDatatypes = &datatypeTable{
	names: []string{rdf.XSDString, rdf.XSDInteger, rdf.XSDDecimal, rdf.XSDDouble, rdf.XSDBoolean, rdf.XSDDateTime, rdf.XSDFloat},
	index: map[string]uint32{rdf.XSDString: 0, rdf.XSDInteger: 1, rdf.XSDDecimal: 2, rdf.XSDDouble: 3, rdf.XSDBoolean: 4, rdf.XSDDateTime: 5, rdf.XSDFloat: 6},
}

// pagePos returns the page and offset of id.
func pagePos(id uint32) (int, int) {
	v := uint64(id) + pageBase
	p := bits.Len64(v) - pageBaseBits - 1
	return p, int(v - pageBase<<p)
}

// encoded returns the encoded form of id, or "" for reserved or unknown IDs.
func (d *dictionary) encoded(id uint32) string {
	if id < firstTermID {
		return ""
	}
	p, off := pagePos(id)
	pages := *d.pages.Load()
	if p >= len(pages) {
		return ""
	}
	e := pages[p][off]
	if e == 0 {
		return "" // not assigned (offset 0 of chunk 0 is never a term's start)
	}
	ch := (*d.chunks.Load())[e>>32]
	o := int(uint32(e))
	n, k := binary.Uvarint(ch[o:])
	return unsafe.String(&ch[o+k], int(n))
}

// term decodes the term of id; reserved and unknown IDs give the zero Term.
func (d *dictionary) term(id uint32) rdf.Term {
	return d.decode(d.encoded(id))
}

func (d *dictionary) decode(s string) rdf.Term {
	if s == "" {
		return rdf.Term{}
	}
	switch s[0] {
	case tagIRI:
		return rdf.Term{Kind: rdf.KindIRI, Value: s[1:]}
	case tagBlank:
		return rdf.Term{Kind: rdf.KindBlank, Value: s[1:]}
	case tagTyped:
		idx, n := uvarintString(s[1:])
		dts := d.dts.Load()
		return rdf.Term{Kind: rdf.KindLiteral, Value: s[1+n:], Datatype: dts.names[idx]}
	case tagLang:
		l, n := uvarintString(s[1:])
		start := 1 + n
		return rdf.Term{Kind: rdf.KindLiteral, Lang: s[start : start+int(l)], Value: s[start+int(l):], Datatype: rdf.RDFLangString}
	case tagTypedText:
		l, n := uvarintString(s[1:])
		start := 1 + n
		return rdf.Term{Kind: rdf.KindLiteral, Datatype: s[start : start+int(l)], Value: s[start+int(l):]}
	}
	return rdf.Term{}
}

// Normalize returns t in the form the store keeps it (and Term returns it):
// IRIs and blank nodes carry no datatype or language; a literal with an
// empty datatype is an xsd:string; a language tag is lower-cased and its
// literal has datatype rdf:langString.
func Normalize(t rdf.Term) rdf.Term { return normalize(t) }

func normalize(t rdf.Term) rdf.Term { return t.Normalized() }

// appendEncoding appends the canonical encoding of t to b. ok is false when
// t's datatype is not in the table (and the table is not full), which for a
// lookup means the term cannot exist; dtMissing then says so.
func (d *dictionary) appendEncoding(b []byte, t rdf.Term) (out []byte, dtMissing bool) {
	switch t.Kind {
	case rdf.KindIRI:
		b = append(b, tagIRI)
		return append(b, t.Value...), false
	case rdf.KindBlank:
		b = append(b, tagBlank)
		return append(b, t.Value...), false
	case rdf.KindLiteral:
		t = normalize(t)
		if t.Lang != "" {
			b = append(b, tagLang)
			b = binary.AppendUvarint(b, uint64(len(t.Lang)))
			b = append(b, t.Lang...)
			return append(b, t.Value...), false
		}
		dts := d.dts.Load()
		if idx, ok := dts.index[t.Datatype]; ok {
			b = append(b, tagTyped)
			b = binary.AppendUvarint(b, uint64(idx))
			return append(b, t.Value...), false
		}
		if len(dts.names) < maxDatatypes {
			return b, true
		}
		b = append(b, tagTypedText)
		b = binary.AppendUvarint(b, uint64(len(t.Datatype)))
		b = append(b, t.Datatype...)
		return append(b, t.Value...), false
	}
	return b, true
}

// lookup returns the ID of t without allocating it.
func (d *dictionary) lookup(t rdf.Term) (uint32, bool) {
	var buf [192]byte
	enc, missing := d.appendEncoding(buf[:0], t)
	if missing {
		return 0, false
	}
	return d.lookupEncoded(enc, maphash.Bytes(d.seed, enc))
}

func (d *dictionary) lookupEncoded(enc []byte, h uint64) (uint32, bool) {
	tab := d.table.Load()
	hi := h >> 32
	for i := h & tab.mask; ; i = (i + 1) & tab.mask {
		slot := atomic.LoadUint64(&tab.slots[i])
		if slot == 0 {
			return 0, false
		}
		if slot>>32 == hi {
			id := uint32(slot)
			if d.encoded(id) == string(enc) {
				return id, true
			}
		}
	}
}

// intern returns the ID of t, assigning one if t is new. ok is false when
// the dictionary is full or t is not a term. The term is encoded and
// hashed once; the lock is taken only for a new term.
func (d *dictionary) intern(t rdf.Term) (uint32, bool) {
	if t.Kind < rdf.KindIRI || t.Kind > rdf.KindLiteral {
		return 0, false
	}
	var buf [192]byte
	enc, missing := d.appendEncoding(buf[:0], t)
	if missing { // a new datatype: the slow path adds it
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.internLocked(t)
	}
	// An encoding without a missing datatype stays canonical: datatypes
	// keep their index once added and the table never shrinks.
	h := maphash.Bytes(d.seed, enc)
	if id, ok := d.lookupEncoded(enc, h); ok {
		return id, true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.lookupEncoded(enc, h); ok {
		return id, true
	}
	return d.insertLocked(enc, h)
}

func (d *dictionary) internLocked(t rdf.Term) (uint32, bool) {
	if t.Kind < rdf.KindIRI || t.Kind > rdf.KindLiteral {
		return 0, false
	}
	var buf [192]byte
	enc, missing := d.appendEncoding(buf[:0], t)
	if missing {
		d.addDatatype(normalize(t).Datatype)
		enc, _ = d.appendEncoding(buf[:0], t)
	}
	h := maphash.Bytes(d.seed, enc)
	if id, ok := d.lookupEncoded(enc, h); ok {
		return id, true
	}
	return d.insertLocked(enc, h)
}

func (d *dictionary) addDatatype(dt string) {
	old := d.dts.Load()
	if _, ok := old.index[dt]; ok || len(old.names) >= maxDatatypes {
		return
	}
	nt := &datatypeTable{
		names: append(old.names[:len(old.names):len(old.names)], strings.Clone(dt)),
		index: make(map[string]uint32, len(old.index)+1),
	}
	for k, v := range old.index {
		nt.index[k] = v
	}
	nt.index[nt.names[len(nt.names)-1]] = uint32(len(nt.names) - 1)
	d.dts.Store(nt)
}

// insertLocked stores enc as a new term. Caller holds mu and has checked
// that enc is absent.
func (d *dictionary) insertLocked(enc []byte, h uint64) (uint32, bool) {
	id := d.next.Load()
	if id > maxTermID {
		return 0, false
	}
	e := d.store(enc)
	p, off := pagePos(id)
	pages := *d.pages.Load()
	if p >= len(pages) {
		np := make([][]uint64, p+1)
		copy(np, pages)
		np[p] = make([]uint64, pageBase<<p)
		d.pages.Store(&np)
		pages = np
	}
	pages[p][off] = e
	d.next.Store(id + 1)

	tab := d.table.Load()
	if (tab.used+1)*4 > len(tab.slots)*3 {
		tab = d.grow(tab)
	}
	slot := h>>32<<32 | uint64(id)
	for i := h & tab.mask; ; i = (i + 1) & tab.mask {
		if tab.slots[i] == 0 {
			atomic.StoreUint64(&tab.slots[i], slot)
			break
		}
	}
	tab.used++
	return id, true
}

// grow publishes a table twice the size holding every term.
func (d *dictionary) grow(old *hashTable) *hashTable {
	n := len(old.slots) * 2
	nt := &hashTable{slots: make([]uint64, n), mask: uint64(n - 1), used: old.used}
	for _, slot := range old.slots {
		if slot == 0 {
			continue
		}
		h := maphash.String(d.seed, d.encoded(uint32(slot)))
		for i := h & nt.mask; ; i = (i + 1) & nt.mask {
			if nt.slots[i] == 0 {
				nt.slots[i] = slot
				break
			}
		}
	}
	d.table.Store(nt)
	return nt
}

// store copies enc, length-prefixed, into the arena and returns its
// position as chunk<<32 | offset. No term is stored at position 0, which
// marks an unassigned ID.
func (d *dictionary) store(enc []byte) uint64 {
	need := binary.MaxVarintLen32 + len(enc)
	if need > maxChunk/4 {
		// A large term gets a chunk of its own; the arena stays current.
		chunk := make([]byte, 1+need)
		idx := d.addChunk(chunk)
		n := binary.PutUvarint(chunk[1:], uint64(len(enc)))
		copy(chunk[1+n:], enc)
		return uint64(idx)<<32 | 1
	}
	if need > len(d.arena)-d.arenaUsed {
		chunk := make([]byte, max(minChunk, min(maxChunk, 2*len(d.arena)), need+1))
		d.arena, d.arenaIdx, d.arenaUsed = chunk, d.addChunk(chunk), 1
	}
	o := d.arenaUsed
	n := binary.PutUvarint(d.arena[o:], uint64(len(enc)))
	copy(d.arena[o+n:], enc)
	d.arenaUsed = o + n + len(enc)
	return uint64(d.arenaIdx)<<32 | uint64(o)
}

// addChunk publishes a new arena chunk and returns its index. Appending
// may reuse the directory's backing array: readers only index below the
// length they loaded, and the new element is written before the new
// length is published.
func (d *dictionary) addChunk(c []byte) int {
	old := *d.chunks.Load()
	nc := append(old, c)
	d.chunks.Store(&nc)
	d.arenaSize += len(c)
	return len(old)
}

// len returns the number of IDs assigned, reserved ones included.
func (d *dictionary) len() int { return int(d.next.Load()) }

// bytes estimates the dictionary's memory footprint.
func (d *dictionary) bytes() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := d.arenaSize
	for _, p := range *d.pages.Load() {
		n += len(p) * 8
	}
	return n + len(d.table.Load().slots)*8
}

// uvarintString decodes a uvarint at the start of s; n is 0 if s is too short.
func uvarintString(s string) (v uint64, n int) {
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			return v | uint64(c)<<shift, i + 1
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}
