package registry

import (
	"context"
	"reflect"
	"testing"

	"github.com/intermw/intermw/ontology/rdf"
)

func TestPlatformPayloadRoundTrips(t *testing.T) {
	p := fullPlatform("http://p/1")
	got := PlatformsFromPayload(PlatformPayload(p))
	if len(got) != 1 || !reflect.DeepEqual(got[0], p) {
		t.Fatalf("round trip = %+v\nwant %+v", got, p)
	}
	t.Run("credentials travel under hasUser as INTER-MW wrote them", func(t *testing.T) {
		var nested bool
		for _, tr := range PlatformPayload(p) {
			if tr.P == iiotexHasAuthenticationData {
				nested = true
			}
		}
		if !nested {
			t.Fatal("no iiotex:hasAuthenticationData in the payload")
		}
	})
	t.Run("a payload typed iiot:Platform is read too", func(t *testing.T) {
		ts := []rdf.Triple{{S: rdf.IRI("http://p/2"), P: rdfType, O: iiotPlatform}, {S: rdf.IRI("http://p/2"), P: mw("platformType"), O: lit("t")}}
		got := PlatformsFromPayload(ts)
		if len(got) != 1 || got[0].Type != "t" {
			t.Fatalf("PlatformsFromPayload = %+v", got)
		}
	})
}

func TestLocationRemovalLeavesNoGeometry(t *testing.T) {
	ctx := context.Background()
	r, st := newRegistry(t)
	must(t, r.AddLocationArea(ctx, LocationArea{LocationID: "http://loc/a", WKTPolygon: "POLYGON((0 0,1 0,1 1,0 0))"}))
	must(t, r.AddLocationPoint(ctx, LocationPoint{LocationID: "http://loc/p", WKTPoint: "POINT(0 0)"}))
	must(t, r.UpdateLocationPoint(ctx, LocationPoint{LocationID: "http://loc/p", WKTPoint: "POINT(1 1)"}))
	must(t, r.DeleteLocationArea(ctx, "http://loc/a"))
	must(t, r.DeleteLocationPoint(ctx, "http://loc/p"))
	if n := quadCount(t, st); n != 0 {
		t.Fatalf("%d quads left after removing every location", n)
	}
}
