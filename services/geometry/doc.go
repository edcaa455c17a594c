// Package geometry reads the Well-Known Text geometries the location
// registry stores (POINT, POLYGON with holes, MULTIPOLYGON) and answers
// whether a point lies inside an area.
//
// It is what makes the registry's points-in-area query a real geometric
// test rather than a string comparison: services/registry keeps each
// location's WKT as a geo:wktLiteral and parses it here when a client asks
// which points an area contains. Coordinates are in WKT order (x then y,
// which for GeoSPARQL's default CRS84 is longitude then latitude) and are
// treated as planar, which is what INTER-MW's areas (small regions such
// as a port or a building) need.
//
// Containment is boundary inclusive: a point on an outer ring or on a
// hole's ring is inside the area. Malformed text is reported as a
// *SyntaxError (errors.Is(err, ErrSyntax)) with the byte offset of the
// problem; well-formed text of another geometry type is ErrUnsupported.
package geometry
