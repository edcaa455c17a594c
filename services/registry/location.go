package registry

import (
	"context"
	"fmt"
	"sort"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/geometry"
)

// LocationArea is a static area with a WKT POLYGON or MULTIPOLYGON (the
// INTER-MW 2.5 body).
type LocationArea struct {
	LocationID  string `json:"locationId"`
	PlatformID  string `json:"platformId,omitempty"`
	Description string `json:"description,omitempty"`
	WKTPolygon  string `json:"wktPolygon"`
}

// LocationPoint is a (dynamic) position with a WKT POINT (the INTER-MW 2.5
// body).
type LocationPoint struct {
	LocationID  string `json:"locationId"`
	PlatformID  string `json:"platformId,omitempty"`
	Description string `json:"description,omitempty"`
	WKTPoint    string `json:"wktPoint"`
}

// location is what areas and points share: one registry graph each, the
// same RDF shape (as INTER-MW: sosa:isHostedBy the platform,
// mw:description, geo:hasGeometry [ a sf:Polygon|sf:Point; geo:asWKT ]).
type location struct {
	id, platform, description, wkt string
}

type locationKind struct {
	graph     string
	class     rdf.Term // mw:LocationArea or mw:LocationPoint
	geomClass rdf.Term // sf:Polygon or sf:Point
	name      string   // for errors
	check     func(wkt string) error
}

var (
	areaKind = locationKind{GraphLocationAreas, mwLocationArea, sfPolygon, "location area", func(wkt string) error {
		_, err := geometry.ParseArea(wkt)
		return err
	}}
	pointKind = locationKind{GraphLocationPoints, mwLocationPoint, sfPoint, "location point", func(wkt string) error {
		_, err := geometry.ParsePoint(wkt)
		return err
	}}
)

func (k locationKind) validate(l location) error {
	if err := checkIRI("locationId", l.id); err != nil {
		return err
	}
	if err := checkOptionalIRI("platformId", l.platform); err != nil {
		return err
	}
	if err := checkOptionalText("description", l.description); err != nil {
		return err
	}
	if l.wkt == "" {
		return fmt.Errorf("%w: %s %q has no WKT geometry", ErrInvalid, k.name, l.id)
	}
	if err := k.check(l.wkt); err != nil {
		return fmt.Errorf("%w: %s %q: %w", ErrInvalid, k.name, l.id, err)
	}
	return nil
}

func (k locationKind) triples(l location) []rdf.Triple {
	s := rdf.IRI(l.id)
	g := rdf.Blank("geom")
	ts := []rdf.Triple{
		{S: s, P: rdfType, O: k.class},
		{S: s, P: geoHasGeometry, O: g},
		{S: g, P: rdfType, O: k.geomClass},
		{S: g, P: geoAsWKT, O: rdf.Literal(l.wkt, geoWKTLiteral)},
	}
	if l.platform != "" {
		ts = append(ts, rdf.Triple{S: s, P: sosaIsHostedBy, O: rdf.IRI(l.platform)})
	}
	if l.description != "" {
		ts = append(ts, rdf.Triple{S: s, P: mw("description"), O: lit(l.description)})
	}
	return ts
}

const deleteLocationTemplate = `
DELETE WHERE { GRAPH %{g} { %{l} geo:hasGeometry ?geom . ?geom ?gp ?go } } ;
DELETE WHERE { GRAPH %{g} { %{l} ?p ?o } }`

// add stores l; mode says whether it must be new (ErrConflict) or must
// exist (ErrNotFound).
func (r *Registry) putLocation(ctx context.Context, k locationKind, l location, mustExist bool) error {
	if err := k.validate(l); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	exists, err := r.locationExists(ctx, k, l.id)
	if err != nil {
		return err
	}
	switch {
	case exists && !mustExist:
		return fmt.Errorf("%w: %s %q", ErrConflict, k.name, l.id)
	case !exists && mustExist:
		return fmt.Errorf("%w: %s %q", ErrNotFound, k.name, l.id)
	}
	return r.write(ctx, deleteLocationTemplate, map[string]any{"g": rdf.IRI(k.graph), "l": rdf.IRI(l.id)},
		graphTriples{k.graph, k.triples(l)})
}

func (r *Registry) locationExists(ctx context.Context, k locationKind, id string) (bool, error) {
	return r.ask(ctx, `ASK { GRAPH %{g} { %{l} a %{c} } }`, map[string]any{"g": rdf.IRI(k.graph), "l": rdf.IRI(id), "c": k.class})
}

func (r *Registry) deleteLocation(ctx context.Context, k locationKind, id string) error {
	if err := checkIRI("locationId", id); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	exists, err := r.locationExists(ctx, k, id)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("%w: %s %q", ErrNotFound, k.name, id)
	}
	return r.update(ctx, deleteLocationTemplate, map[string]any{"g": rdf.IRI(k.graph), "l": rdf.IRI(id)})
}

// queryLocations reads the locations of a kind, optionally one id or one
// platform's, ordered by locationId.
func (r *Registry) queryLocations(ctx context.Context, k locationKind, id, platformID string) ([]location, error) {
	pattern := ""
	args := map[string]any{"g": rdf.IRI(k.graph), "c": k.class}
	if id != "" {
		if err := checkIRI("locationId", id); err != nil {
			return nil, err
		}
		pattern += "VALUES ?l { %{l} }\n"
		args["l"] = rdf.IRI(id)
	}
	if platformID != "" {
		if err := checkIRI("platformId", platformID); err != nil {
			return nil, err
		}
		pattern += "?l sosa:isHostedBy %{p} .\n"
		args["p"] = rdf.IRI(platformID)
	}
	rows, err := r.rows(ctx, `SELECT ?l ?plat ?desc ?wkt WHERE { GRAPH %{g} {
  `+pattern+`
  ?l a %{c} ; geo:hasGeometry ?geom .
  ?geom geo:asWKT ?wkt .
  OPTIONAL { ?l sosa:isHostedBy ?plat }
  OPTIONAL { ?l mw:description ?desc }
} }`, args)
	if err != nil {
		return nil, err
	}
	byID := map[string]location{}
	for _, b := range rows {
		l := location{id: b["l"].Value, platform: str(b["plat"]), description: str(b["desc"]), wkt: b["wkt"].Value}
		byID[l.id] = l
	}
	out := make([]location, 0, len(byID))
	for _, l := range byID {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

func (a LocationArea) loc() location {
	return location{a.LocationID, a.PlatformID, a.Description, a.WKTPolygon}
}

func (p LocationPoint) loc() location {
	return location{p.LocationID, p.PlatformID, p.Description, p.WKTPoint}
}

func areaOf(l location) LocationArea   { return LocationArea{l.id, l.platform, l.description, l.wkt} }
func pointOf(l location) LocationPoint { return LocationPoint{l.id, l.platform, l.description, l.wkt} }

// AddLocationArea stores a new area. ErrConflict if its locationId is
// taken, ErrInvalid for malformed WKT or ids.
func (r *Registry) AddLocationArea(ctx context.Context, a LocationArea) error {
	return r.putLocation(ctx, areaKind, a.loc(), false)
}

// UpdateLocationArea replaces an area. ErrNotFound if it does not exist.
func (r *Registry) UpdateLocationArea(ctx context.Context, a LocationArea) error {
	return r.putLocation(ctx, areaKind, a.loc(), true)
}

// DeleteLocationArea removes an area. ErrNotFound if it does not exist.
func (r *Registry) DeleteLocationArea(ctx context.Context, locationID string) error {
	return r.deleteLocation(ctx, areaKind, locationID)
}

// GetLocationArea returns an area. ErrNotFound if it does not exist.
func (r *Registry) GetLocationArea(ctx context.Context, locationID string) (LocationArea, error) {
	if err := checkIRI("locationId", locationID); err != nil {
		return LocationArea{}, err
	}
	ls, err := r.queryLocations(ctx, areaKind, locationID, "")
	if err != nil {
		return LocationArea{}, err
	}
	if len(ls) == 0 {
		return LocationArea{}, fmt.Errorf("%w: location area %q", ErrNotFound, locationID)
	}
	return areaOf(ls[0]), nil
}

// ListLocationAreas returns a platform's areas, or all when platformID is
// empty.
func (r *Registry) ListLocationAreas(ctx context.Context, platformID string) ([]LocationArea, error) {
	ls, err := r.queryLocations(ctx, areaKind, "", platformID)
	if err != nil {
		return nil, err
	}
	out := make([]LocationArea, len(ls))
	for i, l := range ls {
		out[i] = areaOf(l)
	}
	return out, nil
}

// AddLocationPoint stores a new point. ErrConflict if its locationId is
// taken, ErrInvalid for malformed WKT or ids.
func (r *Registry) AddLocationPoint(ctx context.Context, p LocationPoint) error {
	return r.putLocation(ctx, pointKind, p.loc(), false)
}

// UpdateLocationPoint replaces a point. ErrNotFound if it does not exist.
func (r *Registry) UpdateLocationPoint(ctx context.Context, p LocationPoint) error {
	return r.putLocation(ctx, pointKind, p.loc(), true)
}

// DeleteLocationPoint removes a point. ErrNotFound if it does not exist.
func (r *Registry) DeleteLocationPoint(ctx context.Context, locationID string) error {
	return r.deleteLocation(ctx, pointKind, locationID)
}

// GetLocationPoint returns a point. ErrNotFound if it does not exist.
func (r *Registry) GetLocationPoint(ctx context.Context, locationID string) (LocationPoint, error) {
	if err := checkIRI("locationId", locationID); err != nil {
		return LocationPoint{}, err
	}
	ls, err := r.queryLocations(ctx, pointKind, locationID, "")
	if err != nil {
		return LocationPoint{}, err
	}
	if len(ls) == 0 {
		return LocationPoint{}, fmt.Errorf("%w: location point %q", ErrNotFound, locationID)
	}
	return pointOf(ls[0]), nil
}

// ListLocationPoints returns a platform's points, or all when platformID is
// empty.
func (r *Registry) ListLocationPoints(ctx context.Context, platformID string) ([]LocationPoint, error) {
	ls, err := r.queryLocations(ctx, pointKind, "", platformID)
	if err != nil {
		return nil, err
	}
	out := make([]LocationPoint, len(ls))
	for i, l := range ls {
		out[i] = pointOf(l)
	}
	return out, nil
}

// PointsInArea returns the points that lie inside an area or on its
// boundary, by a geometric test on their stored WKT (services/geometry),
// ordered by locationId. ErrNotFound if the area does not exist. A stored
// point whose WKT no longer parses is skipped.
func (r *Registry) PointsInArea(ctx context.Context, areaID string) ([]LocationPoint, error) {
	a, err := r.GetLocationArea(ctx, areaID)
	if err != nil {
		return nil, err
	}
	area, err := geometry.ParseArea(a.WKTPolygon)
	if err != nil {
		return nil, fmt.Errorf("location area %q holds invalid WKT: %w", areaID, err)
	}
	points, err := r.ListLocationPoints(ctx, "")
	if err != nil {
		return nil, err
	}
	out := []LocationPoint{}
	for _, p := range points {
		pt, err := geometry.ParsePoint(p.WKTPoint)
		if err != nil {
			r.log.WithField("locationId", p.LocationID).Warn("stored location point holds invalid WKT")
			continue
		}
		if area.Contains(pt) {
			out = append(out, p)
		}
	}
	return out, nil
}
