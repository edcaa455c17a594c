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
// conversationId, clientId and platformId fields.
package prm
