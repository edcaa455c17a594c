package alignment

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine"
	"github.com/intermw/intermw/services/triplestore/engine/function"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

// Compiled is an alignment with every stepped cell compiled once into a
// prepared SPARQL Update and, where it can be, into a plan for the native
// executor. It is immutable and safe for concurrent use.
type Compiled struct {
	Alignment *Alignment
	steps     []*compiledCell
	executor  Executor

	// The native executor's shared, read-only state: the cells'
	// constants, the labeller of entity2's blank nodes and the function
	// context (its regular expression cache).
	consts *constTable
	blanks *blankSource
	fctx   *function.Context
	runs   *sync.Pool // of *nrun: scratch space reused between translations
}

// Executor chooses how Apply runs the compiled cells.
type Executor uint8

const (
	// ExecutorNative, the default, runs each cell natively over an
	// indexed payload graph, and on the embedded engine only the cells
	// the native executor cannot express (see Compiled.Fallbacks).
	ExecutorNative Executor = iota
	// ExecutorEngine runs every cell's prepared update on a throwaway
	// in-memory store of the embedded engine.
	ExecutorEngine
)

func (e Executor) String() string {
	if e == ExecutorEngine {
		return "engine"
	}
	return "native"
}

// WithExecutor returns the alignment running on executor e; it shares
// the compiled cells with c.
func (c *Compiled) WithExecutor(e Executor) *Compiled {
	out := *c
	out.executor = e
	return &out
}

// Executor returns the executor Apply uses.
func (c *Compiled) Executor() Executor { return c.executor }

// Fallback is a stepped cell the native executor cannot express, so it
// runs on the engine, and why.
type Fallback struct {
	Cell   string
	Reason string
}

// Fallbacks lists the stepped cells the native executor hands to the
// engine (empty when it runs them all).
func (c *Compiled) Fallbacks() []Fallback {
	var out []Fallback
	seen := map[*compiledCell]bool{}
	for _, s := range c.steps {
		if s.native == nil && !seen[s] {
			seen[s] = true
			out = append(out, Fallback{Cell: s.cell.Name(), Reason: s.nativeErr.Error()})
		}
	}
	return out
}

// compiledCell is one cell ready to run.
type compiledCell struct {
	cell *Cell
	// Update is DELETE {entity1} INSERT {entity2} WHERE {entity1, filters,
	// typings, functions}.
	text   string
	update *engine.PreparedUpdate
	// check counts the matches whose entity2 needs a value a BIND failed
	// to produce; nil when entity2 uses no computed variable.
	checkText string
	check     *engine.Prepared
	lossVars  []string // the computed variables entity2 uses
	lossRefs  []string // their SPARQL variables (typed versions), without '?'
	// native is the plan of the native executor; nil, with the reason in
	// nativeErr, when the cell runs on the engine.
	native    *nativeCell
	nativeErr error
	// needs are entity1's constant terms (normalized as the store keeps
	// them): a graph lacking one cannot match, so the engine path skips
	// the step. gives are entity2's constant terms.
	needs, gives []rdf.Term
	// computes: entity2 inserts values a function or typing computed,
	// terms no constant predicts.
	computes bool
}

// Identity is the compiled identity alignment: no steps.
func Identity() *Compiled {
	return &Compiled{
		Alignment: &Alignment{},
		consts:    newConstTable(),
		blanks:    newBlankSource(),
		fctx:      function.NewContext("", time.Time{}),
		runs:      &sync.Pool{},
	}
}

// ID returns the alignment's name and version.
func (c *Compiled) ID() ID { return c.Alignment.ID() }

// Updates returns the SPARQL text of each step's update, in step order
// (for inspection, debugging and the text-path baseline).
func (c *Compiled) Updates() []string {
	out := make([]string, len(c.steps))
	for i, s := range c.steps {
		out[i] = s.text
	}
	return out
}

// Load parses, validates and compiles an IPSM-AF document.
func Load(data []byte, opts Options) (*Compiled, error) {
	a, err := Parse(data, opts)
	if err != nil {
		return nil, err
	}
	c, err := Compile(a)
	if err != nil {
		return nil, err
	}
	return c.WithExecutor(opts.Executor), nil
}

// Compile compiles every cell the steps name, in step order. A cell the
// engine cannot prepare is reported as a *ValidationError naming it.
func Compile(a *Alignment) (*Compiled, error) {
	ps := &problems{}
	out := Identity()
	out.Alignment = a
	cache := map[string]*compiledCell{}
	for _, s := range a.Steps {
		cell := a.Cell(s.Cell)
		if cell == nil {
			ps.errf("", s.Line, "step names cell %s, which does not exist", s.Cell)
			continue
		}
		cc, ok := cache[cell.ID]
		if !ok {
			var err error
			cc, err = compileCell(cell)
			if err != nil {
				ps.errf(cell.Name(), cell.Line, "cannot compile: %v", err)
				continue
			}
			cc.native, cc.nativeErr = compileNative(cc.text, cc.lossRefs, out.consts)
			cache[cell.ID] = cc
		}
		out.steps = append(out.steps, cc)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// cellCompiler writes one cell as SPARQL.
type cellCompiler struct {
	cell  *Cell
	names map[string]string // variable name → SPARQL variable (without '?')
	used  map[string]bool
	typed map[string]string // variable name → datatype
	where strings.Builder
}

// sparqlVar maps an alignment variable name to a safe SPARQL name.
func (cc *cellCompiler) sparqlVar(name string) string {
	if v, ok := cc.names[name]; ok {
		return v
	}
	var b strings.Builder
	b.WriteString("v_")
	for _, r := range name {
		if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	v := b.String()
	for i := 2; cc.used[v]; i++ {
		v = b.String() + "_" + strconv.Itoa(i)
	}
	cc.used[v] = true
	cc.names[name] = v
	return v
}

// ref is the SPARQL variable holding name's value: its typed version
// when the cell types it.
func (cc *cellCompiler) ref(name string) string {
	v := cc.sparqlVar(name)
	if _, ok := cc.typed[name]; ok {
		return "?t" + v[1:]
	}
	return "?" + v
}

func (cc *cellCompiler) node(n Node, typedRefs bool) (string, error) {
	if n.IsVar() {
		if typedRefs {
			return cc.ref(n.Var), nil
		}
		return "?" + cc.sparqlVar(n.Var), nil
	}
	if n.Term.IsBlank() {
		return "_:" + sanitizeLabel(n.Term.Value), nil
	}
	return triplestore.FormatTerm(n.Term)
}

func sanitizeLabel(s string) string {
	var b strings.Builder
	b.WriteString("b")
	for _, r := range s {
		if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (cc *cellCompiler) patterns(b *strings.Builder, ps []Pattern, typedRefs bool) error {
	for _, p := range ps {
		for _, n := range []Node{p.S, p.P, p.O} {
			s, err := cc.node(n, typedRefs)
			if err != nil {
				return err
			}
			b.WriteString(s)
			b.WriteByte(' ')
		}
		b.WriteString(".\n")
	}
	return nil
}

func compileCell(c *Cell) (*compiledCell, error) {
	cc := &cellCompiler{cell: c, names: map[string]string{}, used: map[string]bool{}, typed: map[string]string{}}
	bound := map[string]bool{}
	for _, p := range c.Entity1 {
		for _, n := range []Node{p.S, p.P, p.O} {
			if n.IsVar() {
				bound[n.Var] = true
			}
		}
	}
	returns := map[string]bool{}
	for _, f := range c.Functions {
		returns[f.Return] = true
	}
	for _, t := range c.Typings {
		if t.Var != "" && (bound[t.Var] || returns[t.Var]) {
			cc.typed[t.Var] = t.Datatype
		}
	}
	w := &cc.where
	if err := cc.patterns(w, c.Entity1, false); err != nil {
		return nil, err
	}
	for _, f := range c.Filters {
		if f.Var == "" || !(bound[f.Var] || returns[f.Var]) {
			continue // IPSM ignores filters on unknown variables
		}
		dt, err := triplestore.FormatTerm(rdf.IRI(f.Datatype))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "FILTER(DATATYPE(?%s) = %s)\n", cc.sparqlVar(f.Var), dt)
	}
	typing := func(name string) error {
		dt, ok := cc.typed[name]
		if !ok {
			return nil
		}
		dtt, err := triplestore.FormatTerm(rdf.IRI(dt))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "BIND(STRDT(STR(?%s), %s) AS %s)\n", cc.sparqlVar(name), dtt, cc.ref(name))
		return nil
	}
	done := map[string]bool{}
	for _, p := range c.Entity1 {
		for _, n := range []Node{p.S, p.P, p.O} {
			if n.IsVar() && !done[n.Var] {
				done[n.Var] = true
				if err := typing(n.Var); err != nil {
					return nil, err
				}
			}
		}
	}
	computed := map[string]bool{}
	for k := range cc.typed {
		computed[k] = true
	}
	for i, f := range c.Functions {
		expr, err := cc.call(i, f)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "BIND(%s AS ?%s)\n", expr, cc.sparqlVar(f.Return))
		computed[f.Return] = true
		if err := typing(f.Return); err != nil {
			return nil, err
		}
	}
	var del, ins strings.Builder
	if err := cc.patterns(&del, c.Entity1, false); err != nil {
		return nil, err
	}
	if err := cc.patterns(&ins, c.Entity2, true); err != nil {
		return nil, err
	}
	text := "DELETE {\n" + del.String() + "} INSERT {\n" + ins.String() + "} WHERE {\n" + w.String() + "}"
	up, err := engine.PrepareUpdate(text, sparql.ParseOptions{})
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, text)
	}
	out := &compiledCell{cell: c, text: text, update: up}
	for _, p := range c.Entity1 {
		for _, n := range []Node{p.S, p.P, p.O} {
			if !n.IsVar() && !n.Term.IsBlank() {
				out.needs = append(out.needs, n.Term.Normalized())
			}
		}
	}
	for _, p := range c.Entity2 {
		for _, n := range []Node{p.S, p.P, p.O} {
			if !n.IsVar() && !n.Term.IsBlank() {
				out.gives = append(out.gives, n.Term.Normalized())
			}
			if n.IsVar() && (cc.typed[n.Var] != "" || returns[n.Var]) {
				out.computes = true
			}
		}
	}
	// Entity2 variables a BIND computes: when the BIND fails they are
	// unbound, their triples are not inserted, yet entity1 is deleted.
	seen := map[string]bool{}
	var conds []string
	for _, p := range c.Entity2 {
		for _, n := range []Node{p.S, p.P, p.O} {
			if n.IsVar() && computed[n.Var] && !seen[n.Var] {
				seen[n.Var] = true
				out.lossVars = append(out.lossVars, n.Var)
				out.lossRefs = append(out.lossRefs, cc.ref(n.Var)[1:])
				conds = append(conds, "!BOUND("+cc.ref(n.Var)+")")
			}
		}
	}
	if len(conds) > 0 {
		out.checkText = "SELECT (COUNT(*) AS ?n) WHERE {\n" + w.String() + "FILTER(" + strings.Join(conds, " || ") + ")\n}"
		out.check, err = engine.Prepare(out.checkText, sparql.ParseOptions{})
		if err != nil {
			return nil, fmt.Errorf("%w\n%s", err, out.checkText)
		}
	}
	return out, nil
}

// call writes a function application as a SPARQL expression.
func (cc *cellCompiler) call(i int, f Function) (string, error) {
	kind, canon := classify(f.Name)
	args := make([]string, 0, len(f.Params))
	for _, p := range f.Params {
		if p.Var != "" {
			args = append(args, cc.ref(p.Var))
			continue
		}
		args = append(args, literalArg(p, kind == fnBuiltin && isOperator(canon)))
	}
	switch kind {
	case fnBuiltin:
		if isOperator(canon) {
			return "(" + strings.Join(args, " "+canon+" ") + ")", nil
		}
		return canon + "(" + strings.Join(args, ", ") + ")", nil
	case fnCast:
		return "<" + canon + ">(" + strings.Join(args, ", ") + ")", nil
	case fnEpoch:
		return cc.epoch(i, args[0])
	}
	return "", fmt.Errorf("unknown function %q", f.Name)
}

func isOperator(s string) bool { return s == "+" || s == "-" || s == "*" || s == "/" }

// literalArg writes a val parameter. Operands of arithmetic are numbers
// when they read as numbers, as IPSM writes them unquoted.
func literalArg(p Param, numeric bool) string {
	if numeric && p.Datatype == "" {
		if _, err := strconv.ParseInt(p.Value, 10, 64); err == nil {
			return p.Value
		}
		if _, err := strconv.ParseFloat(p.Value, 64); err == nil && !strings.ContainsAny(p.Value, "xXnN") {
			return p.Value
		}
	}
	t := rdf.String(p.Value)
	if p.Datatype != "" {
		t = rdf.Literal(p.Value, p.Datatype)
	}
	s, err := triplestore.FormatTerm(t)
	if err != nil {
		return `""`
	}
	return s
}

// epoch writes the IPSM extension unixEpochToUTC (epoch milliseconds to
// an xsd:dateTime in UTC) with built-ins only, as the embedded engine
// has no extension-function hook: a civil-from-days computation on
// integer arithmetic, then the lexical form assembled with CONCAT. The
// intermediate results go through BINDs of their own.
func (cc *cellCompiler) epoch(i int, arg string) (string, error) {
	w := &cc.where
	v := func(s string) string { return fmt.Sprintf("?x%d_%s", i, s) }
	bind := func(expr, name string) { fmt.Fprintf(w, "BIND(%s AS %s)\n", expr, v(name)) }
	const xi = "<http://www.w3.org/2001/XMLSchema#integer>"
	bind(xi+"("+arg+")", "ms")
	bind(xi+"(FLOOR("+v("ms")+" / 86400000))", "days")
	bind(v("ms")+" - "+v("days")+" * 86400000", "rem")
	bind(v("days")+" + 719468", "z")
	bind(xi+"(FLOOR("+v("z")+" / 146097))", "era")
	bind(v("z")+" - "+v("era")+" * 146097", "doe")
	bind(xi+"(FLOOR(("+v("doe")+" - FLOOR("+v("doe")+" / 1460) + FLOOR("+v("doe")+" / 36524) - FLOOR("+v("doe")+" / 146096)) / 365))", "yoe")
	bind(v("doe")+" - (365 * "+v("yoe")+" + "+xi+"(FLOOR("+v("yoe")+" / 4)) - "+xi+"(FLOOR("+v("yoe")+" / 100)))", "doy")
	bind(xi+"(FLOOR((5 * "+v("doy")+" + 2) / 153))", "mp")
	bind(v("doy")+" - "+xi+"(FLOOR((153 * "+v("mp")+" + 2) / 5)) + 1", "d")
	bind("IF("+v("mp")+" < 10, "+v("mp")+" + 3, "+v("mp")+" - 9)", "m")
	bind(v("yoe")+" + "+v("era")+" * 400 + IF("+v("m")+" <= 2, 1, 0)", "y")
	bind(xi+"(FLOOR("+v("rem")+" / 3600000))", "hh")
	bind(xi+"(FLOOR(("+v("rem")+" - "+v("hh")+" * 3600000) / 60000))", "mi")
	bind(xi+"(FLOOR(("+v("rem")+" - "+v("hh")+" * 3600000 - "+v("mi")+" * 60000) / 1000))", "ss")
	bind(v("rem")+" - "+v("hh")+" * 3600000 - "+v("mi")+" * 60000 - "+v("ss")+" * 1000", "frac")
	pad := func(name string, width int) string {
		s := "STR(" + v(name) + ")"
		return "SUBSTR(CONCAT(\"" + strings.Repeat("0", width-1) + "\", " + s + "), STRLEN(" + s + "))"
	}
	return "STRDT(CONCAT(" + pad("y", 4) + ", \"-\", " + pad("m", 2) + ", \"-\", " + pad("d", 2) +
		", \"T\", " + pad("hh", 2) + ", \":\", " + pad("mi", 2) + ", \":\", " + pad("ss", 2) +
		", IF(" + v("frac") + " = 0, \"\", CONCAT(\".\", " + pad("frac", 3) + ")), \"Z\"), <http://www.w3.org/2001/XMLSchema#dateTime>)", nil
}
