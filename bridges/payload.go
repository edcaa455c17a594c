package bridges

import (
	"fmt"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// Vocabulary the host and bridges read and write in payloads (GOIoTP, SOSA
// and INTER-MW terms).
const (
	NSGOIoTP   = "http://inter-iot.eu/GOIoTP#"
	NSGOIoTPex = "http://inter-iot.eu/GOIoTPex#"
	NSINTERMW  = "http://inter-iot.eu/INTERMW#"
	NSSOSA     = "http://www.w3.org/ns/sosa/"

	ClassIoTDevice        = NSGOIoTP + "IoTDevice"
	ClassSoftwarePlatform = NSGOIoTP + "SoftwarePlatform"
	ClassSensor           = NSSOSA + "Sensor"
	ClassActuator         = NSSOSA + "Actuator"
	ClassVirtualDevice    = NSINTERMW + "VirtualDevice"
	ClassObservation      = NSSOSA + "Observation"
	ClassResult           = NSSOSA + "Result"

	PropHasName         = NSGOIoTP + "hasName"
	PropHasLocation     = NSGOIoTP + "hasLocation"
	PropHasBaseEndpoint = NSGOIoTP + "hasBaseEndpoint"
	PropHasUser         = NSGOIoTP + "hasUser"
	PropHasResultValue  = NSGOIoTP + "hasResultValue"
	PropHasUnit         = NSGOIoTP + "hasUnit"
	PropHasAuthData     = NSGOIoTPex + "hasAuthenticationData"
	PropPlatformType    = NSINTERMW + "platformType"
	PropUsername        = NSINTERMW + "username"
	PropEncryptedPass   = NSINTERMW + "encryptedPassword"
	PropEncryptionAlg   = NSINTERMW + "encryptionAlgorithm"
	PropIsHostedBy      = NSSOSA + "isHostedBy"
	PropMadeBySensor    = NSSOSA + "madeBySensor"
	PropHasResult       = NSSOSA + "hasResult"
	PropResultTime      = NSSOSA + "resultTime"
	PropObservedProp    = NSSOSA + "observedProperty"
	PropObserves        = NSSOSA + "observes"
)

// deviceClasses are the classes that make an IRI subject a device.
var deviceClasses = map[string]bool{
	ClassIoTDevice: true, ClassSensor: true, ClassActuator: true, ClassVirtualDevice: true,
}

// PlatformFromMessage reads the platform a Platform_register or
// Platform_update request describes: the payload node typed
// iiot:SoftwarePlatform (or carrying mw:platformType), as INTER-MW writes
// it, with the credentials either flat on that node or under
// iiot:hasUser/iiotex:hasAuthenticationData. Without such a node the
// platform is the request's first ReceiverPlatformId. A platform without a
// type is ErrInvalidRequest.
func PlatformFromMessage(m *messages.Message) (Platform, error) {
	p := Platform{Description: m.Payload}
	var node rdf.Term
	for _, t := range m.Payload {
		if !t.S.IsIRI() {
			continue
		}
		if (t.P.Value == rdf.RDFType && t.O.Value == ClassSoftwarePlatform) || t.P.Value == PropPlatformType {
			node = t.S
			break
		}
	}
	if node.IsZero() {
		if len(m.Metadata.ReceiverPlatformIDs) == 0 {
			return p, fmt.Errorf("%w: no platform in the payload and no ReceiverPlatformId", ErrInvalidRequest)
		}
		node = rdf.IRI(m.Metadata.ReceiverPlatformIDs[0])
	}
	p.ID = node.Value
	bySubject := map[rdf.Term][]rdf.Triple{}
	for _, t := range m.Payload {
		bySubject[t.S] = append(bySubject[t.S], t)
	}
	creds := func(s rdf.Term) {
		for _, t := range bySubject[s] {
			switch t.P.Value {
			case PropUsername:
				p.Username = t.O.Value
			case PropEncryptedPass:
				p.EncryptedPassword = t.O.Value
			case PropEncryptionAlg:
				p.EncryptionAlgorithm = t.O.Value
			}
		}
	}
	creds(node)
	for _, t := range bySubject[node] {
		switch t.P.Value {
		case PropPlatformType:
			p.Type = t.O.Value
		case PropHasName:
			p.Name = t.O.Value
		case PropHasBaseEndpoint:
			p.BaseEndpoint = t.O.Value
		case PropHasLocation:
			p.LocationID = t.O.Value
		case PropHasUser:
			for _, u := range bySubject[t.O] {
				if u.P.Value == PropHasAuthData {
					creds(u.O)
				}
			}
		}
	}
	if p.Type == "" {
		return p, fmt.Errorf("%w: platform %q has no %s", ErrInvalidRequest, p.ID, PropPlatformType)
	}
	return p, nil
}

// PlatformTriples describes p as a Platform_register payload, the way
// PlatformFromMessage reads it.
func PlatformTriples(p Platform) []rdf.Triple {
	s := rdf.IRI(p.ID)
	ts := []rdf.Triple{
		{S: s, P: rdf.IRI(rdf.RDFType), O: rdf.IRI(ClassSoftwarePlatform)},
		{S: s, P: rdf.IRI(PropPlatformType), O: rdf.String(p.Type)},
	}
	add := func(pred, v string) {
		if v != "" {
			ts = append(ts, rdf.Triple{S: s, P: rdf.IRI(pred), O: rdf.String(v)})
		}
	}
	add(PropHasName, p.Name)
	add(PropHasBaseEndpoint, p.BaseEndpoint)
	if p.LocationID != "" {
		ts = append(ts, rdf.Triple{S: s, P: rdf.IRI(PropHasLocation), O: rdf.IRI(p.LocationID)})
	}
	add(PropUsername, p.Username)
	add(PropEncryptedPass, p.EncryptedPassword)
	add(PropEncryptionAlg, p.EncryptionAlgorithm)
	return ts
}

// DevicesFromPayload returns the devices a payload describes: every IRI
// subject typed iiot:IoTDevice, sosa:Sensor, sosa:Actuator or
// mw:VirtualDevice, in order of first appearance, each with the triples
// about it and about the blank nodes reachable from it.
func DevicesFromPayload(payload []rdf.Triple) []Device {
	bySubject := map[rdf.Term][]rdf.Triple{}
	var order []rdf.Term
	isDevice := map[rdf.Term]bool{}
	virtual := map[rdf.Term]bool{}
	for _, t := range payload {
		if _, seen := bySubject[t.S]; !seen {
			order = append(order, t.S)
		}
		bySubject[t.S] = append(bySubject[t.S], t)
		if t.S.IsIRI() && t.P.Value == rdf.RDFType && deviceClasses[t.O.Value] {
			isDevice[t.S] = true
			if t.O.Value == ClassVirtualDevice {
				virtual[t.S] = true
			}
		}
	}
	var out []Device
	for _, s := range order {
		if !isDevice[s] {
			continue
		}
		d := Device{ID: s.Value, Virtual: virtual[s]}
		seen := map[rdf.Term]bool{s: true}
		queue := []rdf.Term{s}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			for _, t := range bySubject[n] {
				d.Triples = append(d.Triples, t)
				if t.O.IsBlank() && !seen[t.O] {
					seen[t.O] = true
					queue = append(queue, t.O)
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// DeviceIDs returns the IDs of the devices a payload describes.
func DeviceIDs(payload []rdf.Triple) []string {
	ds := DevicesFromPayload(payload)
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

// DeviceTriples describes a device for a request payload: typed
// iiot:IoTDevice (and mw:VirtualDevice when virtual) and hosted by
// platformID when that is set.
func DeviceTriples(deviceID, platformID string, virtual bool) []rdf.Triple {
	s := rdf.IRI(deviceID)
	typ := rdf.IRI(rdf.RDFType)
	ts := []rdf.Triple{{S: s, P: typ, O: rdf.IRI(ClassIoTDevice)}}
	if virtual {
		ts = append(ts, rdf.Triple{S: s, P: typ, O: rdf.IRI(ClassVirtualDevice)})
	}
	if platformID != "" {
		ts = append(ts, rdf.Triple{S: s, P: rdf.IRI(PropIsHostedBy), O: rdf.IRI(platformID)})
	}
	return ts
}
