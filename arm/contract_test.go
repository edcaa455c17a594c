package arm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/intermw/intermw/ontology/ipsm"
	"github.com/intermw/intermw/services/triplestore/engine"
	"github.com/intermw/intermw/swagger"
)

// ipsmPrefix starts the spec paths the embedded IPSM (ontology/ipsm)
// serves, mounted by cmd/intermw beside the ARM; TestIPSMRoutesAndSpecAgree
// checks them, TestRoutesAndSpecAgree the rest.
const ipsmPrefix = "/ipsm/"

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
		if strings.HasPrefix(p, ipsmPrefix) {
			continue
		}
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

// TestIPSMRoutesAndSpecAgree is the contract test of the /ipsm paths,
// which ontology/ipsm's Handler serves: it lists no routes, so each spec
// path is probed with every method (path parameters filled in, the /ipsm
// prefix stripped as the hub does). A method the spec names must reach a
// handler (no 404 or 405 from the mux); one it does not name must be
// refused with 405.
func TestIPSMRoutesAndSpecAgree(t *testing.T) {
	store, err := engine.Open(engine.Config{Dir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc, err := ipsm.New(context.Background(), ipsm.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	h := svc.Handler()
	spec, err := swagger.Paths()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for p, ms := range spec {
		if !strings.HasPrefix(p, ipsmPrefix) {
			continue
		}
		n++
		path := strings.TrimPrefix(p, "/ipsm")
		for _, name := range []string{"{name}", "{version}", "{channelId}"} {
			path = strings.ReplaceAll(path, name, "1")
		}
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			rr := httptest.NewRecorder()
			h.ServeHTTP(rr, httptest.NewRequest(m, path, strings.NewReader("{}")))
			unrouted := rr.Code == http.StatusMethodNotAllowed ||
				(rr.Code == http.StatusNotFound && strings.HasPrefix(rr.Body.String(), "404 page not found"))
			switch documented := slices.Contains(ms, m); {
			case documented && unrouted:
				t.Errorf("the spec names %s %s, which ontology/ipsm lacks (%d %s)", m, p, rr.Code, rr.Body.String())
			case !documented && rr.Code != http.StatusMethodNotAllowed:
				t.Errorf("ontology/ipsm serves %s %s (%d), which is missing from the spec", m, p, rr.Code)
			}
		}
	}
	if n < 6 {
		t.Fatalf("only %d /ipsm paths in the spec", n)
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
