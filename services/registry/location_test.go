package registry

import (
	"context"
	"testing"
)

func TestLocationsAndPointsInArea(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t)
	port := LocationArea{LocationID: "http://loc/port", PlatformID: "http://p/1", Description: "Port of Valencia",
		WKTPolygon: "POLYGON((-0.34 39.43, -0.30 39.43, -0.30 39.46, -0.34 39.46, -0.34 39.43),(-0.33 39.44, -0.32 39.44, -0.32 39.45, -0.33 39.45, -0.33 39.44))"}
	points := []LocationPoint{
		{LocationID: "http://loc/truck1", PlatformID: "http://p/1", WKTPoint: "POINT(-0.31 39.44)"},        // inside
		{LocationID: "http://loc/truck2", PlatformID: "http://p/1", WKTPoint: "POINT(-0.325 39.445)"},      // in the hole
		{LocationID: "http://loc/truck3", PlatformID: "http://p/2", WKTPoint: "POINT(-0.30 39.45)"},        // on the edge
		{LocationID: "http://loc/truck4", PlatformID: "http://p/2", WKTPoint: "POINT(39.44 -0.31)"},        // swapped: outside
		{LocationID: "http://loc/truck5", PlatformID: "http://p/2", WKTPoint: "POINT(-0.32 39.445)"},       // on the hole's edge
		{LocationID: "http://loc/ship", Description: "no platform", WKTPoint: "POINT Z (-0.335 39.455 3)"}, // inside
	}
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"adding an area succeeds", func() error { return r.AddLocationArea(ctx, port) }, nil},
		{"adding it again conflicts", func() error { return r.AddLocationArea(ctx, port) }, ErrConflict},
		{"an area with a point's WKT is invalid", func() error {
			return r.AddLocationArea(ctx, LocationArea{LocationID: "http://loc/x", WKTPolygon: "POINT(1 2)"})
		}, ErrInvalid},
		{"an area with an open ring is invalid", func() error {
			return r.AddLocationArea(ctx, LocationArea{LocationID: "http://loc/x", WKTPolygon: "POLYGON((0 0,1 0,1 1,0 1))"})
		}, ErrInvalid},
		{"a point without WKT is invalid", func() error { return r.AddLocationPoint(ctx, LocationPoint{LocationID: "http://loc/x"}) }, ErrInvalid},
		{"updating a missing area is not found", func() error {
			return r.UpdateLocationArea(ctx, LocationArea{LocationID: "http://loc/ghost", WKTPolygon: port.WKTPolygon})
		}, ErrNotFound},
		{"deleting a missing point is not found", func() error { return r.DeleteLocationPoint(ctx, "http://loc/ghost") }, ErrNotFound},
	}
	for _, p := range points {
		steps = append(steps, struct {
			name string
			do   func() error
			want error
		}{"adding point " + p.LocationID + " succeeds", func() error { return r.AddLocationPoint(ctx, p) }, nil})
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { wantErr(t, s.do(), s.want) })
	}
	t.Run("points in the area are those inside or on a boundary", func(t *testing.T) {
		got, err := r.PointsInArea(ctx, "http://loc/port")
		must(t, err)
		var ids []string
		for _, p := range got {
			ids = append(ids, p.LocationID)
		}
		want := []string{"http://loc/ship", "http://loc/truck1", "http://loc/truck3", "http://loc/truck5"}
		if len(ids) != len(want) {
			t.Fatalf("PointsInArea = %v, want %v", ids, want)
		}
		for i := range want {
			if ids[i] != want[i] {
				t.Fatalf("PointsInArea = %v, want %v", ids, want)
			}
		}
	})
	t.Run("points in a missing area is not found", func(t *testing.T) {
		_, err := r.PointsInArea(ctx, "http://loc/ghost")
		wantErr(t, err, ErrNotFound)
	})
	t.Run("get and list return what was stored", func(t *testing.T) {
		a, err := r.GetLocationArea(ctx, "http://loc/port")
		must(t, err)
		if a != port {
			t.Fatalf("GetLocationArea = %+v", a)
		}
		p, err := r.GetLocationPoint(ctx, "http://loc/ship")
		must(t, err)
		if p != points[5] {
			t.Fatalf("GetLocationPoint = %+v", p)
		}
		byPlatform, err := r.ListLocationPoints(ctx, "http://p/2")
		must(t, err)
		if len(byPlatform) != 3 {
			t.Fatalf("ListLocationPoints(p/2) = %+v", byPlatform)
		}
		areas, err := r.ListLocationAreas(ctx, "")
		must(t, err)
		if len(areas) != 1 {
			t.Fatalf("ListLocationAreas = %+v", areas)
		}
	})
	t.Run("moving a point out of the area takes it out of the answer", func(t *testing.T) {
		moved := points[0]
		moved.WKTPoint = "POINT(0 0)"
		must(t, r.UpdateLocationPoint(ctx, moved))
		got, err := r.PointsInArea(ctx, "http://loc/port")
		must(t, err)
		if len(got) != 3 {
			t.Fatalf("after the move PointsInArea = %+v", got)
		}
	})
	t.Run("deleting the area and a point removes them", func(t *testing.T) {
		must(t, r.DeleteLocationArea(ctx, "http://loc/port"))
		must(t, r.DeleteLocationPoint(ctx, "http://loc/ship"))
		_, err := r.GetLocationArea(ctx, "http://loc/port")
		wantErr(t, err, ErrNotFound)
		ps, err := r.ListLocationPoints(ctx, "")
		must(t, err)
		if len(ps) != 5 {
			t.Fatalf("points left: %d", len(ps))
		}
	})
}
