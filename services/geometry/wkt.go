package geometry

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Sentinel errors callers branch on.
var (
	// ErrSyntax is wrapped by every *SyntaxError.
	ErrSyntax = errors.New("malformed WKT")
	// ErrUnsupported reports well-formed WKT of a geometry type this package
	// does not handle (LINESTRING, GEOMETRYCOLLECTION, ...), or a type other
	// than the one the caller asked for.
	ErrUnsupported = errors.New("unsupported WKT geometry")
)

// MaxInputBytes bounds the text Parse accepts, so that a hostile request
// cannot make the registry hold or scan an unbounded geometry.
const MaxInputBytes = 1 << 20

// SyntaxError is malformed WKT, with the byte offset where reading failed.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed WKT at byte %d: %s", e.Offset, e.Msg)
}

// Is makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

// Point is a position: X is the first WKT coordinate (longitude), Y the
// second (latitude).
type Point struct{ X, Y float64 }

// Ring is a closed line string: its first and last points are equal and it
// has at least four points.
type Ring []Point

// Polygon is an outer ring followed by zero or more holes.
type Polygon []Ring

// MultiPolygon is a set of polygons; a point is inside it when it is inside
// any of them.
type MultiPolygon []Polygon

// Geometry is one of Point, Polygon or MultiPolygon.
type Geometry interface {
	// WKT writes the geometry as Well-Known Text that Parse reads back.
	WKT() string
	geometry()
}

func (Point) geometry()        {}
func (Polygon) geometry()      {}
func (MultiPolygon) geometry() {}

// Area is a geometry that can contain points: a Polygon or a MultiPolygon.
type Area interface {
	Geometry
	// Contains reports whether p is inside the area or on its boundary.
	Contains(p Point) bool
}

// Parse reads one WKT geometry: POINT, POLYGON or MULTIPOLYGON, with
// case-insensitive keywords, optional Z, M or ZM dimensions (extra ordinates
// are read and dropped), and optionally preceded by a GeoSPARQL CRS IRI in
// angle brackets or an EWKT "SRID=n;" prefix, both ignored.
func Parse(text string) (Geometry, error) {
	if len(text) > MaxInputBytes {
		return nil, &SyntaxError{Offset: MaxInputBytes, Msg: fmt.Sprintf("input longer than %d bytes", MaxInputBytes)}
	}
	p := &parser{src: text}
	p.prefix()
	kw := p.keyword()
	var g Geometry
	switch kw {
	case "POINT":
		p.dimensions()
		p.expect('(')
		g = p.coord()
		p.expect(')')
	case "POLYGON":
		p.dimensions()
		g = p.polygon()
	case "MULTIPOLYGON":
		p.dimensions()
		p.expect('(')
		mp := MultiPolygon{p.polygon()}
		for p.accept(',') {
			mp = append(mp, p.polygon())
		}
		p.expect(')')
		g = mp
	case "":
		p.fail("expected a geometry type")
	default:
		if p.err == nil {
			return nil, fmt.Errorf("%w: %s (want POINT, POLYGON or MULTIPOLYGON)", ErrUnsupported, kw)
		}
	}
	p.space()
	if p.err == nil && p.pos < len(p.src) {
		p.fail("unexpected text after the geometry")
	}
	if p.err != nil {
		return nil, p.err
	}
	return g, nil
}

// ParsePoint reads a WKT POINT.
func ParsePoint(text string) (Point, error) {
	g, err := Parse(text)
	if err != nil {
		return Point{}, err
	}
	pt, ok := g.(Point)
	if !ok {
		return Point{}, fmt.Errorf("%w: want a POINT, got %s", ErrUnsupported, typeName(g))
	}
	return pt, nil
}

// ParseArea reads a WKT POLYGON or MULTIPOLYGON.
func ParseArea(text string) (Area, error) {
	g, err := Parse(text)
	if err != nil {
		return nil, err
	}
	a, ok := g.(Area)
	if !ok {
		return nil, fmt.Errorf("%w: want a POLYGON or MULTIPOLYGON, got %s", ErrUnsupported, typeName(g))
	}
	return a, nil
}

func typeName(g Geometry) string {
	switch g.(type) {
	case Point:
		return "POINT"
	case Polygon:
		return "POLYGON"
	case MultiPolygon:
		return "MULTIPOLYGON"
	}
	return "unknown"
}

// parser reads WKT; the first error sticks and stops further reading.
type parser struct {
	src string
	pos int
	err error
}

func (p *parser) fail(msg string) {
	if p.err == nil {
		p.err = &SyntaxError{Offset: p.pos, Msg: msg}
	}
}

func (p *parser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// prefix skips a leading "<crs-iri>" or "SRID=n;".
func (p *parser) prefix() {
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == '<' {
		end := strings.IndexByte(p.src[p.pos:], '>')
		if end < 0 {
			p.fail("unterminated CRS IRI")
			return
		}
		p.pos += end + 1
		p.space()
		return
	}
	if len(p.src)-p.pos >= 5 && strings.EqualFold(p.src[p.pos:p.pos+5], "SRID=") {
		end := strings.IndexByte(p.src[p.pos:], ';')
		if end < 0 {
			p.fail("SRID prefix without ';'")
			return
		}
		if _, err := strconv.Atoi(p.src[p.pos+5 : p.pos+end]); err != nil {
			p.fail("SRID is not an integer")
			return
		}
		p.pos += end + 1
		p.space()
	}
}

// keyword reads a word of ASCII letters, upper-cased.
func (p *parser) keyword() string {
	if p.err != nil {
		return ""
	}
	p.space()
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') {
			p.pos++
			continue
		}
		break
	}
	return strings.ToUpper(p.src[start:p.pos])
}

// dimensions reads an optional Z, M or ZM after the type keyword, and
// refuses EMPTY geometries, which have no position to test.
func (p *parser) dimensions() {
	save := p.pos
	switch kw := p.keyword(); kw {
	case "Z", "M", "ZM", "":
	case "EMPTY":
		p.pos = save
		p.fail("EMPTY geometries are not supported")
	default:
		p.pos = save
		p.fail(fmt.Sprintf("unexpected word %q", kw))
	}
}

func (p *parser) accept(c byte) bool {
	if p.err != nil {
		return false
	}
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(c byte) {
	if !p.accept(c) {
		if p.pos >= len(p.src) {
			p.fail(fmt.Sprintf("expected %q, found the end of the text", c))
		} else {
			p.fail(fmt.Sprintf("expected %q, found %q", c, p.src[p.pos]))
		}
	}
}

// number reads one ordinate.
func (p *parser) number() float64 {
	if p.err != nil {
		return 0
	}
	p.space()
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' {
			p.pos++
			continue
		}
		break
	}
	if start == p.pos {
		p.fail("expected a number")
		return 0
	}
	tok := p.src[start:p.pos]
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		p.pos = start
		p.fail(fmt.Sprintf("%q is not a finite number", tok))
		return 0
	}
	return f
}

// coord reads "x y", with up to two further ordinates (z, m) dropped.
func (p *parser) coord() Point {
	pt := Point{X: p.number(), Y: p.number()}
	for i := 0; i < 2 && p.err == nil; i++ {
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] != ',' && p.src[p.pos] != ')' {
			p.number()
		}
	}
	return pt
}

// ring reads "(x y, x y, ...)" and checks that it is closed.
func (p *parser) ring() Ring {
	start := p.pos
	p.expect('(')
	r := Ring{p.coord()}
	for p.accept(',') {
		r = append(r, p.coord())
	}
	p.expect(')')
	if p.err != nil {
		return nil
	}
	if len(r) < 4 {
		p.pos = start
		p.fail(fmt.Sprintf("a ring needs at least 4 points, got %d", len(r)))
		return nil
	}
	if r[0] != r[len(r)-1] {
		p.pos = start
		p.fail("ring is not closed: its first and last points differ")
		return nil
	}
	return r
}

// polygon reads "((ring), (hole), ...)".
func (p *parser) polygon() Polygon {
	p.expect('(')
	poly := Polygon{p.ring()}
	for p.accept(',') {
		poly = append(poly, p.ring())
	}
	p.expect(')')
	return poly
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (pt Point) coords(b *strings.Builder) {
	b.WriteString(formatFloat(pt.X))
	b.WriteByte(' ')
	b.WriteString(formatFloat(pt.Y))
}

func (r Ring) write(b *strings.Builder) {
	b.WriteByte('(')
	for i, pt := range r {
		if i > 0 {
			b.WriteString(", ")
		}
		pt.coords(b)
	}
	b.WriteByte(')')
}

func (poly Polygon) write(b *strings.Builder) {
	b.WriteByte('(')
	for i, r := range poly {
		if i > 0 {
			b.WriteString(", ")
		}
		r.write(b)
	}
	b.WriteByte(')')
}

// WKT writes the point as "POINT (x y)".
func (pt Point) WKT() string {
	var b strings.Builder
	b.WriteString("POINT (")
	pt.coords(&b)
	b.WriteByte(')')
	return b.String()
}

// WKT writes the polygon as "POLYGON ((...), ...)".
func (poly Polygon) WKT() string {
	var b strings.Builder
	b.WriteString("POLYGON ")
	poly.write(&b)
	return b.String()
}

// WKT writes the multipolygon as "MULTIPOLYGON (((...)), ...)".
func (mp MultiPolygon) WKT() string {
	var b strings.Builder
	b.WriteString("MULTIPOLYGON (")
	for i, poly := range mp {
		if i > 0 {
			b.WriteString(", ")
		}
		poly.write(&b)
	}
	b.WriteByte(')')
	return b.String()
}
