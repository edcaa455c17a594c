package registry

import (
	"sort"
	"strconv"

	"github.com/intermw/intermw/ontology/rdf"
)

// This file holds the message payload shapes (GOIoTP RDF, as INTER-MW's
// request classes wrote them) for what travels between ARM, the bridges and
// Services: a platform description in Platform_register/Platform_update,
// device descriptions in Platform_create/update_Device, Device_Add and
// Device_Init, and a platform-to-platform subscription in
// Virtual_subscribe. Writers (ARM, bridges) and the reader (Services) use
// the same functions so that the shapes cannot drift apart.

// PlatformPayload returns p as INTER-MW's Platform_register payload: an
// iiot:SoftwarePlatform with hasName, hasLocation, hasBaseEndpoint,
// mw:platformType, mw:created, the alignment names and versions, and the
// credentials under iiot:hasUser / iiotex:hasAuthenticationData. The
// platform's clientId travels in the message's msg:clientID, and also as
// mw:clientId here.
func PlatformPayload(p Platform) []rdf.Triple {
	var ts []rdf.Triple
	s := rdf.IRI(p.PlatformID)
	creds := Platform{Username: p.Username, EncryptedPassword: p.EncryptedPassword, EncryptionAlgorithm: p.EncryptionAlgorithm}
	p.Username, p.EncryptedPassword, p.EncryptionAlgorithm = "", "", ""
	ts = append(ts, p.triples()...)
	if creds.Username != "" || creds.EncryptedPassword != "" || creds.EncryptionAlgorithm != "" {
		user, auth := rdf.Blank("user"), rdf.Blank("auth")
		ts = append(ts,
			rdf.Triple{S: s, P: iiotHasUser, O: user},
			rdf.Triple{S: user, P: rdfType, O: iiotUser},
			rdf.Triple{S: user, P: iiotexHasAuthenticationData, O: auth},
			rdf.Triple{S: auth, P: rdfType, O: iiotexAuthenticationData})
		for _, f := range []struct{ local, v string }{
			{"username", creds.Username}, {"encryptedPassword", creds.EncryptedPassword}, {"encryptionAlgorithm", creds.EncryptionAlgorithm},
		} {
			if f.v != "" {
				ts = append(ts, rdf.Triple{S: auth, P: mw(f.local), O: lit(f.v)})
			}
		}
	}
	return ts
}

// PlatformsFromPayload reads the platforms a payload describes: every IRI
// typed iiot:SoftwarePlatform (or iiot:Platform), with its fields and its
// credentials, flat or under hasUser / hasAuthenticationData. Ordered by
// platformId.
func PlatformsFromPayload(ts []rdf.Triple) []Platform {
	bySubject := map[rdf.Term][]rdf.Triple{}
	var ids []string
	seen := map[string]bool{}
	for _, t := range ts {
		bySubject[t.S] = append(bySubject[t.S], t)
		if t.S.IsIRI() && t.P == rdfType && (t.O == iiotSoftwarePlatform || t.O == iiotPlatform) && !seen[t.S.Value] {
			seen[t.S.Value] = true
			ids = append(ids, t.S.Value)
		}
	}
	sort.Strings(ids)
	out := make([]Platform, 0, len(ids))
	for _, id := range ids {
		p := Platform{PlatformID: id}
		for _, t := range bySubject[rdf.IRI(id)] {
			if t.P == iiotHasUser {
				for _, u := range bySubject[t.O] {
					if u.P == iiotexHasAuthenticationData {
						for _, a := range bySubject[u.O] {
							p.setField(a.P.Value, a.O)
						}
					}
				}
				continue
			}
			p.setField(t.P.Value, t.O)
		}
		out = append(out, p)
	}
	return out
}

// DevicesPayload returns devices as a payload (each device's Triples).
func DevicesPayload(devices []IoTDevice) []rdf.Triple {
	var ts []rdf.Triple
	for i, d := range devices {
		d.Extra = relabel(d.Extra, "d"+strconv.Itoa(i))
		ts = append(ts, d.Triples()...)
	}
	return ts
}

// DevicesFromPayload reads the devices a payload describes: every IRI typed
// iiot:IoTDevice, sosa:Sensor, sosa:Actuator or mw:VirtualDevice, with its
// fields, and in Extra its other triples and the blank-node descriptions
// reachable from it (a discovered sensor's observed property). Ordered by
// deviceId.
func DevicesFromPayload(ts []rdf.Triple) []IoTDevice {
	ds := devicesFromGraph(ts, nil)
	sort.Slice(ds, func(i, j int) bool { return ds[i].DeviceID < ds[j].DeviceID })
	return ds
}

// DeviceIDsFromPayload returns the ids of the devices a payload names: the
// IRIs typed as devices, or when there are none every IRI subject (a
// Platform_delete_Device may carry bare ids). Sorted, without repeats.
func DeviceIDsFromPayload(ts []rdf.Triple) []string {
	var ids []string
	for _, d := range devicesFromGraph(ts, nil) {
		ids = append(ids, d.DeviceID)
	}
	if len(ids) == 0 {
		seen := map[string]bool{}
		for _, t := range ts {
			if t.S.IsIRI() && !seen[t.S.Value] {
				seen[t.S.Value] = true
				ids = append(ids, t.S.Value)
			}
		}
	}
	sort.Strings(ids)
	return ids
}

// P2PPayload returns INTER-MW's Virtual_subscribe payload: a node typed
// iiot:plat2plat-subscription (the target device) with mw:sourceDeviceId,
// mw:targetDeviceId, mw:sourcePlatformId and mw:targetPlatformId.
func P2PPayload(s PlatformToPlatformSubscription) []rdf.Triple {
	n := rdf.IRI(s.TargetDeviceID)
	ts := []rdf.Triple{{S: n, P: rdfType, O: iiotP2PSubscription}}
	for _, f := range s.fields()[2:] {
		if *f.v != "" {
			ts = append(ts, rdf.Triple{S: n, P: mw(f.local), O: lit(*f.v)})
		}
	}
	return ts
}

// P2PFromPayload reads a Virtual_subscribe payload (values as literals, as
// INTER-MW wrote them, or IRIs). ok is false when the payload holds no
// subscription node. ConversationID and ClientID come from the metadata.
func P2PFromPayload(ts []rdf.Triple) (s PlatformToPlatformSubscription, ok bool) {
	var node rdf.Term
	for _, t := range ts {
		if t.P == rdfType && t.O == iiotP2PSubscription {
			node, ok = t.S, true
			break
		}
	}
	if !ok {
		return s, false
	}
	for _, t := range ts {
		if t.S != node {
			continue
		}
		for _, f := range s.fields()[2:] {
			if t.P.Value == NSINTERMW+f.local {
				*f.v = t.O.Value
			}
		}
	}
	return s, true
}
