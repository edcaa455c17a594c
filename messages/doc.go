// Package messages is intermw's model of an INTER-IoT message and its
// JSON-LD codec: every component of the hub reads, builds and writes
// messages through it.
//
// # The message
//
// An INTER-IoT message is an RDF dataset with two named graphs (see
// ARCHITECTURE.md, section 3). The metadata graph
// <http://inter-iot.eu/message/metadata> holds one node typed msg:meta; its
// INTER-MW properties (messageID, conversationID, dateTimeStamp, clientID,
// SenderPlatformId, ReceiverPlatformId, subscriptionID, status, query,
// previousConversationID, virtualDeviceID and the err* fields) become typed
// fields of Metadata, its other types a []Type over a closed enum, and every
// triple that does not fit a field is kept verbatim in Metadata.Extra. The
// payload graph <http://inter-iot.eu/message/payload> is a []rdf.Triple.
// Quads in any other graph are kept in Message.Other. Nothing read is lost:
// decode, encode, decode gives an isomorphic dataset.
//
// A type IRI outside the vocabulary reads as Unrecognized (Metadata.Is) and
// is kept in Metadata.UnknownTypes, so it is written back as it came.
//
// Wire details follow the INTER-MW messages in the shared fixtures rather
// than the letter of the design: dateTimeStamp travels as a plain string in
// xsd:dateTime lexical form ("2018-07-10T07:08:30.689Z"); it is read from a
// plain string, an xsd:dateTime or an xsd:dateTimeStamp and written back in
// the form it came in unless the field was changed. SenderPlatformId and
// ReceiverPlatformId are IRI nodes; the other fields are plain strings.
//
// # Building messages
//
// Builder (and NewRequest, NewReply, NewErrorReply) encode INTER-MW's rules:
// a request opens a conversation ("msg"+UUID, "conv"+UUID, a meta node
// msg:meta/UUID, the current time); a reply copies the conversationID,
// clientID and types, adds Response and addresses the request's sender; an
// error reply also adds Error and the err* fields. Message.Validate checks
// the routing rules; Decode applies it only with Config.Strict, because real
// INTER-IoT traffic includes messages without a conversationID.
//
// # JSON-LD
//
// Codec.Decode accepts every context style seen in INTER-IoT data (@vocab,
// @base, prefixes, full IRIs, the two graphs in either order, an empty or
// absent payload): it expands the document with json-gold and converts the
// expanded form to quads itself (JSON-LD 1.1 rules for @list, @reverse,
// @graph, @included, native numbers and booleans, language tags). json-gold
// only ever sees the codec's own document loader, which serves contexts
// preloaded through Config.Contexts and refuses everything else with a
// *ContextError, so a message can neither make the hub fetch a URL nor open
// a local file. Size and nesting depth are checked before any JSON-LD
// processing.
//
// Encode writes one canonical compact form: a fixed context of prefixes
// (CanonicalContext) and a top-level @graph with the metadata graph object
// first and the payload graph object second, each holding one node object
// per subject, keys in ascending order, blank nodes numbered in writing
// order. INTER-MW peers read it as any JSON-LD. Decode recognises it by its
// context and reads it on a fast path without json-gold, about an order of
// magnitude faster; anything the fast path does not fully understand falls
// back to expansion, and a fuzz test checks that both paths agree.
//
// WriteNQuads and ReadNQuads convert messages to and from N-Quads.
//
// Every failure is a sentinel (ErrInvalidJSON, ErrTooLarge, ErrTooDeep,
// ErrContextRefused, ErrInvalidJSONLD, ErrNoMetadata, ErrMetaNode,
// ErrInvalidMessage, ErrUnencodable, ErrInvalidNQuads) and, where there are
// details, a typed error that matches it with errors.Is.
package messages
