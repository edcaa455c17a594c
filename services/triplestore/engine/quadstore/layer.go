package quadstore

// layer is one committed change set, normalised against the state beneath
// it: every quad in adds was absent below and every quad in dels was
// present below. Normalisation makes counts exact by plain addition:
// visible = base + Σ(adds − dels) over any index range.
type layer struct {
	adds, dels *run
}

func (l *layer) size() int { return l.adds.len() + l.dels.len() }

// state is one immutable version of the store's contents: a base run plus
// change layers, oldest first. A published state is never modified, so a
// snapshot is a pointer to one.
type state struct {
	base   *run
	layers []*layer
	n      int    // visible quads
	seq    uint64 // last WAL record applied

	// folding is the number of leading layers a background fold is
	// merging into the base; compaction leaves them alone meanwhile.
	folding int
}

// foldInBackground is the default size (base plus layers, in quads) from
// which folding layers into the base happens off the commit path.
const foldInBackground = 1 << 16

var emptyState = &state{base: emptyRun}

// contains reports whether q is visible: the newest layer mentioning q
// decides.
func (st *state) contains(q [4]uint32) bool {
	for i := len(st.layers) - 1; i >= 0; i-- {
		l := st.layers[i]
		if l.adds.contains(q) {
			return true
		}
		if l.dels.contains(q) {
			return false
		}
	}
	return st.base.contains(q)
}

// with returns a new state with l on top, without compaction (used for a
// transaction's private view).
func (st *state) with(l *layer) *state {
	layers := make([]*layer, len(st.layers), len(st.layers)+1)
	copy(layers, st.layers)
	return &state{
		base:    st.base,
		layers:  append(layers, l),
		n:       st.n + l.adds.len() - l.dels.len(),
		seq:     st.seq,
		folding: st.folding,
	}
}

// commit returns the state after l, compacting layers as needed: layers of
// similar size are merged (so there are O(log n) of them) and the layers
// are folded into the base once they reach an eighth of its size. A fold
// of at least bgMin quads (bgMin > 0) is left to the caller: the returned
// state has folding set and startFold is true.
func (st *state) commit(l *layer, seq uint64, bgMin int) (ns *state, startFold bool) {
	ns = st.with(l)
	ns.seq = seq
	return ns, ns.compact(bgMin)
}

// compact merges layers and folds them into the base when they are big
// enough (see commit). ns must not be published yet.
func (ns *state) compact(bgMin int) (startFold bool) {
	layers := ns.layers
	for n := len(layers); n-2 >= ns.folding && layers[n-2].size() <= 2*layers[n-1].size(); n = len(layers) {
		m := mergeLayers(layers[n-2], layers[n-1])
		layers = layers[:n-2]
		if m.size() > 0 {
			layers = append(layers, m)
		}
	}
	ns.layers = layers
	if ns.folding > 0 {
		return false
	}
	delta := 0
	for _, l := range layers {
		delta += l.size()
	}
	switch {
	case delta == 0:
		ns.layers = nil
	case ns.base.len() == 0 && len(layers) == 1 && layers[0].dels.len() == 0:
		ns.base, ns.layers = layers[0].adds, nil
	case delta*8 >= ns.base.len():
		if bgMin > 0 && ns.base.len()+delta >= bgMin {
			ns.folding = len(layers)
			return true
		}
		ns.base, ns.layers = fold(ns.base, layers), nil
	}
	return false
}

// fold applies layers, oldest first, to base.
func fold(base *run, layers []*layer) *run {
	m := layers[0]
	for _, l := range layers[1:] {
		m = mergeLayers(m, l)
	}
	return applyLayer(base, m)
}

// mergeLayers combines an older and a newer layer into one with the same
// effect. A quad added then deleted (or deleted then re-added) cancels out.
func mergeLayers(a, b *layer) *layer {
	adds, dels := &run{}, &run{}
	parallelOrders(a.size()+b.size(), func(o order) {
		adds.keys[o] = union(diff(a.adds.keys[o], b.dels.keys[o]), diff(b.adds.keys[o], a.dels.keys[o]))
		dels.keys[o] = union(diff(a.dels.keys[o], b.adds.keys[o]), diff(b.dels.keys[o], a.adds.keys[o]))
	})
	return &layer{adds: adds, dels: dels}
}

// applyLayer returns the run base with l applied.
func applyLayer(base *run, l *layer) *run {
	out := &run{}
	parallelOrders(base.len()+l.size(), func(o order) {
		out.keys[o] = applyDelta(base.keys[o], l.adds.keys[o], l.dels.keys[o])
	})
	return out
}
