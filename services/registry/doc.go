// Package registry keeps intermw's registries (clients, platforms, devices,
// subscriptions, platform-to-platform subscriptions, location areas and
// points) as named graphs in a SPARQL triplestore, and runs read-only
// discovery queries over them.
//
// It sits under the Services component (package services), which writes it
// when platforms confirm requests, and the REST API (package arm), which
// reads it synchronously and manages clients. The typed models carry the
// INTER-MW 2.5 JSON field names so the API can use them as its bodies.
//
// # Graphs
//
// As in INTER-MW, each registry has an index graph and each client,
// platform and device its own named graph, so discovery SPARQL can say
// GRAPH ?device { ... }:
//
//	<http://inter-iot.eu/clients>       <clients#id> a mw:Client
//	<http://inter-iot.eu/clients#id>    mw:clientId, mw:callbackUrl, ...
//	<http://inter-iot.eu/platforms>     <platform> a iiot:SoftwarePlatform
//	<platform>                          iiot:hasName, iiot:hasBaseEndpoint, iiot:hasLocation,
//	                                    mw:platformType, mw:created, mw:<alignment fields>, ...
//	<http://inter-iot.eu/devices>       <device> sosa:isHostedBy <platform>
//	<device>                            a iiot:IoTDevice|sosa:Sensor|sosa:Actuator|mw:VirtualDevice,
//	                                    iiot:hasName, sosa:isHostedBy, iiot:hasLocation, sosa:hosts,
//	                                    ssn:forProperty, sosa:observes, sosa:madeActuation,
//	                                    sosa:madeObservation, ssn:implements, ssn:detects,
//	                                    and whatever else the platform described (iiotex:hasLocalId, ...)
//	<http://inter-iot.eu/subscriptions> <subscriptions#conv> a mw:Subscription; mw:conversationId,
//	                                    mw:clientId, mw:deviceId <device>..., mw:platformId <platform>...
//	<http://inter-iot.eu/plat2plat-subscriptions>  a iiot:plat2plat-subscription; mw:source/target Device/PlatformId
//	<http://inter-iot.eu/location_areas>, <.../location_points>
//	                                    <loc> sosa:isHostedBy <platform>; mw:description;
//	                                    geo:hasGeometry [ a sf:Polygon|sf:Point; geo:asWKT "..."^^geo:wktLiteral ]
//
// iiot: is GOIoTP (http://inter-iot.eu/GOIoTP#), mw: the INTER-MW terms
// (http://inter-iot.eu/INTERMW#), geo: GeoSPARQL.
//
// # Safety
//
// Nothing from a request is spliced into SPARQL: templates are filled by
// triplestore.Bind, and inserted triples are written term by term by
// triplestore.FormatTerm. Identifiers that name resources (platformId,
// deviceId, locationId, hostedBy, ...) must be absolute IRIs that SPARQL can
// carry, and not one of the registry's own graph names, or the call fails
// with ErrInvalid; free text (clientId, conversationId, names, descriptions)
// is stored exactly, whatever it holds. Discovery parses its text as a
// query first and refuses updates (ErrInvalid and triplestore.ErrReadOnly).
//
// # Writes
//
// Register/Add/Update check first and fail with ErrConflict or ErrNotFound
// (the REST API's 409 and 404); Put* and Forget* are the idempotent forms
// Services uses when a platform confirms, so that a redelivered message is
// harmless. Each write is one atomic update request. Removing a platform
// removes its devices, the subscriptions naming them or made on it, and the
// platform-to-platform subscriptions touching it. Nothing here is on the
// per-observation path; PRM looks platform-to-platform subscriptions up by
// conversation (GetP2PSubscription) and may cache them.
package registry
