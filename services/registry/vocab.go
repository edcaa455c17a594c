package registry

import (
	"net/url"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// Namespaces of the vocabularies the registry writes.
const (
	NSGOIoTP   = "http://inter-iot.eu/GOIoTP#"
	NSGOIoTPex = "http://inter-iot.eu/GOIoTPex#"
	NSINTERMW  = "http://inter-iot.eu/INTERMW#"
	NSSOSA     = "http://www.w3.org/ns/sosa/"
	NSSSN      = "http://www.w3.org/ns/ssn/"
	NSGeo      = "http://www.opengis.net/ont/geosparql#"
	NSSF       = "http://www.opengis.net/ont/sf#"
	NSXSD      = rdf.XSD
)

// The registry's index graphs (one per registry) and the IRI bases of the
// entries that are not named by their own IRI. Platform and device graphs
// are named by the platform's or device's own IRI, as in INTER-MW, so that
// discovery can say GRAPH ?device { ... }.
const (
	GraphClients        = "http://inter-iot.eu/clients"
	GraphPlatforms      = "http://inter-iot.eu/platforms"
	GraphDevices        = "http://inter-iot.eu/devices"
	GraphSubscriptions  = "http://inter-iot.eu/subscriptions"
	GraphP2P            = "http://inter-iot.eu/plat2plat-subscriptions"
	GraphLocationAreas  = "http://inter-iot.eu/location_areas"
	GraphLocationPoints = "http://inter-iot.eu/location_points"

	// ClientIRIBase + the path-escaped clientId names a client and its graph.
	ClientIRIBase = GraphClients + "#"
	// SubscriptionIRIBase + the path-escaped conversationId names a
	// subscription node in GraphSubscriptions.
	SubscriptionIRIBase = GraphSubscriptions + "#"
	// P2PIRIBase + the path-escaped conversationId names a
	// platform-to-platform subscription node in GraphP2P.
	P2PIRIBase = GraphP2P + "#"
)

// Terms of the vocabularies.
var (
	rdfType = rdf.IRI(rdf.RDFType)

	iiotIoTDevice        = rdf.IRI(NSGOIoTP + "IoTDevice")
	iiotSoftwarePlatform = rdf.IRI(NSGOIoTP + "SoftwarePlatform")
	iiotPlatform         = rdf.IRI(NSGOIoTP + "Platform")
	iiotUser             = rdf.IRI(NSGOIoTP + "User")
	iiotHasName          = rdf.IRI(NSGOIoTP + "hasName")
	iiotHasLocation      = rdf.IRI(NSGOIoTP + "hasLocation")
	iiotHasBaseEndpoint  = rdf.IRI(NSGOIoTP + "hasBaseEndpoint")
	iiotHasUser          = rdf.IRI(NSGOIoTP + "hasUser")
	iiotP2PSubscription  = rdf.IRI(NSGOIoTP + "plat2plat-subscription")

	iiotexAuthenticationData    = rdf.IRI(NSGOIoTPex + "AuthenticationData")
	iiotexHasAuthenticationData = rdf.IRI(NSGOIoTPex + "hasAuthenticationData")
	iiotexHasLocalID            = rdf.IRI(NSGOIoTPex + "hasLocalId")

	sosaSensor          = rdf.IRI(NSSOSA + "Sensor")
	sosaActuator        = rdf.IRI(NSSOSA + "Actuator")
	sosaIsHostedBy      = rdf.IRI(NSSOSA + "isHostedBy")
	sosaHosts           = rdf.IRI(NSSOSA + "hosts")
	sosaObserves        = rdf.IRI(NSSOSA + "observes")
	sosaMadeActuation   = rdf.IRI(NSSOSA + "madeActuation")
	sosaMadeObservation = rdf.IRI(NSSOSA + "madeObservation")
	ssnForProperty      = rdf.IRI(NSSSN + "forProperty")
	ssnImplements       = rdf.IRI(NSSSN + "implements")
	ssnDetects          = rdf.IRI(NSSSN + "detects")

	mwClient        = rdf.IRI(NSINTERMW + "Client")
	mwSubscription  = rdf.IRI(NSINTERMW + "Subscription")
	mwVirtualDevice = rdf.IRI(NSINTERMW + "VirtualDevice")
	mwLocationArea  = rdf.IRI(NSINTERMW + "LocationArea")
	mwLocationPoint = rdf.IRI(NSINTERMW + "LocationPoint")

	geoHasGeometry = rdf.IRI(NSGeo + "hasGeometry")
	geoAsWKT       = rdf.IRI(NSGeo + "asWKT")
	geoWKTLiteral  = NSGeo + "wktLiteral"
	sfPolygon      = rdf.IRI(NSSF + "Polygon")
	sfPoint        = rdf.IRI(NSSF + "Point")
)

// mw returns the INTER-MW term with the given local name.
func mw(local string) rdf.Term { return rdf.IRI(NSINTERMW + local) }

// ClientIRI returns the IRI that names clientID's entry and graph.
func ClientIRI(clientID string) string { return ClientIRIBase + url.PathEscape(clientID) }

// subscriptionIRI and p2pIRI name subscription nodes.
func subscriptionIRI(conversationID string) string {
	return SubscriptionIRIBase + url.PathEscape(conversationID)
}

func p2pIRI(conversationID string) string { return P2PIRIBase + url.PathEscape(conversationID) }

// reservedIRI reports whether iri is a registry graph, or lies under one of
// the registry's own IRI bases, and so cannot name a platform or device.
func reservedIRI(iri string) bool {
	switch iri {
	case GraphClients, GraphPlatforms, GraphDevices, GraphSubscriptions, GraphP2P,
		GraphLocationAreas, GraphLocationPoints:
		return true
	}
	return strings.HasPrefix(iri, ClientIRIBase) || strings.HasPrefix(iri, SubscriptionIRIBase) ||
		strings.HasPrefix(iri, P2PIRIBase)
}

func lit(s string) rdf.Term { return rdf.String(s) }
