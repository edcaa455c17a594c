package alignment

import (
	"context"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine/function"
)

// nrun is the state of one native translation: the graph and scratch
// space reused from step to step.
type nrun struct {
	g    *graph
	fctx *function.Context
	nc   *nativeCell
	ctx  context.Context
	err  error // the context's error, once matching noticed it
	work int   // candidate triples visited, to poll ctx now and then

	started time.Time // the step's start, for NOW()
	now     rdf.Term

	order []int    // the join order of the step's patterns
	used  []bool   // scratch of plan: patterns placed
	bound []bool   // scratch of plan: slots bound so far
	row   []termID // the match being built
	sols  []termID // the step's solutions, len(nc.slots) terms each
	nsol  int      // how many (a cell without variables has empty ones)
	blank []termID // the fresh blank nodes of the current solution

	// Inline space for the scratch slices and the graph, so that a
	// translation of a small payload allocates little.
	gbuf graph
	buf  struct {
		order [32]int
		used  [32]bool
		bound [64]bool
		row   [64]termID
		sols  [512]termID
		blank [16]termID
	}
}

func newRun() *nrun {
	r := &nrun{}
	r.order, r.used, r.bound = r.buf.order[:0], r.buf.used[:0], r.buf.bound[:0]
	r.row, r.sols, r.blank = r.buf.row[:0], r.buf.sols[:0], r.buf.blank[:0]
	r.g = &r.gbuf
	return r
}

// maxPooled bounds the triples of a run kept for reuse, so that one
// enormous payload does not pin its memory.
const maxPooled = 4096

// getRun takes a run from the alignment's pool.
func (c *Compiled) getRun() *nrun {
	if c.runs != nil {
		if r, ok := c.runs.Get().(*nrun); ok {
			r.fctx = c.fctx
			return r
		}
	}
	r := newRun()
	r.fctx = c.fctx
	return r
}

// putRun returns r to the pool, without its last payload's terms.
func (c *Compiled) putRun(r *nrun) {
	if c.runs == nil || cap(r.gbuf.ts) > maxPooled || cap(r.sols) > 64*maxPooled {
		return
	}
	r.g, r.nc, r.ctx = &r.gbuf, nil, nil
	r.now = rdf.Term{}
	c.runs.Put(r)
}

// applyNative runs the steps on the payload with the native executor;
// steps without a native plan run on the engine (see engineStep).
func (c *Compiled) applyNative(ctx context.Context, payload []rdf.Triple, strict bool) ([]rdf.Triple, []Loss, error) {
	r := c.getRun()
	defer c.putRun(r)
	r.ctx, r.err = ctx, nil
	if err := r.g.init(c.consts, c.blanks, payload); err != nil {
		return nil, nil, err
	}
	var losses []Loss
	for _, s := range c.steps {
		if err := ctx.Err(); err != nil {
			return nil, losses, err
		}
		if s.native == nil {
			g, err := c.engineStep(ctx, s, r.g, strict, &losses)
			if err != nil {
				return nil, losses, err
			}
			r.g = g
			continue
		}
		nc := s.native
		if r.solve(nc); r.err != nil {
			return nil, losses, r.err
		}
		if n := r.lost(nc); n > 0 {
			l := Loss{Alignment: c.ID(), Cell: s.cell.Name(), Matches: n, Vars: s.lossVars}
			if strict {
				return nil, losses, &DataLossError{Loss: l}
			}
			losses = append(losses, l)
		}
		r.update(nc)
	}
	return r.g.triples(), losses, nil
}

// solve finds every solution of the step's WHERE against the graph as it
// is before the step: the matches of the basic graph pattern, extended
// by the BINDs in order, kept when every FILTER holds.
func (r *nrun) solve(nc *nativeCell) {
	r.nc = nc
	r.sols, r.nsol = r.sols[:0], 0
	r.now, r.started = rdf.Term{}, time.Time{}
	n := len(nc.slots)
	r.row = grow(r.row, n)
	if !r.plan() {
		return
	}
	r.match(0, r.row)
}

func grow(s []termID, n int) []termID {
	if cap(s) < n {
		return make([]termID, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// plan orders the patterns greedily, most selective first: a constant
// predicate costs its number of triples, and a bound subject or object
// divides the cost. It reports false when a constant predicate has no
// triple at all: then nothing matches.
func (r *nrun) plan() bool {
	nc, g := r.nc, r.g
	r.order = r.order[:0]
	if cap(r.used) < len(nc.where) {
		r.used = make([]bool, len(nc.where))
	}
	r.used = r.used[:len(nc.where)]
	clear(r.used)
	if cap(r.bound) < len(nc.slots) {
		r.bound = make([]bool, len(nc.slots))
	}
	r.bound = r.bound[:len(nc.slots)]
	clear(r.bound)
	for len(r.order) < len(nc.where) {
		best, bestCost := -1, 0
		for i := range nc.where {
			if r.used[i] {
				continue
			}
			p := &nc.where[i]
			cost := g.live
			if p.p.slot < 0 {
				cost = int(g.cntP[p.p.id])
				if cost == 0 {
					return false
				}
			}
			cost = 16*cost + 16
			if p.s.slot < 0 || r.bound[p.s.slot] {
				cost /= 16
			}
			if p.o.slot < 0 || r.bound[p.o.slot] {
				cost /= 4
			}
			if best < 0 || cost < bestCost {
				best, bestCost = i, cost
			}
		}
		r.used[best] = true
		r.order = append(r.order, best)
		p := &nc.where[best]
		for _, q := range [3]npos{p.s, p.p, p.o} {
			if q.slot >= 0 {
				r.bound[q.slot] = true
			}
		}
	}
	return true
}

func val(p npos, row []termID) termID {
	if p.slot >= 0 {
		return row[p.slot]
	}
	return p.id
}

// pollEvery is how many candidate triples matching visits between two
// looks at the context: a pathological payload can be cancelled.
const pollEvery = 1 << 12

// match extends row with the triples matching the pattern at depth, by
// backtracking.
func (r *nrun) match(depth int, row []termID) {
	if depth == len(r.order) {
		r.emit(row)
		return
	}
	if r.work++; r.work%pollEvery == 0 && r.err == nil {
		r.err = r.ctx.Err()
	}
	if r.err != nil {
		return
	}
	g := r.g
	p := &r.nc.where[r.order[depth]]
	s, pp, o := val(p.s, row), val(p.p, row), val(p.o, row)
	switch {
	case s != 0 && (pp == 0 || g.lenS[s] <= g.lenP[pp]):
		for i := g.headS[s]; i != 0; i = g.ts[i-1].nextS {
			t := &g.ts[i-1]
			if !t.dead && (pp == 0 || t.p == pp) && (o == 0 || t.o == o) {
				r.bindAndMatch(depth, p, t, row)
			}
		}
	case pp != 0:
		for i := g.headP[pp]; i != 0; i = g.ts[i-1].nextP {
			t := &g.ts[i-1]
			if !t.dead && (o == 0 || t.o == o) {
				r.bindAndMatch(depth, p, t, row)
			}
		}
	default:
		for i := range g.ts {
			t := &g.ts[i]
			if !t.dead && (o == 0 || t.o == o) {
				r.bindAndMatch(depth, p, t, row)
			}
		}
	}
}

// bindAndMatch binds the pattern's unbound variables to the triple's
// terms (a variable repeated in the pattern must get one term) and goes
// on with the next pattern.
func (r *nrun) bindAndMatch(depth int, p *npat, t *gtriple, row []termID) {
	var set [3]int
	n := 0
	ok := true
	for k, v := range [3]termID{t.s, t.p, t.o} {
		q := p.s
		switch k {
		case 1:
			q = p.p
		case 2:
			q = p.o
		}
		if q.slot < 0 {
			continue
		}
		switch cur := row[q.slot]; {
		case cur == 0:
			row[q.slot] = v
			set[n] = q.slot
			n++
		case cur != v:
			ok = false
		}
		if !ok {
			break
		}
	}
	if ok {
		r.match(depth+1, row)
	}
	for _, sl := range set[:n] {
		row[sl] = 0
	}
}

// emit records a match of the basic graph pattern as a solution: the
// BINDs extend it (a failed one leaves its variable unbound) and the
// FILTERs decide whether it stays.
func (r *nrun) emit(row []termID) {
	nc := r.nc
	base := len(r.sols)
	r.sols = append(r.sols, row...)
	sol := r.sols[base:]
	for _, b := range nc.binds {
		t, err := b.e.eval(r, sol)
		if err != nil {
			continue
		}
		id := r.g.intern(t)
		if cur := sol[b.slot]; cur != 0 {
			if cur != id {
				r.sols = r.sols[:base]
				return
			}
			continue
		}
		sol[b.slot] = id
	}
	for _, f := range nc.filters {
		if !holds(r, f, sol) {
			r.sols = r.sols[:base]
			return
		}
	}
	r.nsol++
}

// lost counts the solutions in which a value entity2 needs is unbound.
func (r *nrun) lost(nc *nativeCell) int {
	if len(nc.loss) == 0 {
		return 0
	}
	n, lost := len(nc.slots), 0
	for k := 0; k < r.nsol; k++ {
		sol := r.sols[k*n : k*n+n]
		for _, sl := range nc.loss {
			if sol[sl] == 0 {
				lost++
				break
			}
		}
	}
	return lost
}

// update applies the step's templates to the solutions as SPARQL Update
// does: every deletion, then every insertion. A template triple with an
// unbound variable, or that is not valid RDF, is skipped; the blank
// nodes of the INSERT template are fresh for each solution.
func (r *nrun) update(nc *nativeCell) {
	n, g := len(nc.slots), r.g
	for k := 0; k < r.nsol; k++ {
		sol := r.sols[k*n : k*n+n]
		for i := range nc.del {
			t := &nc.del[i]
			s, p, o := val(t.s, sol), val(t.p, sol), val(t.o, sol)
			if s == 0 || p == 0 || o == 0 {
				continue
			}
			if j := g.find(s, p, o); j >= 0 {
				g.remove(j)
			}
		}
	}
	if cap(r.blank) < nc.nblank {
		r.blank = make([]termID, nc.nblank)
	}
	r.blank = r.blank[:nc.nblank]
	for k := 0; k < r.nsol; k++ {
		sol := r.sols[k*n : k*n+n]
		clear(r.blank)
		for i := range nc.ins {
			t := &nc.ins[i]
			s, p, o := r.inst(t.s, sol), r.inst(t.p, sol), r.inst(t.o, sol)
			if s == 0 || p == 0 || o == 0 {
				continue
			}
			if sk := g.term(s).Kind; sk != rdf.KindIRI && sk != rdf.KindBlank || g.term(p).Kind != rdf.KindIRI {
				continue
			}
			g.add(s, p, o)
		}
	}
}

func (r *nrun) inst(p npos, sol []termID) termID {
	switch {
	case p.slot >= 0:
		return sol[p.slot]
	case p.blank >= 0:
		if r.blank[p.blank] == 0 {
			r.blank[p.blank] = r.g.freshBlank()
		}
		return r.blank[p.blank]
	}
	return p.id
}
