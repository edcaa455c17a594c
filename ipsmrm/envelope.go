package ipsmrm

import (
	"context"
	"errors"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
)

// ErrHeaderMismatch: a message's routing headers passed their checks but
// its body says otherwise. IPSMRM found out because it had to decode the
// body (to translate it, learn a platform or answer it); the message goes
// to the error topic instead of being routed.
var ErrHeaderMismatch = errors.New("routing headers disagree with the message body")

// envelope is a delivered message as IPSMRM routes it: its metadata comes
// from the routing headers when they can be trusted (see
// broker.ReadRoute), otherwise from decoding the body; the whole message
// is decoded only when IPSMRM must read the payload or change the message
// (load).
type envelope struct {
	bm  *broker.Message
	md  *messages.Metadata // routing metadata: from the headers, or msg's
	msg *messages.Message  // the decoded body; nil until load
	// route is what the headers said, when md comes from them.
	route       broker.Route
	fromHeaders bool
}

// open reads what routing needs from a delivered message: its trusted
// routing headers, else its decoded body. An undecodable body goes to the
// error topic and open returns a nil envelope.
func (r *IPSMRM) open(ctx context.Context, bm *broker.Message) (*envelope, error) {
	if !r.cfg.DecodeAlways {
		if rt, ok := broker.ReadRoute(bm); ok {
			if md, ok := routing.Metadata(rt); ok {
				return &envelope{bm: bm, md: md, route: rt, fromHeaders: true}, nil
			}
		}
	}
	m, err := r.decode(ctx, bm)
	if m == nil {
		return nil, err
	}
	return &envelope{bm: bm, md: &m.Metadata, msg: m}, nil
}

// decode reads a delivered message; an unreadable one goes to the error
// topic (there is nobody to answer) and decode returns nil.
func (r *IPSMRM) decode(ctx context.Context, bm *broker.Message) (*messages.Message, error) {
	m, err := r.cfg.Codec.Decode(bm.Body)
	if err != nil {
		r.log.WithError(err).WithField("topic", bm.Topic).Warn("undecodable message")
		return nil, r.cfg.Broker.Publish(ctx, broker.ErrorTopic, broker.Message{Key: bm.Key, Body: bm.Body,
			Headers: map[string]string{broker.HeaderOriginalTopic: bm.Topic, broker.HeaderLastError: err.Error()}})
	}
	return m, nil
}

// load returns the decoded message. When the envelope was routed by its
// headers and the body disagrees with them, the message goes to the error
// topic and load returns nil (and the error topic's publish error).
func (r *IPSMRM) load(ctx context.Context, e *envelope) (*messages.Message, error) {
	if e.msg != nil {
		return e.msg, nil
	}
	m, err := r.decode(ctx, e.bm)
	if m == nil {
		return nil, err
	}
	if !broker.SameRoute(routing.Route(&m.Metadata), e.route) {
		r.log.WithFields(logrus.Fields{"topic": e.bm.Topic, "conversationId": m.Metadata.ConversationID}).
			Warn("routing headers disagree with the body; not routing the message")
		return nil, r.cfg.Broker.Publish(ctx, broker.ErrorTopic, broker.Message{Key: e.bm.Key, Body: e.bm.Body,
			Headers: map[string]string{broker.HeaderOriginalTopic: e.bm.Topic, broker.HeaderLastError: ErrHeaderMismatch.Error()}})
	}
	e.msg, e.md = m, &m.Metadata
	return m, nil
}

// passHeaders returns the headers to forward the envelope's body with,
// unchanged: trusted routing headers as they came; for a message IPSMRM
// had to decode, routing headers written from what it decoded, so that
// the components after IPSMRM need not decode it again.
func (r *IPSMRM) passHeaders(e *envelope) map[string]string {
	if e.fromHeaders || r.cfg.DecodeAlways {
		return e.bm.Headers
	}
	return routing.Headers(e.bm.Headers, e.md, e.bm.Body)
}

// debugEnabled reports whether log writes Debug entries, so that per
// message fields are only built when they will be written. Loggers that
// cannot tell are assumed to.
func debugEnabled(log logrus.FieldLogger) bool {
	switch l := log.(type) {
	case *logrus.Entry:
		return l.Logger.IsLevelEnabled(logrus.DebugLevel)
	case *logrus.Logger:
		return l.IsLevelEnabled(logrus.DebugLevel)
	}
	return true
}
