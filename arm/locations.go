package arm

import (
	"net/http"

	"github.com/intermw/intermw/services/registry"
)

func (s *Server) listAreas(c *call) error {
	as, err := s.cfg.Locations.ListLocationAreas(c.ctx(), c.r.URL.Query().Get("platformId"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, nonNil(as))
}

func (s *Server) addArea(c *call) error {
	var a registry.LocationArea
	if err := c.decode(&a); err != nil {
		return err
	}
	if err := checkIRI("locationId", a.LocationID); err != nil {
		return err
	}
	if err := s.cfg.Locations.AddLocationArea(c.ctx(), a); err != nil {
		return err
	}
	return c.json(http.StatusOK, a)
}

func (s *Server) getArea(c *call) error {
	a, err := s.cfg.Locations.GetLocationArea(c.ctx(), c.path("locationId"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, a)
}

func (s *Server) updateArea(c *call) error {
	var a registry.LocationArea
	if err := c.decode(&a); err != nil {
		return err
	}
	if a.LocationID != c.path("locationId") {
		return badRequest("locationId in path and body don't match")
	}
	if err := s.cfg.Locations.UpdateLocationArea(c.ctx(), a); err != nil {
		return err
	}
	return c.json(http.StatusOK, a)
}

func (s *Server) deleteArea(c *call) error {
	if err := s.cfg.Locations.DeleteLocationArea(c.ctx(), c.path("locationId")); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusOK) // INTER-MW answers an empty 200
	return nil
}

func (s *Server) pointsInArea(c *call) error {
	ps, err := s.cfg.Locations.PointsInArea(c.ctx(), c.path("locationId"))
	if err != nil {
		return err
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.LocationID
	}
	return c.json(http.StatusOK, ids)
}

func (s *Server) listPoints(c *call) error {
	ps, err := s.cfg.Locations.ListLocationPoints(c.ctx(), c.r.URL.Query().Get("platformId"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, nonNil(ps))
}

func (s *Server) addPoint(c *call) error {
	var p registry.LocationPoint
	if err := c.decode(&p); err != nil {
		return err
	}
	if err := checkIRI("locationId", p.LocationID); err != nil {
		return err
	}
	if err := s.cfg.Locations.AddLocationPoint(c.ctx(), p); err != nil {
		return err
	}
	return c.json(http.StatusOK, p)
}

func (s *Server) getPoint(c *call) error {
	p, err := s.cfg.Locations.GetLocationPoint(c.ctx(), c.path("locationId"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, p)
}

func (s *Server) updatePoint(c *call) error {
	var p registry.LocationPoint
	if err := c.decode(&p); err != nil {
		return err
	}
	if p.LocationID != c.path("locationId") {
		return badRequest("locationId in path and body don't match")
	}
	if err := s.cfg.Locations.UpdateLocationPoint(c.ctx(), p); err != nil {
		return err
	}
	return c.json(http.StatusOK, p)
}

func (s *Server) deletePoint(c *call) error {
	if err := s.cfg.Locations.DeleteLocationPoint(c.ctx(), c.path("locationId")); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusOK) // INTER-MW answers an empty 200
	return nil
}
