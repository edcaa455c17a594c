package arm

import (
	"context"
	"fmt"
	"slices"

	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
)

// newRequest builds a request message of the given types for clientID,
// addressed to platforms.
func (s *Server) newRequest(clientID string, platforms []string, types ...messages.Type) *messages.Message {
	m := s.cfg.Builder.Request(types...)
	m.Metadata.ClientID = clientID
	m.Metadata.ReceiverPlatformIDs = platforms
	return m
}

// send opens the conversation of msgs (one request; several messages when
// it fans out with a different payload per platform, all carrying the
// first one's conversationID) and publishes them on arm_prm. The
// conversation expects one reply per distinct receiver platform (one when
// there is none: the hub answers itself). Subscriptions get no deadline.
// If publishing fails the conversation is closed again.
func (s *Server) send(ctx context.Context, clientID string, kind conversation.Kind, msgs ...*messages.Message) (string, error) {
	conv := msgs[0].Metadata.ConversationID
	var platforms []string
	bodies := make([][]byte, len(msgs))
	for i, m := range msgs {
		m.Metadata.ConversationID = conv
		m.Metadata.ClientID = clientID
		for _, p := range m.Metadata.ReceiverPlatformIDs {
			if !slices.Contains(platforms, p) {
				platforms = append(platforms, p)
			}
		}
		b, err := s.encode(m)
		if err != nil {
			return "", fmt.Errorf("arm: encoding %s: %w", m.Metadata.Kind(), err)
		}
		bodies[i] = b
	}
	rec := conversation.Record{
		ConversationID: conv, ClientID: clientID, Kind: kind,
		ExpectedReplies: max(1, len(platforms)), PlatformIDs: platforms, CreatedAt: s.cfg.Now(),
	}
	if kind == conversation.KindRequest {
		rec.Deadline = rec.CreatedAt.Add(s.cfg.RequestTimeout)
	}
	if err := s.cfg.Conversations.Open(ctx, rec); err != nil {
		return "", err
	}
	for i, b := range bodies {
		if err := s.publish(ctx, broker.ARMToPRM, conv, b, routeHeaders(&msgs[i].Metadata, b)); err != nil {
			if cerr := s.cfg.Conversations.Close(context.WithoutCancel(ctx), conv); cerr != nil {
				s.log.WithError(cerr).WithField("conversationId", conv).Warn("closing a conversation whose request was not sent")
			}
			return "", err
		}
	}
	s.log.WithFields(map[string]any{"conversationId": conv, "clientId": clientID, "type": msgs[0].Metadata.Kind().String()}).Debug("request sent")
	return conv, nil
}

// sendUntracked publishes a request whose replies nobody waits for (the
// unsubscriptions of a deleted client): without a conversation they are
// dropped when they come back.
func (s *Server) sendUntracked(ctx context.Context, m *messages.Message) error {
	b, err := s.encode(m)
	if err != nil {
		return err
	}
	return s.publish(ctx, broker.ARMToPRM, m.Metadata.ConversationID, b, routeHeaders(&m.Metadata, b))
}

func (s *Server) publish(ctx context.Context, topic, key string, body []byte, headers map[string]string) error {
	if err := s.cfg.Broker.Publish(ctx, topic, broker.Message{Key: key, Body: body, Headers: headers}); err != nil {
		return fmt.Errorf("arm: publishing on %s: %w", topic, err)
	}
	s.metrics.published(topic)
	return nil
}

// routeHeaders returns the routing headers of body, whose metadata is md,
// so that the components after the ARM route it without decoding; nil when
// they cannot be written (consumers then decode).
func routeHeaders(md *messages.Metadata, body []byte) map[string]string {
	return broker.RouteHeaders(routing.Route(md), body)
}
