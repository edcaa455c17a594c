package w3c

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/intermw/intermw/services/triplestore/engine"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

// corpusDir finds ../shared/conformance/w3c-sparql beside the repository.
func corpusDir(t *testing.T) string {
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
			t.Fatal("cannot find the repository root (go.mod)")
		}
		dir = parent
	}
	corpus := filepath.Join(dir, "..", "shared", "conformance", "w3c-sparql")
	if _, err := os.Stat(corpus); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the W3C SPARQL corpus is missing at %s (CI=true): %v", corpus, err)
		}
		t.Skipf("the W3C SPARQL corpus is not at %s; skipping the conformance harness", corpus)
	}
	return corpus
}

// suites are the manifests the harness runs. Entailment, federation
// (SERVICE), protocol, graph-store-protocol and service-description tests
// are out of scope.
var suites = []struct{ name, manifest string }{
	{"sparql10-syntax", "sparql10/manifest-syntax.ttl"},
	{"sparql10-query", "sparql10/manifest-evaluation.ttl"},
	{"sparql11-query", "sparql11/manifest-sparql11-query.ttl"},
	{"sparql11-update", "sparql11/manifest-sparql11-update.ttl"},
}

func readKnownFailures(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join("testdata", "known-failures.txt"))
	if err != nil {
		if os.IsNotExist(err) {
			return map[string]string{}
		}
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		known[id] = strings.TrimSpace(reason)
	}
	return known
}

// testID names a test stably across machines.
func testID(corpus string, tc Test) string {
	if strings.HasPrefix(tc.ID, "file://") {
		rel, err := filepath.Rel(corpus, iriPath(strings.SplitN(tc.ID, "#", 2)[0]))
		if err == nil {
			if _, frag, ok := strings.Cut(tc.ID, "#"); ok {
				return rel + "#" + frag
			}
			return rel
		}
	}
	return tc.ID
}

func TestW3C(t *testing.T) {
	corpus := corpusDir(t)
	known := readKnownFailures(t)
	runner := &Runner{
		NewStore: func() (Store, error) { return engine.NewMemory(), nil },
		ParseQuery: func(text, base string) error {
			_, err := sparql.ParseQuery(text, sparql.ParseOptions{BaseIRI: base})
			return err
		},
		ParseUpdate: func(text, base string) error {
			_, err := sparql.ParseUpdate(text, sparql.ParseOptions{BaseIRI: base})
			return err
		},
	}
	var summary []string
	var totalPassed, totalFailed int
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			tests, err := ReadManifest(filepath.Join(corpus, s.manifest))
			if err != nil {
				t.Fatal(err)
			}
			var passed, failed, skipped, knownFailed int
			var unexpected []string
			for _, tc := range tests {
				id := testID(corpus, tc)
				out := runner.Run(context.Background(), tc)
				switch out.Status {
				case Pass:
					passed++
					if _, ok := known[id]; ok {
						t.Logf("known failure now passes, remove it from known-failures.txt: %s", id)
					}
				case Skip:
					skipped++
				case Fail:
					failed++
					reason := strings.ReplaceAll(out.Reason, "\n", " ")
					if len(reason) > 600 {
						reason = reason[:600] + "…"
					}
					if _, ok := known[id]; ok {
						knownFailed++
						t.Logf("FAIL (known) %s: %s", id, reason)
					} else {
						unexpected = append(unexpected, id)
						t.Logf("FAIL %s: %s", id, reason)
					}
				}
			}
			totalPassed += passed
			totalFailed += failed
			sort.Strings(unexpected)
			line := fmt.Sprintf("%s: %d passed, %d failed (%d known), %d skipped; pass rate %.1f%%",
				s.name, passed, failed, knownFailed, skipped, 100*float64(passed)/float64(max(1, passed+failed)))
			summary = append(summary, line)
			t.Log(line)
			if len(unexpected) > 0 {
				t.Errorf("%d unexpected failures:\n%s", len(unexpected), strings.Join(unexpected, "\n"))
			}
		})
	}
	for _, l := range summary {
		fmt.Println(l)
	}
	fmt.Printf("%d passed, %d failed\n", totalPassed, totalFailed)
}
