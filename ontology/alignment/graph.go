package alignment

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"strconv"
	"sync/atomic"

	"github.com/intermw/intermw/ontology/rdf"
)

// termID numbers the terms of one translation. 0 is no term (unbound).
// IDs 1..len(constTable.terms) are the compiled alignment's constants, so
// compiled patterns and templates refer to them without a lookup.
type termID = int32

// constTable interns the constants of every natively compiled cell of an
// alignment, once, at compile time. It is read-only afterwards and shared
// by concurrent translations.
type constTable struct {
	seed  maphash.Seed
	terms []rdf.Term // terms[0] is the zero Term
	index termIndex
}

func newConstTable() *constTable {
	return &constTable{seed: maphash.MakeSeed(), terms: []rdf.Term{{}}}
}

// hash is the hash of a normalized term in both the constant and the
// graph index: its value, kind and datatype length (terms that differ
// only in datatype or language tag collide, and are told apart by
// comparison).
func (c *constTable) hash(t rdf.Term) uint64 {
	return maphash.String(c.seed, t.Value) ^ (uint64(t.Kind)<<56|uint64(len(t.Datatype))<<32|uint64(len(t.Lang)))*0x9e3779b97f4a7c15
}

// id interns t (normalized) at compile time.
func (c *constTable) id(t rdf.Term) termID {
	t = t.Normalized()
	h := c.hash(t)
	if id, ok := c.index.find(h, t, c.terms[1:], 1); ok {
		return id
	}
	id := termID(len(c.terms))
	c.terms = append(c.terms, t)
	c.index.insert(h, id, 1)
	return id
}

// termIndex is an open-addressing hash index of term IDs: terms[id-base]
// is the term of id. The hashes are kept, to grow without rehashing and
// to compare cheaply before comparing terms.
type termIndex struct {
	slots  []int32  // id+1; 0 is empty
	hashes []uint64 // by id-base
}

func (ix *termIndex) find(h uint64, t rdf.Term, terms []rdf.Term, base termID) (termID, bool) {
	if len(ix.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(ix.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		v := ix.slots[i]
		if v == 0 {
			return 0, false
		}
		id := termID(v - 1)
		if ix.hashes[id-base] == h && terms[id-base] == t {
			return id, true
		}
	}
}

// insert adds id, whose hash is h; ids are added in order from base.
func (ix *termIndex) insert(h uint64, id, base termID) {
	ix.hashes = append(ix.hashes, h)
	if 2*len(ix.hashes) > len(ix.slots) {
		n := max(16, 2*len(ix.slots))
		for n < 2*len(ix.hashes) {
			n *= 2
		}
		ix.rehash(n, base)
		return
	}
	ix.place(h, id)
}

func (ix *termIndex) place(h uint64, id termID) {
	mask := uint64(len(ix.slots) - 1)
	i := h & mask
	for ix.slots[i] != 0 {
		i = (i + 1) & mask
	}
	ix.slots[i] = int32(id) + 1
}

func (ix *termIndex) rehash(n int, base termID) {
	if cap(ix.slots) >= n {
		ix.slots = ix.slots[:n]
		clear(ix.slots)
	} else {
		ix.slots = make([]int32, n)
	}
	for i, h := range ix.hashes {
		ix.place(h, base+termID(i))
	}
}

// reset empties the index, keeping its storage, sized for n terms.
func (ix *termIndex) reset(n int, base termID) {
	ix.hashes = ix.hashes[:0]
	size := 16
	for size < 2*n {
		size *= 2
	}
	ix.rehash(size, base)
}

// checkTriple reports whether t is valid RDF, as the engine's store
// checks what it loads.
func checkTriple(t rdf.Triple) error {
	var reason string
	switch {
	case t.S.Kind != rdf.KindIRI && t.S.Kind != rdf.KindBlank:
		reason = "subject must be an IRI or blank node"
	case t.P.Kind != rdf.KindIRI:
		reason = "predicate must be an IRI"
	case t.O.Kind != rdf.KindIRI && t.O.Kind != rdf.KindBlank && t.O.Kind != rdf.KindLiteral:
		reason = "object must be a term"
	default:
		return nil
	}
	return fmt.Errorf("%w: payload triple %s: %s", ErrInvalidPayload, t, reason)
}

// graph is the payload graph of one translation, indexed for the native
// executor: triples of term IDs in a slice, chained per predicate and per
// subject (head/next lists: adding a triple allocates nothing once the
// slices have grown). Deleted triples stay in the chains, marked dead.
// Payloads are small (tens to hundreds of triples), so a chain walk is
// cheaper than hashing.
type graph struct {
	consts *constTable
	blanks *blankSource
	nconst termID     // IDs below are constants
	terms  []rdf.Term // the other terms: ID nconst+i is terms[i]
	local  termIndex  // of terms

	ts    []gtriple
	headP []int32 // by term ID: 1 + index of the first triple with that predicate; 0 none
	headS []int32 // by term ID: 1 + index of the first triple with that subject
	cntP  []int32 // by term ID: live triples with that predicate
	lenP  []int32 // by term ID: length of the predicate's chain (dead ones too)
	lenS  []int32 // by term ID: length of the subject's chain
	live  int
	heads []int32 // the storage the by-term slices start in, kept for reuse
	// set indexes the live triples once the graph is large, where a
	// chain walk could grow long; nil before.
	set map[[3]termID]int32
}

type gtriple struct {
	s, p, o      termID
	nextP, nextS int32 // 1 + index of the next triple in the chain; 0 ends it
	dead         bool
}

// newGraph interns payload into a graph. Duplicate triples collapse, as
// in the engine's store; an invalid triple is an error.
func newGraph(consts *constTable, blanks *blankSource, payload []rdf.Triple) (*graph, error) {
	g := &graph{}
	if err := g.init(consts, blanks, payload); err != nil {
		return nil, err
	}
	return g, nil
}

// init makes g the graph of payload, reusing g's storage.
func (g *graph) init(consts *constTable, blanks *blankSource, payload []rdf.Triple) error {
	nt := len(consts.terms)
	terms, ts, heads := g.terms, g.ts, g.heads
	clear(terms[:cap(terms)]) // drop the previous payload's strings
	if want := 2*len(payload) + 8; cap(terms) < want {
		terms = make([]rdf.Term, 0, want)
	}
	if want := 2*len(payload) + 16; cap(ts) < want {
		ts = make([]gtriple, 0, want)
	}
	n := nt + cap(terms)
	if cap(heads) < 5*n {
		heads = make([]int32, 5*n)
	} else {
		heads = heads[:5*n]
		clear(heads)
	}
	local := g.local
	local.reset(cap(terms), termID(nt))
	*g = graph{
		local:  local,
		consts: consts,
		blanks: blanks,
		nconst: termID(nt),
		terms:  terms[:0],
		ts:     ts[:0],
		heads:  heads,
		headP:  heads[:n:n],
		headS:  heads[n : 2*n : 2*n],
		cntP:   heads[2*n : 3*n : 3*n],
		lenP:   heads[3*n : 4*n : 4*n],
		lenS:   heads[4*n : 5*n : 5*n],
	}
	for _, t := range payload {
		if err := checkTriple(t); err != nil {
			return err
		}
		g.add(g.intern(t.S), g.intern(t.P), g.intern(t.O))
	}
	return nil
}

// intern returns the ID of t, normalized, adding it when new.
func (g *graph) intern(t rdf.Term) termID {
	t = t.Normalized()
	h := g.consts.hash(t)
	if id, ok := g.consts.index.find(h, t, g.consts.terms[1:], 1); ok {
		return id
	}
	if id, ok := g.local.find(h, t, g.terms, g.nconst); ok {
		return id
	}
	id := g.newTerm(t)
	g.local.insert(h, id, g.nconst)
	return id
}

// term returns the term of id.
func (g *graph) term(id termID) rdf.Term {
	if id < g.nconst {
		return g.consts.terms[id]
	}
	return g.terms[id-g.nconst]
}

// newTerm appends a term, which the caller then indexes.
func (g *graph) newTerm(t rdf.Term) termID {
	id := g.nconst + termID(len(g.terms))
	g.terms = append(g.terms, t)
	if len(g.headP) <= int(id) {
		g.headP = append(g.headP, 0)
		g.headS = append(g.headS, 0)
		g.cntP = append(g.cntP, 0)
		g.lenP = append(g.lenP, 0)
		g.lenS = append(g.lenS, 0)
	}
	return id
}

// largeGraph is the number of triples from which find hashes.
const largeGraph = 256

// find returns the index of the live triple (s, p, o), or -1.
func (g *graph) find(s, p, o termID) int {
	if g.set != nil {
		if i, ok := g.set[[3]termID{s, p, o}]; ok {
			return int(i)
		}
		return -1
	}
	if g.lenS[s] <= g.lenP[p] {
		for i := g.headS[s]; i != 0; i = g.ts[i-1].nextS {
			t := &g.ts[i-1]
			if t.p == p && t.o == o && !t.dead {
				return int(i - 1)
			}
		}
		return -1
	}
	for i := g.headP[p]; i != 0; i = g.ts[i-1].nextP {
		t := &g.ts[i-1]
		if t.s == s && t.o == o && !t.dead {
			return int(i - 1)
		}
	}
	return -1
}

// add inserts the triple unless it is there.
func (g *graph) add(s, p, o termID) {
	if g.find(s, p, o) >= 0 {
		return
	}
	i := int32(len(g.ts)) + 1
	g.ts = append(g.ts, gtriple{s: s, p: p, o: o, nextP: g.headP[p], nextS: g.headS[s]})
	g.headP[p] = i
	g.headS[s] = i
	g.cntP[p]++
	g.lenP[p]++
	g.lenS[s]++
	g.live++
	switch {
	case g.set != nil:
		g.set[[3]termID{s, p, o}] = i - 1
	case len(g.ts) >= largeGraph:
		g.set = make(map[[3]termID]int32, 2*len(g.ts))
		for j := range g.ts {
			if t := &g.ts[j]; !t.dead {
				g.set[[3]termID{t.s, t.p, t.o}] = int32(j)
			}
		}
	}
}

// remove deletes the triple at index i.
func (g *graph) remove(i int) {
	t := &g.ts[i]
	if t.dead {
		return
	}
	t.dead = true
	if g.set != nil {
		delete(g.set, [3]termID{t.s, t.p, t.o})
	}
	g.cntP[t.p]--
	g.live--
}

// triples returns the live triples, in insertion order.
func (g *graph) triples() []rdf.Triple {
	out := make([]rdf.Triple, 0, g.live)
	for i := range g.ts {
		t := &g.ts[i]
		if !t.dead {
			out = append(out, rdf.Triple{S: g.term(t.s), P: g.term(t.p), O: g.term(t.o)})
		}
	}
	return out
}

// blankSource labels the blank nodes entity2 creates: a random prefix
// per compiled alignment and a counter, so labels never repeat and no
// payload written by anyone else holds them.
type blankSource struct {
	prefix string
	seq    atomic.Uint64
}

func newBlankSource() *blankSource {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &blankSource{prefix: "n" + hex.EncodeToString(b[:]) + "x"}
}

// freshBlank adds a new blank node no payload can contain.
func (g *graph) freshBlank() termID {
	n := g.blanks.seq.Add(1)
	t := rdf.Blank(g.blanks.prefix + strconv.FormatUint(n, 36))
	id := g.newTerm(t)
	g.local.insert(g.consts.hash(t), id, g.nconst)
	return id
}
