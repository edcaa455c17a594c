package alignment

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

const xsdNS = "http://www.w3.org/2001/XMLSchema#"

// mixAlignment exercises what the fixtures do not: FILTERs, typings of
// matched and computed values, arithmetic with literal operands, the
// epoch extension, IF, COALESCE, regular expressions, blank nodes in
// entity1 and entity2, a variable predicate, a variable repeated in one
// pattern, and templates that can produce invalid triples.
var mixAlignment = doc(
	step("arith")+step("epoch")+step("flip")+step("cond")+step("loop")+step("lang"),
	cell("arith", "var:s ex:value var:v .", "var:s ex:double var:d ; ex:typed var:v .",
		fn("*", "d", "?v", "2")+
			`<sripas:filters rdf:parseType="Literal"><sripas:filter sripas:about="&var;v" sripas:datatype="`+xsdNS+`integer"/></sripas:filters>`+
			`<sripas:typings rdf:parseType="Literal"><sripas:typing sripas:about="&var;v" sripas:datatype="`+xsdNS+`decimal"/></sripas:typings>`)+
		cell("epoch", "var:s ex:at [ ex:ms var:ms ] .", "var:s ex:time [ a ex:Instant ; ex:when var:t ] .",
			fn("unixEpochToUTC", "t", "?ms"))+
		cell("flip", "var:s var:p var:o . var:p ex:kind \"k\" .", "var:o var:p var:s . var:s ex:link var:i .",
			functions(fn("CONCAT", "u", "http://example.org/", "?o"), fn("IRI", "i", "?u")))+
		cell("cond", "var:s ex:name var:o .", "var:s ex:size var:r ; ex:label var:l ; ex:clean var:c .",
			functions(fn("STRLEN", "n", "?o"), fn("IF", "r", "?n", "long", "empty"), fn("COALESCE", "l", "?o", "none"),
				fn("REPLACE", "c", "?o", "[^a-z]", "_")))+
		cell("loop", "var:x ex:self var:x .", "var:x ex:loop \"yes\" .", "")+
		cell("lang", "var:s ex:greeting \"hi\"@en .", "var:s ex:greets true .", ""),
)

// functions puts the functions fn wrote into one sripas:transformation.
func functions(fns ...string) string {
	const open, end = `<sripas:transformation rdf:parseType="Literal">`, `</sripas:transformation>`
	out := open
	for _, f := range fns {
		out += strings.TrimSuffix(strings.TrimPrefix(f, open), end)
	}
	return out + end
}

// bnodeAlignment has a cell the native executor cannot express (BNODE()
// makes a blank node per solution), between two it can: the middle step
// falls back to the engine.
var bnodeAlignment = doc(
	step("first")+step("mint")+step("last"),
	cell("first", "var:s ex:value var:v .", "var:s ex:measured var:v .", "")+
		cell("mint", "var:s ex:measured var:v .", "var:s ex:result var:b . var:b ex:value var:v .", fn("BNODE", "b"))+
		cell("last", "var:b ex:value var:v .", "var:b ex:hasValue var:v .", ""),
)

// executorsAgree applies c to payload with both executors, in default
// and strict mode, and reports any difference: the graphs must be
// isomorphic, the losses equal and the errors alike.
func executorsAgree(ctx context.Context, c *Compiled, payload []rdf.Triple) error {
	native, eng := c.WithExecutor(ExecutorNative), c.WithExecutor(ExecutorEngine)
	for _, strict := range []bool{false, true} {
		outN, lossN, errN := native.Apply(ctx, payload, strict)
		outE, lossE, errE := eng.Apply(ctx, payload, strict)
		mode := fmt.Sprintf("strict=%v", strict)
		switch {
		case (errN == nil) != (errE == nil):
			return fmt.Errorf("%s: native err %v, engine err %v", mode, errN, errE)
		case errN != nil:
			var dn, de *DataLossError
			if errors.As(errN, &dn) != errors.As(errE, &de) || dn != nil && !reflect.DeepEqual(dn.Loss, de.Loss) {
				return fmt.Errorf("%s: native err %v, engine err %v", mode, errN, errE)
			}
			if errors.Is(errN, ErrInvalidPayload) != errors.Is(errE, ErrInvalidPayload) {
				return fmt.Errorf("%s: native err %v, engine err %v", mode, errN, errE)
			}
		}
		if !reflect.DeepEqual(lossN, lossE) {
			return fmt.Errorf("%s: native losses %v, engine losses %v", mode, lossN, lossE)
		}
		if !sameGraph(outN, outE) {
			return fmt.Errorf("%s: the graphs differ\nnative:\n%sengine:\n%s", mode, ntriples(outN), ntriples(outE))
		}
	}
	return nil
}

// isoLimit bounds the graphs compared by full isomorphism: a random cell
// can multiply matches into graphs of hundreds of blank nodes, on which
// the isomorphism search takes seconds.
const isoLimit = 200

// sameGraph reports whether a and b are isomorphic; above isoLimit
// triples it checks what isomorphism implies instead: the same ground
// triples, and the same triples with blank nodes once their labels are
// erased, counted with multiplicity.
func sameGraph(a, b []rdf.Triple) bool {
	if len(a) <= isoLimit && len(b) <= isoLimit {
		return rdf.IsomorphicGraphs(a, b)
	}
	shape := func(ts []rdf.Triple) map[rdf.Triple]int {
		m := map[rdf.Triple]int{}
		seen := map[rdf.Triple]bool{}
		for _, t := range ts {
			if seen[t] {
				continue
			}
			seen[t] = true
			for _, x := range []*rdf.Term{&t.S, &t.O} {
				if x.IsBlank() {
					*x = rdf.Blank("_")
				}
			}
			m[t]++
		}
		return m
	}
	return reflect.DeepEqual(shape(a), shape(b))
}

// ipsmInputs lists every input of the shared corpus.
func ipsmInputs(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sharedDir(t), "ipsm-inputs", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no IPSM inputs: %v", err)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	return out
}

func TestTheNativeExecutorRunsEveryFixtureCell(t *testing.T) {
	for _, name := range fixtureAlignments {
		t.Run(name+" needs no engine fallback", func(t *testing.T) {
			c := loadFixture(t, name)
			if fb := c.Fallbacks(); len(fb) != 0 {
				t.Errorf("fallbacks: %v", fb)
			}
			if c.Executor() != ExecutorNative {
				t.Errorf("default executor %s", c.Executor())
			}
		})
	}
}

func TestBothExecutorsGiveTheSameTranslationOfEveryFixtureInput(t *testing.T) {
	ctx := context.Background()
	inputs := ipsmInputs(t)
	payloads := map[string][]rdf.Triple{}
	for _, in := range inputs {
		payloads[in] = decodeInput(t, in).Payload
	}
	// The central-ontology outputs feed the alignments out of it.
	for _, up := range []string{"BodyCloud_CO", "UniversAAL_CO"} {
		c := loadFixture(t, up)
		for _, in := range inputs {
			out, _, err := c.WithExecutor(ExecutorEngine).Apply(ctx, payloads[in], false)
			if err != nil {
				t.Fatal(err)
			}
			payloads[up+"("+in+")"] = out
		}
	}
	aligns := map[string]*Compiled{}
	for _, name := range fixtureAlignments {
		aligns[name] = loadFixture(t, name)
	}
	for _, extra := range []struct{ name, doc string }{{"mix", mixAlignment}, {"loss", lossAlignment}, {"bnode", bnodeAlignment}} {
		c, err := Load([]byte(extra.doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		aligns[extra.name] = c
	}
	for name, c := range aligns {
		for in, payload := range payloads {
			t.Run(in+" through "+name+" is the same graph with the same losses", func(t *testing.T) {
				if err := executorsAgree(ctx, c, payload); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

func TestBothExecutorsReproduceTheGoldenGraphs(t *testing.T) {
	ctx := context.Background()
	for _, tc := range translationCases {
		golden, err := os.ReadFile(filepath.Join("testdata", "golden", tc.alignment+"__"+tc.input+".nt"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := rdf.ParseNTriples(strings.NewReader(string(golden)))
		if err != nil {
			t.Fatal(err)
		}
		c := loadFixture(t, tc.alignment)
		payload := decodeInput(t, tc.input).Payload
		for _, ex := range []Executor{ExecutorNative, ExecutorEngine} {
			t.Run(tc.input+" through "+tc.alignment+" on the "+ex.String()+" executor matches its golden graph", func(t *testing.T) {
				got, losses, err := c.WithExecutor(ex).Apply(ctx, payload, true)
				if err != nil || len(losses) != 0 {
					t.Fatalf("losses %v, err %v", losses, err)
				}
				if !rdf.IsomorphicGraphs(want, got) {
					t.Errorf("got\n%s", ntriples(got))
				}
			})
		}
	}
}

func TestACellTheNativeExecutorCannotExpressRunsOnTheEngine(t *testing.T) {
	c, err := Load([]byte(bnodeAlignment), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fb := c.Fallbacks()
	if len(fb) != 1 || fb[0].Cell != "mint" || !strings.Contains(fb[0].Reason, "BNODE") {
		t.Fatalf("fallbacks = %v", fb)
	}
	ex := func(s string) rdf.Term { return rdf.IRI("http://example.org/" + s) }
	payload := []rdf.Triple{
		{S: ex("a"), P: ex("value"), O: rdf.String("1")},
		{S: ex("b"), P: ex("value"), O: rdf.String("2")},
	}
	out, _, err := c.Apply(context.Background(), payload, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []rdf.Triple{
		{S: ex("a"), P: ex("result"), O: rdf.Blank("x")},
		{S: rdf.Blank("x"), P: ex("hasValue"), O: rdf.String("1")},
		{S: ex("b"), P: ex("result"), O: rdf.Blank("y")},
		{S: rdf.Blank("y"), P: ex("hasValue"), O: rdf.String("2")},
	}
	if !rdf.IsomorphicGraphs(want, out) {
		t.Errorf("got\n%s", ntriples(out))
	}
}

func TestBothExecutorsRefuseAnInvalidPayload(t *testing.T) {
	c, err := Load([]byte(mixAlignment), Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := []rdf.Triple{{S: rdf.String("literal subject"), P: rdf.IRI("http://example.org/p"), O: rdf.String("o")}}
	for _, ex := range []Executor{ExecutorNative, ExecutorEngine} {
		t.Run("the "+ex.String()+" executor fails with ErrInvalidPayload", func(t *testing.T) {
			if _, _, err := c.WithExecutor(ex).Apply(context.Background(), bad, false); !errors.Is(err, ErrInvalidPayload) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// propertyAlignments are what the random graphs run through.
func propertyAlignments(t testing.TB) map[string]*Compiled {
	out := map[string]*Compiled{}
	for _, name := range fixtureAlignments {
		out[name] = loadFixture(t, name)
	}
	for _, extra := range []struct{ name, doc string }{{"mix", mixAlignment}, {"loss", lossAlignment}, {"bnode", bnodeAlignment}} {
		c, err := Load([]byte(extra.doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		out[extra.name] = c
	}
	return out
}

func TestBothExecutorsAgreeOnRandomGraphs(t *testing.T) {
	ctx := context.Background()
	const graphs = 120
	for name, c := range propertyAlignments(t) {
		t.Run(name+" translates random graphs alike on both executors", func(t *testing.T) {
			gen := newRandomGraphs(uint64(len(name))*7919, c.Alignment)
			fails := 0
			for i := range graphs {
				payload := gen.next()
				if err := executorsAgree(ctx, c, payload); err != nil {
					t.Errorf("graph %d:\n%s\n%v", i, ntriples(payload), err)
					if fails++; fails == 3 {
						return
					}
				}
			}
		})
	}
}

// FuzzExecutorsAgree looks for a random graph that the two executors
// translate differently (go test -fuzz FuzzExecutorsAgree).
func FuzzExecutorsAgree(f *testing.F) {
	for i := range uint64(8) {
		f.Add(i, uint8(i))
	}
	aligns := propertyAlignments(f)
	names := make([]string, 0, len(aligns))
	for n := range aligns {
		names = append(names, n)
	}
	sort.Strings(names)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, seed uint64, which uint8) {
		c := aligns[names[int(which)%len(names)]]
		payload := newRandomGraphs(seed, c.Alignment).next()
		if err := executorsAgree(ctx, c, payload); err != nil {
			t.Fatalf("%s on\n%s\n%v", c.ID(), ntriples(payload), err)
		}
	})
}

func TestConcurrentTranslationsShareACompiledAlignmentSafely(t *testing.T) {
	ctx := context.Background()
	mix, err := Load([]byte(mixAlignment), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ex := func(s string) rdf.Term { return rdf.IRI("http://example.org/" + s) }
	type job struct {
		c       *Compiled
		payload []rdf.Triple
		want    []rdf.Triple
	}
	var jobs []job
	bc := loadFixture(t, "BodyCloud_CO")
	for _, in := range []string{"bc-weight", "bc-bloodPressure", "bc-activity", "bc-questionnaire"} {
		jobs = append(jobs, job{c: bc, payload: decodeInput(t, in).Payload})
	}
	jobs = append(jobs, job{c: mix, payload: []rdf.Triple{
		{S: ex("a"), P: ex("name"), O: rdf.String("Hello World")},
		{S: ex("a"), P: ex("value"), O: rdf.Literal("21", rdf.XSDInteger)},
		{S: ex("a"), P: ex("at"), O: rdf.Blank("t")},
		{S: rdf.Blank("t"), P: ex("ms"), O: rdf.Literal("1525426098123", rdf.XSDInteger)},
	}})
	for i := range jobs {
		out, _, err := jobs[i].c.WithExecutor(ExecutorEngine).Apply(ctx, jobs[i].payload, true)
		if err != nil {
			t.Fatal(err)
		}
		jobs[i].want = out
	}
	const workers = 8
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for k := range 50 {
				j := jobs[(w+k)%len(jobs)]
				out, _, err := j.c.Apply(ctx, j.payload, true)
				if err == nil && !rdf.IsomorphicGraphs(j.want, out) {
					err = fmt.Errorf("%s: got\n%s", j.c.ID(), ntriples(out))
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestACancelledContextStopsTheNativeExecutor(t *testing.T) {
	c, err := Load([]byte(mixAlignment), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	payload := []rdf.Triple{{S: rdf.IRI("http://example.org/s"), P: rdf.IRI("http://example.org/value"), O: rdf.Literal("1", rdf.XSDInteger)}}
	if _, _, err := c.Apply(ctx, payload, false); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestALanguageTagMatchesWhateverItsCaseOnBothExecutors(t *testing.T) {
	c, err := Load([]byte(mixAlignment), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := rdf.IRI("http://example.org/s")
	payload := []rdf.Triple{{S: s, P: rdf.IRI("http://example.org/greeting"), O: rdf.Term{Kind: rdf.KindLiteral, Value: "hi", Lang: "EN"}}}
	want := []rdf.Triple{{S: s, P: rdf.IRI("http://example.org/greets"), O: rdf.Literal("true", rdf.XSDBoolean)}}
	for _, ex := range []Executor{ExecutorNative, ExecutorEngine} {
		t.Run("the "+ex.String()+" executor rewrites \"hi\"@EN with the cell for \"hi\"@en", func(t *testing.T) {
			out, _, err := c.WithExecutor(ex).Apply(context.Background(), payload, true)
			if err != nil {
				t.Fatal(err)
			}
			if !rdf.IsomorphicGraphs(want, out) {
				t.Errorf("got\n%s", ntriples(out))
			}
		})
	}
}

func TestBothExecutorsAgreeOnRandomAlignments(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(42, 7))
	loaded, fails := 0, 0
	for i := range 60 {
		text := randomAlignment(rng)
		c, err := Load([]byte(text), Options{})
		if err != nil {
			continue
		}
		loaded++
		gen := newRandomGraphs(uint64(i), c.Alignment)
		for range 25 {
			payload := gen.next()
			if err := executorsAgree(ctx, c, payload); err != nil {
				t.Errorf("alignment:\n%s\nupdates:\n%s\ngraph:\n%s\n%v", text, strings.Join(c.Updates(), "\n"), ntriples(payload), err)
				if fails++; fails == 3 {
					return
				}
				break
			}
		}
	}
	if loaded < 20 {
		t.Errorf("only %d of 60 random alignments loaded", loaded)
	}
}

// FuzzRandomAlignmentsAgree looks for a random alignment and graph that
// the two executors translate differently
// (go test -fuzz FuzzRandomAlignmentsAgree).
func FuzzRandomAlignmentsAgree(f *testing.F) {
	for i := range uint64(8) {
		f.Add(i, i)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, alignSeed, graphSeed uint64) {
		text := randomAlignment(rand.New(rand.NewPCG(alignSeed, 7)))
		c, err := Load([]byte(text), Options{})
		if err != nil {
			return
		}
		payload := newRandomGraphs(graphSeed, c.Alignment).next()
		if err := executorsAgree(ctx, c, payload); err != nil {
			t.Fatalf("alignment:\n%s\ngraph:\n%s\n%v", text, ntriples(payload), err)
		}
	})
}

func TestNOWIsOneInstantPerStepOnTheNativeExecutor(t *testing.T) {
	d := doc(step("c"), cell("c", "var:s ex:value var:v .", "var:s ex:at var:t ; ex:again var:u .",
		functions(fn("NOW", "t"), fn("NOW", "u"))))
	c, err := Load([]byte(d), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fb := c.Fallbacks(); len(fb) != 0 {
		t.Fatalf("fallbacks %v", fb)
	}
	ex := func(s string) rdf.Term { return rdf.IRI("http://example.org/" + s) }
	before := time.Now().Add(-time.Second)
	out, _, err := c.Apply(context.Background(), []rdf.Triple{
		{S: ex("a"), P: ex("value"), O: rdf.String("1")},
		{S: ex("b"), P: ex("value"), O: rdf.String("2")},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	var stamps []string
	for _, tr := range out {
		if tr.O.Datatype == rdf.XSDDateTime {
			stamps = append(stamps, tr.O.Value)
		}
	}
	if len(stamps) != 4 {
		t.Fatalf("got\n%s", ntriples(out))
	}
	for _, s := range stamps {
		at, err := time.Parse(time.RFC3339Nano, s)
		if s != stamps[0] || err != nil || at.Before(before) || at.After(time.Now().Add(time.Second)) {
			t.Errorf("stamps %v: not one instant of now", stamps)
			break
		}
	}
}

func TestBothExecutorsAgreeOnLargePayloads(t *testing.T) {
	ctx := context.Background()
	bc := loadFixture(t, "BodyCloud_CO")
	mix, err := Load([]byte(mixAlignment), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 150 BodyCloud observations in one payload, each with its own nodes.
	var many []rdf.Triple
	for i, in := range []string{"bc-weight", "bc-bloodPressure", "bc-activity"} {
		one := decodeInput(t, in).Payload
		for k := range 50 {
			rename := func(x rdf.Term) rdf.Term {
				if x.IsBlank() {
					return rdf.Blank(fmt.Sprintf("%s_%d_%d", x.Value, i, k))
				}
				return x
			}
			for _, tr := range one {
				many = append(many, rdf.Triple{S: rename(tr.S), P: tr.P, O: rename(tr.O)})
			}
		}
	}
	// One subject with a thousand names: a thousand matches of one cell.
	var names []rdf.Triple
	s := rdf.IRI("http://example.org/s")
	for i := range 1000 {
		names = append(names, rdf.Triple{S: s, P: rdf.IRI("http://example.org/name"), O: rdf.String(fmt.Sprintf("Name %d", i))})
	}
	for _, tc := range []struct {
		name    string
		c       *Compiled
		payload []rdf.Triple
	}{
		{"150 BodyCloud observations in one payload", bc, many},
		{"a thousand matches of one cell", mix, names},
	} {
		t.Run(tc.name+" translate alike", func(t *testing.T) {
			if err := executorsAgree(ctx, tc.c, tc.payload); err != nil {
				t.Error(err)
			}
			out, _, err := tc.c.Apply(ctx, tc.payload, false)
			if err != nil || len(out) <= largeGraph {
				t.Errorf("%d triples, err %v: the large-graph index is not exercised", len(out), err)
			}
		})
	}
}
