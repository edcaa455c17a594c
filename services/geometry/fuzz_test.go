package geometry

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that every failure is one of the
// package's errors, and that whatever it reads is written back by WKT as
// text that reads to the same geometry.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"POINT(1 2)",
		"POINT Z (1 2 3)",
		"POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 4,2 2))",
		"MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))",
		"<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(1 2)",
		"SRID=4326;POINT(1 2)",
		"POINT(1e308 -1e-308)",
		"POLYGON((0 0, 1 0, 0 0))",
		"LINESTRING(0 0, 1 1)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Parse(%q) = %v, neither ErrSyntax nor ErrUnsupported", s, err)
			}
			return
		}
		again, err := Parse(g.WKT())
		if err != nil {
			t.Fatalf("WKT %q of %q does not parse: %v", g.WKT(), s, err)
		}
		if !reflect.DeepEqual(g, again) {
			t.Fatalf("WKT round trip of %q changed %#v into %#v", s, g, again)
		}
		if a, ok := g.(Area); ok {
			a.Contains(Point{0, 0})
		}
	})
}
