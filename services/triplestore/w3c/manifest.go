package w3c

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// Vocabulary of the test manifests.
const (
	mf    = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
	qt    = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
	ut    = "http://www.w3.org/2009/sparql/tests/test-update#"
	dawgt = "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#"
	rdfs  = "http://www.w3.org/2000/01/rdf-schema#"
)

// Kind is the kind of a test.
type Kind string

// The kinds of test the harness runs or skips.
const (
	PositiveSyntax       Kind = "PositiveSyntax"
	NegativeSyntax       Kind = "NegativeSyntax"
	PositiveUpdateSyntax Kind = "PositiveUpdateSyntax"
	NegativeUpdateSyntax Kind = "NegativeUpdateSyntax"
	QueryEvaluation      Kind = "QueryEvaluation"
	UpdateEvaluation     Kind = "UpdateEvaluation"
	CSVResultFormat      Kind = "CSVResultFormat"
	Other                Kind = "Other"
)

// GraphFile is a data file loaded into a named graph.
type GraphFile struct {
	Path  string
	Graph string // the graph name
}

// Test is one manifest entry.
type Test struct {
	ID       string // the entry's IRI
	Name     string
	Kind     Kind
	Manifest string // path of the manifest file
	Query    string // query or update file (syntax tests: the action)
	Data     []string
	Graphs   []GraphFile
	Result   string // expected results file (query tests)
	// Update tests: the expected dataset.
	ResultData   []string
	ResultGraphs []GraphFile
	Approval     string
	Requires     []string
}

// fileIRI names a local path as a file: IRI.
func fileIRI(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return (&url.URL{Scheme: "file", Path: abs}).String()
}

// iriPath turns a file: IRI back into a path.
func iriPath(iri string) string {
	u, err := url.Parse(iri)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	return u.Path
}

// ReadManifest reads the manifest at path and every manifest it includes.
func ReadManifest(path string) ([]Test, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	triples, err := rdf.ParseTurtle(f, fileIRI(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g := newGraph(triples)
	var tests []Test
	for _, m := range g.subjects(rdf.RDFType, rdf.IRI(mf+"Manifest")) {
		for _, inc := range g.objects(m, mf+"include") {
			for _, item := range g.list(inc) {
				sub, err := ReadManifest(iriPath(item.Value))
				if err != nil {
					return nil, err
				}
				tests = append(tests, sub...)
			}
		}
		for _, entries := range g.objects(m, mf+"entries") {
			for _, e := range g.list(entries) {
				tests = append(tests, g.test(e, path))
			}
		}
	}
	return tests, nil
}

func (g *graph) test(e rdf.Term, manifest string) Test {
	t := Test{ID: e.Value, Manifest: manifest}
	if n := g.object(e, mf+"name"); !n.IsZero() {
		t.Name = n.Value
	}
	if a := g.object(e, dawgt+"approval"); !a.IsZero() {
		t.Approval = a.Value
	}
	for _, r := range g.objects(e, mf+"requires") {
		t.Requires = append(t.Requires, r.Value)
	}
	typ := g.object(e, rdf.RDFType).Value
	switch strings.TrimPrefix(typ, mf) {
	case "PositiveSyntaxTest", "PositiveSyntaxTest11":
		t.Kind = PositiveSyntax
	case "NegativeSyntaxTest", "NegativeSyntaxTest11":
		t.Kind = NegativeSyntax
	case "PositiveUpdateSyntaxTest11":
		t.Kind = PositiveUpdateSyntax
	case "NegativeUpdateSyntaxTest11":
		t.Kind = NegativeUpdateSyntax
	case "QueryEvaluationTest":
		t.Kind = QueryEvaluation
	case "UpdateEvaluationTest":
		t.Kind = UpdateEvaluation
	case "CSVResultFormatTest":
		t.Kind = CSVResultFormat
	default:
		if typ == ut+"UpdateEvaluationTest" {
			t.Kind = UpdateEvaluation
		} else {
			t.Kind = Other
		}
	}
	action := g.object(e, mf+"action")
	switch t.Kind {
	case PositiveSyntax, NegativeSyntax, PositiveUpdateSyntax, NegativeUpdateSyntax:
		t.Query = iriPath(action.Value)
	case QueryEvaluation, CSVResultFormat:
		t.Query = iriPath(g.object(action, qt+"query").Value)
		for _, d := range g.objects(action, qt+"data") {
			t.Data = append(t.Data, iriPath(d.Value))
		}
		for _, d := range g.objects(action, qt+"graphData") {
			t.Graphs = append(t.Graphs, GraphFile{Path: iriPath(d.Value), Graph: d.Value})
		}
		t.Result = iriPath(g.object(e, mf+"result").Value)
	case UpdateEvaluation:
		t.Query = iriPath(g.object(action, ut+"request").Value)
		t.Data, t.Graphs = g.updateData(action)
		t.ResultData, t.ResultGraphs = g.updateData(g.object(e, mf+"result"))
	}
	return t
}

func (g *graph) updateData(node rdf.Term) ([]string, []GraphFile) {
	var data []string
	var graphs []GraphFile
	if node.IsZero() {
		return nil, nil
	}
	for _, d := range g.objects(node, ut+"data") {
		data = append(data, iriPath(d.Value))
	}
	for _, gd := range g.objects(node, ut+"graphData") {
		file := g.object(gd, ut+"graph")
		label := g.object(gd, rdfs+"label")
		name := label.Value
		if name == "" {
			name = file.Value
		}
		graphs = append(graphs, GraphFile{Path: iriPath(file.Value), Graph: name})
	}
	return data, graphs
}

// graph is a tiny in-memory index over the manifest's triples.
type graph struct {
	sp map[[2]rdf.Term][]rdf.Term
	po map[[2]rdf.Term][]rdf.Term
}

func newGraph(ts []rdf.Triple) *graph {
	g := &graph{sp: map[[2]rdf.Term][]rdf.Term{}, po: map[[2]rdf.Term][]rdf.Term{}}
	for _, t := range ts {
		g.sp[[2]rdf.Term{t.S, t.P}] = append(g.sp[[2]rdf.Term{t.S, t.P}], t.O)
		g.po[[2]rdf.Term{t.P, t.O}] = append(g.po[[2]rdf.Term{t.P, t.O}], t.S)
	}
	return g
}

func (g *graph) objects(s rdf.Term, p string) []rdf.Term { return g.sp[[2]rdf.Term{s, rdf.IRI(p)}] }

func (g *graph) object(s rdf.Term, p string) rdf.Term {
	if os := g.objects(s, p); len(os) > 0 {
		return os[0]
	}
	return rdf.Term{}
}

func (g *graph) subjects(p string, o rdf.Term) []rdf.Term { return g.po[[2]rdf.Term{rdf.IRI(p), o}] }

func (g *graph) list(head rdf.Term) []rdf.Term {
	var out []rdf.Term
	for i := 0; !head.IsZero() && head != rdf.IRI(rdf.RDFNS+"nil") && i < 100000; i++ {
		out = append(out, g.object(head, rdf.RDFNS+"first"))
		head = g.object(head, rdf.RDFNS+"rest")
	}
	return out
}
