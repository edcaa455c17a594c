// Package bridges connects registered IoT platforms to the hub: the Bridge
// interface with its optional capabilities, the Factory type that makes a
// bridge for a platform type, and the Host that runs one bridge per
// registered platform from an explicit map of factories built by the
// caller (cmd/intermw). Platform types live in subpackages (emulator is
// the INTER-MW test platform); bridgetest is the conformance kit every
// bridge runs.
//
// # Bridges and capabilities
//
// A Bridge only does the platform's work. It has the platform lifecycle
// (UpdatePlatform, Close) and declares what else it can do by implementing
// one-purpose interfaces the host finds by type assertion: Subscriber,
// DeviceManager, Discoverer, Querier, Actuator and Observer (observations
// sent by platform-to-platform subscriptions). The host turns requests
// into calls and builds every reply itself, so every bridge keeps the wire
// rules: a reply keeps the request's conversationID, clientID and types,
// adds Response, and carries the platform as SenderPlatformId; replies to
// the requests the registry acts on echo the request's payload (the
// platform or device descriptions) and subscriptionID, since Services
// writes the registry from the confirmation (never at request time). A
// failed call, or a missing capability (ErrUnsupported), is answered with
// an Error reply, copied to the error topic. Discovery_List is answered by
// Device_Init (first batch) and Device_Add messages on the request's
// conversation, published before its reply so that, keyed alike, they
// reach the registry first. What a bridge sends on its own (observations)
// goes through the Emitter it got from its factory.
//
// # Routing headers
//
// Everything the host publishes (replies, Device_Init/Add, what bridges
// emit) carries the broker routing headers written from the message it
// encodes (broker/headers.go), so IPSMRM and PRM route it without decoding
// it; bridgetest checks this on every message. The host encodes with
// messages.AppendEncode into pooled buffers and publishes a bridge's Emit
// batch through one buffer and one header map (the broker copies both);
// Emit keeps nothing of the messages it is given, so a bridge may reuse
// them. Requests reaching a platform are always decoded (the bridge needs
// them), and one whose body does not name the platform among its
// ReceiverPlatformIds is dropped with ErrNotAddressed (a copy goes to the
// error topic), so routing headers lying about the receivers cannot have
// a request served on a platform it was not for.
//
// # How the host learns of platforms
//
// Brokers have no wildcard subscriptions, and a message published on a
// topic that no consumer group has subscribed to yet is lost on some
// backends (memory, Kafka's fresh groups). So the host must consume
// ipsmrm_bridge_{platformId} before anything is sent there, and no new
// topic is needed for it:
//
//  1. The host consumes prm_ipsmrm with its own group ("bridges") only to
//     watch for Platform_register requests (Sys_init replays included);
//     for each receiver it subscribes to ipsmrm_bridge_{platformId}. It
//     reads the routing headers when they can be trusted and decodes only
//     messages without them (Config.DecodeAlways: always).
//  2. IPSMRM consumes the same request (group "ipsmrm") concurrently. It
//     first subscribes to bridge_ipsmrm_{platformId}, then sends the
//     request down ipsmrm_bridge_{platformId} and repeats it, with capped
//     backoff, until the bridge's reply comes up (or a timeout, answered
//     with an Error). Until then it holds every other request for the
//     platform, so none can overtake the registration.
//  3. The host handles the first copy that reaches it: it makes the bridge
//     from the factory of the platform type (mw:platformType in the
//     payload) and replies; it ignores repeats of the same conversation.
//     An unknown platform type is answered with an Error
//     (ErrUnknownPlatformType).
//
// On Platform_unregister the host closes the bridge before publishing the
// reply (so nothing the bridge emits follows it) and then stops consuming
// the platform's topic.
//
// # Restarts
//
// When PRM starts it replays the registered platforms and active
// subscriptions as Platform_register+Sys_init and Subscribe+Sys_init
// requests. They take the same path; factories and subscribers see
// Restored and re-arm without calling the platform again; the host answers
// them, and IPSMRM uses those answers to release held requests and then
// drops them, so clients and the registry see no extra replies. A
// replayed Platform_register for a live bridge is simply acknowledged.
//
// One host serves a platform: two hosts sharing a group would compete for
// its requests. Hosts serving different platform types over one broker
// take different groups.
package bridges
