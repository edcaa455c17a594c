package arm

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/registry"
)

// PlatformCreateDeviceInput is the body of POST /devices.
type PlatformCreateDeviceInput struct {
	Devices []registry.IoTDevice `json:"devices"`
}

// ActuationInput is the body of POST /devices/{deviceId}/actuation.
type ActuationInput struct {
	ActuatorID         string            `json:"actuatorId"`
	ActuatorLocalID    string            `json:"actuatorLocalId"`
	ActuationResultSet []ActuationResult `json:"actuationResultSet"`
}

// ActuationResult is one value an actuation sets.
type ActuationResult struct {
	ActuatableProperty string `json:"actuatableProperty"`
	Value              string `json:"value"`
	Unit               string `json:"unit"`
	ResultTime         string `json:"resultTime"`
}

// Vocabulary of the payloads the ARM writes itself.
const (
	nsSOSA   = "http://www.w3.org/ns/sosa/"
	nsGOIoTP = "http://inter-iot.eu/GOIoTP#"
	nsIIOTEX = "http://inter-iot.eu/GOIoTPex#"
)

func checkDevice(d registry.IoTDevice) error {
	if err := checkIRI("deviceId", d.DeviceID); err != nil {
		return err
	}
	// The optional IRI-valued fields: checked here so that a bad value is
	// a 400 now, not an Error from the registry after the platform has
	// already accepted the device.
	for field, v := range map[string]string{"hostedBy": d.HostedBy, "location": d.Location} {
		if v == "" {
			continue
		}
		if err := checkIRI(field, v); err != nil {
			return err
		}
	}
	for field, list := range map[string][]string{"hosts": d.Hosts, "forProperty": d.ForProperty, "observes": d.Observes,
		"madeActuation": d.MadeActuation, "madeObservation": d.MadeObservation,
		"implementsProcedure": d.ImplementsProcedure, "detects": d.Detects} {
		for _, v := range list {
			if err := checkIRI(field, v); err != nil {
				return err
			}
		}
	}
	for _, t := range d.DeviceTypes {
		if !t.Valid() {
			return badRequest("deviceTypes: %q is not DEVICE, SENSOR, ACTUATOR or VIRTUAL", t)
		}
	}
	return nil
}

// devicePlatforms maps every one of ids to its platform, or fails with
// ErrNotFound naming the first unregistered device.
func (s *Server) devicePlatforms(ctx context.Context, ids []string) (map[string]string, error) {
	m, err := s.cfg.Devices.DevicePlatforms(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := m[id]; !ok {
			return nil, notFound("device %s is not registered", id)
		}
	}
	return m, nil
}

// byPlatform groups devices by platform, platforms sorted.
func byPlatform(devices []registry.IoTDevice, platformOf func(registry.IoTDevice) string) ([]string, map[string][]registry.IoTDevice) {
	groups := map[string][]registry.IoTDevice{}
	var order []string
	for _, d := range devices {
		p := platformOf(d)
		if _, ok := groups[p]; !ok {
			order = append(order, p)
		}
		groups[p] = append(groups[p], d)
	}
	sort.Strings(order)
	return order, groups
}

// sendPerPlatform sends one message per platform, each with its devices,
// under one conversation.
func (s *Server) sendPerPlatform(ctx context.Context, client string, kind conversation.Kind, devices []registry.IoTDevice, platformOf func(registry.IoTDevice) string, prepare func(*messages.Message), types ...messages.Type) (string, error) {
	order, groups := byPlatform(devices, platformOf)
	var msgs []*messages.Message
	for _, p := range order {
		m := s.newRequest(client, []string{p}, types...)
		m.Payload = registry.DevicesPayload(groups[p])
		if prepare != nil {
			prepare(m)
		}
		msgs = append(msgs, m)
	}
	return s.send(ctx, client, kind, msgs...)
}

func (s *Server) listDevices(c *call) error {
	ds, err := s.cfg.Devices.ListDevices(c.ctx(), c.r.URL.Query().Get("platformId"))
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, nonNil(ds))
}

func (s *Server) createDevices(c *call) error {
	var in PlatformCreateDeviceInput
	if err := c.decode(&in); err != nil {
		return err
	}
	if len(in.Devices) == 0 {
		return badRequest("devices must list at least one device")
	}
	ids := make([]string, len(in.Devices))
	seen := map[string]bool{}
	platforms := map[string]bool{}
	for i, d := range in.Devices {
		if err := checkDevice(d); err != nil {
			return err
		}
		if err := checkIRI("hostedBy", d.HostedBy); err != nil {
			return err
		}
		if seen[d.DeviceID] {
			return badRequest("device %s is listed twice", d.DeviceID)
		}
		seen[d.DeviceID] = true
		platforms[d.HostedBy] = true
		ids[i] = d.DeviceID
	}
	for p := range platforms {
		if _, err := s.cfg.Platforms.GetPlatform(c.ctx(), p); err != nil {
			return err
		}
	}
	known, err := s.cfg.Devices.DevicePlatforms(c.ctx(), ids)
	if err != nil {
		return err
	}
	if len(known) > 0 {
		var dup []string
		for id := range known {
			dup = append(dup, id)
		}
		sort.Strings(dup)
		return conflict("devices already registered: %v", dup)
	}
	conv, err := s.sendPerPlatform(c.ctx(), c.client(), conversation.KindRequest, in.Devices,
		func(d registry.IoTDevice) string { return d.HostedBy }, nil, messages.PlatformCreateDevice)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}

func (s *Server) updateDevice(c *call) error {
	id := c.path("deviceId")
	var d registry.IoTDevice
	if err := c.decode(&d); err != nil {
		return err
	}
	if d.DeviceID != id {
		return badRequest("deviceId in path and body don't match")
	}
	if err := checkDevice(d); err != nil {
		return err
	}
	platforms, err := s.devicePlatforms(c.ctx(), []string{id})
	if err != nil {
		return err
	}
	if d.HostedBy == "" {
		d.HostedBy = platforms[id]
	} else if d.HostedBy != platforms[id] {
		return badRequest("a device cannot move to another platform (hostedBy %s, registered on %s)", d.HostedBy, platforms[id])
	}
	m := s.newRequest(c.client(), []string{d.HostedBy}, messages.PlatformUpdateDevice)
	m.Payload = registry.DevicesPayload([]registry.IoTDevice{d})
	conv, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}

func (s *Server) deleteDevice(c *call) error {
	id := c.path("deviceId")
	if err := checkIRI("deviceId", id); err != nil {
		return notFound("device %s is not registered", id)
	}
	platforms, err := s.devicePlatforms(c.ctx(), []string{id})
	if err != nil {
		return err
	}
	m := s.newRequest(c.client(), []string{platforms[id]}, messages.PlatformDeleteDevice)
	m.Payload = registry.DevicesPayload([]registry.IoTDevice{{DeviceID: id, HostedBy: platforms[id]}})
	conv, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}

func (s *Server) queryDevices(c *call) error {
	var f registry.DeviceFilter
	if err := c.decode(&f); err != nil {
		return err
	}
	for _, t := range f.DeviceTypes {
		if !t.Valid() {
			return badRequest("deviceTypes: %q is not DEVICE, SENSOR, ACTUATOR or VIRTUAL", t)
		}
	}
	ds, err := s.cfg.Devices.QueryDevices(c.ctx(), f)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, nonNil(ds))
}

// actuationPayload describes an actuation in SOSA: a sosa:Actuation made by
// the actuator, with one result per value set.
func actuationPayload(deviceID string, in ActuationInput) []rdf.Triple {
	typ := rdf.IRI(rdf.RDFType)
	act := rdf.Blank("actuation")
	ts := []rdf.Triple{
		{S: act, P: typ, O: rdf.IRI(nsSOSA + "Actuation")},
		{S: act, P: rdf.IRI(nsSOSA + "madeByActuator"), O: rdf.IRI(deviceID)},
		{S: rdf.IRI(deviceID), P: typ, O: rdf.IRI(nsSOSA + "Actuator")},
	}
	if in.ActuatorLocalID != "" {
		ts = append(ts, rdf.Triple{S: rdf.IRI(deviceID), P: rdf.IRI(nsIIOTEX + "hasLocalId"), O: rdf.String(in.ActuatorLocalID)})
	}
	for i, r := range in.ActuationResultSet {
		res := rdf.Blank("result" + strconv.Itoa(i))
		ts = append(ts,
			rdf.Triple{S: act, P: rdf.IRI(nsSOSA + "hasResult"), O: res},
			rdf.Triple{S: res, P: typ, O: rdf.IRI(nsSOSA + "Result")},
			rdf.Triple{S: res, P: rdf.IRI(nsGOIoTP + "hasResultValue"), O: rdf.String(r.Value)})
		if r.ActuatableProperty != "" {
			ts = append(ts, rdf.Triple{S: act, P: rdf.IRI(nsSOSA + "actsOnProperty"), O: rdf.IRI(r.ActuatableProperty)})
		}
		if r.Unit != "" {
			ts = append(ts, rdf.Triple{S: res, P: rdf.IRI(nsGOIoTP + "hasUnit"), O: rdf.IRI(r.Unit)})
		}
		if r.ResultTime != "" {
			ts = append(ts, rdf.Triple{S: act, P: rdf.IRI(nsSOSA + "resultTime"), O: rdf.String(r.ResultTime)})
		}
	}
	return ts
}

func (s *Server) actuate(c *call) error {
	id := c.path("deviceId")
	var in ActuationInput
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.ActuatorID != "" && in.ActuatorID != id {
		return badRequest("actuatorId in path and body don't match")
	}
	if len(in.ActuationResultSet) == 0 {
		return badRequest("actuationResultSet must hold at least one value")
	}
	for _, r := range in.ActuationResultSet {
		for field, v := range map[string]string{"actuatableProperty": r.ActuatableProperty, "unit": r.Unit} {
			if v != "" {
				if err := checkIRI(field, v); err != nil {
					return err
				}
			}
		}
	}
	if err := checkIRI("deviceId", id); err != nil {
		return notFound("device %s is not registered", id)
	}
	platforms, err := s.devicePlatforms(c.ctx(), []string{id})
	if err != nil {
		return err
	}
	m := s.newRequest(c.client(), []string{platforms[id]}, messages.Actuation)
	m.Payload = actuationPayload(id, in)
	conv, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}

// currentData sends a Query to one platform (for some devices or all of
// them) and answers with the platform's reply, within QueryTimeout.
func (s *Server) currentData(c *call, platformID string, deviceIDs []string) error {
	m := s.newRequest(c.client(), []string{platformID}, messages.Query)
	for _, id := range deviceIDs {
		m.Payload = append(m.Payload, registry.IoTDevice{DeviceID: id, HostedBy: platformID}.Triples()...)
	}
	conv := m.Metadata.ConversationID
	ch := make(chan []byte, 1)
	s.wmu.Lock()
	s.waiters[conv] = ch
	s.wmu.Unlock()
	defer func() {
		s.wmu.Lock()
		delete(s.waiters, conv)
		s.wmu.Unlock()
	}()
	if _, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m); err != nil {
		return err
	}
	t := time.NewTimer(s.cfg.QueryTimeout)
	defer t.Stop()
	select {
	case body := <-ch:
		c.w.Header().Set("Content-Type", "application/ld+json")
		c.w.WriteHeader(http.StatusOK)
		_, _ = c.w.Write(body)
		return nil
	case <-t.C:
		s.closeQuietly(conv)
		return ErrTimeout
	case <-c.ctx().Done():
		s.closeQuietly(conv)
		return c.ctx().Err()
	}
}

func (s *Server) closeQuietly(conv string) {
	if err := s.cfg.Conversations.Close(context.Background(), conv); err != nil && !isNotFound(err) {
		s.log.WithError(err).WithField("conversationId", conv).Warn("closing a conversation")
	}
}

func (s *Server) platformData(c *call) error {
	pid := c.r.URL.Query().Get("platformId")
	if pid == "" {
		return badRequest("the platformId query parameter is required")
	}
	if _, err := s.cfg.Platforms.GetPlatform(c.ctx(), pid); err != nil {
		return err
	}
	return s.currentData(c, pid, nil)
}

func (s *Server) deviceData(c *call) error {
	id := c.path("deviceId")
	if err := checkIRI("deviceId", id); err != nil {
		return notFound("device %s is not registered", id)
	}
	platforms, err := s.devicePlatforms(c.ctx(), []string{id})
	if err != nil {
		return err
	}
	if pid := c.r.URL.Query().Get("platformId"); pid != "" && pid != platforms[id] {
		return notFound("device %s is not on platform %s", id, pid)
	}
	return s.currentData(c, platforms[id], []string{id})
}
