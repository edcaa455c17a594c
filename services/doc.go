// Package services is the Services component: it consumes registry and
// discovery work from PRM on the prm_srm topic, keeps the registry
// (services/registry) in step with what platforms confirm, answers
// discovery queries, and replies on srm_prm.
//
// In the hub's message flow (ARCHITECTURE.md section 1) PRM sends Services
// two kinds of messages, in consumer group "services":
//
//   - Requests it answers itself: Device_discovery_query and
//     Platform_discovery_query. The SPARQL text in msg:query runs through
//     registry.Discovery (read-only; an update is refused); a
//     Platform_discovery_query without a query lists the registered
//     platforms. The Response carries the result in its payload as INTER-MW
//     did: a CONSTRUCT or DESCRIBE graph as is; a SELECT as the W3C
//     result-set vocabulary (rs:ResultSet, rs:resultVariable, rs:solution
//     / rs:binding / rs:variable / rs:value, rs:index when the query is
//     ordered) which Jena's RDFOutput wrote for INTER-MW; an ASK as
//     <http://inter-iot.eu/askResult> rdf:value true|false.
//   - Messages that change the registry, which Services writes and then
//     forwards unchanged on srm_prm for PRM to route on: confirmations from
//     platforms (Platform_register, Platform_update, Platform_unregister,
//     Platform_create_Device, Platform_update_Device,
//     Platform_delete_Device, Subscribe and Unsubscribe responses), device
//     inventory reports from bridges (Device_Init, Device_Add,
//     Device_Remove), and platform-to-platform subscription requests
//     (Virtual_subscribe, Virtual_unsubscribe) before PRM subscribes to the
//     source device. A confirmation that is itself an Error changes
//     nothing and is forwarded as is.
//
// The registry is written only here and only on confirmation, never when
// the request is made. Every write is idempotent (registry Put/Forget
// forms), so a redelivered message is harmless. The payload shapes are the
// GOIoTP forms of registry.PlatformPayload, DevicesPayload and P2PPayload;
// a confirmation must carry the description of what it confirms (bridges
// echo the request's payload), except Platform_unregister and Unsubscribe,
// which need only the metadata.
//
// A message Services cannot act on (malformed, an invalid description, an
// unexpected type) is answered with an Error reply (messages.Builder
// ErrorReply, category SERVICES_ERROR) on srm_prm, and a copy goes to the
// error topic; the delivery is acknowledged. A failure of the store or the
// broker is returned to the broker, which redelivers and finally
// dead-letters the message.
package services
