package arm

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/services/registry"
)

// RegisterPlatformInput is the body of POST /platforms.
type RegisterPlatformInput = registry.Platform

// UpdatePlatformInput is the body of PUT /platforms/{platformId}: fields
// left out keep their value. INTER-MW names the location "location";
// "locationId" is read too.
type UpdatePlatformInput struct {
	BaseEndpoint        *string `json:"baseEndpoint"`
	Location            *string `json:"location"`
	LocationID          *string `json:"locationId"`
	Name                *string `json:"name"`
	Username            *string `json:"username"`
	EncryptedPassword   *string `json:"encryptedPassword"`
	EncryptionAlgorithm *string `json:"encryptionAlgorithm"`

	DownstreamInputAlignmentName     *string `json:"downstreamInputAlignmentName"`
	DownstreamInputAlignmentVersion  *string `json:"downstreamInputAlignmentVersion"`
	DownstreamOutputAlignmentName    *string `json:"downstreamOutputAlignmentName"`
	DownstreamOutputAlignmentVersion *string `json:"downstreamOutputAlignmentVersion"`
	UpstreamInputAlignmentName       *string `json:"upstreamInputAlignmentName"`
	UpstreamInputAlignmentVersion    *string `json:"upstreamInputAlignmentVersion"`
	UpstreamOutputAlignmentName      *string `json:"upstreamOutputAlignmentName"`
	UpstreamOutputAlignmentVersion   *string `json:"upstreamOutputAlignmentVersion"`
}

func (in UpdatePlatformInput) apply(p *registry.Platform) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.BaseEndpoint, in.BaseEndpoint)
	set(&p.LocationID, in.LocationID)
	set(&p.LocationID, in.Location)
	set(&p.Name, in.Name)
	set(&p.Username, in.Username)
	set(&p.EncryptedPassword, in.EncryptedPassword)
	set(&p.EncryptionAlgorithm, in.EncryptionAlgorithm)
	set(&p.DownstreamInputAlignmentName, in.DownstreamInputAlignmentName)
	set(&p.DownstreamInputAlignmentVersion, in.DownstreamInputAlignmentVersion)
	set(&p.DownstreamOutputAlignmentName, in.DownstreamOutputAlignmentName)
	set(&p.DownstreamOutputAlignmentVersion, in.DownstreamOutputAlignmentVersion)
	set(&p.UpstreamInputAlignmentName, in.UpstreamInputAlignmentName)
	set(&p.UpstreamInputAlignmentVersion, in.UpstreamInputAlignmentVersion)
	set(&p.UpstreamOutputAlignmentName, in.UpstreamOutputAlignmentName)
	set(&p.UpstreamOutputAlignmentVersion, in.UpstreamOutputAlignmentVersion)
}

// checkIRI refuses identifiers that cannot name a resource: the registry
// checks them again, but refusing early keeps bad ids off the broker.
func checkIRI(field, v string) error {
	if v == "" {
		return badRequest("%s is required", field)
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" {
		return badRequest("%s %q is not an absolute IRI", field, v)
	}
	for _, r := range v {
		if r <= ' ' || r == '<' || r == '>' || r == '"' || r == '{' || r == '}' || r == '|' || r == '^' || r == '`' || r == '\\' {
			return badRequest("%s %q holds a character an IRI cannot", field, v)
		}
	}
	return nil
}

func (s *Server) listPlatformTypes(c *call) error {
	m := s.newRequest(c.client(), nil, messages.ListSupportedPlatformTypes)
	conv, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}

func (s *Server) listPlatforms(c *call) error {
	ps, err := s.cfg.Platforms.ListPlatforms(c.ctx())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, nonNil(ps))
}

func (s *Server) getPlatform(c *call) error {
	p, err := s.cfg.Platforms.GetPlatform(c.ctx(), c.path("platformId"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, p)
}

func (s *Server) registerPlatform(c *call) error {
	var p RegisterPlatformInput
	if err := c.decode(&p); err != nil {
		return err
	}
	if err := checkIRI("platformId", p.PlatformID); err != nil {
		return err
	}
	if err := checkIRI("type", p.Type); err != nil {
		return err
	}
	if p.BaseEndpoint != "" {
		if u, err := url.Parse(p.BaseEndpoint); err != nil || u.Scheme == "" || u.Host == "" {
			return badRequest("invalid baseEndpoint: %s", p.BaseEndpoint)
		}
	}
	p.ClientID = c.client()
	p.PlatformStatistics = nil
	if p.TimeCreated == 0 {
		p.TimeCreated = s.cfg.Now().UnixMilli()
	}
	if _, err := s.cfg.Platforms.GetPlatform(c.ctx(), p.PlatformID); err == nil {
		return conflict("platform %s is already registered", p.PlatformID)
	} else if !errors.Is(err, registry.ErrNotFound) {
		return err
	}
	m := s.newRequest(c.client(), []string{p.PlatformID}, messages.PlatformRegister)
	m.Payload = registry.PlatformPayload(p)
	conv, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}

func (s *Server) updatePlatform(c *call) error {
	id := c.path("platformId")
	var in UpdatePlatformInput
	if err := c.decode(&in); err != nil {
		return err
	}
	p, err := s.cfg.Platforms.GetPlatform(c.ctx(), id)
	if err != nil {
		return err
	}
	in.apply(&p)
	p.PlatformStatistics = nil
	m := s.newRequest(c.client(), []string{id}, messages.PlatformUpdate)
	m.Payload = registry.PlatformPayload(p)
	conv, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}

func (s *Server) removePlatform(c *call) error {
	id := c.path("platformId")
	p, err := s.cfg.Platforms.GetPlatform(c.ctx(), id)
	if err != nil {
		return err
	}
	p.PlatformStatistics = nil
	m := s.newRequest(c.client(), []string{id}, messages.PlatformUnregister)
	m.Payload = registry.PlatformPayload(p)
	conv, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}
