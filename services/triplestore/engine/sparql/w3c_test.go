package sparql

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// This file runs the W3C SPARQL syntax tests and parses the query or
// update of every W3C evaluation test. The manifests are read with a small
// scanner that is good enough for their regular layout; the Turtle parser
// lives in another package.

// w3cCase is one test taken from a manifest.
type w3cCase struct {
	name     string // manifest-relative name, e.g. sparql11/syntax-query/test_1
	kind     string // mf: type, e.g. PositiveSyntaxTest11
	file     string // absolute path of the .rq/.ru file
	update   bool
	positive bool // must parse; negative syntax tests must fail
}

var (
	reSubject = regexp.MustCompile(`(?m)^(\S+)\s`)
	reType    = regexp.MustCompile(`(?:rdf:type|\sa)\s+mf:(\w+)`)
	reAction  = regexp.MustCompile(`(?:mf:action|qt:query|ut:request)\s+<([^>]+)>`)
	reEntries = regexp.MustCompile(`(?s)mf:entries\s*\((.*?)\)`)
	reComment = regexp.MustCompile(`(?m)#[^>\n]*$`)
)

// sharedDir locates ../shared beside the repository root.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
	return filepath.Join(filepath.Dir(dir), "shared")
}

func w3cDir(t *testing.T) string {
	d := filepath.Join(sharedDir(t), "conformance", "w3c-sparql")
	if _, err := os.Stat(d); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("W3C SPARQL test suite missing at %s (CI=true)", d)
		}
		t.Skipf("W3C SPARQL test suite not found at %s; skipping", d)
	}
	return d
}

// loadManifest extracts the listed syntax and evaluation tests of one
// manifest.ttl.
func loadManifest(t *testing.T, root, path string) []w3cCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	listed := map[string]bool{}
	if m := reEntries.FindStringSubmatch(reComment.ReplaceAllString(text, "")); m != nil {
		for _, f := range strings.Fields(m[1]) {
			listed[f] = true
		}
	}
	dir := filepath.Dir(path)
	rel, _ := filepath.Rel(root, dir)
	// A test's description starts at a line beginning with its name
	// (after the entries list) and runs to the next such line.
	from := 0
	if loc := reEntries.FindStringIndex(text); loc != nil {
		from = loc[1]
	}
	var starts [][2]int // offset, name end
	for _, m := range reSubject.FindAllStringSubmatchIndex(text[from:], -1) {
		if listed[text[from+m[2]:from+m[3]]] {
			starts = append(starts, [2]int{from + m[2], from + m[3]})
		}
	}
	var out []w3cCase
	for i, st := range starts {
		end := len(text)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		name := text[st[0]:st[1]]
		block := text[st[1]:end]
		tm := reType.FindStringSubmatch(block)
		if tm == nil {
			continue
		}
		kind := tm[1]
		if strings.Contains(block, "dawgt:Withdrawn") {
			continue
		}
		c := w3cCase{name: rel + "/" + strings.TrimPrefix(name, ":"), kind: kind}
		switch kind {
		case "PositiveSyntaxTest", "PositiveSyntaxTest11", "PositiveUpdateSyntaxTest11",
			"QueryEvaluationTest", "UpdateEvaluationTest", "CSVResultFormatTest":
			c.positive = true
		case "NegativeSyntaxTest", "NegativeSyntaxTest11", "NegativeUpdateSyntaxTest11":
		default:
			continue
		}
		m := reAction.FindStringSubmatch(block)
		if m == nil {
			continue
		}
		c.file = filepath.Join(dir, m[1])
		c.update = strings.HasSuffix(m[1], ".ru")
		if !c.update && !strings.HasSuffix(m[1], ".rq") {
			continue
		}
		out = append(out, c)
	}
	return out
}

// knownFailures reads testdata/known-failures.txt: "name reason..." lines.
func knownFailures(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join("testdata", "known-failures.txt"))
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		out[name] = strings.TrimSpace(reason)
	}
	return out
}

// w3cCases loads every listed syntax and evaluation test of both suites.
func w3cCases(t *testing.T) []w3cCase {
	root := w3cDir(t)
	var manifests []string
	for _, suite := range []string{"sparql10", "sparql11"} {
		m, err := filepath.Glob(filepath.Join(root, suite, "*", "manifest.ttl"))
		if err != nil {
			t.Fatal(err)
		}
		manifests = append(manifests, m...)
	}
	sort.Strings(manifests)
	var cases []w3cCase
	for _, m := range manifests {
		cases = append(cases, loadManifest(t, root, m)...)
	}
	if len(cases) < 1000 {
		t.Fatalf("found only %d W3C tests in %d manifests; the manifest scanner is broken", len(cases), len(manifests))
	}
	return cases
}

func parseW3C(c w3cCase, text string) (fmt.Stringer, error) {
	opts := ParseOptions{BaseIRI: "http://example.org/base/" + filepath.Base(c.file)}
	if c.update {
		return ParseUpdate(text, opts)
	}
	return ParseQuery(text, opts)
}

func TestW3CSyntaxAndEvaluationQueriesParse(t *testing.T) {
	cases := w3cCases(t)
	known := knownFailures(t)
	passed, failed, excused := 0, 0, 0
	for _, c := range cases {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			failed++
			continue
		}
		_, err = parseW3C(c, string(data))
		ok := (err == nil) == c.positive
		if ok {
			passed++
			continue
		}
		msg := "unexpectedly parsed"
		if err != nil {
			msg = err.Error()
		}
		if reason, isKnown := known[c.name]; isKnown {
			excused++
			t.Logf("known failure %s (%s): %s", c.name, reason, msg)
			continue
		}
		failed++
		t.Errorf("FAIL %s [%s] %s: %s", c.name, c.kind, filepath.Base(c.file), msg)
	}
	t.Logf("%d passed, %d failed (%d known failures excused)", passed, failed+excused, excused)
}

var reBlankLabel = regexp.MustCompile(`_:[A-Za-z0-9_]+`)

// normaliseBlanks renames blank node labels in order of appearance.
func normaliseBlanks(s string) string {
	names := map[string]string{}
	return reBlankLabel.ReplaceAllStringFunc(s, func(l string) string {
		n, ok := names[l]
		if !ok {
			n = "_:n" + fmt.Sprint(len(names))
			names[l] = n
		}
		return n
	})
}

// TestW3CQueriesRoundTripThroughString checks that every valid W3C query
// and update printed by String parses back to the same AST (compared as
// printed text, with blank node labels normalised).
func TestW3CQueriesRoundTripThroughString(t *testing.T) {
	n := 0
	for _, c := range w3cCases(t) {
		if !c.positive {
			continue
		}
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		first, err := parseW3C(c, string(data))
		if err != nil {
			continue // reported by TestW3CSyntaxAndEvaluationQueriesParse
		}
		text1 := first.String()
		second, err := parseW3C(c, text1)
		if err != nil {
			t.Errorf("%s: printed form does not parse: %v\n%s", c.name, err, text1)
			continue
		}
		if a, b := normaliseBlanks(text1), normaliseBlanks(second.String()); a != b {
			t.Errorf("%s: round trip differs:\n%s\n---\n%s", c.name, a, b)
			continue
		}
		n++
	}
	t.Logf("%d queries and updates round-tripped", n)
}
