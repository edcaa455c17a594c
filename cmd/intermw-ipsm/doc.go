// Command intermw-ipsm runs intermw's alignment engine as an external,
// ipsm-core compatible translator in a process of its own: it consumes the
// mw-ipsm-interiot-format-{type} and mw-ipsm-platform-format-{type} topics
// of the configured platform types, translates each message's payload and
// publishes it on ipsm-mw-platform-format-{type} or
// ipsm-mw-interiot-format-{type}, where an IPSMRM started with
// --ipsm=kafka://… waits for it (see package ipsmrm/channels).
//
//	intermw-ipsm --broker kafka://127.0.0.1:9092 --alignments ./alignments \
//	    --platform-types http://inter-iot.eu/MWTestPlatform
//
// Alignments come from a directory of IPSM-AF documents (--alignments) or
// from an IPSM REST API (--alignments-url, e.g. intermw's /ipsm). Requests
// from intermw name their alignments in a header; requests without one
// (an INTER-MW IPSMRM's) use the channels given with --channel:
//
//	--channel upstream,http://example.org/BodyCloud,BodyCloud_CO_align@2.0.2,
//
// (direction, platform type, input alignment name@version, output
// alignment name@version; an empty alignment is the identity).
//
// SIGINT or SIGTERM drains: no new request is taken, the ones under way are
// answered, then the process exits.
package main
