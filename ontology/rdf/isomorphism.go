package rdf

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
)

// IsomorphicGraphs reports whether a and b are the same graph up to a
// renaming of blank nodes. Duplicate triples are ignored.
func IsomorphicGraphs(a, b []Triple) bool {
	qa := make([]Quad, len(a))
	for i, t := range a {
		qa[i] = t.InGraph(Term{})
	}
	qb := make([]Quad, len(b))
	for i, t := range b {
		qb[i] = t.InGraph(Term{})
	}
	return IsomorphicDatasets(qa, qb)
}

// IsomorphicDatasets reports whether a and b are the same dataset up to a
// renaming of blank nodes (graph names included). Duplicate quads are ignored.
func IsomorphicDatasets(a, b []Quad) bool {
	a, b = dedupe(a), dedupe(b)
	if len(a) != len(b) {
		return false
	}
	groundA, blankA := splitGround(a)
	groundB, blankB := splitGround(b)
	if len(groundA) != len(groundB) || len(blankA) != len(blankB) {
		return false
	}
	for q := range groundA {
		if _, ok := groundB[q]; !ok {
			return false
		}
	}
	if len(blankA) == 0 {
		return true
	}
	ia, ib := newIsoSide(blankA), newIsoSide(blankB)
	if len(ia.nodes) != len(ib.nodes) {
		return false
	}
	return ia.search(ib, initialColours(ia), initialColours(ib), 0)
}

func dedupe(qs []Quad) []Quad {
	seen := make(map[Quad]struct{}, len(qs))
	out := make([]Quad, 0, len(qs))
	for _, q := range qs {
		if _, ok := seen[q]; ok {
			continue
		}
		seen[q] = struct{}{}
		out = append(out, q)
	}
	return out
}

func splitGround(qs []Quad) (map[Quad]struct{}, []Quad) {
	ground := make(map[Quad]struct{})
	var blank []Quad
	for _, q := range qs {
		if q.S.IsBlank() || q.O.IsBlank() || q.G.IsBlank() {
			blank = append(blank, q)
		} else {
			ground[q] = struct{}{}
		}
	}
	return ground, blank
}

type colour [16]byte

// isoSide indexes the blank-node quads of one dataset.
type isoSide struct {
	quads []Quad
	nodes []string       // blank labels
	index map[string]int // label -> node number
	occ   [][]int        // node -> quads it occurs in
}

func newIsoSide(quads []Quad) *isoSide {
	s := &isoSide{quads: quads, index: map[string]int{}}
	add := func(t Term, qi int) {
		if !t.IsBlank() {
			return
		}
		n, ok := s.index[t.Value]
		if !ok {
			n = len(s.nodes)
			s.index[t.Value] = n
			s.nodes = append(s.nodes, t.Value)
			s.occ = append(s.occ, nil)
		}
		if l := s.occ[n]; len(l) == 0 || l[len(l)-1] != qi {
			s.occ[n] = append(s.occ[n], qi)
		}
	}
	for i, q := range quads {
		add(q.S, i)
		add(q.O, i)
		add(q.G, i)
	}
	return s
}

func initialColours(s *isoSide) []colour {
	c := make([]colour, len(s.nodes))
	return c
}

func (s *isoSide) termKey(t Term, cols []colour) []byte {
	if t.IsBlank() {
		c := cols[s.index[t.Value]]
		return append([]byte{'b'}, c[:]...)
	}
	return []byte(t.String())
}

// refine runs colour refinement to a fixed point and returns the colours.
func (s *isoSide) refine(cols []colour) []colour {
	cur := append([]colour(nil), cols...)
	classes := countClasses(cur)
	for iter := 0; iter <= len(s.nodes); iter++ {
		next := make([]colour, len(cur))
		for n := range s.nodes {
			sigs := make([][]byte, 0, len(s.occ[n]))
			label := s.nodes[n]
			for _, qi := range s.occ[n] {
				q := s.quads[qi]
				var sig []byte
				for pos, t := range [4]Term{q.S, q.P, q.O, q.G} {
					if t.IsBlank() && t.Value == label {
						sig = append(sig, byte('0'+pos), '*')
					} else {
						sig = append(sig, byte('0'+pos))
						sig = append(sig, s.termKey(t, cur)...)
					}
					sig = append(sig, 0)
				}
				sigs = append(sigs, sig)
			}
			sort.Slice(sigs, func(i, j int) bool { return string(sigs[i]) < string(sigs[j]) })
			h := sha256.New()
			h.Write(cur[n][:])
			for _, sg := range sigs {
				var l [4]byte
				binary.BigEndian.PutUint32(l[:], uint32(len(sg)))
				h.Write(l[:])
				h.Write(sg)
			}
			copy(next[n][:], h.Sum(nil))
		}
		cur = next
		nc := countClasses(cur)
		if nc == classes {
			break
		}
		classes = nc
	}
	return cur
}

func countClasses(cols []colour) int {
	m := make(map[colour]struct{}, len(cols))
	for _, c := range cols {
		m[c] = struct{}{}
	}
	return len(m)
}

// search refines both sides, and where colours are ambiguous tries each
// candidate pairing, backtracking on failure.
func (a *isoSide) search(b *isoSide, ca, cb []colour, depth int) bool {
	ca, cb = a.refine(ca), b.refine(cb)
	histA, histB := map[colour]int{}, map[colour]int{}
	for _, c := range ca {
		histA[c]++
	}
	for _, c := range cb {
		histB[c]++
	}
	if len(histA) != len(histB) {
		return false
	}
	for c, n := range histA {
		if histB[c] != n {
			return false
		}
	}
	// Pick the smallest ambiguous class on side a.
	pick, best := -1, 0
	for n, c := range ca {
		if k := histA[c]; k > 1 && (pick < 0 || k < best) {
			pick, best = n, k
		}
	}
	if pick < 0 {
		return a.verify(b, ca, cb)
	}
	var mark colour
	binary.BigEndian.PutUint64(mark[:8], uint64(depth+1))
	mark[8] = 0xFF
	for m, c := range cb {
		if c != ca[pick] {
			continue
		}
		na := append([]colour(nil), ca...)
		nb := append([]colour(nil), cb...)
		na[pick] = mixColour(na[pick], mark)
		nb[m] = mixColour(nb[m], mark)
		if a.search(b, na, nb, depth+1) {
			return true
		}
	}
	return false
}

func mixColour(c, mark colour) colour {
	h := sha256.New()
	h.Write(c[:])
	h.Write(mark[:])
	var out colour
	copy(out[:], h.Sum(nil))
	return out
}

// verify checks that the bijection given by unique colours maps every quad
// of a onto a quad of b.
func (a *isoSide) verify(b *isoSide, ca, cb []colour) bool {
	byColour := make(map[colour]string, len(cb))
	for n, c := range cb {
		byColour[c] = b.nodes[n]
	}
	mapTerm := func(t Term) Term {
		if !t.IsBlank() {
			return t
		}
		return Blank(byColour[ca[a.index[t.Value]]])
	}
	target := make(map[Quad]struct{}, len(b.quads))
	for _, q := range b.quads {
		target[q] = struct{}{}
	}
	for _, q := range a.quads {
		m := Quad{S: mapTerm(q.S), P: q.P, O: mapTerm(q.O), G: mapTerm(q.G)}
		if _, ok := target[m]; !ok {
			return false
		}
	}
	return true
}
