package messages

import (
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

// Namespaces and the two graph names of an INTER-IoT message.
const (
	// NS is the msg: namespace of the INTER-IoT message vocabulary.
	NS = "http://inter-iot.eu/message/"
	// MetadataGraph names the graph that holds the msg:meta node.
	MetadataGraph = NS + "metadata"
	// PayloadGraph names the graph that holds the message's data.
	PayloadGraph = NS + "payload"
	// MetaNodeBase prefixes the IRI the builders give a new msg:meta node.
	MetaNodeBase = NS + "meta/"
)

// Metadata property IRIs, with INTER-MW's exact capitalisation.
const (
	PropMessageID              = NS + "messageID"
	PropConversationID         = NS + "conversationID"
	PropDateTimeStamp          = NS + "dateTimeStamp"
	PropClientID               = NS + "clientID"
	PropSenderPlatformID       = NS + "SenderPlatformId"
	PropReceiverPlatformID     = NS + "ReceiverPlatformId"
	PropSubscriptionID         = NS + "subscriptionID"
	PropStatus                 = NS + "status"
	PropQuery                  = NS + "query"
	PropPreviousConversationID = NS + "previousConversationID"
	PropVirtualDeviceID        = NS + "virtualDeviceID"
	PropErrCategory            = NS + "errCategory"
	PropErrID                  = NS + "errID"
	PropErrDesc                = NS + "errDesc"
	PropErrOriginalMsg         = NS + "errOriginalMsg"
	PropErrStackTrace          = NS + "errStackTrace"
)

// Message is one INTER-IoT message: typed metadata and a payload graph.
//
// The zero Message is empty; build new ones with NewRequest, NewReply and
// NewErrorReply, or read them with a Codec. A Message is a plain value with
// no hidden state other than the original form of its dateTimeStamp; copy it
// with Clone before changing a shared one.
type Message struct {
	Metadata Metadata
	// Payload is the payload graph.
	Payload []rdf.Triple
	// Other holds quads outside the metadata and payload graphs (the default
	// graph or further named graphs), kept so that nothing read is lost.
	Other []rdf.Quad
}

// Metadata is the msg:meta node of the metadata graph, with the INTER-MW
// properties as typed fields. A property whose value does not fit its field
// (a second value, an unexpected datatype, a literal where an IRI belongs) is
// kept as it came in Extra, as is every other metadata triple.
type Metadata struct {
	// Node is the msg:meta node itself (an IRI such as
	// msg:meta/<uuid>, or a blank node). A zero Node is written as the
	// blank node _:meta.
	Node rdf.Term
	// Types are the node's types from the vocabulary, except Meta, which is
	// implied. Order is kept as read.
	Types []Type
	// UnknownTypes are type IRIs outside the vocabulary, kept verbatim; a
	// message with any reads as Unrecognized (see Is).
	UnknownTypes []string

	MessageID      string    // msg:messageID, "msg" + UUID
	ConversationID string    // msg:conversationID, "conv" + UUID
	DateTimeStamp  time.Time // msg:dateTimeStamp; zero when absent
	ClientID       string    // msg:clientID
	// SenderPlatformID is the IRI of msg:SenderPlatformId.
	SenderPlatformID string
	// ReceiverPlatformIDs are the IRIs of msg:ReceiverPlatformId.
	ReceiverPlatformIDs    []string
	SubscriptionID         string // msg:subscriptionID
	Status                 string // msg:status
	Query                  string // msg:query (SPARQL text)
	PreviousConversationID string // msg:previousConversationID
	VirtualDeviceID        string // msg:virtualDeviceID

	ErrCategory    string // msg:errCategory
	ErrID          string // msg:errID
	ErrDesc        string // msg:errDesc
	ErrOriginalMsg string // msg:errOriginalMsg
	ErrStackTrace  string // msg:errStackTrace

	// Extra holds every other triple of the metadata graph as read.
	Extra []rdf.Triple

	// dateTerm is the dateTimeStamp literal as read. It is written back
	// unchanged while it still denotes DateTimeStamp, so a message
	// round-trips with its original lexical form and datatype.
	dateTerm rdf.Term
}

// Is reports whether the message has type t. Meta always holds; Unrecognized
// also holds when the message carries a type IRI outside the vocabulary.
func (md *Metadata) Is(t Type) bool {
	if t == Meta {
		return true
	}
	if t == Unrecognized && len(md.UnknownTypes) > 0 {
		return true
	}
	for _, have := range md.Types {
		if have == t {
			return true
		}
	}
	return false
}

// AddType adds t unless the message already has it. Adding Meta does nothing.
func (md *Metadata) AddType(t Type) {
	if t == Meta || !t.Valid() {
		return
	}
	for _, have := range md.Types {
		if have == t {
			return
		}
	}
	md.Types = append(md.Types, t)
}

// Kind returns the type that says what the message is about: the first type
// other than Response and Error, Unrecognized when only unknown types are
// present, and Meta when there is none at all.
func (md *Metadata) Kind() Type {
	for _, t := range md.Types {
		if t != Response && t != Error {
			return t
		}
	}
	if len(md.UnknownTypes) > 0 {
		return Unrecognized
	}
	return Meta
}

// Clone returns a deep copy of m.
func (m *Message) Clone() *Message {
	c := *m
	c.Metadata.Types = append([]Type(nil), m.Metadata.Types...)
	c.Metadata.UnknownTypes = append([]string(nil), m.Metadata.UnknownTypes...)
	c.Metadata.ReceiverPlatformIDs = append([]string(nil), m.Metadata.ReceiverPlatformIDs...)
	c.Metadata.Extra = append([]rdf.Triple(nil), m.Metadata.Extra...)
	c.Payload = append([]rdf.Triple(nil), m.Payload...)
	c.Other = append([]rdf.Quad(nil), m.Other...)
	return &c
}

// dateTimeStampTerm returns the literal to write for DateTimeStamp: the
// literal as read while it still denotes the same instant, otherwise a
// fresh one in INTER-MW's form (see FormatDateTimeStamp).
func (md *Metadata) dateTimeStampTerm() (rdf.Term, bool) {
	if md.DateTimeStamp.IsZero() {
		return rdf.Term{}, false
	}
	if !md.dateTerm.IsZero() {
		if t, ok := parseDateTimeStamp(md.dateTerm); ok && t.Equal(md.DateTimeStamp) {
			return md.dateTerm, true
		}
	}
	return rdf.String(FormatDateTimeStamp(md.DateTimeStamp)), true
}

// FormatDateTimeStamp renders t the way INTER-MW writes msg:dateTimeStamp: an
// xsd:dateTime lexical form with milliseconds and a zone offset, carried as a
// plain string literal (every INTER-MW message seen on the wire does so).
func FormatDateTimeStamp(t time.Time) string {
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

// parseDateTimeStamp reads a dateTimeStamp literal: a plain string or an
// xsd:dateTime / xsd:dateTimeStamp whose lexical form is an xsd:dateTime.
// A form without a zone is read as UTC.
func parseDateTimeStamp(t rdf.Term) (time.Time, bool) {
	if t.Kind != rdf.KindLiteral {
		return time.Time{}, false
	}
	switch t.Datatype {
	case rdf.XSDString, rdf.XSDDateTime, rdf.XSD + "dateTimeStamp":
	default:
		return time.Time{}, false
	}
	v := t.Value
	if ts, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return ts, true
	}
	if ts, err := time.Parse("2006-01-02T15:04:05.999999999", v); err == nil {
		return ts, true
	}
	return time.Time{}, false
}

// Quads returns the message as an RDF dataset: the metadata graph, the
// payload graph and the Other quads. A zero Metadata.Node is written as a
// blank node.
func (m *Message) Quads() []rdf.Quad {
	meta := m.metadataTriples()
	out := make([]rdf.Quad, 0, len(meta)+len(m.Payload)+len(m.Other))
	mg, pg := rdf.IRI(MetadataGraph), rdf.IRI(PayloadGraph)
	for _, t := range meta {
		out = append(out, t.InGraph(mg))
	}
	for _, t := range m.Payload {
		out = append(out, t.InGraph(pg))
	}
	return append(out, m.Other...)
}

// metadataNode returns the meta node's subject, a blank node when unset.
func (md *Metadata) metadataNode() rdf.Term {
	if md.Node.IsZero() {
		return rdf.Blank("meta")
	}
	return md.Node
}

// metadataTriples returns every triple of the metadata graph.
func (m *Message) metadataTriples() []rdf.Triple {
	md := &m.Metadata
	s := md.metadataNode()
	out := make([]rdf.Triple, 0, 8+len(md.Types)+len(md.UnknownTypes)+len(md.ReceiverPlatformIDs)+len(md.Extra))
	typ := rdf.IRI(rdf.RDFType)
	out = append(out, rdf.Triple{S: s, P: typ, O: rdf.IRI(typeIRIs[Meta])})
	for _, t := range md.Types {
		if t.Valid() && t != Meta {
			out = append(out, rdf.Triple{S: s, P: typ, O: rdf.IRI(typeIRIs[t])})
		}
	}
	for _, iri := range md.UnknownTypes {
		out = append(out, rdf.Triple{S: s, P: typ, O: rdf.IRI(iri)})
	}
	str := func(p, v string) {
		if v != "" {
			out = append(out, rdf.Triple{S: s, P: rdf.IRI(p), O: rdf.String(v)})
		}
	}
	str(PropMessageID, md.MessageID)
	str(PropConversationID, md.ConversationID)
	if d, ok := md.dateTimeStampTerm(); ok {
		out = append(out, rdf.Triple{S: s, P: rdf.IRI(PropDateTimeStamp), O: d})
	}
	str(PropClientID, md.ClientID)
	if md.SenderPlatformID != "" {
		out = append(out, rdf.Triple{S: s, P: rdf.IRI(PropSenderPlatformID), O: rdf.IRI(md.SenderPlatformID)})
	}
	for _, r := range md.ReceiverPlatformIDs {
		out = append(out, rdf.Triple{S: s, P: rdf.IRI(PropReceiverPlatformID), O: rdf.IRI(r)})
	}
	str(PropSubscriptionID, md.SubscriptionID)
	str(PropStatus, md.Status)
	str(PropQuery, md.Query)
	str(PropPreviousConversationID, md.PreviousConversationID)
	str(PropVirtualDeviceID, md.VirtualDeviceID)
	str(PropErrCategory, md.ErrCategory)
	str(PropErrID, md.ErrID)
	str(PropErrDesc, md.ErrDesc)
	str(PropErrOriginalMsg, md.ErrOriginalMsg)
	str(PropErrStackTrace, md.ErrStackTrace)
	return append(out, md.Extra...)
}
