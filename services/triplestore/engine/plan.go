package engine

import (
	"fmt"

	"github.com/intermw/intermw/services/triplestore"
)

// planner turns algebra into physical operators for one execution. It
// orders the patterns of each BGP by the store's counts, pushes filters
// down to the first pattern after which their variables are bound, and
// decides per operator whether to evaluate it with the bindings of its
// left side substituted (index nested loop) or independently (hash join).
type planner struct {
	x    *exec
	info map[op]*opInfo
	err  error
	// substAll plans an EXISTS pattern: bindings are substituted into
	// every part of it (the spec's substitution semantics).
	substAll bool
	// seeds are the equality-bound variables of the BGP being ordered.
	seeds []seed
	// writtenOrder keeps patterns in the order written and filters after
	// their group (the benchmarks' baseline).
	writtenOrder bool
}

// opInfo holds the variables of an operator: certainly bound in every
// solution, possibly bound, and mentioned anywhere (expressions included).
type opInfo struct {
	certain, maybe, mentioned varset
}

func (pl *planner) vars(o op) *opInfo {
	if in, ok := pl.info[o]; ok {
		return in
	}
	in := &opInfo{}
	nodeVar := func(n node) {
		if n.isVar() {
			in.certain.add(n.slot)
		}
	}
	switch o := o.(type) {
	case *opBGP:
		for _, p := range o.pats {
			nodeVar(p.s)
			nodeVar(p.p)
			nodeVar(p.o)
		}
		in.maybe, in.mentioned = in.certain, in.certain
	case *opPath:
		nodeVar(o.s)
		nodeVar(o.o)
		in.maybe, in.mentioned = in.certain, in.certain
	case *opJoin:
		l, r := pl.vars(o.l), pl.vars(o.r)
		in.certain, in.maybe, in.mentioned = l.certain.union(r.certain), l.maybe.union(r.maybe), l.mentioned.union(r.mentioned)
	case *opLeftJoin:
		l, r := pl.vars(o.l), pl.vars(o.r)
		in.certain, in.maybe = l.certain, l.maybe.union(r.maybe)
		in.mentioned = l.mentioned.union(r.mentioned).union(exprVars(o.expr))
	case *opFilter:
		s := pl.vars(o.sub)
		in.certain, in.maybe, in.mentioned = s.certain, s.maybe, s.mentioned
		for _, e := range o.exprs {
			in.mentioned = in.mentioned.union(exprVars(e))
		}
	case *opUnion:
		l, r := pl.vars(o.l), pl.vars(o.r)
		in.certain, in.maybe, in.mentioned = l.certain.intersect(r.certain), l.maybe.union(r.maybe), l.mentioned.union(r.mentioned)
	case *opMinus:
		l, r := pl.vars(o.l), pl.vars(o.r)
		in.certain, in.maybe, in.mentioned = l.certain, l.maybe, l.mentioned.union(r.mentioned)
	case *opGraph:
		s := pl.vars(o.sub)
		in.certain, in.maybe, in.mentioned = s.certain, s.maybe, s.mentioned
		if o.g.isVar() {
			in.certain, in.maybe, in.mentioned = in.certain.with(o.g.slot), in.maybe.with(o.g.slot), in.mentioned.with(o.g.slot)
		}
	case *opExtend:
		s := pl.vars(o.sub)
		in.certain, in.maybe = s.certain, s.maybe.with(o.slot)
		in.mentioned = s.mentioned.with(o.slot).union(exprVars(o.e))
	case *opTable:
		for i, sl := range o.slots {
			in.maybe.add(sl)
			all := true
			for _, r := range o.rows {
				if r[i] < 0 {
					all = false
				}
			}
			if all {
				in.certain.add(sl)
			}
		}
		in.mentioned = in.maybe
	case *opService:
		*in = *pl.vars(o.sub)
	case *opGroup:
		for _, k := range o.keys {
			in.maybe.add(k.slot)
		}
		for _, a := range o.aggs {
			in.maybe.add(a.slot)
		}
		in.mentioned = in.maybe.union(pl.vars(o.sub).mentioned)
	case *opOrder:
		*in = *pl.vars(o.sub)
	case *opDistinct:
		*in = *pl.vars(o.sub)
	case *opReduced:
		*in = *pl.vars(o.sub)
	case *opSlice:
		*in = *pl.vars(o.sub)
	case *opProject:
		s := pl.vars(o.sub)
		var keep varset
		for _, sl := range o.slots {
			keep.add(sl)
		}
		in.certain, in.maybe, in.mentioned = s.certain.intersect(keep), s.maybe.intersect(keep), keep
	}
	if pl.info == nil {
		pl.info = make(map[op]*opInfo)
	}
	pl.info[o] = in
	return in
}

// safe reports whether evaluating o with bindings for the variables in m
// substituted gives the join of those bindings with o's solutions.
func (pl *planner) safe(o op, m varset) bool {
	if pl.substAll {
		return true
	}
	in := pl.vars(o)
	if m.intersect(in.mentioned).empty() {
		return true
	}
	switch o := o.(type) {
	case *opBGP, *opPath, *opTable:
		return true
	case *opJoin:
		return pl.safe(o.l, m) && pl.safe(o.r, m)
	case *opUnion:
		return pl.safe(o.l, m) && pl.safe(o.r, m)
	case *opGraph:
		return pl.safe(o.sub, m)
	case *opFilter:
		s := pl.vars(o.sub)
		for _, e := range o.exprs {
			if !exprVars(e).intersect(m).subsetOf(s.certain) {
				return false
			}
		}
		return pl.safe(o.sub, m)
	case *opExtend:
		s := pl.vars(o.sub)
		return exprVars(o.e).intersect(m).subsetOf(s.certain) && pl.safe(o.sub, m)
	case *opLeftJoin:
		l, r := pl.vars(o.l), pl.vars(o.r)
		if !m.intersect(r.mentioned).subsetOf(l.certain) {
			return false
		}
		if !exprVars(o.expr).intersect(m).subsetOf(l.certain.union(r.certain)) {
			return false
		}
		return pl.safe(o.l, m) && pl.safe(o.r, m.union(l.maybe))
	case *opMinus:
		l, r := pl.vars(o.l), pl.vars(o.r)
		return m.intersect(r.mentioned).subsetOf(l.certain) && pl.safe(o.l, m)
	}
	return false
}

// build plans o for inputs that may bind the variables in m.
func (pl *planner) build(o op, m varset, g gctx) pnode {
	n, rest := pl.buildF(o, m, g, nil)
	if len(rest) > 0 {
		return &pFilter{sub: n, exprs: rest, g: g}
	}
	return n
}

// indep plans o to be evaluated independently of its input and joined
// with it.
func (pl *planner) indep(o op, m varset, g gctx) pnode {
	in := pl.vars(o)
	keys := m.intersect(in.certain).slots()
	return &pIndep{sub: pl.build(o, nil, g), keys: keys}
}

// sub plans o as the right side of a join whose left side may bind m. A
// subquery is evaluated once and cached rather than once per left
// solution.
func (pl *planner) sub(o op, m varset, g gctx) pnode {
	if pl.safe(o, m) && (pl.substAll || !isSubquery(o)) {
		return pl.build(o, m, g)
	}
	return pl.indep(o, m, g)
}

// buildF plans o and places the given filters inside it where it can;
// it returns the filters it could not place.
func (pl *planner) buildF(o op, m varset, g gctx, filters []expr) (pnode, []expr) {
	if g.kind == gVar && !m.has(g.slot) && !bindsGraph(o) {
		// The operator cannot bind the graph through the index: iterate the
		// named graphs.
		inner := gctx{kind: gVar, slot: g.slot}
		if isSolutionModifier(o) {
			inner = gctx{kind: gDyn}
		}
		return &pGraphIter{slot: g.slot, sub: pl.build(o, m.with(g.slot), inner)}, filters
	}
	switch o := o.(type) {
	case *opBGP:
		if len(o.pats) == 0 {
			return pUnit{}, filters
		}
		return pl.bgp(o.pats, m, g, filters)
	case *opPath:
		return &pPath{s: o.s, o: o.o, path: o.path, g: g}, filters
	case *opJoin:
		return pl.join(o, m, g, filters)
	case *opLeftJoin:
		l := pl.vars(o.l)
		var lf, rest []expr
		for _, f := range filters {
			if _, isEx := f.(*exprExists); !isEx && exprVars(f).subsetOf(l.certain) {
				lf = append(lf, f)
			} else {
				rest = append(rest, f)
			}
		}
		ln, lrest := pl.buildF(o.l, m, g, lf)
		if len(lrest) > 0 {
			ln = &pFilter{sub: ln, exprs: lrest, g: g}
		}
		rm := m.union(l.maybe)
		if g.kind == gVar {
			rm = rm.with(g.slot)
		}
		return &pLeftJoin{l: ln, r: pl.sub(o.r, rm, g), expr: o.expr, g: g}, rest
	case *opFilter:
		return pl.buildF(o.sub, m, g, append(append([]expr(nil), filters...), o.exprs...))
	case *opUnion:
		return &pUnion{l: pl.build(o.l, m, g), r: pl.build(o.r, m, g)}, filters
	case *opMinus:
		l := pl.vars(o.l)
		r := pl.vars(o.r)
		keys := l.certain.intersect(r.certain).slots()
		if g.kind == gVar {
			// The right side runs in the graph of each left solution.
			return &pMinus{l: pl.build(o.l, m, g), r: &pIndep{sub: pl.build(o.r, nil, gctx{kind: gDyn}), keys: keys}, gslot: g.slot}, filters
		}
		return &pMinus{l: pl.build(o.l, m, g), r: &pIndep{sub: pl.build(o.r, nil, g), keys: keys}, gslot: -1}, filters
	case *opGraph:
		if !o.g.isVar() {
			id := pl.x.cids[o.g.c]
			if !pl.x.ds.isNamed(id) {
				return pNone{}, filters
			}
			return pl.build(o.sub, m, gctx{kind: gFixed, id: id}), filters
		}
		if in := pl.vars(o.sub); in.mentioned.has(o.g.slot) && !in.certain.has(o.g.slot) {
			// The pattern uses ?g where it may be unbound: evaluate it in
			// each graph and join with ?g afterwards, as the spec does.
			return &pGraphScoped{slot: o.g.slot, sub: pl.build(o.sub, m, gctx{kind: gDyn})}, filters
		}
		return &pGraphVar{slot: o.g.slot, sub: pl.build(o.sub, m, gctx{kind: gVar, slot: o.g.slot})}, filters
	case *opExtend:
		return &pExtend{sub: pl.build(o.sub, m, g), slot: o.slot, e: o.e, g: g}, filters
	case *opTable:
		t := &pTable{}
		for _, cr := range o.rows {
			r := pl.x.newRow()
			for i, c := range cr {
				if c >= 0 {
					r[o.slots[i]] = pl.x.cids[c]
				}
			}
			t.rows = append(t.rows, r)
		}
		return t, filters
	case *opService:
		if o.silent {
			return pUnit{}, filters
		}
		pl.fail(fmt.Errorf("%w: SERVICE", triplestore.ErrUnsupported))
		return pNone{}, filters
	case *opGroup:
		return &pGroup{sub: pl.build(o.sub, m, g), keys: o.keys, aggs: o.aggs, g: g}, filters
	case *opOrder:
		return &pOrder{sub: pl.build(o.sub, m, g), keys: o.keys, g: g}, filters
	case *opProject:
		return &pProject{sub: pl.build(o.sub, m, g), keep: o.slots}, filters
	case *opDistinct:
		return &pDistinct{sub: pl.build(o.sub, m, g), slots: o.slots}, filters
	case *opReduced:
		return pl.build(o.sub, m, g), filters
	case *opSlice:
		return &pSlice{sub: pl.build(o.sub, m, g), offset: o.offset, limit: o.limit}, filters
	}
	pl.fail(fmt.Errorf("%w: operator %T", triplestore.ErrUnsupported, o))
	return pNone{}, filters
}

func (pl *planner) fail(err error) {
	if pl.err == nil {
		pl.err = err
	}
}

// bindsGraph reports whether o binds the variable of GRAPH ?g itself
// through index lookups in all its solutions.
func bindsGraph(o op) bool {
	switch o := o.(type) {
	case *opBGP:
		return len(o.pats) > 0
	case *opJoin:
		return bindsGraph(o.l) || bindsGraph(o.r)
	case *opLeftJoin:
		return bindsGraph(o.l)
	case *opMinus:
		return bindsGraph(o.l)
	case *opUnion:
		return bindsGraph(o.l) && bindsGraph(o.r)
	case *opFilter:
		return bindsGraph(o.sub)
	case *opExtend:
		return bindsGraph(o.sub)
	}
	return false
}

func isSubquery(o op) bool {
	switch o.(type) {
	case *opGroup, *opOrder, *opProject, *opDistinct, *opReduced, *opSlice:
		return true
	}
	return false
}

func isSolutionModifier(o op) bool {
	switch o.(type) {
	case *opGroup, *opOrder, *opProject, *opDistinct, *opReduced, *opSlice, *opService, *opGraph:
		return true
	}
	return false
}

// join plans a chain of joins: the BGPs merged into one, planned first;
// the other operands after it, each fed the bindings so far when that is
// safe, else joined as an independent subtree.
func (pl *planner) join(o *opJoin, m varset, g gctx, filters []expr) (pnode, []expr) {
	var parts []op
	var flatten func(op)
	flatten = func(x op) {
		if j, ok := x.(*opJoin); ok {
			flatten(j.l)
			flatten(j.r)
			return
		}
		parts = append(parts, x)
	}
	flatten(o)
	var pats []triplePattern
	var others []op
	for _, p := range parts {
		if b, ok := p.(*opBGP); ok {
			pats = append(pats, b.pats...)
		} else {
			others = append(others, p)
		}
	}
	// Join(LeftJoin(L, R), B) is LeftJoin(Join(L, B), R) when B shares no
	// variable with R (or its filter) that L does not bind: then B's
	// patterns are ordered together with L's instead of after the OPTIONAL.
	if len(pats) > 0 && !pl.writtenOrder {
		b := &opBGP{pats: pats}
		for i, p := range others {
			if np, ok := pl.pushBGP(p, b); ok {
				others[i] = np
				pats = nil
				break
			}
		}
	}
	var cur pnode
	bound := m
	// Small inline data goes first: its bindings then select index
	// lookups in the patterns instead of filtering their matches.
	if !pl.writtenOrder && !(g.kind == gVar && !m.has(g.slot)) {
		var rest []op
		for _, p := range others {
			if t, ok := p.(*opTable); ok && len(t.rows) <= 10000 {
				n := pl.build(t, bound, g)
				if cur == nil {
					cur = n
				} else {
					cur = &pSeq{l: cur, r: n}
				}
				bound = bound.union(pl.vars(t).maybe)
				continue
			}
			rest = append(rest, p)
		}
		others = rest
	}
	if len(pats) > 0 {
		var rest []expr
		var n pnode
		n, rest = pl.bgp(pats, bound, g, filters)
		if cur == nil {
			cur = n
		} else {
			cur = &pSeq{l: cur, r: n}
		}
		filters = rest
		bound = bound.union(pl.vars(&opBGP{pats: pats}).certain)
		if g.kind == gVar {
			bound = bound.with(g.slot)
		}
	}
	for _, p := range others {
		var n pnode
		if cur == nil {
			var rest []expr
			n, rest = pl.buildF(p, bound, g, filters)
			filters = rest
		} else {
			n = pl.sub(p, bound, g)
		}
		if cur == nil {
			cur = n
		} else {
			cur = &pSeq{l: cur, r: n}
		}
		bound = bound.union(pl.vars(p).maybe)
		if g.kind == gVar {
			bound = bound.with(g.slot)
		}
	}
	return cur, filters
}

// pushBGP joins b into o as deep as the left sides of OPTIONALs allow.
func (pl *planner) pushBGP(o op, b *opBGP) (op, bool) {
	bv := pl.vars(b).certain
	switch o := o.(type) {
	case *opBGP:
		return join(o, b), true
	case *opLeftJoin:
		l, r := pl.vars(o.l), pl.vars(o.r)
		if !bv.intersect(r.mentioned.union(exprVars(o.expr))).subsetOf(l.certain) {
			return nil, false
		}
		nl, ok := pl.pushBGP(o.l, b)
		if !ok {
			nl = &opJoin{l: o.l, r: b}
		}
		return &opLeftJoin{l: nl, r: o.r, expr: o.expr}, true
	case *opFilter:
		s := pl.vars(o.sub)
		for _, e := range o.exprs {
			if !exprVars(e).intersect(bv).subsetOf(s.certain) {
				return nil, false
			}
		}
		ns, ok := pl.pushBGP(o.sub, b)
		if !ok {
			return nil, false
		}
		return &opFilter{exprs: o.exprs, sub: ns}, true
	case *opJoin:
		return &opJoin{l: o, r: b}, true
	}
	return nil, false
}

// buildExists plans the pattern of an EXISTS for substitution of the
// current solution.
func (pl *planner) buildExists(e *exprExists, g gctx) pnode {
	sub := &planner{x: pl.x, info: pl.info, substAll: true}
	all := make(varset, (pl.x.nslots+63)/64)
	for i := 0; i < pl.x.nslots; i++ {
		all.add(i)
	}
	n := sub.build(e.pat, all, g)
	if sub.err != nil {
		pl.x.fail(sub.err)
	}
	return n
}
