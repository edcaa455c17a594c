package engine

// bgpStep is one triple pattern of a planned BGP with the filters that can
// run as soon as it has matched.
type bgpStep struct {
	pos     [3]node
	filters []expr
}

// pBGP evaluates a basic graph pattern as an index nested loop: each
// pattern is looked up with the variables the earlier ones bound.
type pBGP struct {
	steps []bgpStep
	g     gctx
	seeds []seed
}

// seed binds a variable that an equality filter fixes to a constant.
type seed struct {
	slot int
	id   ID
}

func (b *pBGP) run(x *exec, in row, emit func(row) bool) bool {
	buf := in.clone()
	for _, s := range b.seeds {
		if !inStore(s.id) {
			return true
		}
		if v := buf[s.slot]; v == 0 {
			buf[s.slot] = s.id
		} else if v != s.id {
			return true
		}
	}
	return b.step(x, 0, buf, emit)
}

func (b *pBGP) step(x *exec, i int, buf row, emit func(row) bool) bool {
	if i == len(b.steps) {
		return emit(buf)
	}
	st := &b.steps[i]
	var key [3]ID
	bind := [4]int{-1, -1, -1, -1}
	for j, n := range st.pos {
		if n.isVar() {
			if v := buf[n.slot]; v != 0 {
				if !inStore(v) {
					return true
				}
				key[j] = v
			} else {
				bind[j] = n.slot
			}
			continue
		}
		id := x.cids[n.c]
		if !inStore(id) {
			return true
		}
		key[j] = id
	}
	if b.g.kind == gVar && buf[b.g.slot] == 0 {
		bind[3] = b.g.slot
	}
	cont := true
	x.matchQuads(key[0], key[1], key[2], &b.g, buf, func(q [4]ID) bool {
		if !x.tick() {
			cont = false
			return false
		}
		ok := true
		var set [4]int
		nset := 0
		for j, s := range bind {
			if s < 0 {
				continue
			}
			if v := buf[s]; v != 0 {
				if v != q[j] {
					ok = false
					break
				}
				continue
			}
			buf[s] = q[j]
			set[nset] = s
			nset++
		}
		if ok {
			for _, f := range st.filters {
				if !holds(x, f, buf, &b.g) {
					ok = false
					break
				}
			}
			if ok && !b.step(x, i+1, buf, emit) {
				cont = false
			}
		}
		for _, s := range set[:nset] {
			buf[s] = 0
		}
		return cont
	})
	return cont && x.err == nil
}

// pUnit is the empty group pattern: it yields its input.
type pUnit struct{}

func (pUnit) run(_ *exec, in row, emit func(row) bool) bool { return emit(in) }

// pNone yields no solution.
type pNone struct{}

func (pNone) run(*exec, row, func(row) bool) bool { return true }
