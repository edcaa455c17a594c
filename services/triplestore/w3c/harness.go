package w3c

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// Store is what the harness needs of a store under test.
type Store interface {
	triplestore.Store
	// Load adds quads (zero G: the default graph).
	Load(ctx context.Context, quads []rdf.Quad) error
	// Dump returns every quad in the store.
	Dump(ctx context.Context) ([]rdf.Quad, error)
}

// Runner runs tests against fresh stores.
type Runner struct {
	// NewStore returns an empty store; the runner closes it.
	NewStore func() (Store, error)
	// ParseQuery and ParseUpdate check syntax only (syntax tests).
	ParseQuery  func(text, base string) error
	ParseUpdate func(text, base string) error
	// Timeout bounds one test; default 20s.
	Timeout time.Duration
}

// Status is a test's outcome.
type Status int

// The outcomes.
const (
	Pass Status = iota
	Fail
	Skip
)

// Outcome is the result of one test.
type Outcome struct {
	Test   Test
	Status Status
	Reason string
}

// Run runs one test.
func (r *Runner) Run(ctx context.Context, t Test) (out Outcome) {
	out.Test = t
	defer func() {
		if p := recover(); p != nil {
			out.Status, out.Reason = Fail, fmt.Sprintf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var err error
	switch t.Kind {
	case PositiveSyntax, NegativeSyntax, PositiveUpdateSyntax, NegativeUpdateSyntax:
		err = r.syntax(t)
	case QueryEvaluation:
		err = r.query(ctx, t)
	case UpdateEvaluation:
		err = r.update(ctx, t)
	default:
		return Outcome{Test: t, Status: Skip, Reason: "not a syntax or evaluation test"}
	}
	if errors.Is(err, errSkip) {
		return Outcome{Test: t, Status: Skip, Reason: err.Error()}
	}
	if err != nil {
		return Outcome{Test: t, Status: Fail, Reason: err.Error()}
	}
	return Outcome{Test: t, Status: Pass}
}

var errSkip = errors.New("skipped")

func (r *Runner) syntax(t Test) error {
	text, err := os.ReadFile(t.Query)
	if err != nil {
		return err
	}
	parse := r.ParseQuery
	if t.Kind == PositiveUpdateSyntax || t.Kind == NegativeUpdateSyntax {
		parse = r.ParseUpdate
	}
	err = parse(string(text), fileIRI(t.Query))
	switch t.Kind {
	case PositiveSyntax, PositiveUpdateSyntax:
		if err != nil {
			return fmt.Errorf("valid syntax refused: %v", err)
		}
	default:
		if err == nil {
			return errors.New("invalid syntax accepted")
		}
	}
	return nil
}

// loadFiles reads data files into quads; graph "" is the default graph.
func loadFiles(data []string, graphs []GraphFile) ([]rdf.Quad, error) {
	var quads []rdf.Quad
	add := func(path string, g rdf.Term, n int) error {
		ts, err := readGraphFile(path, fmt.Sprintf("f%d_", n))
		if err != nil {
			return err
		}
		for _, tr := range ts {
			quads = append(quads, tr.InGraph(g))
		}
		return nil
	}
	n := 0
	for _, d := range data {
		n++
		if err := add(d, rdf.Term{}, n); err != nil {
			return nil, err
		}
	}
	for _, g := range graphs {
		n++
		if err := add(g.Path, rdf.IRI(g.Graph), n); err != nil {
			return nil, err
		}
	}
	return quads, nil
}

func readGraphFile(path, blankPrefix string) ([]rdf.Triple, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch filepath.Ext(path) {
	case ".ttl", ".n3":
		return rdf.ParseTurtleWith(f, rdf.TurtleOptions{Base: fileIRI(path), BlankPrefix: blankPrefix})
	case ".nt":
		return rdf.ParseNTriples(f)
	case ".rdf":
		return rdf.ParseRDFXMLWith(f, rdf.XMLOptions{Base: fileIRI(path), BlankPrefix: blankPrefix})
	}
	return nil, fmt.Errorf("%w: no reader for %s", errSkip, filepath.Base(path))
}

func (r *Runner) fresh(ctx context.Context, data []string, graphs []GraphFile) (Store, error) {
	quads, err := loadFiles(data, graphs)
	if err != nil {
		return nil, err
	}
	st, err := r.NewStore()
	if err != nil {
		return nil, err
	}
	if err := st.Load(ctx, quads); err != nil {
		st.Close()
		return nil, fmt.Errorf("load: %w", err)
	}
	return st, nil
}

var (
	fromRE    = regexp.MustCompile(`(?i)\bFROM\s+(NAMED\s+)?<([^>]*)>`)
	orderByRE = regexp.MustCompile(`(?i)\bORDER\s+BY\b`)
)

// datasetFiles finds the local files a query's FROM clauses name, so they
// can be loaded as named graphs the engine's dataset clauses select from.
func datasetFiles(query, queryPath string) []GraphFile {
	var out []GraphFile
	seen := map[string]bool{}
	for _, m := range fromRE.FindAllStringSubmatch(query, -1) {
		iri := rdf.ResolveIRI(fileIRI(queryPath), m[2])
		p := iriPath(iri)
		if p == "" || seen[iri] {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			continue
		}
		seen[iri] = true
		out = append(out, GraphFile{Path: p, Graph: iri})
	}
	return out
}

func (r *Runner) query(ctx context.Context, t Test) error {
	text, err := os.ReadFile(t.Query)
	if err != nil {
		return err
	}
	q := string(text)
	graphs := append(append([]GraphFile(nil), t.Graphs...), datasetFiles(q, t.Query)...)
	want, err := readExpected(t.Result)
	if err != nil {
		return err
	}
	st, err := r.fresh(ctx, t.Data, graphs)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.Query(ctx, "BASE <"+fileIRI(t.Query)+">\n"+q)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	got, err := collect(res)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	return compare(got, want, orderByRE.MatchString(stripComments(q)))
}

func (r *Runner) update(ctx context.Context, t Test) error {
	text, err := os.ReadFile(t.Query)
	if err != nil {
		return err
	}
	st, err := r.fresh(ctx, t.Data, t.Graphs)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Update(ctx, "BASE <"+fileIRI(t.Query)+">\n"+string(text)); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	got, err := st.Dump(ctx)
	if err != nil {
		return err
	}
	want, err := loadFiles(t.ResultData, t.ResultGraphs)
	if err != nil {
		return err
	}
	if !rdf.IsomorphicDatasets(canonicalQuads(got), canonicalQuads(want)) {
		return fmt.Errorf("dataset differs:\n got: %s\nwant: %s", quadsString(got), quadsString(want))
	}
	return nil
}

func stripComments(q string) string {
	var b strings.Builder
	for _, line := range strings.Split(q, "\n") {
		if i := strings.Index(line, "#"); i >= 0 && !strings.ContainsAny(line[:i], "<\"'") {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// outcome is a query result in comparable form.
type outcome struct {
	form    triplestore.Form
	boolean bool
	rows    []triplestore.Binding
	graph   []rdf.Triple
	ordered bool // the expected rows carry an order
}

func collect(res *triplestore.Result) (*outcome, error) {
	o := &outcome{form: res.Form, boolean: res.Boolean, graph: res.Graph}
	if res.Form == triplestore.FormSelect {
		rows, err := triplestore.Collect(res.Rows)
		if err != nil {
			return nil, err
		}
		o.rows = rows
	}
	return o, nil
}

func readExpected(path string) (*outcome, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var res *triplestore.Result
	switch filepath.Ext(path) {
	case ".srx":
		res, err = triplestore.DecodeXMLResults(f)
	case ".srj":
		res, err = triplestore.DecodeJSONResults(f)
	case ".ttl", ".rdf", ".nt":
		f.Close()
		ts, err := readGraphFile(path, "r_")
		if err != nil {
			return nil, err
		}
		if o, ok := decodeResultSetGraph(ts); ok {
			return o, nil
		}
		return &outcome{form: triplestore.FormConstruct, graph: ts}, nil
	default:
		return nil, fmt.Errorf("%w: no reader for expected results %s", errSkip, filepath.Base(path))
	}
	if err != nil {
		return nil, err
	}
	return collect(res)
}

const rs = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"

// decodeResultSetGraph reads results written in the result-set vocabulary.
func decodeResultSetGraph(ts []rdf.Triple) (*outcome, bool) {
	g := newGraph(ts)
	sets := g.subjects(rdf.RDFType, rdf.IRI(rs+"ResultSet"))
	if len(sets) != 1 {
		return nil, false
	}
	set := sets[0]
	if b := g.object(set, rs+"boolean"); !b.IsZero() {
		return &outcome{form: triplestore.FormAsk, boolean: b.Value == "true"}, true
	}
	o := &outcome{form: triplestore.FormSelect}
	type indexed struct {
		i int
		b triplestore.Binding
	}
	var rows []indexed
	for _, sol := range g.objects(set, rs+"solution") {
		b := triplestore.Binding{}
		for _, bn := range g.objects(sol, rs+"binding") {
			b[g.object(bn, rs+"variable").Value] = g.object(bn, rs+"value")
		}
		idx := -1
		if i := g.object(sol, rs+"index"); !i.IsZero() {
			idx, _ = strconv.Atoi(i.Value)
			o.ordered = true
		}
		rows = append(rows, indexed{idx, b})
	}
	if o.ordered {
		for i := 1; i < len(rows); i++ {
			for j := i; j > 0 && rows[j].i < rows[j-1].i; j-- {
				rows[j], rows[j-1] = rows[j-1], rows[j]
			}
		}
	}
	for _, r := range rows {
		o.rows = append(o.rows, r.b)
	}
	return o, true
}

func compare(got, want *outcome, ordered bool) error {
	switch want.form {
	case triplestore.FormAsk:
		if got.form != triplestore.FormAsk {
			return fmt.Errorf("got a %v result, want ASK", got.form)
		}
		if got.boolean != want.boolean {
			return fmt.Errorf("got %v, want %v", got.boolean, want.boolean)
		}
		return nil
	case triplestore.FormSelect:
		if got.form != triplestore.FormSelect {
			return fmt.Errorf("got a %v result, want SELECT", got.form)
		}
		if !rdf.IsomorphicDatasets(rowsAsQuads(got.rows, ordered), rowsAsQuads(want.rows, ordered)) {
			return fmt.Errorf("solutions differ (ordered=%v):\n got: %s\nwant: %s", ordered, rowsString(got.rows), rowsString(want.rows))
		}
		return nil
	default:
		if got.form != triplestore.FormConstruct && got.form != triplestore.FormDescribe {
			return fmt.Errorf("got a %v result, want a graph", got.form)
		}
		if !rdf.IsomorphicGraphs(canonicalTriples(got.graph), canonicalTriples(want.graph)) {
			return fmt.Errorf("graphs differ:\n got: %s\nwant: %s", triplesString(got.graph), triplesString(want.graph))
		}
		return nil
	}
}

// rowsAsQuads encodes solutions as a graph (one blank node per row) so that
// blank nodes in results compare up to renaming across the whole sequence.
func rowsAsQuads(rows []triplestore.Binding, ordered bool) []rdf.Quad {
	var out []rdf.Quad
	for i, b := range rows {
		row := rdf.Blank("row" + strconv.Itoa(i) + "_" + strconv.Itoa(len(rows)))
		out = append(out, rdf.Quad{S: row, P: rdf.IRI("urn:w3c:row"), O: rdf.String("row")})
		if ordered {
			out = append(out, rdf.Quad{S: row, P: rdf.IRI("urn:w3c:index"), O: rdf.String(strconv.Itoa(i))})
		}
		for v, t := range b {
			if t.IsZero() {
				continue
			}
			out = append(out, rdf.Quad{S: row, P: rdf.IRI("urn:w3c:var:" + v), O: canonical(t)})
		}
	}
	return out
}

// canonical rewrites numeric literals to a canonical lexical form, so that
// results compare by value as the suites intend.
func canonical(t rdf.Term) rdf.Term {
	if !t.IsLiteral() {
		return t
	}
	switch t.Datatype {
	case rdf.XSDInteger:
		if n, ok := new(big.Int).SetString(strings.TrimPrefix(strings.TrimSpace(t.Value), "+"), 10); ok {
			return rdf.Literal(n.String(), t.Datatype)
		}
	case rdf.XSDDecimal:
		if r, ok := new(big.Rat).SetString(strings.TrimSpace(t.Value)); ok {
			s := r.FloatString(20)
			s = strings.TrimRight(s, "0")
			if strings.HasSuffix(s, ".") {
				s += "0"
			}
			return rdf.Literal(s, t.Datatype)
		}
	case rdf.XSDDouble, rdf.XSDFloat:
		if f, err := strconv.ParseFloat(strings.TrimSpace(t.Value), 64); err == nil {
			return rdf.Literal(strconv.FormatFloat(f, 'E', -1, 64), t.Datatype)
		}
	}
	return t
}

func canonicalTriples(ts []rdf.Triple) []rdf.Triple {
	out := make([]rdf.Triple, len(ts))
	for i, t := range ts {
		out[i] = rdf.Triple{S: t.S, P: t.P, O: canonical(t.O)}
	}
	return out
}

func canonicalQuads(qs []rdf.Quad) []rdf.Quad {
	out := make([]rdf.Quad, len(qs))
	for i, q := range qs {
		out[i] = rdf.Quad{S: q.S, P: q.P, O: canonical(q.O), G: q.G}
	}
	return out
}

const maxShown = 12

func rowsString(rows []triplestore.Binding) string {
	var parts []string
	for i, b := range rows {
		if i == maxShown {
			parts = append(parts, fmt.Sprintf("… (%d rows)", len(rows)))
			break
		}
		var kv []string
		for k, v := range b {
			kv = append(kv, k+"="+v.String())
		}
		parts = append(parts, "{"+strings.Join(kv, " ")+"}")
	}
	return strings.Join(parts, " ")
}

func triplesString(ts []rdf.Triple) string {
	var parts []string
	for i, t := range ts {
		if i == maxShown {
			parts = append(parts, fmt.Sprintf("… (%d triples)", len(ts)))
			break
		}
		parts = append(parts, t.String())
	}
	return strings.Join(parts, " ")
}

func quadsString(qs []rdf.Quad) string {
	var parts []string
	for i, q := range qs {
		if i == maxShown {
			parts = append(parts, fmt.Sprintf("… (%d quads)", len(qs)))
			break
		}
		parts = append(parts, q.String())
	}
	return strings.Join(parts, " ")
}
