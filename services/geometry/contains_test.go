package geometry

import (
	"testing"
)

func mustArea(t testing.TB, wkt string) Area {
	t.Helper()
	a, err := ParseArea(wkt)
	if err != nil {
		t.Fatalf("ParseArea(%q): %v", wkt, err)
	}
	return a
}

func TestContainsIsBoundaryInclusive(t *testing.T) {
	squareWithHole := "POLYGON((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))"
	triangle := "POLYGON((0 0, 10 0, 5 10, 0 0))"
	concave := "POLYGON((0 0, 10 0, 10 10, 5 5, 0 10, 0 0))" // a V cut into the top
	valencia := "POLYGON((-0.40 39.42, -0.30 39.42, -0.30 39.50, -0.40 39.50, -0.40 39.42))"
	twoSquares := "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((5 5,6 5,6 6,5 6,5 5)))"
	tests := []struct {
		name string
		area string
		pt   Point
		want bool
	}{
		{"a point well inside is inside", squareWithHole, Point{2, 2}, true},
		{"a point outside is outside", squareWithHole, Point{11, 5}, false},
		{"a point on the outer edge is inside", squareWithHole, Point{10, 5}, true},
		{"a corner of the outer ring is inside", squareWithHole, Point{0, 0}, true},
		{"a point in the hole is outside", squareWithHole, Point{5, 5}, false},
		{"a point on the hole's edge is inside", squareWithHole, Point{4, 5}, true},
		{"a corner of the hole is inside", squareWithHole, Point{6, 6}, true},
		{"a point level with a vertex but outside is outside", triangle, Point{-1, 0}, false},
		{"a point level with the apex but beside it is outside", triangle, Point{6, 10}, false},
		{"a point on a slanted edge is inside", triangle, Point{2.5, 5}, true},
		{"a point just off a slanted edge is outside", triangle, Point{2.4, 5}, false},
		{"a point in a concave notch is outside", concave, Point{5, 8}, false},
		{"a point under the notch is inside", concave, Point{5, 4}, true},
		{"a point level with the notch's vertex, left of it, is inside", concave, Point{2, 5}, true},
		{"a real position in Valencia is inside", valencia, Point{-0.3763, 39.4699}, true},
		{"latitude and longitude swapped is outside", valencia, Point{39.4699, -0.3763}, false},
		{"a point in the second polygon of a multipolygon is inside", twoSquares, Point{5.5, 5.5}, true},
		{"a point between the polygons is outside", twoSquares, Point{3, 3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustArea(t, tt.area).Contains(tt.pt); got != tt.want {
				t.Fatalf("%s Contains(%v) = %v, want %v", tt.area, tt.pt, got, tt.want)
			}
		})
	}
}

func TestAnEmptyPolygonContainsNothing(t *testing.T) {
	if (Polygon{}).Contains(Point{}) || (MultiPolygon{}).Contains(Point{}) {
		t.Fatal("an empty area contains a point")
	}
}

func BenchmarkContains(b *testing.B) {
	a := mustArea(b, "POLYGON((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))")
	for b.Loop() {
		a.Contains(Point{2, 3})
	}
}
