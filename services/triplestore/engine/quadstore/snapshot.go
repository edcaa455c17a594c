package quadstore

import (
	"math"

	"github.com/intermw/intermw/ontology/rdf"
)

// Snapshot is a consistent, read-only view of the store. It stays valid
// (and unchanged) while writers commit; taking one is a pointer copy.
// A Snapshot may be used from several goroutines at once.
type Snapshot struct {
	st   *state
	dict *dictionary
}

// Release ends the snapshot's use. Snapshots hold no locks, files or
// reference counts (old versions are reclaimed by the garbage collector), so
// this does nothing today; call it anyway so that a future version can.
func (sn *Snapshot) Release() {}

// Len returns the number of quads visible in the snapshot.
func (sn *Snapshot) Len() int { return sn.st.n }

// Find returns the ID of t (see Store.Find).
func (sn *Snapshot) Find(t rdf.Term) (ID, bool) { return find(sn.dict, t) }

// Term returns the term of id (see Store.Term).
func (sn *Snapshot) Term(id ID) rdf.Term { return termOf(sn.dict, id) }

// Contains reports whether the quad of IDs {s, p, o, g} is present.
// Wildcards are not allowed here: every position must be bound.
func (sn *Snapshot) Contains(s, p, o, g ID) bool {
	q, ok := pattern(s, p, o, g)
	if !ok || q[0] == 0 || q[1] == 0 || q[2] == 0 || q[3] == 0 {
		return false
	}
	return sn.st.contains(q)
}

// pattern converts IDs to internal form; ok is false if an ID cannot exist.
func pattern(s, p, o, g ID) (q [4]uint32, ok bool) {
	for i, id := range [4]ID{s, p, o, g} {
		if id > math.MaxUint32 {
			return q, false
		}
		q[i] = uint32(id)
	}
	return q, true
}

// source is one sorted range taking part in a Match: the base, or one
// layer's adds or dels.
type source struct {
	keys  []key
	level int // higher is newer; the base is 0
	del   bool
}

// sources returns the index order, the key range and the non-empty sources
// for the pattern q.
func (st *state) sources(q [4]uint32, buf []source) (order, []source) {
	mask, n := 0, 0
	for i, id := range q {
		if id != 0 {
			mask |= 1 << i
			n++
		}
	}
	o := orderFor[mask]
	var prefix [4]uint32
	for i := range n {
		prefix[i] = q[orderPerm[o][i]]
	}
	lo, hi, all := prefixRange(prefix, n)
	add := func(keys []key, level int, del bool) {
		a, b := span(keys, lo, hi, all)
		if a < b {
			buf = append(buf, source{keys: keys[a:b], level: level, del: del})
		}
	}
	add(st.base.keys[o], 0, false)
	for i, l := range st.layers {
		add(l.adds.keys[o], i+1, false)
		add(l.dels.keys[o], i+1, true)
	}
	return o, buf
}

// Match calls fn for each quad matching the pattern, as {s, p, o, g}. 0 in
// a position is a wildcard; g == 0 matches every graph including the default
// graph, g == DefaultGraph only the default graph. Match stops when fn
// returns false. fn may call other Snapshot methods (nested scans are fine).
func (sn *Snapshot) Match(s, p, o, g ID, fn func(q [4]ID) bool) {
	q, ok := pattern(s, p, o, g)
	if !ok {
		return
	}
	var buf [8]source
	ord, srcs := sn.st.sources(q, buf[:0])
	emit := func(k key) bool {
		iq := k.quad(ord)
		return fn([4]ID{ID(iq[0]), ID(iq[1]), ID(iq[2]), ID(iq[3])})
	}
	switch {
	case len(srcs) == 0:
		return
	case len(srcs) == 1:
		if srcs[0].del {
			return
		}
		for _, k := range srcs[0].keys {
			if !emit(k) {
				return
			}
		}
		return
	}
	mergeSources(srcs, emit)
}

// mergeSources walks the sources in key order; for a key present in several,
// the newest source decides whether it is visible.
func mergeSources(srcs []source, emit func(key) bool) {
	for {
		best := -1
		var min key
		for i := range srcs {
			if len(srcs[i].keys) == 0 {
				continue
			}
			if k := srcs[i].keys[0]; best < 0 || k.less(min) {
				best, min = i, k
			}
		}
		if best < 0 {
			return
		}
		top, visible := -1, false
		for i := range srcs {
			if len(srcs[i].keys) > 0 && srcs[i].keys[0] == min {
				if srcs[i].level > top {
					top, visible = srcs[i].level, !srcs[i].del
				}
				srcs[i].keys = srcs[i].keys[1:]
			}
		}
		if visible && !emit(min) {
			return
		}
	}
}

// Count returns the number of quads matching the pattern (wildcards as in
// Match). It is exact and costs a few binary searches per layer.
func (sn *Snapshot) Count(s, p, o, g ID) int {
	q, ok := pattern(s, p, o, g)
	if !ok {
		return 0
	}
	if q == [4]uint32{} {
		return sn.st.n
	}
	var buf [8]source
	_, srcs := sn.st.sources(q, buf[:0])
	n := 0
	for _, src := range srcs {
		if src.del {
			n -= len(src.keys)
		} else {
			n += len(src.keys)
		}
	}
	return n
}

// NamedGraphs calls fn with each named graph that holds at least one quad,
// in ID order, until fn returns false. The default graph is not included.
func (sn *Snapshot) NamedGraphs(fn func(g ID) bool) {
	st := sn.st
	runs := make([][]key, 0, 1+2*len(st.layers))
	runs = append(runs, st.base.keys[orderGSPO])
	for _, l := range st.layers {
		runs = append(runs, l.adds.keys[orderGSPO], l.dels.keys[orderGSPO])
	}
	next := uint64(DefaultGraph) + 1
	for next <= math.MaxUint32 {
		cand := uint64(math.MaxUint64)
		for i, ks := range runs {
			j := lowerBound(ks, key{hi: next << 32})
			runs[i] = ks[j:]
			if j < len(ks) {
				cand = min(cand, ks[j].hi>>32)
			}
		}
		if cand == math.MaxUint64 {
			return
		}
		if sn.Count(0, 0, 0, ID(cand)) > 0 && !fn(ID(cand)) {
			return
		}
		next = cand + 1
	}
}
