package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine/function"
)

// row is a solution: one store or side-table ID per variable slot, 0 for
// unbound. Rows handed to an emit callback are only valid during the call;
// an operator that keeps one copies it.
type row []ID

func (r row) clone() row {
	c := make(row, len(r))
	copy(c, r)
	return c
}

// compatible reports whether a and b agree on every slot both bind.
func compatible(a, b row) bool {
	for i, v := range a {
		if v != 0 && b[i] != 0 && b[i] != v {
			return false
		}
	}
	return true
}

// mergeInto writes a ∪ b into dst (which may be a).
func mergeInto(dst, a, b row) {
	for i := range dst {
		if a[i] != 0 {
			dst[i] = a[i]
		} else {
			dst[i] = b[i]
		}
	}
}

// graph context kinds.
const (
	gDefault = iota // the dataset's default graph
	gFixed          // one named graph, known when planning
	gVar            // GRAPH ?g: the graph is the value of a slot, bound by the patterns when unbound
	gDyn            // the graph set by the nearest enclosing graph iteration (exec.curGraph)
)

// gctx is the active graph of a pattern.
type gctx struct {
	kind int
	id   ID  // gFixed
	slot int // gVar
}

// pnode is a physical operator. run evaluates the operator with the
// bindings of in substituted, calling emit for each solution (in merged
// in). It returns false when emit asked to stop or the execution failed
// (x.err is then set), true when it ran to completion.
type pnode interface {
	run(x *exec, in row, emit func(row) bool) bool
}

// exec is the state of one query or update-operation execution.
type exec struct {
	ctx    context.Context
	view   view
	tt     *termTable
	cids   []ID // store or side-table IDs of the query's constants
	nslots int
	ds     *dsView
	pl     *planner

	maxMem int64
	mem    int64
	ticks  uint32
	err    error

	now       rdf.Term
	blankSeed uint64
	blankSeq  int
	bnodes    map[string]rdf.Term
	freshIDs  map[ID]bool       // blank nodes made by BNODE
	pathConst [2]ID             // the constant ends of the path being evaluated
	fctx      *function.Context // made on first use: see funcCtx
	base      string
	started   time.Time

	curG   gctx // the graph gDyn patterns match in
	exists map[existsKey]pnode
}

type existsKey struct {
	e *exprExists
	g gctx
}

// fail records the first error that aborts the execution.
func (x *exec) fail(err error) {
	if x.err == nil {
		x.err = err
	}
}

// tick is called in inner loops; it reports whether to go on.
func (x *exec) tick() bool {
	if x.err != nil {
		return false
	}
	x.ticks++
	if x.ticks&1023 == 0 {
		if err := x.ctx.Err(); err != nil {
			x.fail(ctxError(err))
			return false
		}
	}
	return true
}

// ctxError maps a context error to the store's sentinel errors.
func ctxError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", triplestore.ErrTimeout, err)
	}
	return err
}

// rowBytes estimates the memory a materialised row of n slots takes.
func rowBytes(n int) int64 { return int64(8*n + 48) }

// charge accounts for materialised memory; it reports whether to go on.
func (x *exec) charge(bytes int64) bool {
	x.mem += bytes
	if x.maxMem > 0 && x.mem > x.maxMem {
		x.fail(fmt.Errorf("%w: more than %d bytes of intermediate results", triplestore.ErrMemoryLimit, x.maxMem))
		return false
	}
	return x.err == nil
}

func (x *exec) newRow() row { return make(row, x.nslots) }

// funcCtx returns the function context of the execution.
func (x *exec) funcCtx() *function.Context {
	if x.fctx == nil {
		x.fctx = function.NewContext(x.base, x.started)
	}
	return x.fctx
}

// existsPlan returns the physical plan of an EXISTS pattern in graph g.
func (x *exec) existsPlan(e *exprExists, g *gctx) pnode {
	k := existsKey{e: e, g: *g}
	if p, ok := x.exists[k]; ok {
		return p
	}
	if x.exists == nil {
		x.exists = make(map[existsKey]pnode)
	}
	p := x.pl.buildExists(e, *g)
	x.exists[k] = p
	return p
}
