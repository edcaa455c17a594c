package geometry

// Contains reports whether p lies inside the polygon or on its boundary: on
// any ring's edge, or inside the outer ring and outside every hole. The
// interior test is the even-odd rule over all rings (a ray cast to +X),
// which for a valid polygon means inside the outer ring and in no hole.
func (poly Polygon) Contains(p Point) bool {
	if len(poly) == 0 {
		return false
	}
	for _, r := range poly {
		if r.onBoundary(p) {
			return true
		}
	}
	inside := false
	for _, r := range poly {
		if r.crossings(p)%2 == 1 {
			inside = !inside
		}
	}
	return inside
}

// Contains reports whether p lies inside (or on the boundary of) any of the
// polygons.
func (mp MultiPolygon) Contains(p Point) bool {
	for _, poly := range mp {
		if poly.Contains(p) {
			return true
		}
	}
	return false
}

// onBoundary reports whether p lies on one of the ring's edges.
func (r Ring) onBoundary(p Point) bool {
	for i := 0; i+1 < len(r); i++ {
		if onSegment(r[i], r[i+1], p) {
			return true
		}
	}
	return false
}

// crossings counts the edges a ray from p towards +X crosses. Each edge is
// taken as half-open in Y (it includes its lower end, not its upper one), so
// a ray through a vertex is counted once and horizontal edges never count.
func (r Ring) crossings(p Point) int {
	n := 0
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (a.Y > p.Y) == (b.Y > p.Y) {
			continue
		}
		// X where the edge meets the horizontal line through p.
		x := a.X + (p.Y-a.Y)*(b.X-a.X)/(b.Y-a.Y)
		if p.X < x {
			n++
		}
	}
	return n
}

// onSegment reports whether p lies on the closed segment ab. Collinearity
// is tested with the cross product, with a tolerance relative to the
// segment's size so that points computed in floating point (a midpoint, a
// point on a slanted edge) still count as on it.
func onSegment(a, b, p Point) bool {
	if p.X < min(a.X, b.X) || p.X > max(a.X, b.X) || p.Y < min(a.Y, b.Y) || p.Y > max(a.Y, b.Y) {
		return false
	}
	cross := (b.X-a.X)*(p.Y-a.Y) - (b.Y-a.Y)*(p.X-a.X)
	scale := max(abs(b.X-a.X), abs(b.Y-a.Y))
	return abs(cross) <= 1e-12*scale*scale+1e-300
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
