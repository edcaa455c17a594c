package quadstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/intermw/intermw/ontology/rdf"
)

// The on-disk encoding shared by WAL records and snapshot files. Terms are
// written self-contained (no dictionary IDs, which are process-local):
//
//	term  = kind:byte value:string [datatype:string lang:string]  (last two for literals)
//	string = uvarint length, bytes
//
// A block of quads is preceded by the terms it uses, and each quad refers to
// them by index: s, p, o as uvarint indexes, g as 0 for the default graph or
// index+1.

// errShort reports input that ends inside an item.
var errShort = errors.New("unexpected end of data")

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTerm(b []byte, t rdf.Term) []byte {
	b = append(b, byte(t.Kind))
	b = appendString(b, t.Value)
	if t.Kind == rdf.KindLiteral {
		b = appendString(b, t.Datatype)
		b = appendString(b, t.Lang)
	}
	return b
}

// decoder reads the encoding above; the first error sticks. Strings it
// returns alias the input (no copy): callers intern them into the
// dictionary, which copies, and must not keep them.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = fmt.Errorf("at byte %d: %w", d.off, err)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail(errShort)
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail(errShort)
		return ""
	}
	if n == 0 {
		return ""
	}
	s := unsafe.String(&d.b[d.off], int(n))
	d.off += int(n)
	return s
}

func (d *decoder) term() rdf.Term {
	k := rdf.Kind(d.byte())
	t := rdf.Term{Kind: k, Value: d.string()}
	switch k {
	case rdf.KindIRI, rdf.KindBlank:
	case rdf.KindLiteral:
		t.Datatype = d.string()
		t.Lang = d.string()
	default:
		d.fail(fmt.Errorf("bad term kind %d", k))
	}
	return t
}

// count reads a uvarint count of items each at least minSize bytes long and
// rejects counts the remaining input cannot hold (so a corrupt count cannot
// cause a huge allocation).
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)-d.off)/uint64(minSize) {
		d.fail(fmt.Errorf("count %d exceeds the data", n))
		return 0
	}
	return int(n)
}

// termTable assigns file-local indexes to dictionary IDs while encoding.
type termTable struct {
	local map[uint32]uint32
	ids   []uint32
}

func newTermTable(hint int) *termTable {
	return &termTable{local: make(map[uint32]uint32, hint)}
}

// index returns the local index of a term ID (the default graph is not a
// term; callers handle it).
func (tt *termTable) index(id uint32) uint32 {
	if i, ok := tt.local[id]; ok {
		return i
	}
	i := uint32(len(tt.ids))
	tt.local[id] = i
	tt.ids = append(tt.ids, id)
	return i
}

// appendQuad appends q's local indexes.
func (tt *termTable) appendQuad(b []byte, q [4]uint32) []byte {
	b = binary.AppendUvarint(b, uint64(tt.index(q[posS])))
	b = binary.AppendUvarint(b, uint64(tt.index(q[posP])))
	b = binary.AppendUvarint(b, uint64(tt.index(q[posO])))
	g := uint64(0)
	if q[posG] != uint32(DefaultGraph) {
		g = uint64(tt.index(q[posG])) + 1
	}
	return binary.AppendUvarint(b, g)
}

// appendTerms appends the count and the encoding of every term in the table.
func (tt *termTable) appendTerms(b []byte, dict *dictionary) []byte {
	b = binary.AppendUvarint(b, uint64(len(tt.ids)))
	for _, id := range tt.ids {
		b = appendTerm(b, dict.term(id))
	}
	return b
}

// readQuad reads one quad of local indexes into dictionary IDs.
func (d *decoder) readQuad(ids []uint32) (q [4]uint32) {
	for i := range 3 {
		v := d.uvarint()
		if v >= uint64(len(ids)) {
			d.fail(fmt.Errorf("term index %d out of range", v))
			return q
		}
		q[i] = ids[v]
	}
	g := d.uvarint()
	switch {
	case g == 0:
		q[posG] = uint32(DefaultGraph)
	case g-1 < uint64(len(ids)):
		q[posG] = ids[g-1]
	default:
		d.fail(fmt.Errorf("graph index %d out of range", g))
	}
	return q
}
