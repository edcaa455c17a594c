package geometry

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseReadsTheSupportedGeometries(t *testing.T) {
	square := Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}
	hole := Ring{{2, 2}, {4, 2}, {4, 4}, {2, 4}, {2, 2}}
	tests := []struct {
		name string
		wkt  string
		want Geometry
	}{
		{"a point in lon lat order", "POINT(-0.3763 39.4699)", Point{X: -0.3763, Y: 39.4699}},
		{"a point with spaces and lower case", "  point ( 1.5   2 ) ", Point{1.5, 2}},
		{"a point with a Z ordinate drops it", "POINT Z (1 2 3)", Point{1, 2}},
		{"a point with ZM drops both", "POINT ZM (1 2 3 4)", Point{1, 2}},
		{"a point in exponent notation", "POINT(1e2 -2.5E-1)", Point{100, -0.25}},
		{"a point after a CRS IRI", "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(1 2)", Point{1, 2}},
		{"a point after an SRID prefix", "SRID=4326;POINT(1 2)", Point{1, 2}},
		{"a polygon", "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))", Polygon{square}},
		{"a polygon with a hole", "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 4,2 2))", Polygon{square, hole}},
		{"a multipolygon", "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((2 2,4 2,4 4,2 4,2 2)))", MultiPolygon{{square}, {hole}}},
		{"a multipolygon whose member has a hole", "MultiPolygon (((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 4,2 2)))", MultiPolygon{{square, hole}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.wkt)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.wkt, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q) = %#v, want %#v", tt.wkt, got, tt.want)
			}
			again, err := Parse(got.WKT())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("WKT %q does not read back: %v, %#v", got.WKT(), err, again)
			}
		})
	}
}

func TestParseRefusesMalformedText(t *testing.T) {
	tests := []struct {
		name    string
		wkt     string
		want    error
		message string
	}{
		{"empty text", "", ErrSyntax, "expected a geometry type"},
		{"a missing parenthesis", "POINT(1 2", ErrSyntax, "expected ')'"},
		{"a single ordinate", "POINT(1)", ErrSyntax, "expected a number"},
		{"a word for a number", "POINT(a b)", ErrSyntax, "expected a number"},
		{"a number that is not one", "POINT(1-2 3)", ErrSyntax, "not a finite number"},
		{"an overflowing number", "POINT(1e999 0)", ErrSyntax, "not a finite number"},
		{"trailing text", "POINT(1 2) junk", ErrSyntax, "unexpected text"},
		{"an open ring", "POLYGON((0 0, 1 0, 1 1, 0 1))", ErrSyntax, "not closed"},
		{"a ring of three points", "POLYGON((0 0, 1 0, 0 0))", ErrSyntax, "at least 4 points"},
		{"an empty point", "POINT EMPTY", ErrSyntax, "EMPTY"},
		{"an unterminated CRS", "<http://x POINT(1 2)", ErrSyntax, "CRS"},
		{"a bad SRID", "SRID=x;POINT(1 2)", ErrSyntax, "SRID"},
		{"another geometry type", "LINESTRING(0 0, 1 1)", ErrUnsupported, "LINESTRING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.wkt)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) = %v, want %v", tt.wkt, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("Parse(%q) error %q does not mention %q", tt.wkt, err, tt.message)
			}
		})
	}
}

func TestParsePointAndParseAreaCheckTheType(t *testing.T) {
	if _, err := ParsePoint("POLYGON((0 0,1 0,1 1,0 0))"); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("ParsePoint(polygon) = %v, want ErrUnsupported", err)
	}
	if _, err := ParseArea("POINT(1 2)"); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("ParseArea(point) = %v, want ErrUnsupported", err)
	}
	if _, err := ParseArea("MULTIPOLYGON(((0 0,1 0,1 1,0 0)))"); err != nil {
		t.Fatalf("ParseArea(multipolygon): %v", err)
	}
}

func TestParseBoundsItsInput(t *testing.T) {
	_, err := Parse("POINT(" + strings.Repeat(" ", MaxInputBytes) + "1 2)")
	if !errors.Is(err, ErrSyntax) {
		t.Fatalf("oversized input: %v, want ErrSyntax", err)
	}
}
