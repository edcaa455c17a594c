package engine

// pSeq joins by substitution: each solution of l is fed into r.
type pSeq struct{ l, r pnode }

func (j *pSeq) run(x *exec, in row, emit func(row) bool) bool {
	stopped := false
	j.l.run(x, in, func(lr row) bool {
		if !j.r.run(x, lr, emit) {
			stopped = true
			return false
		}
		return true
	})
	return !stopped && x.err == nil
}

// pIndep evaluates sub once, independently of its input (its results are
// cached per active graph), and joins each input row with the cached
// solutions: the hash join of two independent subtrees.
type pIndep struct {
	sub  pnode
	keys []int // slots certainly bound on both sides: the hash key
	// cache per active graph of gDyn evaluation.
	cache map[ID]*indepTable
}

type indepTable struct {
	rows  []row
	index map[string][]int // by keys; nil when keys is empty
}

func (p *pIndep) table(x *exec) *indepTable {
	gk := ID(0)
	if x.curG.kind == gFixed {
		gk = x.curG.id
	}
	if t, ok := p.cache[gk]; ok {
		return t
	}
	t := &indepTable{}
	empty := x.newRow()
	var kb []byte
	p.sub.run(x, empty, func(r row) bool {
		if !x.charge(rowBytes(len(r))) {
			return false
		}
		c := r.clone()
		t.rows = append(t.rows, c)
		return true
	})
	if len(p.keys) > 0 {
		t.index = make(map[string][]int)
		for i, r := range t.rows {
			kb = slotsKey(kb[:0], r, p.keys)
			t.index[string(kb)] = append(t.index[string(kb)], i)
		}
	}
	if p.cache == nil {
		p.cache = make(map[ID]*indepTable)
	}
	p.cache[gk] = t
	return t
}

func (p *pIndep) run(x *exec, in row, emit func(row) bool) bool {
	t := p.table(x)
	if x.err != nil {
		return false
	}
	out := x.newRow()
	try := func(r row) bool {
		if !compatible(in, r) {
			return true
		}
		if !x.tick() {
			return false
		}
		mergeInto(out, in, r)
		return emit(out)
	}
	if t.index != nil {
		usable := true
		for _, k := range p.keys {
			if in[k] == 0 {
				usable = false
				break
			}
		}
		if usable {
			kb := slotsKey(nil, in, p.keys)
			for _, i := range t.index[string(kb)] {
				if !try(t.rows[i]) {
					return false
				}
			}
			return true
		}
	}
	for _, r := range t.rows {
		if !try(r) {
			return false
		}
	}
	return true
}

// pLeftJoin is OPTIONAL: r is evaluated with each solution of l
// substituted (r is a pIndep when substitution would change its meaning).
type pLeftJoin struct {
	l, r pnode
	expr expr
	g    gctx
}

func (j *pLeftJoin) run(x *exec, in row, emit func(row) bool) bool {
	stopped := false
	j.l.run(x, in, func(lr row) bool {
		found := false
		ok := j.r.run(x, lr, func(m row) bool {
			if j.expr != nil && !holds(x, j.expr, m, &j.g) {
				return true
			}
			found = true
			return emit(m)
		})
		if !ok {
			stopped = true
			return false
		}
		if !found && !emit(lr) {
			stopped = true
			return false
		}
		return true
	})
	return !stopped && x.err == nil
}

// pMinus removes the solutions of l that are compatible with a solution
// of r sharing at least one variable with it. r is evaluated once (per
// active graph) independently of l.
type pMinus struct {
	l     pnode
	r     *pIndep
	gslot int // GRAPH ?g slot: r runs in the graph of each left row; -1 otherwise
}

func (m *pMinus) run(x *exec, in row, emit func(row) bool) bool {
	var t *indepTable
	if m.gslot < 0 {
		t = m.r.table(x)
		if x.err != nil {
			return false
		}
	}
	var kb []byte
	return m.l.run(x, in, func(lr row) bool {
		if m.gslot >= 0 {
			saved := x.curG
			x.curG = gctx{kind: gFixed, id: lr[m.gslot]}
			t = m.r.table(x)
			x.curG = saved
			if x.err != nil {
				return false
			}
		}
		if t.index != nil {
			kb = slotsKey(kb[:0], lr, m.r.keys)
			for _, i := range t.index[string(kb)] {
				if shareAndCompatible(lr, t.rows[i]) {
					return true
				}
			}
			return emit(lr)
		}
		for _, r := range t.rows {
			if shareAndCompatible(lr, r) {
				return true
			}
		}
		return emit(lr)
	})
}

// shareAndCompatible reports whether a and b are compatible and bind at
// least one common slot.
func shareAndCompatible(a, b row) bool {
	shared := false
	for i, v := range a {
		if v != 0 && b[i] != 0 {
			if b[i] != v {
				return false
			}
			shared = true
		}
	}
	return shared
}

// pUnion yields the solutions of each branch.
type pUnion struct{ l, r pnode }

func (u *pUnion) run(x *exec, in row, emit func(row) bool) bool {
	return u.l.run(x, in, emit) && u.r.run(x, in, emit)
}

// pFilter keeps the solutions for which every expression holds.
type pFilter struct {
	sub   pnode
	exprs []expr
	g     gctx
}

func (f *pFilter) run(x *exec, in row, emit func(row) bool) bool {
	return f.sub.run(x, in, func(r row) bool {
		for _, e := range f.exprs {
			if !holds(x, e, r, &f.g) {
				return x.err == nil
			}
		}
		return emit(r)
	})
}

// pExtend is BIND: it binds slot to the value of e (leaving it unbound on
// an evaluation error).
type pExtend struct {
	sub  pnode
	slot int
	e    expr
	g    gctx
}

func (b *pExtend) run(x *exec, in row, emit func(row) bool) bool {
	out := x.newRow()
	return b.sub.run(x, in, func(r row) bool {
		t, err := b.e.eval(x, r, &b.g)
		if x.err != nil {
			return false
		}
		if err != nil {
			return emit(r)
		}
		id := x.tt.id(t)
		if cur := r[b.slot]; cur != 0 {
			if cur != id {
				return true
			}
			return emit(r)
		}
		copy(out, r)
		out[b.slot] = id
		return emit(out)
	})
}

// pTable is inline data (VALUES).
type pTable struct {
	rows []row
}

func (t *pTable) run(x *exec, in row, emit func(row) bool) bool {
	out := x.newRow()
	for _, r := range t.rows {
		if !compatible(in, r) {
			continue
		}
		mergeInto(out, in, r)
		if !emit(out) {
			return false
		}
	}
	return true
}

// pGraphVar is GRAPH ?g: its sub-plan binds ?g through the index.
type pGraphVar struct {
	slot int
	sub  pnode
}

func (p *pGraphVar) run(x *exec, in row, emit func(row) bool) bool {
	if v := in[p.slot]; v != 0 && !x.ds.isNamed(v) {
		return true
	}
	return p.sub.run(x, in, emit)
}

// pGraphScoped is GRAPH ?g over a pattern that mentions ?g where it may
// be unbound: the pattern runs in each named graph and its solutions are
// then joined with ?g.
type pGraphScoped struct {
	slot int
	sub  pnode
}

func (p *pGraphScoped) run(x *exec, in row, emit func(row) bool) bool {
	saved := x.curG
	defer func() { x.curG = saved }()
	if v := in[p.slot]; v != 0 {
		if !x.ds.isNamed(v) {
			return true
		}
		x.curG = gctx{kind: gFixed, id: v}
		return p.sub.run(x, in, emit)
	}
	out := x.newRow()
	ok := x.eachNamed(func(g ID) bool {
		if !x.tick() {
			return false
		}
		x.curG = gctx{kind: gFixed, id: g}
		return p.sub.run(x, in, func(r row) bool {
			if v := r[p.slot]; v != 0 && v != g {
				return true
			}
			copy(out, r)
			out[p.slot] = g
			return emit(out)
		})
	})
	return ok && x.err == nil
}

// pGraphIter runs sub once per named graph, binding slot and making it
// the active graph of gDyn patterns. An input that already binds slot
// runs sub once.
type pGraphIter struct {
	slot int
	sub  pnode
}

func (p *pGraphIter) run(x *exec, in row, emit func(row) bool) bool {
	saved := x.curG
	defer func() { x.curG = saved }()
	if v := in[p.slot]; v != 0 {
		if !x.ds.isNamed(v) {
			return true
		}
		x.curG = gctx{kind: gFixed, id: v}
		return p.sub.run(x, in, emit)
	}
	buf := in.clone()
	ok := x.eachNamed(func(g ID) bool {
		if !x.tick() {
			return false
		}
		buf[p.slot] = g
		x.curG = gctx{kind: gFixed, id: g}
		return p.sub.run(x, buf, emit)
	})
	return ok && x.err == nil
}
