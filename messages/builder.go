package messages

import (
	"time"

	"github.com/google/uuid"
	"github.com/intermw/intermw/ontology/rdf"
)

// Builder makes new messages following INTER-MW's rules. The zero Builder
// uses the wall clock and random UUIDs; tests set Now and NewUUID.
type Builder struct {
	// Now returns the time stamped on new messages; nil means time.Now.
	Now func() time.Time
	// NewUUID returns a fresh UUID string; nil means random (version 4).
	NewUUID func() string
}

func (b Builder) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func (b Builder) uuid() string {
	if b.NewUUID != nil {
		return b.NewUUID()
	}
	return uuid.NewString()
}

// fresh returns a message with a new meta node, messageID and timestamp.
func (b Builder) fresh() *Message {
	id := b.uuid()
	m := &Message{}
	m.Metadata.Node = rdf.IRI(MetaNodeBase + id)
	m.Metadata.MessageID = "msg" + id
	m.Metadata.DateTimeStamp = b.now()
	return m
}

// Request returns a new message that opens a conversation: a fresh
// messageID ("msg"+UUID), conversationID ("conv"+UUID), meta node IRI
// (msg:meta/UUID) and dateTimeStamp, typed with types.
func (b Builder) Request(types ...Type) *Message {
	m := b.fresh()
	m.Metadata.ConversationID = "conv" + b.uuid()
	for _, t := range types {
		m.Metadata.AddType(t)
	}
	return m
}

// Reply returns the response to req: a fresh messageID and timestamp, req's
// conversationID, clientID and types (unknown type IRIs included) plus
// Response, and ReceiverPlatformId set to req's SenderPlatformId when it has
// one. The payload is empty; the replier fills it and its SenderPlatformID.
func (b Builder) Reply(req *Message) *Message {
	m := b.fresh()
	rq := &req.Metadata
	md := &m.Metadata
	md.ConversationID = rq.ConversationID
	md.ClientID = rq.ClientID
	md.Types = append(md.Types, rq.Types...)
	md.UnknownTypes = append(md.UnknownTypes, rq.UnknownTypes...)
	md.AddType(Response)
	if rq.SenderPlatformID != "" {
		md.ReceiverPlatformIDs = []string{rq.SenderPlatformID}
	}
	return m
}

// ErrorDetails describes a failure for ErrorReply.
type ErrorDetails struct {
	Category    string // msg:errCategory, e.g. "PLATFORM_ERROR"
	ID          string // msg:errID (optional)
	Description string // msg:errDesc
	// OriginalMsg is the failed request as text (msg:errOriginalMsg),
	// usually its JSON-LD; empty leaves the property out.
	OriginalMsg string
	StackTrace  string // msg:errStackTrace (optional)
}

// ErrorReply returns an error response to req: what Reply returns, plus the
// Error type and the err* properties from d.
func (b Builder) ErrorReply(req *Message, d ErrorDetails) *Message {
	m := b.Reply(req)
	md := &m.Metadata
	md.AddType(Error)
	md.ErrCategory = d.Category
	md.ErrID = d.ID
	md.ErrDesc = d.Description
	md.ErrOriginalMsg = d.OriginalMsg
	md.ErrStackTrace = d.StackTrace
	return m
}

// NewRequest is Builder{}.Request.
func NewRequest(types ...Type) *Message { return Builder{}.Request(types...) }

// NewReply is Builder{}.Reply.
func NewReply(req *Message) *Message { return Builder{}.Reply(req) }

// NewErrorReply is Builder{}.ErrorReply.
func NewErrorReply(req *Message, d ErrorDetails) *Message { return Builder{}.ErrorReply(req, d) }
