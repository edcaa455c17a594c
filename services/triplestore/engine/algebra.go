package engine

import "github.com/intermw/intermw/ontology/rdf"

// This file holds the SPARQL algebra (spec section 18) the translator
// produces from the syntax tree. Algebra is independent of any store: a
// compiled query keeps it and plans it anew for each execution. Variables
// are slots in a per-query table; constants are indices into the query's
// constant table so that each execution resolves them to store IDs once.

// varTable numbers the variables of one query (subqueries included).
type varTable struct {
	names []string
	index map[string]int
}

func (vt *varTable) slot(name string) int {
	if s, ok := vt.index[name]; ok {
		return s
	}
	if vt.index == nil {
		vt.index = make(map[string]int)
	}
	s := len(vt.names)
	vt.names = append(vt.names, name)
	vt.index[name] = s
	return s
}

// fresh returns a new hidden slot that no query variable can name.
func (vt *varTable) fresh(hint string) int {
	name := "\x00" + hint + itoa(len(vt.names))
	return vt.slot(name)
}

// node is a pattern position: a variable slot or a constant.
type node struct {
	slot int // -1 for a constant
	c    int // constant index when slot < 0
}

func (n node) isVar() bool { return n.slot >= 0 }

// triplePattern is a triple pattern with a plain predicate.
type triplePattern struct{ s, p, o node }

// op is a logical algebra operator.
type op interface{ isOp() }

type (
	// opBGP is a basic graph pattern; no patterns is the unit table.
	opBGP struct{ pats []triplePattern }
	// opPath is a triple pattern with a property path.
	opPath struct {
		s, o node
		path pathExpr
	}
	opJoin     struct{ l, r op }
	opLeftJoin struct {
		l, r op
		expr expr // nil when the OPTIONAL has no filter
	}
	opFilter struct {
		exprs []expr
		sub   op
	}
	opUnion struct{ l, r op }
	opMinus struct{ l, r op }
	opGraph struct {
		g   node
		sub op
	}
	opExtend struct {
		sub  op
		slot int
		e    expr
	}
	// opTable is inline data (VALUES); a 0 in a row is UNDEF.
	opTable struct {
		slots []int
		rows  [][]int // constant indices, -1 = UNDEF
	}
	opService struct {
		silent bool
		sub    op
	}
	// opGroup groups sub by keys and computes aggregates into slots.
	opGroup struct {
		sub  op
		keys []groupKey
		aggs []aggregate
	}
	opOrder struct {
		sub  op
		keys []orderKey
	}
	// opProject keeps only the given slots (the others become unbound).
	opProject struct {
		sub   op
		slots []int
	}
	opDistinct struct {
		sub   op
		slots []int
	}
	opReduced struct {
		sub   op
		slots []int
	}
	opSlice struct {
		sub           op
		offset, limit int64 // limit -1: none
	}
)

func (*opBGP) isOp()      {}
func (*opPath) isOp()     {}
func (*opJoin) isOp()     {}
func (*opLeftJoin) isOp() {}
func (*opFilter) isOp()   {}
func (*opUnion) isOp()    {}
func (*opMinus) isOp()    {}
func (*opGraph) isOp()    {}
func (*opExtend) isOp()   {}
func (*opTable) isOp()    {}
func (*opService) isOp()  {}
func (*opGroup) isOp()    {}
func (*opOrder) isOp()    {}
func (*opProject) isOp()  {}
func (*opDistinct) isOp() {}
func (*opReduced) isOp()  {}
func (*opSlice) isOp()    {}

type groupKey struct {
	e    expr
	slot int // the slot the key value is bound to (-1: none)
}

type aggregate struct {
	name      string
	distinct  bool
	star      bool
	arg       expr
	separator string
	slot      int
}

type orderKey struct {
	e    expr
	desc bool
}

// pathExpr is a property path expression.
type pathExpr interface{ isPath() }

type (
	pathLink    struct{ c int } // a predicate constant
	pathInverse struct{ p pathExpr }
	pathSeq     struct{ l, r pathExpr }
	pathAlt     struct{ l, r pathExpr }
	pathStar    struct{ p pathExpr }
	pathPlus    struct{ p pathExpr }
	pathOpt     struct{ p pathExpr }
	pathNeg     struct{ fwd, inv []int }
)

func (*pathLink) isPath()    {}
func (*pathInverse) isPath() {}
func (*pathSeq) isPath()     {}
func (*pathAlt) isPath()     {}
func (*pathStar) isPath()    {}
func (*pathPlus) isPath()    {}
func (*pathOpt) isPath()     {}
func (*pathNeg) isPath()     {}

// consts is the constant table of a compiled query.
type consts struct {
	terms []rdf.Term
	index map[rdf.Term]int
}

func (c *consts) add(t rdf.Term) int {
	if i, ok := c.index[t]; ok {
		return i
	}
	if c.index == nil {
		c.index = make(map[rdf.Term]int)
	}
	i := len(c.terms)
	c.terms = append(c.terms, t)
	c.index[t] = i
	return i
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
