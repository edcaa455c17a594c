package routing

import (
	"context"
	"errors"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
)

// ErrHeaderMismatch: a message's routing headers passed their checks but
// its body says otherwise. A component finds out when it has to decode the
// body (to change or answer it); the message then goes to the error topic
// instead of being routed.
var ErrHeaderMismatch = errors.New("routing headers disagree with the message body")

// Publisher publishes to the error topic.
type Publisher interface {
	Publish(ctx context.Context, topic string, m broker.Message) error
}

// Reader opens delivered messages for a component that routes them.
type Reader struct {
	// Codec decodes bodies. Required.
	Codec *messages.Codec
	// Errors receives undecodable messages and messages whose headers lie.
	// Required.
	Errors Publisher
	// DecodeAlways ignores routing headers (the old behaviour, for
	// comparison).
	DecodeAlways bool
	// Log receives a warning per message sent to the error topic.
	Log logrus.FieldLogger
}

// Envelope is a delivered message as a component routes it: its metadata
// comes from the routing headers when they can be trusted (see
// broker.ReadRoute), otherwise from decoding the body; the whole message is
// decoded only when the component must change or answer it (Load).
type Envelope struct {
	Delivered *broker.Message
	// Meta is the routing metadata: from the headers, or the decoded
	// message's.
	Meta *messages.Metadata
	// Route is what the headers said, when Meta comes from them.
	Route       broker.Route
	FromHeaders bool

	decoded *messages.Message
}

// Open reads what routing needs from a delivered message: its trusted
// routing headers, else its decoded body. An undecodable body goes to the
// error topic and Open returns a nil Envelope (and the publish error).
func (r *Reader) Open(ctx context.Context, bm *broker.Message) (*Envelope, error) {
	if !r.DecodeAlways {
		if rt, ok := broker.ReadRoute(bm); ok {
			if md, ok := Metadata(rt); ok {
				return &Envelope{Delivered: bm, Meta: md, Route: rt, FromHeaders: true}, nil
			}
		}
	}
	m, err := r.Decode(ctx, bm)
	if m == nil {
		return nil, err
	}
	return &Envelope{Delivered: bm, Meta: &m.Metadata, decoded: m}, nil
}

// Decode reads a delivered message; an unreadable one goes to the error
// topic (there is nobody to answer) and Decode returns nil.
func (r *Reader) Decode(ctx context.Context, bm *broker.Message) (*messages.Message, error) {
	m, err := r.Codec.Decode(bm.Body)
	if err != nil {
		if r.Log != nil {
			r.Log.WithError(err).WithField("topic", bm.Topic).Warn("undecodable message")
		}
		return nil, r.Errors.Publish(ctx, broker.ErrorTopic, broker.Message{Key: bm.Key, Body: bm.Body,
			Headers: map[string]string{broker.HeaderOriginalTopic: bm.Topic, broker.HeaderLastError: err.Error()}})
	}
	return m, nil
}

// Load returns the decoded message. When the envelope was routed by its
// headers and the body disagrees with them, the message goes to the error
// topic and Load returns nil (and the publish error).
func (r *Reader) Load(ctx context.Context, e *Envelope) (*messages.Message, error) {
	if e.decoded != nil {
		return e.decoded, nil
	}
	m, err := r.Decode(ctx, e.Delivered)
	if m == nil {
		return nil, err
	}
	if !broker.SameRoute(Route(&m.Metadata), e.Route) {
		if r.Log != nil {
			r.Log.WithFields(logrus.Fields{"topic": e.Delivered.Topic, "conversationId": m.Metadata.ConversationID}).
				Warn("routing headers disagree with the body; not routing the message")
		}
		return nil, r.Errors.Publish(ctx, broker.ErrorTopic, broker.Message{Key: e.Delivered.Key, Body: e.Delivered.Body,
			Headers: map[string]string{broker.HeaderOriginalTopic: e.Delivered.Topic, broker.HeaderLastError: ErrHeaderMismatch.Error()}})
	}
	e.decoded, e.Meta = m, &m.Metadata
	return m, nil
}

// Decoded returns the decoded message, or nil when the envelope was routed
// by its headers and not loaded.
func (e *Envelope) Decoded() *messages.Message { return e.decoded }

// PassHeaders returns the headers to forward the envelope's body with,
// unchanged: trusted routing headers as they came; for a message the
// component had to decode, routing headers written from what it decoded, so
// that the components after it need not decode it again.
func (r *Reader) PassHeaders(e *Envelope) map[string]string {
	if e.FromHeaders || r.DecodeAlways {
		return e.Delivered.Headers
	}
	return Headers(e.Delivered.Headers, e.Meta, e.Delivered.Body)
}
