package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine/quadstore"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

// Config configures an Engine.
type Config struct {
	// Dir is the data directory; empty keeps everything in memory.
	Dir string
	// NoSync skips fsync on commit (tests, benchmarks).
	NoSync bool
	// Timeout bounds each query and update; 0 means no limit beyond the
	// caller's context.
	Timeout time.Duration
	// MaxResults bounds the solutions of a SELECT and the triples of a
	// CONSTRUCT/DESCRIBE result; 0 means no limit. Exceeding it fails
	// with triplestore.ErrResultTooBig.
	MaxResults int
	// MaxMemoryBytes bounds the estimated memory of the intermediate
	// results a query materialises (hash tables, sorts, groups, DISTINCT
	// sets); 0 means no limit. Exceeding it fails with
	// triplestore.ErrMemoryLimit.
	MaxMemoryBytes int64
	// AllowLoad enables SPARQL LOAD, of local files under LoadDir only.
	AllowLoad bool
	// LoadDir is the directory LOAD may read (file: IRIs, or paths
	// relative to it). Required with AllowLoad.
	LoadDir string
	// UnionDefaultGraph makes the default graph of queries without a
	// dataset clause the union of the default graph and every named graph
	// (as several stores offer). Updates are unaffected.
	UnionDefaultGraph bool
	// Log receives lifecycle messages; nil discards them.
	Log logrus.FieldLogger
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Timeout < 0 {
		errs = append(errs, errors.New("engine: Timeout must not be negative"))
	}
	if c.MaxResults < 0 {
		errs = append(errs, errors.New("engine: MaxResults must not be negative"))
	}
	if c.MaxMemoryBytes < 0 {
		errs = append(errs, errors.New("engine: MaxMemoryBytes must not be negative"))
	}
	if c.AllowLoad && c.LoadDir == "" {
		errs = append(errs, errors.New("engine: AllowLoad needs LoadDir"))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	return c
}

// Engine is the embedded SPARQL 1.1 store. It implements
// triplestore.Store. It is safe for concurrent use: queries read
// snapshots, updates are serialised transactions.
type Engine struct {
	cfg    Config
	st     *quadstore.Store
	closed atomic.Bool

	mu     sync.Mutex
	cache  map[string]*Prepared       // recently compiled queries by text
	ucache map[string]*PreparedUpdate // recently compiled updates by text

	writtenOrder bool // benchmarks: plan without reordering (the baseline)
}

// Open opens an engine (and its store when cfg.Dir is set).
func Open(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	st, err := quadstore.Open(quadstore.Config{Dir: cfg.Dir, NoSync: cfg.NoSync, Log: cfg.Log})
	if err != nil {
		return nil, err
	}
	cfg.Log.WithField("dir", cfg.Dir).Debug("sparql engine opened")
	return &Engine{cfg: cfg, st: st}, nil
}

// NewMemory returns an in-memory engine with no limits: a throwaway store
// for tests, mediation of single messages and the W3C harness.
func NewMemory() *Engine {
	e, err := Open(Config{})
	if err != nil {
		// An empty in-memory config cannot fail validation or I/O.
		panic(fmt.Sprintf("engine: in-memory open failed: %v", err))
	}
	return e
}

// Close releases the store. It is idempotent.
func (e *Engine) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	return e.st.Close()
}

// Load adds quads (zero G: the default graph) in one transaction.
func (e *Engine) Load(ctx context.Context, quads []rdf.Quad) error {
	if e.closed.Load() {
		return triplestore.ErrClosed
	}
	return e.st.Load(ctx, quads)
}

// Dump returns every quad of the store (zero G: the default graph).
func (e *Engine) Dump(ctx context.Context) ([]rdf.Quad, error) {
	if e.closed.Load() {
		return nil, triplestore.ErrClosed
	}
	sn := e.st.Snapshot()
	defer sn.Release()
	var out []rdf.Quad
	var err error
	n := 0
	sn.Match(0, 0, 0, 0, func(q [4]ID) bool {
		n++
		if n&4095 == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		g := rdf.Term{}
		if q[3] != defaultGraphID {
			g = sn.Term(q[3])
		}
		out = append(out, rdf.Quad{S: sn.Term(q[0]), P: sn.Term(q[1]), O: sn.Term(q[2]), G: g})
		return true
	})
	return out, err
}

// QueryOptions sets what a query runs against. FROM and FROM NAMED in the
// query text take precedence over DefaultGraphs and NamedGraphs.
type QueryOptions struct {
	// BaseIRI resolves relative IRIs in the query.
	BaseIRI string
	// DefaultGraphs are merged to form the default graph; NamedGraphs are
	// the named graphs. Setting either replaces the store's dataset.
	DefaultGraphs []rdf.Term
	NamedGraphs   []rdf.Term
	// Prefixes are prefix declarations in effect before the query's own.
	Prefixes map[string]string
}

// Query runs a SPARQL query against the store's dataset.
func (e *Engine) Query(ctx context.Context, q string) (*triplestore.Result, error) {
	return e.QueryWith(ctx, q, QueryOptions{})
}

// QueryWith runs a SPARQL query with options.
func (e *Engine) QueryWith(ctx context.Context, q string, opts QueryOptions) (*triplestore.Result, error) {
	if e.closed.Load() {
		return nil, triplestore.ErrClosed
	}
	var p *Prepared
	cacheable := opts.BaseIRI == "" && opts.Prefixes == nil
	if cacheable {
		e.mu.Lock()
		p = e.cache[q]
		e.mu.Unlock()
	}
	if p == nil {
		var err error
		p, err = Prepare(q, sparql.ParseOptions{BaseIRI: opts.BaseIRI, Prefixes: opts.Prefixes})
		if err != nil {
			return nil, err
		}
		if cacheable {
			e.mu.Lock()
			if e.cache == nil || len(e.cache) > 256 {
				e.cache = make(map[string]*Prepared)
			}
			e.cache[q] = p
			e.mu.Unlock()
		}
	}
	return p.ExecWith(ctx, e, opts)
}

// Prepared is a compiled query that can run many times, on any Engine.
type Prepared struct {
	c *compiled
}

// Prepare parses and compiles a query.
func Prepare(q string, opts sparql.ParseOptions) (*Prepared, error) {
	pq, err := sparql.ParseQuery(q, opts)
	if err != nil {
		return nil, err
	}
	c, err := compileQuery(pq)
	if err != nil {
		return nil, err
	}
	return &Prepared{c: c}, nil
}

// Vars returns the projected variables of a SELECT.
func (p *Prepared) Vars() []string { return append([]string(nil), p.c.outNames...) }

// Exec runs the query on e against e's dataset.
func (p *Prepared) Exec(ctx context.Context, e *Engine) (*triplestore.Result, error) {
	return p.ExecWith(ctx, e, QueryOptions{})
}

// ExecWith runs the query on e with options (BaseIRI is ignored: it was
// used when compiling).
func (p *Prepared) ExecWith(ctx context.Context, e *Engine, opts QueryOptions) (*triplestore.Result, error) {
	if e.closed.Load() {
		return nil, triplestore.ErrClosed
	}
	var cancel context.CancelFunc = func() {}
	if e.cfg.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, e.cfg.Timeout)
	}
	sn := e.st.Snapshot()
	x, err := e.newExec(ctx, sn, sn, p.c, e.datasetFor(sn, p.c, opts))
	if err != nil {
		cancel()
		sn.Release()
		return nil, err
	}
	if p.c.form == triplestore.FormSelect {
		return e.selectResult(ctx, cancel, x, sn, p.c)
	}
	defer cancel()
	defer sn.Release()
	return e.runOther(x, p.c)
}

// newExec prepares the execution of c over a snapshot.
func (e *Engine) newExec(ctx context.Context, v view, d dictionary, c *compiled, ds *dsView) (*exec, error) {
	now := time.Now()
	x := &exec{
		ctx:       ctx,
		view:      v,
		tt:        newTermTable(d),
		nslots:    len(c.vt.names),
		ds:        ds,
		maxMem:    e.cfg.MaxMemoryBytes,
		base:      c.base,
		started:   now,
		blankSeed: uint64(now.UnixNano()),
	}
	x.cids = make([]ID, len(c.consts.terms))
	for i, t := range c.consts.terms {
		x.cids[i] = x.tt.id(t)
	}
	x.pl = &planner{x: x, writtenOrder: e.writtenOrder}
	if err := ctx.Err(); err != nil {
		return nil, ctxError(err)
	}
	return x, nil
}

// plan builds the physical plan of the query's pattern.
func (x *exec) plan(root op) (pnode, error) {
	if root == nil {
		return pUnit{}, nil
	}
	n := x.pl.build(root, nil, gctx{kind: gDefault})
	if x.pl.err != nil {
		return nil, x.pl.err
	}
	return n, nil
}

// datasetFor resolves the dataset of a query: FROM/FROM NAMED, else the
// options, else the store's.
func (e *Engine) datasetFor(d dictionary, c *compiled, opts QueryOptions) *dsView {
	var defs, named []rdf.Term
	switch {
	case len(c.from) > 0 || len(c.fromNamed) > 0:
		for _, g := range c.from {
			defs = append(defs, rdf.IRI(g))
		}
		for _, g := range c.fromNamed {
			named = append(named, rdf.IRI(g))
		}
	case len(opts.DefaultGraphs) > 0 || len(opts.NamedGraphs) > 0:
		defs, named = opts.DefaultGraphs, opts.NamedGraphs
	default:
		return storeDataset(e.cfg.UnionDefaultGraph)
	}
	return makeDataset(d, defs, named)
}

func makeDataset(d dictionary, defs, named []rdf.Term) *dsView {
	ds := &dsView{named: map[ID]bool{}}
	seen := map[ID]bool{}
	for _, g := range defs {
		if id, ok := d.Find(g); ok && !seen[id] {
			seen[id] = true
			ds.defaults = append(ds.defaults, id)
		}
	}
	for _, g := range named {
		if id, ok := d.Find(g); ok && !ds.named[id] {
			ds.named[id] = true
			ds.namedList = append(ds.namedList, id)
		}
	}
	return ds
}

// runOther runs an ASK, CONSTRUCT or DESCRIBE query to completion.
func (e *Engine) runOther(x *exec, c *compiled) (*triplestore.Result, error) {
	root, err := x.plan(c.root)
	if err != nil {
		return nil, err
	}
	res := &triplestore.Result{Form: c.form}
	switch c.form {
	case triplestore.FormAsk:
		root.run(x, x.newRow(), func(row) bool {
			res.Boolean = true
			return false
		})
	case triplestore.FormConstruct:
		res.Graph = e.construct(x, root, c)
	case triplestore.FormDescribe:
		res.Graph = e.describe(x, root, c)
	}
	if x.err != nil {
		return nil, x.err
	}
	if e.cfg.MaxResults > 0 && len(res.Graph) > e.cfg.MaxResults {
		return nil, fmt.Errorf("%w: more than %d triples", triplestore.ErrResultTooBig, e.cfg.MaxResults)
	}
	return res, nil
}
