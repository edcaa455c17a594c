package arm

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/intermw/intermw/swagger"
)

// TestRoutesAndSpecAgree is the contract test: every route the server
// registers is in the spec, and every operation the spec names is served.
func TestRoutesAndSpecAgree(t *testing.T) {
	e := newEnv(t)
	spec, err := swagger.Paths()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string][]string{}
	for _, r := range e.s.Routes() {
		served[r.Path] = append(served[r.Path], r.Method)
	}
	for p, ms := range served {
		sort.Strings(ms)
		for _, m := range ms {
			if !slices.Contains(spec[p], m) {
				t.Errorf("route %s %s is missing from the spec", m, p)
			}
		}
	}
	for p, ms := range spec {
		for _, m := range ms {
			if !slices.Contains(served[p], m) {
				t.Errorf("the spec names %s %s, which the server lacks", m, p)
			}
		}
	}
	if len(served) < 25 {
		t.Fatalf("only %d paths served", len(served))
	}
}

// TestEveryRouteIsReachableThroughTheMux guards against a route whose
// pattern another one shadows.
func TestEveryRouteIsReachableThroughTheMux(t *testing.T) {
	e := newEnv(t)
	for _, r := range e.s.Routes() {
		path := "/api" + r.Path
		for _, name := range []string{"{clientId}", "{platformId}", "{deviceId}", "{conversationId}", "{locationId}"} {
			path = strings.ReplaceAll(path, name, "x")
		}
		got := e.do(req{method: r.Method, path: path})
		if got.status == 405 || (got.status == 404 && strings.Contains(string(got.body), "no route")) {
			t.Errorf("%s %s is not reachable: %d %s", r.Method, path, got.status, got.body)
		}
	}
}
