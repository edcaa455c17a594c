package engine

import (
	"sort"

	"github.com/intermw/intermw/services/triplestore/engine/function"

	"github.com/intermw/intermw/ontology/rdf"
)

// pGroup groups the solutions of sub and computes aggregates (spec 18.5).
// Without GROUP BY keys all solutions form one group, present even when
// there are none.
type pGroup struct {
	sub  pnode
	keys []groupKey
	aggs []aggregate
	g    gctx
}

type group struct {
	key   row // key values by groupKey index
	aggs  []aggregator
	stars []map[string]bool // COUNT(DISTINCT *) seen rows
}

func (p *pGroup) run(x *exec, in row, emit func(row) bool) bool {
	groups := make(map[string]*group)
	var order []*group
	var kb []byte
	scratch := make(row, len(p.keys))
	newGroup := func(k row) *group {
		gr := &group{key: k, aggs: make([]aggregator, len(p.aggs)), stars: make([]map[string]bool, len(p.aggs))}
		for i, a := range p.aggs {
			gr.aggs[i] = newAggregator(a.name, a.distinct && !a.star, a.separator)
		}
		order = append(order, gr)
		return gr
	}
	p.sub.run(x, in, func(r row) bool {
		if !x.tick() {
			return false
		}
		k := scratch
		for i, gk := range p.keys {
			if v, ok := gk.e.(*exprVar); ok {
				k[i] = r[v.slot]
				continue
			}
			k[i] = 0
			t, err := gk.e.eval(x, r, &p.g)
			if err == nil {
				k[i] = x.tt.id(t)
			}
		}
		kb = rowKey(kb[:0], k)
		gr, ok := groups[string(kb)]
		if !ok {
			if !x.charge(rowBytes(len(k)) + int64(64*len(p.aggs))) {
				return false
			}
			gr = newGroup(k.clone())
			groups[string(kb)] = gr
		}
		for i, a := range p.aggs {
			if a.star {
				if a.distinct {
					if gr.stars[i] == nil {
						gr.stars[i] = make(map[string]bool)
					}
					rk := string(rowKey(nil, r))
					if gr.stars[i][rk] {
						continue
					}
					x.charge(int64(len(rk) + 16))
					gr.stars[i][rk] = true
				}
				gr.aggs[i].Add(function.Star, nil)
				continue
			}
			if v, ok := a.arg.(*exprVar); ok && a.name == "COUNT" && !a.distinct {
				// COUNT only needs to know whether the variable is bound.
				if r[v.slot] != 0 {
					gr.aggs[i].Add(function.Star, nil)
				} else {
					gr.aggs[i].Add(rdf.Term{}, errUnbound)
				}
				continue
			}
			t, err := a.arg.eval(x, r, &p.g)
			gr.aggs[i].Add(t, err)
		}
		return true
	})
	if x.err != nil {
		return false
	}
	if len(order) == 0 && len(p.keys) == 0 {
		newGroup(nil)
	}
	out := x.newRow()
	for _, gr := range order {
		clear(out)
		for i, gk := range p.keys {
			if gk.slot >= 0 {
				out[gk.slot] = gr.key[i]
			}
		}
		for i, a := range p.aggs {
			t, err := gr.aggs[i].Result()
			if err == nil && !t.IsZero() {
				out[a.slot] = x.tt.id(t)
			}
		}
		if !compatible(in, out) {
			continue
		}
		mergeInto(out, in, out)
		if !emit(out) {
			return false
		}
	}
	return true
}

// pOrder sorts the solutions of sub (ORDER BY).
type pOrder struct {
	sub  pnode
	keys []orderKey
	g    gctx
}

func (p *pOrder) run(x *exec, in row, emit func(row) bool) bool {
	type item struct {
		r    row
		keys []rdf.Term
	}
	var items []item
	p.sub.run(x, in, func(r row) bool {
		if !x.tick() || !x.charge(rowBytes(len(r))+int64(40*len(p.keys))) {
			return false
		}
		it := item{r: r.clone(), keys: make([]rdf.Term, len(p.keys))}
		for i, k := range p.keys {
			t, err := k.e.eval(x, r, &p.g)
			if err == nil {
				it.keys[i] = t
			}
		}
		items = append(items, it)
		return true
	})
	if x.err != nil {
		return false
	}
	sort.SliceStable(items, func(i, j int) bool {
		for k, ok := range p.keys {
			c := fnOrder(items[i].keys[k], items[j].keys[k])
			if c == 0 {
				continue
			}
			if ok.desc {
				return c > 0
			}
			return c < 0
		}
		return false
	})
	for _, it := range items {
		if !x.tick() || !emit(it.r) {
			return false
		}
	}
	return true
}

// pProject leaves only the kept slots bound (a subquery's projection).
type pProject struct {
	sub  pnode
	keep []int
}

func (p *pProject) run(x *exec, in row, emit func(row) bool) bool {
	out := x.newRow()
	return p.sub.run(x, in, func(r row) bool {
		copy(out, in)
		for _, s := range p.keep {
			out[s] = r[s]
		}
		return emit(out)
	})
}

// pDistinct drops solutions whose projected slots repeat an earlier one.
type pDistinct struct {
	sub   pnode
	slots []int
}

func (p *pDistinct) run(x *exec, in row, emit func(row) bool) bool {
	seen := make(map[string]struct{})
	var kb []byte
	return p.sub.run(x, in, func(r row) bool {
		kb = slotsKey(kb[:0], r, p.slots)
		if _, ok := seen[string(kb)]; ok {
			return true
		}
		if !x.charge(int64(len(kb) + 32)) {
			return false
		}
		seen[string(kb)] = struct{}{}
		return emit(r)
	})
}

// pSlice is OFFSET/LIMIT.
type pSlice struct {
	sub           pnode
	offset, limit int64
}

func (p *pSlice) run(x *exec, in row, emit func(row) bool) bool {
	if p.limit == 0 {
		return true
	}
	var n, sent int64
	stopped := false
	p.sub.run(x, in, func(r row) bool {
		n++
		if n <= p.offset {
			return true
		}
		if !emit(r) {
			stopped = true
			return false
		}
		sent++
		return p.limit < 0 || sent < p.limit
	})
	return !stopped && x.err == nil
}
