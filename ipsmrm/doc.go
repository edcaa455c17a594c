// Package ipsmrm is the IPSM Request Manager: it carries messages between
// PRM and the bridges, sending data messages through a Translator (the
// semantic-mediation hook) and control messages straight through.
//
// Downstream it consumes prm_ipsmrm and publishes each message on
// ipsmrm_bridge_{platformId} for every ReceiverPlatformId (a message
// without one is answered with an Error on ipsmrm_prm and copied to the
// error topic). Upstream it consumes bridge_ipsmrm_{platformId} of every
// platform it knows and publishes on ipsmrm_prm. It learns platforms from
// the Platform_register requests (and Sys_init replays) passing through,
// optionally also from Config.Platforms at start, and subscribes to a
// platform's upstream topic before sending it anything; the subscription
// stays until Close, so that what a bridge sent last is still carried up.
//
// A Platform_register is repeated to the bridge until the bridge answers,
// and other requests for that platform are held meanwhile: see the bridges
// package documentation for why (the bridges host starts consuming a new
// platform's topic concurrently with IPSMRM). Answers to Sys_init replays
// release held requests and are then dropped.
//
// Data messages are observations, actuations, Device_Add/Remove/Init and
// Platform_create/update/delete_Device. Without a Translator (the default)
// every message is forwarded as the bytes that came, without re-encoding;
// with one, data messages are decoded, translated per platform and
// direction (PlatformInfo carries the platform's type and registration
// payload, with its alignment names) and encoded again, with routing
// headers written from the translation.
//
// # Routing headers
//
// IPSMRM routes by the broker routing headers (broker/headers.go) when
// broker.ReadRoute trusts them, so without a Translator it carries
// observations and every other message except Platform_register requests
// (whose payload it reads) without decoding them. A message without
// trusted headers is decoded, routed by its body and carried on with
// routing headers written from it. When IPSMRM decodes a message it
// routed by its headers (to translate it, learn a platform or answer it)
// and the body disagrees with them, the message goes to the error topic
// with ErrHeaderMismatch instead of on. The trust rules are those of
// broker/headers.go: only the hub's components write the headers. The
// bridges host also refuses a request whose body does not name the
// platform whose topic it came on, so headers lying about the receivers
// cannot have a request served by a platform it was not for.
// Config.DecodeAlways restores decoding every message.
package ipsmrm
