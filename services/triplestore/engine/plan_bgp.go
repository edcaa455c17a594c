package engine

import "github.com/intermw/intermw/ontology/rdf"

// bgp orders the patterns of a BGP greedily: at each step the pattern
// with the fewest estimated matches given the variables bound so far,
// preferring patterns connected to bound variables. Each filter runs
// right after the first pattern that completes its variables.
func (pl *planner) bgp(pats []triplePattern, m varset, g gctx, filters []expr) (pnode, []expr) {
	x := pl.x
	var seeds []seed
	if !pl.writtenOrder {
		seeds = pl.equalitySeeds(pats, filters)
	}
	pl.seeds = seeds
	defer func() { pl.seeds = nil }()
	bound := m
	if g.kind == gVar && m.has(g.slot) {
		bound = bound.with(g.slot)
	}
	for _, s := range seeds {
		bound = bound.with(s.slot)
	}
	remaining := make([]int, len(pats))
	for i := range remaining {
		remaining[i] = i
	}
	steps := make([]bgpStep, 0, len(pats))
	var stepVars []varset
	var acc varset
	for len(remaining) > 0 {
		if pl.writtenOrder {
			p := pats[remaining[0]]
			remaining = remaining[1:]
			steps = append(steps, bgpStep{pos: [3]node{p.s, p.p, p.o}})
			stepVars = append(stepVars, varset{})
			continue
		}
		best, bestCost := -1, 0.0
		anyConnected := false
		for _, i := range remaining {
			if connected(pats[i], bound) {
				anyConnected = true
				break
			}
		}
		for k, i := range remaining {
			c := pl.estimate(pats[i], bound, g)
			if anyConnected && !connected(pats[i], bound) {
				c = c*1e6 + 1e6
			}
			if best < 0 || c < bestCost {
				best, bestCost = k, c
			}
		}
		p := pats[remaining[best]]
		remaining = append(remaining[:best], remaining[best+1:]...)
		steps = append(steps, bgpStep{pos: [3]node{p.s, p.p, p.o}})
		for _, n := range [3]node{p.s, p.p, p.o} {
			if n.isVar() {
				bound = bound.with(n.slot)
				acc = acc.with(n.slot)
			}
		}
		if g.kind == gVar {
			bound = bound.with(g.slot)
		}
		stepVars = append(stepVars, acc)
	}
	var rest []expr
	for _, f := range filters {
		if _, isEx := f.(*exprExists); isEx {
			rest = append(rest, f)
			continue
		}
		fv := exprVars(f)
		placed := false
		for i, sv := range stepVars {
			if fv.subsetOf(sv) {
				steps[i].filters = append(steps[i].filters, f)
				placed = true
				break
			}
		}
		if !placed {
			rest = append(rest, f)
		}
	}
	_ = x
	return &pBGP{steps: steps, g: g, seeds: seeds}, rest
}

// equalitySeeds finds filters ?v = C (or sameTerm) with C an IRI or a
// plain string, for which value equality is term identity: the BGP can
// then look ?v up as the constant.
func (pl *planner) equalitySeeds(pats []triplePattern, filters []expr) []seed {
	var inBGP varset
	for _, p := range pats {
		for _, n := range [3]node{p.s, p.p, p.o} {
			if n.isVar() {
				inBGP.add(n.slot)
			}
		}
	}
	var out []seed
	for _, f := range filters {
		var a, b expr
		switch f := f.(type) {
		case *exprCmp:
			if f.op != "=" {
				continue
			}
			a, b = f.l, f.r
		case *exprCall:
			if f.name != "SAMETERM" || len(f.args) != 2 {
				continue
			}
			a, b = f.args[0], f.args[1]
		default:
			continue
		}
		if _, ok := a.(*exprConst); ok {
			a, b = b, a
		}
		v, ok1 := a.(*exprVar)
		c, ok2 := b.(*exprConst)
		if !ok1 || !ok2 || !inBGP.has(v.slot) {
			continue
		}
		if !(c.t.IsIRI() || (c.t.IsLiteral() && c.t.Datatype == rdf.XSDString && c.t.Lang == "")) {
			continue
		}
		out = append(out, seed{slot: v.slot, id: pl.x.tt.id(c.t)})
	}
	return out
}

func connected(p triplePattern, bound varset) bool {
	hasVar := false
	for _, n := range [3]node{p.s, p.p, p.o} {
		if n.isVar() {
			hasVar = true
			if bound.has(n.slot) {
				return true
			}
		}
	}
	return !hasVar
}

// estimate guesses the number of matches of p with the variables of bound
// bound to some value.
func (pl *planner) estimate(p triplePattern, bound varset, g gctx) float64 {
	x := pl.x
	var key [3]ID
	for j, n := range [3]node{p.s, p.p, p.o} {
		if n.isVar() {
			for _, sd := range pl.seeds {
				if sd.slot == n.slot {
					if !inStore(sd.id) {
						return 0
					}
					key[j] = sd.id
				}
			}
			continue
		}
		id := x.cids[n.c]
		if !inStore(id) {
			return 0
		}
		key[j] = id
	}
	est := float64(x.countQuads(key[0], key[1], key[2], &g))
	if p.s.isVar() && bound.has(p.s.slot) {
		est = min(est, 2)
	}
	if p.o.isVar() && bound.has(p.o.slot) {
		est = min(est, 10+est/100)
	}
	if p.p.isVar() && bound.has(p.p.slot) {
		est = est / 10
	}
	if g.kind == gVar && bound.has(g.slot) {
		est = min(est, 30)
	}
	// Prefer patterns with more constants on ties.
	for _, n := range [3]node{p.s, p.p, p.o} {
		if n.isVar() && !bound.has(n.slot) {
			est += 0.01
		}
	}
	return est
}
