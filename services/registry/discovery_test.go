package registry

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/intermw/intermw/services/triplestore"
)

func TestDiscoveryAnswersQueriesOverDeviceGraphs(t *testing.T) {
	ctx := context.Background()
	r, platform := discoveredDevices(t)
	tests := []struct {
		name  string
		query string
		check func(t *testing.T, res *triplestore.Result)
	}{
		{"a SELECT over GRAPH ?device with undeclared prefixes", `SELECT ?device WHERE { GRAPH ?device { ?device a sosa:Sensor } }`,
			func(t *testing.T, res *triplestore.Result) {
				rows, err := triplestore.Collect(res.Rows)
				must(t, err)
				if len(rows) != 28 {
					t.Fatalf("%d sensors, want 28", len(rows))
				}
			}},
		{"a SELECT with a regex on names", `PREFIX iiot: <http://inter-iot.eu/GOIoTP#>
SELECT DISTINCT ?device ?name WHERE { GRAPH ?device { ?device iiot:hasName ?name FILTER regex(?name, "^noatum access", "i") } }`,
			func(t *testing.T, res *triplestore.Result) {
				rows, err := triplestore.Collect(res.Rows)
				must(t, err)
				if len(rows) != 30 {
					t.Fatalf("%d devices on the access road, want 30", len(rows))
				}
			}},
		{"a SELECT joining the device index by platform", `SELECT (COUNT(?d) AS ?n) WHERE { GRAPH <http://inter-iot.eu/devices> { ?d sosa:isHostedBy <` + platform + `> } }`,
			func(t *testing.T, res *triplestore.Result) {
				rows, err := triplestore.Collect(res.Rows)
				must(t, err)
				if len(rows) != 1 || rows[0]["n"].Value != "56" {
					t.Fatalf("count = %v", rows)
				}
			}},
		{"an ASK", `ASK { GRAPH ?d { ?d a sosa:Actuator } }`, func(t *testing.T, res *triplestore.Result) {
			if res.Form != triplestore.FormAsk || !res.Boolean {
				t.Fatalf("ASK = %+v", res)
			}
		}},
		{"a CONSTRUCT", `CONSTRUCT { ?d a sosa:Actuator } WHERE { GRAPH ?d { ?d a sosa:Actuator } }`, func(t *testing.T, res *triplestore.Result) {
			if res.Form != triplestore.FormConstruct || len(res.Graph) != 28 {
				t.Fatalf("CONSTRUCT gave %d triples", len(res.Graph))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Discovery(ctx, tt.query)
			must(t, err)
			defer res.Close()
			tt.check(t, res)
		})
	}
}

func TestDiscoveryRefusesUpdates(t *testing.T) {
	ctx := context.Background()
	r, st := newRegistry(t)
	must(t, r.RegisterClient(ctx, Client{ClientID: "c"}))
	before := quadCount(t, st)
	updates := []string{
		`DROP ALL`,
		`CLEAR DEFAULT`,
		`INSERT DATA { <http://a> <http://b> <http://c> }`,
		`DELETE WHERE { GRAPH ?g { ?s ?p ?o } }`,
		`PREFIX mw: <http://inter-iot.eu/INTERMW#> DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }`,
		`LOAD <http://example.org/x>`,
		`drop silent graph <http://inter-iot.eu/clients>`,
	}
	for _, u := range updates {
		t.Run("the update "+u+" is read-only", func(t *testing.T) {
			_, err := r.Discovery(ctx, u)
			if !errors.Is(err, triplestore.ErrReadOnly) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Discovery(%q) = %v, want ErrReadOnly and ErrInvalid", u, err)
			}
		})
	}
	injections := []string{
		`SELECT * WHERE { ?s ?p ?o } ; DROP ALL`,
		`SELECT * WHERE { ?s ?p ?o }
DROP ALL`,
		`ASK {} } ; DROP ALL ; SELECT * {`,
		`SELECT * WHERE { ?s ?p "x" } # ; DROP ALL` + "\n;DROP ALL",
	}
	for _, q := range injections {
		t.Run("a query with an update appended is a syntax error", func(t *testing.T) {
			_, err := r.Discovery(ctx, q)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Discovery(%q) = %v, want ErrInvalid", q, err)
			}
		})
	}
	t.Run("malformed text reports where", func(t *testing.T) {
		_, err := r.Discovery(ctx, "SELECT * WHERE {\n  ?s ?p \n")
		var se *triplestore.SyntaxError
		if !errors.As(err, &se) || se.Line < 2 {
			t.Fatalf("Discovery = %v, want a SyntaxError on line 2 or 3", err)
		}
		if !strings.Contains(err.Error(), "line") {
			t.Fatalf("error %q does not say where", err)
		}
	})
	t.Run("empty text is invalid", func(t *testing.T) {
		_, err := r.Discovery(ctx, "   ")
		wantErr(t, err, ErrInvalid)
	})
	t.Run("nothing was changed", func(t *testing.T) {
		if n := quadCount(t, st); n != before {
			t.Fatalf("store holds %d quads, want %d", n, before)
		}
	})
}
