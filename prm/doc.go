// Package prm is the Platform Request Manager: it routes every message by
// type between ARM, the registry services and IPSMRM, answers
// List_supported_platform_types itself, carries out platform-to-platform
// subscriptions, and replays registrations and subscriptions to the
// bridges with Sys_init when it starts.
//
// From ARM (arm_prm): List_supported_platform_types is answered on prm_arm
// with a payload typing the node mw:platform-types with every supported
// platform type, as INTER-MW did; Device_discovery_query,
// Platform_discovery_query and Virtual_subscribe go to Services
// (prm_srm); every platform request (Platform_register/update/unregister,
// Platform_create/update/delete_Device, Subscribe, Unsubscribe,
// Discovery_List, Query, Actuation, Sys_init, Observation) goes to IPSMRM
// (prm_ipsmrm) as one message whose ReceiverPlatformIds say where.
//
// From the platforms (ipsmrm_prm): confirmations the registry acts on
// (platform and device management, Device_Add/Remove/Init, Subscribe,
// Unsubscribe, and Discovery_List replies behind their Device_Init) go to
// Services first; Services writes the registry and forwards them on
// srm_prm, whence PRM sends replies on to the client (prm_arm) and drops
// the device notifications. Errors, observations and every other reply go
// straight to prm_arm; answers to Sys_init replays are dropped.
//
// Platform-to-platform subscriptions: Services registers a
// Virtual_subscribe and forwards it on srm_prm; PRM then looks the route
// up (P2PLookup) and subscribes to the source device on the source
// platform with a Subscribe that also carries the Virtual_subscribe type,
// on the same conversation. Observations of that conversation are
// rewritten (sosa:madeBySensor → the target device, ReceiverPlatformId →
// the target platform) and sent down prm_ipsmrm to the target platform's
// bridge, which hands them to the subscribers of the target device. The
// source platform's confirmation comes back typed Virtual_subscribe and is
// answered to the client as the Virtual_subscribe reply. A
// Virtual_unsubscribe from ARM is turned into an Unsubscribe to the source
// platform (typed Virtual_unsubscribe too) and forwarded to Services,
// which removes the subscription. Lookups are cached per conversation
// (Config.P2PCacheTTL), so the registry is asked per stream, not per
// observation.
//
// Messages PRM cannot route are answered with an Error reply on prm_arm,
// and a copy goes to the error topic. Logs are Debug per message with the
// conversationId, clientId and platformId fields (built only when Debug is
// enabled).
//
// # Routing headers
//
// PRM routes by the broker routing headers (broker.HeaderTypes and the
// others in broker/headers.go) when broker.ReadRoute trusts them: every
// header present, the conversation equal to the message's Key, the body's
// CRC-32C matching. Routing needs only the types, conversation and
// receivers, so observations and every other pass-through message are
// forwarded without decoding the body. PRM decodes only when it must read
// or change the message: List_supported_platform_types, Virtual_subscribe
// and Virtual_unsubscribe handling, the confirmations it turns into
// Virtual_* replies, observations of platform-to-platform subscriptions
// (rewritten), and Error replies. A message without trusted headers (from
// another implementation, from POST /requests, from a component that does
// not write them, or with stale ones) is decoded and routed by its body,
// and PRM forwards it with routing headers written from what it decoded,
// so the components after it need not decode it again. Everything PRM
// publishes itself carries headers written from the message.
//
// Trust: the headers are written only by the hub's own components, from
// the message they encode (see broker/headers.go), so they are trusted for
// routing. When PRM decodes a message it routed by its headers and the
// body disagrees with them (types, conversation, client, sender or
// receivers), the message goes to the error topic with
// ErrHeaderMismatch and is not routed: a forged header set cannot, for
// instance, have another client's observation rewritten into a
// platform-to-platform subscription. Which client receives a message on
// prm_arm is for ARM to decide from its conversation table; the client
// header is informational. Config.DecodeAlways restores decoding every
// message (for comparison and debugging).
//
// BenchmarkObservationPipeline compares the two in one run (emulator →
// host → IPSMRM → PRM → prm_arm, 400 devices, as fast as it goes) on the
// shared 2-core machine: with every hop decoding, about 115 µs of process
// CPU and 153 allocations per observation; with routing headers, about
// 60 µs and 85 when the consumer standing in for ARM still decodes, and
// about 38 µs and 48 when it reads the headers too; one encode in the
// emulator's host is then more than half of what is left.
// BenchmarkObservationLatency offers 10k observations/s and reports the
// latency from dateTimeStamp to prm_arm (p50/p95/p99).
package prm
