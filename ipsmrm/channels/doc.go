// Package channels gives IPSMRM per-platform semantic translation
// channels: its Manager is the ipsmrm.Translator that sends a platform's
// data messages through the IPSM alignments the platform registered, in
// process or through an external IPSM over a broker (Kafka, for an
// ipsm-core).
//
// # Channels
//
// A platform registers (or updates) with 8 alignment fields: downstream
// and upstream, each an input and an output alignment, each a name and a
// version (the mw:…AlignmentName/Version literals of its registration
// payload, see services/registry.PlatformPayload). Each direction whose
// fields name an alignment gets a channel that applies the input alignment
// then the output alignment, as ipsm-core's channels do; a direction that
// names none has no channel and its data passes unchanged. Only data
// messages are translated (IPSMRM decides: observations, actuations,
// Device_Add/Remove/Init, Platform_create/update/delete_Device); control
// messages go straight to the bridge.
//
//   - A named alignment that cannot be found fails the registration or
//     update with an error wrapping ErrNoAlignment, naming it; the platform
//     keeps the channels it had. Malformed fields (a name without a
//     version) fail with ErrBadChain.
//   - A changed alignment name or version replaces the channel; an
//     unchanged one is kept as it is.
//   - A confirmed unregistration removes the channels; later data of that
//     platform fails with ErrUnregistered instead of passing untranslated.
//
// # Modes
//
// Embedded (the default): the channel resolves and compiles its
// alignments once, when it is set up, and translates in process with
// ontology/alignment's Translator (Config.Strict fails translations that
// would lose data; otherwise losses are warnings on the metadata). No
// topics are involved.
//
// External (Config.External, what `intermw serve --ipsm=kafka://…`
// selects): channels use the design's topics, per platform type:
// downstream mw-ipsm-interiot-format-{type} → ipsm-mw-platform-format-
// {type}, upstream mw-ipsm-platform-format-{type} → ipsm-mw-interiot-
// format-{type}. Translate publishes the message (keyed by its
// conversationID, with a fresh correlation id and the channel's chain in
// headers) and waits for the answer on the sink topic, which the Manager
// consumes from the moment the channel is set up. Answers are matched by
// correlation id, or by messageID and conversationID when they carry no
// headers (an ipsm-core leaves the metadata graph untouched), so any
// number of translations can be in flight, two with one messageID
// included. Each IPSMRM instance reads every answer through a consumer
// group of its own and ignores those it does not wait for. An Error
// answer fails the translation at once (ErrTranslation). When no answer
// comes within the timeout, the translation fails with ErrTimeout (IPSMRM
// then answers the client with an Error), and the original message is
// copied to the hub's error topic, so nothing is lost silently; a late
// answer is logged and dropped. Because the topics are per platform type,
// two platforms of one type must use the same alignments per direction in
// this mode (ErrChannelConflict otherwise).
//
// Server is the other end: an ipsm-core compatible translator that
// consumes the mw-ipsm-… topics, translates with the embedded engine and
// answers on the ipsm-mw-… topics. cmd/intermw-ipsm runs one as a
// process of its own.
//
// # Wiring
//
// The Manager is IPSMRM's Translator, and an ipsmrm.Lifecycle: IPSMRM
// calls PlatformChanged when a Platform_register or Platform_update passes
// (answering a failure with an Error instead of forwarding the request),
// and PlatformRemoved when the bridge confirms a Platform_unregister. The
// Manager also sets a platform up lazily from ipsmrm.PlatformInfo when the
// first data message of a platform it has not seen arrives (the platforms
// IPSMRM lists at start).
//
// Alignments come from an Alignments source: a Library (in memory, or
// LoadDir for a directory of IPSM-AF documents) or HTTPAlignments (an
// IPSM REST API, ipsm-core's or intermw's /ipsm).
package channels
