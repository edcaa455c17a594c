package engine

// dsView is the RDF dataset a query runs against, as store graph IDs.
//
// Without FROM/FROM NAMED (and without QueryOptions graphs) the default
// graph is the store's default graph (or, with Config.UnionDefaultGraph,
// the union of all graphs) and the named graphs are all the store's named
// graphs. FROM graphs are merged into the default graph;
// FROM NAMED lists the named graphs; giving either replaces the whole
// dataset (a query with only FROM has no named graphs, one with only FROM
// NAMED an empty default graph).
type dsView struct {
	defaults  []ID        // graphs merged as the default graph
	named     map[ID]bool // nil: every named graph of the store
	namedList []ID        // the graphs of named, in order
	// union makes the default graph the union of all graphs (defaults is
	// then unused).
	union bool
}

func storeDataset(union bool) *dsView {
	return &dsView{defaults: []ID{defaultGraphID}, union: union}
}

// isNamed reports whether g may be the graph of GRAPH ?g.
func (d *dsView) isNamed(g ID) bool {
	if g == defaultGraphID || !inStore(g) {
		return false
	}
	if d.named == nil {
		return true
	}
	return d.named[g]
}

// eachNamed calls fn for each named graph of the dataset.
func (x *exec) eachNamed(fn func(g ID) bool) bool {
	if x.ds.named != nil {
		for _, g := range x.ds.namedList {
			if !fn(g) {
				return false
			}
		}
		return true
	}
	ok := true
	x.view.NamedGraphs(func(g ID) bool {
		if g == defaultGraphID {
			return true
		}
		ok = fn(g)
		return ok
	})
	return ok
}

// hasQuad reports whether the quad is in the store.
func (x *exec) hasQuad(s, p, o, g ID) bool {
	found := false
	x.view.Match(s, p, o, g, func([4]ID) bool {
		found = true
		return false
	})
	return found
}

// matchQuads calls fn for each quad matching s, p, o (0 = wildcard) in the
// graph that g names given the row r. For an unbound GRAPH variable it
// matches every named graph, q[3] telling which. The default graph merged
// from several graphs yields each triple once.
func (x *exec) matchQuads(s, p, o ID, g *gctx, r row, fn func(q [4]ID) bool) {
	switch g.kind {
	case gDefault:
		if x.ds.union {
			x.matchUnion(s, p, o, fn)
			return
		}
		d := x.ds.defaults
		switch len(d) {
		case 0:
		case 1:
			x.view.Match(s, p, o, d[0], fn)
		default:
			for i, gi := range d {
				stop := false
				x.view.Match(s, p, o, gi, func(q [4]ID) bool {
					for _, gj := range d[:i] {
						if x.hasQuad(q[0], q[1], q[2], gj) {
							return true
						}
					}
					q[3] = defaultGraphID
					if !fn(q) {
						stop = true
						return false
					}
					return true
				})
				if stop {
					return
				}
			}
		}
	case gFixed:
		x.view.Match(s, p, o, g.id, fn)
	case gVar:
		if v := r[g.slot]; v != 0 {
			if x.ds.isNamed(v) {
				x.view.Match(s, p, o, v, fn)
			}
			return
		}
		if x.ds.named != nil {
			for _, gi := range x.ds.namedList {
				stop := false
				x.view.Match(s, p, o, gi, func(q [4]ID) bool {
					if !fn(q) {
						stop = true
						return false
					}
					return true
				})
				if stop {
					return
				}
			}
			return
		}
		x.view.Match(s, p, o, 0, func(q [4]ID) bool {
			if q[3] == defaultGraphID {
				return true
			}
			return fn(q)
		})
	case gDyn:
		cg := x.curG
		x.matchQuads(s, p, o, &cg, r, fn)
	}
}

// matchUnion matches in the union of all graphs, each triple once.
func (x *exec) matchUnion(s, p, o ID, fn func(q [4]ID) bool) {
	var seen map[[3]ID]bool
	x.view.Match(s, p, o, 0, func(q [4]ID) bool {
		k := [3]ID{q[0], q[1], q[2]}
		if seen == nil {
			seen = make(map[[3]ID]bool)
		}
		if seen[k] {
			return true
		}
		seen[k] = true
		if !x.charge(32) {
			return false
		}
		q[3] = defaultGraphID
		return fn(q)
	})
}

// countQuads estimates the matches of a pattern in graph context g.
func (x *exec) countQuads(s, p, o ID, g *gctx) int {
	switch g.kind {
	case gDefault:
		if x.ds.union {
			return x.view.Count(s, p, o, 0)
		}
		n := 0
		for _, gi := range x.ds.defaults {
			n += x.view.Count(s, p, o, gi)
		}
		return n
	case gFixed:
		return x.view.Count(s, p, o, g.id)
	case gDyn:
		if x.curG.kind != gDyn {
			cg := x.curG
			return x.countQuads(s, p, o, &cg)
		}
	}
	return x.view.Count(s, p, o, 0)
}
