package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine/quadstore"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

// PreparedUpdate is a compiled update request that can run many times, on
// any Engine.
type PreparedUpdate struct {
	ops []updateOp
}

type updateOp interface{ isUpdateOp() }

type (
	uInsertData struct{ quads []rdf.Quad }
	uDeleteData struct{ quads []rdf.Quad }
	uModify     struct {
		c          *compiled
		del, ins   []tmplQuad
		with       string
		using      []string
		usingNamed []string
	}
	uLoad  struct{ op *sparql.Load }
	uClear struct {
		silent bool
		target sparql.GraphTarget
		drop   bool
	}
	uCreate   struct{ op *sparql.Create }
	uTransfer struct {
		kind     string // ADD, MOVE, COPY
		silent   bool
		from, to sparql.GraphRef
	}
)

func (*uInsertData) isUpdateOp() {}
func (*uDeleteData) isUpdateOp() {}
func (*uModify) isUpdateOp()     {}
func (*uLoad) isUpdateOp()       {}
func (*uClear) isUpdateOp()      {}
func (*uCreate) isUpdateOp()     {}
func (*uTransfer) isUpdateOp()   {}

// tmplQuad is a quad template; a g with slot < 0 and a zero term is the
// default graph (or the WITH graph).
type tmplQuad struct{ s, p, o, g tmplNode }

// PrepareUpdate parses and compiles an update request.
func PrepareUpdate(u string, opts sparql.ParseOptions) (*PreparedUpdate, error) {
	pu, err := sparql.ParseUpdate(u, opts)
	if err != nil {
		return nil, err
	}
	return compileUpdate(pu)
}

func compileUpdate(u *sparql.Update) (*PreparedUpdate, error) {
	p := &PreparedUpdate{}
	for _, o := range u.Operations {
		switch o := o.(type) {
		case *sparql.InsertData:
			p.ops = append(p.ops, &uInsertData{quads: o.Quads})
		case *sparql.DeleteData:
			p.ops = append(p.ops, &uDeleteData{quads: o.Quads})
		case *sparql.DeleteWhere:
			m := &sparql.Modify{Delete: o.Quads, HasDelete: true, Where: quadsToGroup(o.Quads)}
			op, err := compileModify(m, u.Base)
			if err != nil {
				return nil, err
			}
			p.ops = append(p.ops, op)
		case *sparql.Modify:
			op, err := compileModify(o, u.Base)
			if err != nil {
				return nil, err
			}
			p.ops = append(p.ops, op)
		case *sparql.Load:
			p.ops = append(p.ops, &uLoad{op: o})
		case *sparql.Clear:
			p.ops = append(p.ops, &uClear{silent: o.Silent, target: o.Target})
		case *sparql.Drop:
			p.ops = append(p.ops, &uClear{silent: o.Silent, target: o.Target, drop: true})
		case *sparql.Create:
			p.ops = append(p.ops, &uCreate{op: o})
		case *sparql.Add:
			p.ops = append(p.ops, &uTransfer{kind: "ADD", silent: o.Silent, from: o.From, to: o.To})
		case *sparql.Move:
			p.ops = append(p.ops, &uTransfer{kind: "MOVE", silent: o.Silent, from: o.From, to: o.To})
		case *sparql.Copy:
			p.ops = append(p.ops, &uTransfer{kind: "COPY", silent: o.Silent, from: o.From, to: o.To})
		default:
			return nil, fmt.Errorf("%w: update operation %T", triplestore.ErrUnsupported, o)
		}
	}
	return p, nil
}

// quadsToGroup turns the quad pattern of DELETE WHERE into a group graph
// pattern.
func quadsToGroup(qs []sparql.QuadPattern) *sparql.GroupPattern {
	gp := &sparql.GroupPattern{}
	for _, q := range qs {
		tp := sparql.TriplePattern{S: q.S, P: q.P, O: q.O}
		if q.G.IsZero() {
			gp.Elements = append(gp.Elements, &sparql.BGP{Triples: []sparql.TriplePattern{tp}})
			continue
		}
		gp.Elements = append(gp.Elements, &sparql.Graph{Name: q.G, Pattern: &sparql.GroupPattern{Elements: []sparql.Element{&sparql.BGP{Triples: []sparql.TriplePattern{tp}}}}})
	}
	return gp
}

func compileModify(m *sparql.Modify, base string) (*uModify, error) {
	c := &compiled{form: triplestore.FormSelect, base: base}
	tr := &translator{c: c}
	sc := &scope{tr: tr}
	if m.Where != nil {
		c.root = tr.group(m.Where, sc)
	} else {
		c.root = &opBGP{}
	}
	quad := func(q sparql.QuadPattern) tmplQuad {
		t := tmplQuad{s: tr.tmpl(q.S, sc), p: tr.tmpl(q.P, sc), o: tr.tmpl(q.O, sc), g: tmplNode{slot: -1}}
		if !q.G.IsZero() {
			t.g = tr.tmpl(q.G, sc)
		}
		return t
	}
	u := &uModify{c: c, with: m.With, using: m.Using, usingNamed: m.UsingNamed}
	for _, q := range m.Delete {
		u.del = append(u.del, quad(q))
	}
	for _, q := range m.Insert {
		u.ins = append(u.ins, quad(q))
	}
	if tr.err != nil {
		return nil, tr.err
	}
	return u, nil
}

// Update runs a SPARQL update request atomically.
func (e *Engine) Update(ctx context.Context, u string) error {
	return e.UpdateWith(ctx, u, sparql.ParseOptions{})
}

// UpdateWith runs an update request with parse options (base IRI,
// prefixes).
func (e *Engine) UpdateWith(ctx context.Context, u string, opts sparql.ParseOptions) error {
	if e.closed.Load() {
		return triplestore.ErrClosed
	}
	cacheable := opts.BaseIRI == "" && opts.Prefixes == nil
	var p *PreparedUpdate
	if cacheable {
		e.mu.Lock()
		p = e.ucache[u]
		e.mu.Unlock()
	}
	if p == nil {
		var err error
		p, err = PrepareUpdate(u, opts)
		if err != nil {
			return err
		}
		if cacheable {
			e.mu.Lock()
			if e.ucache == nil || len(e.ucache) > 256 {
				e.ucache = make(map[string]*PreparedUpdate)
			}
			e.ucache[u] = p
			e.mu.Unlock()
		}
	}
	return p.Exec(ctx, e)
}

// Exec runs the update on e in one transaction: all of it or, on any
// error, none of it.
func (p *PreparedUpdate) Exec(ctx context.Context, e *Engine) error {
	if e.closed.Load() {
		return triplestore.ErrClosed
	}
	if e.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.cfg.Timeout)
		defer cancel()
	}
	tx := e.st.Begin()
	defer tx.Rollback()
	u := &updater{e: e, tx: tx, ctx: ctx, now: time.Now()}
	for _, o := range p.ops {
		if err := u.apply(o); err != nil {
			if errors.Is(err, quadstore.ErrClosed) {
				return fmt.Errorf("%w: %w", triplestore.ErrClosed, err)
			}
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return ctxError(err)
	}
	return nil
}

// updater applies the operations of one request to a transaction.
type updater struct {
	e   *Engine
	tx  *quadstore.Txn
	ctx context.Context
	now time.Time
	seq int
}

func (u *updater) fresh() rdf.Term {
	u.seq++
	return rdf.Blank(fmt.Sprintf("u%dx%d", u.now.UnixNano(), u.seq))
}

func (u *updater) apply(o updateOp) error {
	if err := u.ctx.Err(); err != nil {
		return ctxError(err)
	}
	switch o := o.(type) {
	case *uInsertData:
		blanks := map[string]rdf.Term{}
		for _, q := range o.quads {
			q.S = u.freshFor(q.S, blanks)
			q.O = u.freshFor(q.O, blanks)
			if err := u.tx.Add(q); err != nil {
				return err
			}
		}
	case *uDeleteData:
		for _, q := range o.quads {
			if err := u.tx.Remove(q); err != nil {
				return err
			}
		}
	case *uModify:
		return u.modify(o)
	case *uLoad:
		return u.load(o.op)
	case *uClear:
		return u.clear(o)
	case *uCreate:
		sn := u.tx.Snapshot()
		if id, ok := sn.Find(rdf.IRI(o.op.Graph)); ok && sn.Count(0, 0, 0, id) > 0 && !o.op.Silent {
			return fmt.Errorf("%w: graph <%s> already exists", ErrUpdate, o.op.Graph)
		}
		return nil
	case *uTransfer:
		return u.transfer(o)
	}
	return nil
}

func (u *updater) freshFor(t rdf.Term, blanks map[string]rdf.Term) rdf.Term {
	if !t.IsBlank() {
		return t
	}
	b, ok := blanks[t.Value]
	if !ok {
		b = u.fresh()
		blanks[t.Value] = b
	}
	return b
}

func (u *updater) modify(m *uModify) error {
	sn := u.tx.Snapshot()
	var ds *dsView
	switch {
	case len(m.using) > 0 || len(m.usingNamed) > 0:
		var defs, named []rdf.Term
		for _, g := range m.using {
			defs = append(defs, rdf.IRI(g))
		}
		for _, g := range m.usingNamed {
			named = append(named, rdf.IRI(g))
		}
		ds = makeDataset(sn, defs, named)
	case m.with != "":
		ds = &dsView{}
		if id, ok := sn.Find(rdf.IRI(m.with)); ok {
			ds.defaults = []ID{id}
		}
	default:
		ds = storeDataset(false)
	}
	x, err := u.e.newExec(u.ctx, sn, sn, m.c, ds)
	if err != nil {
		return err
	}
	root, err := x.plan(m.c.root)
	if err != nil {
		return err
	}
	var sols []row
	root.run(x, x.newRow(), func(r row) bool {
		if !x.charge(rowBytes(len(r))) {
			return false
		}
		sols = append(sols, r.clone())
		return true
	})
	if x.err != nil {
		return x.err
	}
	var with rdf.Term
	withID := defaultGraphID
	if m.with != "" {
		with = rdf.IRI(m.with)
		withID = x.tt.id(with)
	}
	// Deletions by ID: a quad with a term the store lacks is not there.
	dels := make([][4]ID, 0, len(sols)*len(m.del))
	for _, r := range sols {
		for _, t := range m.del {
			if q, ok := x.quadIDs(t, r, withID); ok {
				dels = append(dels, q)
			}
		}
	}
	var adds []rdf.Quad
	addIDs := make([][4]ID, 0, len(sols)*len(m.ins))
	blanks := map[string]rdf.Term{}
	for _, r := range sols {
		clear(blanks)
		for _, t := range m.ins {
			if t.s.blank == "" && t.o.blank == "" {
				if q, ok := x.quadIDs(t, r, withID); ok && x.validIDs(q) {
					addIDs = append(addIDs, q)
					continue
				}
			}
			if q, ok := x.quad(t, r, blanks, with); ok {
				adds = append(adds, q)
			}
		}
	}
	for _, q := range dels {
		if err := u.tx.RemoveIDs(q[0], q[1], q[2], q[3]); err != nil {
			return err
		}
	}
	for _, q := range addIDs {
		if err := u.tx.AddIDs(q[0], q[1], q[2], q[3]); err != nil {
			return err
		}
	}
	for _, q := range adds {
		if err := u.tx.Add(q); err != nil {
			return err
		}
	}
	return nil
}

// quadIDs instantiates a template without blank nodes as store IDs; ok
// is false when a position is unbound or holds a term the store lacks.
func (x *exec) quadIDs(t tmplQuad, r row, with ID) ([4]ID, bool) {
	var q [4]ID
	for i, n := range [4]tmplNode{t.s, t.p, t.o, t.g} {
		var id ID
		switch {
		case n.slot >= 0:
			id = r[n.slot]
		case n.blank != "":
			return q, false
		case n.term.IsZero():
			id = with
		default:
			id = x.tt.id(n.term)
		}
		if !inStore(id) {
			return q, false
		}
		q[i] = id
	}
	return q, true
}

// validIDs reports whether the quad of store IDs is valid RDF.
func (x *exec) validIDs(q [4]ID) bool {
	s, p := x.tt.term(q[0]), x.tt.term(q[1])
	if !(s.IsIRI() || s.IsBlank()) || !p.IsIRI() {
		return false
	}
	return q[3] == defaultGraphID || x.tt.term(q[3]).IsIRI()
}

// quad instantiates a quad template; blanks nil means blank nodes are not
// allowed (DELETE templates).
func (x *exec) quad(t tmplQuad, r row, blanks map[string]rdf.Term, with rdf.Term) (rdf.Quad, bool) {
	if blanks == nil && (t.s.blank != "" || t.o.blank != "") {
		return rdf.Quad{}, false
	}
	s, ok1 := x.instantiate(t.s, r, blanks)
	p, ok2 := x.instantiate(t.p, r, blanks)
	o, ok3 := x.instantiate(t.o, r, blanks)
	if !ok1 || !ok2 || !ok3 || !validTriple(s, p, o) {
		return rdf.Quad{}, false
	}
	g := with
	if t.g.slot >= 0 || !t.g.term.IsZero() {
		gt, ok := x.instantiate(t.g, r, blanks)
		if !ok || !gt.IsIRI() {
			return rdf.Quad{}, false
		}
		g = gt
	}
	return rdf.Quad{S: s, P: p, O: o, G: g}, true
}

// graphID resolves a graph reference; ok is false when the store has no
// such term (so no such graph).
func graphID(sn *quadstore.Snapshot, def bool, iri string) (ID, bool) {
	if def {
		return defaultGraphID, true
	}
	return sn.Find(rdf.IRI(iri))
}

// removeGraph deletes every quad of graph g.
func (u *updater) removeGraph(sn *quadstore.Snapshot, g ID) error {
	var qs [][4]ID
	sn.Match(0, 0, 0, g, func(q [4]ID) bool {
		qs = append(qs, q)
		return true
	})
	for _, q := range qs {
		if err := u.tx.RemoveIDs(q[0], q[1], q[2], q[3]); err != nil {
			return err
		}
	}
	return nil
}

func (u *updater) clear(c *uClear) error {
	sn := u.tx.Snapshot()
	switch c.target.Kind {
	case sparql.TargetGraph:
		id, ok := sn.Find(rdf.IRI(c.target.IRI))
		if !ok || sn.Count(0, 0, 0, id) == 0 {
			return nil
		}
		return u.removeGraph(sn, id)
	case sparql.TargetDefault:
		return u.removeGraph(sn, defaultGraphID)
	case sparql.TargetNamed, sparql.TargetAll:
		var gs []ID
		sn.NamedGraphs(func(g ID) bool {
			gs = append(gs, g)
			return true
		})
		if c.target.Kind == sparql.TargetAll {
			gs = append(gs, defaultGraphID)
		}
		for _, g := range gs {
			if err := u.removeGraph(sn, g); err != nil {
				return err
			}
		}
	}
	return nil
}

func (u *updater) transfer(t *uTransfer) error {
	if t.from == t.to {
		return nil
	}
	sn := u.tx.Snapshot()
	from, okFrom := graphID(sn, t.from.Default, t.from.IRI)
	to, okTo := graphID(sn, t.to.Default, t.to.IRI)
	if !okFrom || (from != defaultGraphID && sn.Count(0, 0, 0, from) == 0) {
		if t.silent {
			return nil
		}
		if t.kind == "ADD" || from == defaultGraphID {
			return nil
		}
		return fmt.Errorf("%w: source graph <%s> does not exist", ErrUpdate, t.from.IRI)
	}
	if t.kind != "ADD" && okTo {
		if err := u.removeGraph(sn, to); err != nil {
			return err
		}
	}
	var qs [][4]ID
	sn.Match(0, 0, 0, from, func(q [4]ID) bool {
		qs = append(qs, q)
		return true
	})
	var toTerm rdf.Term
	if !t.to.Default {
		toTerm = rdf.IRI(t.to.IRI)
	}
	for _, q := range qs {
		if err := u.tx.Add(rdf.Quad{S: sn.Term(q[0]), P: sn.Term(q[1]), O: sn.Term(q[2]), G: toTerm}); err != nil {
			return err
		}
	}
	if t.kind == "MOVE" {
		for _, q := range qs {
			if err := u.tx.RemoveIDs(q[0], q[1], q[2], q[3]); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrUpdate marks an update operation that failed on the data: CREATE of
// an existing graph, MOVE/COPY from a missing graph, a LOAD that could not
// be read (all without SILENT).
var ErrUpdate = errors.New("sparql update failed")
