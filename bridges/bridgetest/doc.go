// Package bridgetest is the conformance kit every bridge runs: Run
// registers a platform served by the bridge under test in a bridges.Host
// over the in-memory broker and checks, request by request, what the hub
// relies on: every request type answered on its own conversation with the
// request's types plus Response and the platform as sender (or an Error
// for the types the bridge declares unsupported), a request that does not
// name the platform left unserved, repeated registrations
// answered once, the Discovery_List inventory published before its reply,
// a subscription's observations carrying its conversation id and made by
// subscribed devices, Unsubscribe answered on a new conversation with
// nothing of the subscription published after that answer, Sys_init
// replays re-arming, nothing published after the Platform_unregister
// answer, an unknown platform type refused, and routing headers
// (broker.ReadRoute) that describe the body on every message the host
// published. Callers check goroutine leaks with goleak around it.
package bridgetest
