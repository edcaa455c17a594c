package engine

// pPath evaluates a triple pattern whose predicate is a property path.
type pPath struct {
	s, o node
	path pathExpr
	g    gctx
}

func (p *pPath) run(x *exec, in row, emit func(row) bool) bool {
	if p.g.kind == gVar && in[p.g.slot] == 0 {
		buf := in.clone()
		ok := x.eachNamed(func(g ID) bool {
			buf[p.g.slot] = g
			return p.runIn(x, buf, gctx{kind: gFixed, id: g}, emit)
		})
		return ok && x.err == nil
	}
	g := p.g
	switch g.kind {
	case gVar:
		v := in[g.slot]
		if !x.ds.isNamed(v) {
			return true
		}
		g = gctx{kind: gFixed, id: v}
	case gDyn:
		g = x.curG
	}
	return p.runIn(x, in, g, emit)
}

func (p *pPath) resolve(x *exec, n node, in row) (ID, int) {
	if !n.isVar() {
		return x.cids[n.c], -1
	}
	if v := in[n.slot]; v != 0 {
		return v, -1
	}
	return 0, n.slot
}

func (p *pPath) runIn(x *exec, in row, g gctx, emit func(row) bool) bool {
	s, sSlot := p.resolve(x, p.s, in)
	o, oSlot := p.resolve(x, p.o, in)
	saved := x.pathConst
	defer func() { x.pathConst = saved }()
	x.pathConst = [2]ID{}
	if !p.s.isVar() {
		x.pathConst[0] = s
	}
	if !p.o.isVar() {
		x.pathConst[1] = o
	}
	buf := in.clone()
	stopped := false
	x.pathEval(p.path, s, o, &g, func(a, b ID) bool {
		if !x.tick() {
			return false
		}
		if sSlot >= 0 && sSlot == oSlot && a != b {
			return true
		}
		if sSlot >= 0 {
			buf[sSlot] = a
		}
		if oSlot >= 0 {
			buf[oSlot] = b
		}
		if !emit(buf) {
			stopped = true
			return false
		}
		return true
	})
	return !stopped && x.err == nil
}

// pathEval calls fn with each pair (subject, object) connected by path p
// in graph g; s and o restrict the ends when not 0. It returns false when
// fn asked to stop.
func (x *exec) pathEval(p pathExpr, s, o ID, g *gctx, fn func(a, b ID) bool) bool {
	if x.err != nil {
		return false
	}
	switch p := p.(type) {
	case *pathLink:
		pid := x.cids[p.c]
		if !inStore(pid) || (s != 0 && !inStore(s)) || (o != 0 && !inStore(o)) {
			return true
		}
		ok := true
		x.matchQuads(s, pid, o, g, nil, func(q [4]ID) bool {
			ok = fn(q[0], q[2])
			return ok
		})
		return ok
	case *pathInverse:
		return x.pathEval(p.p, o, s, g, func(a, b ID) bool { return fn(b, a) })
	case *pathSeq:
		if s != 0 || o == 0 {
			return x.pathEval(p.l, s, 0, g, func(a, m ID) bool {
				return x.pathEval(p.r, m, o, g, func(_, b ID) bool { return fn(a, b) })
			})
		}
		return x.pathEval(p.r, 0, o, g, func(m, b ID) bool {
			return x.pathEval(p.l, 0, m, g, func(a, _ ID) bool { return fn(a, b) })
		})
	case *pathAlt:
		return x.pathEval(p.l, s, o, g, fn) && x.pathEval(p.r, s, o, g, fn)
	case *pathNeg:
		return x.pathNeg(p, s, o, g, fn)
	case *pathOpt:
		seen := make(map[[2]ID]bool)
		emit := func(a, b ID) bool {
			k := [2]ID{a, b}
			if seen[k] {
				return true
			}
			seen[k] = true
			return fn(a, b)
		}
		if !x.zeroLength(s, o, g, emit) {
			return false
		}
		return x.pathEval(p.p, s, o, g, emit)
	case *pathStar:
		return x.closure(p.p, s, o, g, true, fn)
	case *pathPlus:
		return x.closure(p.p, s, o, g, false, fn)
	}
	return true
}

// zeroLength yields (n, n) for the zero-length path: every node of the
// graph when both ends are free, else the bound end (even when the graph
// does not hold it).
func (x *exec) zeroLength(s, o ID, g *gctx, fn func(a, b ID) bool) bool {
	if n := max(s, o); n != 0 && !x.zeroNode(n, g) {
		return true
	}
	switch {
	case s != 0 && o != 0:
		if s == o {
			return fn(s, s)
		}
		return true
	case s != 0:
		return fn(s, s)
	case o != 0:
		return fn(o, o)
	}
	for _, n := range x.graphNodes(g) {
		if !fn(n, n) {
			return false
		}
	}
	return true
}

// zeroNode reports whether the zero-length path may start at n: n is a
// constant of the pattern, or a node of the active graph (a value bound
// from elsewhere joins with the graph's nodes only).
func (x *exec) zeroNode(n ID, g *gctx) bool {
	if n == x.pathConst[0] || n == x.pathConst[1] {
		return true
	}
	if !inStore(n) {
		return false
	}
	return x.countQuads(n, 0, 0, g) > 0 || x.countQuads(0, 0, n, g) > 0
}

// graphNodes lists the subjects and objects of graph g.
func (x *exec) graphNodes(g *gctx) []ID {
	seen := make(map[ID]bool)
	var out []ID
	x.matchQuads(0, 0, 0, g, nil, func(q [4]ID) bool {
		for _, n := range [2]ID{q[0], q[2]} {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		return x.tick()
	})
	x.charge(int64(len(out)) * 24)
	return out
}

// closure evaluates p* (zero true) or p+ with the spec's
// arbitrary-length-path semantics: each reachable node once per start.
func (x *exec) closure(p pathExpr, s, o ID, g *gctx, zero bool, fn func(a, b ID) bool) bool {
	switch {
	case s != 0:
		stopped := false
		x.reach(p, s, g, zero, true, func(n ID) bool {
			if o != 0 && n != o {
				return true
			}
			if !fn(s, n) {
				stopped = true
				return false
			}
			return o == 0
		})
		return !stopped && x.err == nil
	case o != 0:
		return x.reach(p, o, g, zero, false, func(n ID) bool { return fn(n, o) })
	}
	for _, start := range x.graphNodes(g) {
		ok := x.reach(p, start, g, zero, true, func(n ID) bool { return fn(start, n) })
		if !ok {
			return false
		}
	}
	return true
}

// reach visits every node reachable from start along p (forward) or
// against it, each once; with zero, start itself first.
func (x *exec) reach(p pathExpr, start ID, g *gctx, zero, forward bool, visit func(n ID) bool) bool {
	seen := map[ID]bool{}
	if zero && x.zeroNode(start, g) {
		seen[start] = true
		if !visit(start) {
			return false
		}
	}
	frontier := []ID{start}
	var next []ID
	for len(frontier) > 0 {
		next = next[:0]
		for _, n := range frontier {
			step := func(m ID) bool {
				if seen[m] {
					return true
				}
				seen[m] = true
				if !x.charge(24) {
					return false
				}
				next = append(next, m)
				return visit(m)
			}
			var ok bool
			if forward {
				ok = x.pathEval(p, n, 0, g, func(_, m ID) bool { return step(m) })
			} else {
				ok = x.pathEval(p, 0, n, g, func(m, _ ID) bool { return step(m) })
			}
			if !ok {
				return false
			}
		}
		frontier, next = next, frontier
	}
	return true
}

// pathNeg evaluates a negated property set.
func (x *exec) pathNeg(p *pathNeg, s, o ID, g *gctx, fn func(a, b ID) bool) bool {
	if (s != 0 && !inStore(s)) || (o != 0 && !inStore(o)) {
		return true
	}
	excluded := func(set []int, pid ID) bool {
		for _, c := range set {
			if x.cids[c] == pid {
				return true
			}
		}
		return false
	}
	ok := true
	if len(p.fwd) > 0 || len(p.inv) == 0 {
		x.matchQuads(s, 0, o, g, nil, func(q [4]ID) bool {
			if excluded(p.fwd, q[1]) {
				return true
			}
			ok = fn(q[0], q[2])
			return ok
		})
		if !ok {
			return false
		}
	}
	if len(p.inv) > 0 {
		x.matchQuads(o, 0, s, g, nil, func(q [4]ID) bool {
			if excluded(p.inv, q[1]) {
				return true
			}
			ok = fn(q[2], q[0])
			return ok
		})
	}
	return ok
}
