package arm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
)

// Run consumes prm_arm in the "arm" group, routing every message to its
// client's queue rest_api_{clientId}, and answers the requests whose
// conversation times out with an Error message. It returns when ctx ends.
func (s *Server) Run(ctx context.Context) error {
	if s.cfg.Subscriber == nil {
		return errors.New("arm: Run needs a Subscriber")
	}
	sub, err := s.cfg.Subscriber.Subscribe(ctx, broker.PRMToARM, Group, s.Handle)
	if err != nil {
		return fmt.Errorf("arm: subscribing to %s: %w", broker.PRMToARM, err)
	}
	s.running.Store(true)
	s.readyOnce.Do(func() { close(s.ready) })
	defer s.running.Store(false)
	s.log.Info("consuming " + broker.PRMToARM)
	t := time.NewTicker(s.cfg.ExpiryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return sub.Close()
		case <-t.C:
			s.ExpireConversations(ctx)
		}
	}
}

// Handle routes one message from prm_arm: to a synchronous caller waiting
// for it, or to its client's queue. A message of no open conversation (it
// ended, timed out, or its client is gone) is dropped; an undecodable one
// too, logged. Failing to publish returns the error, so that the broker
// redelivers.
func (s *Server) Handle(ctx context.Context, bm *broker.Message) error {
	s.metrics.consumed(broker.PRMToARM)
	var conv, sender string
	var stamp time.Time
	headers := bm.Headers
	if rt, ok := broker.ReadRoute(bm); ok {
		// Trusted routing headers: no decoding.
		conv, sender = rt.Conversation, rt.Sender
		if rt.DateTimeStamp != "" {
			stamp, _ = time.Parse(time.RFC3339Nano, rt.DateTimeStamp)
		}
	} else {
		if done, err := s.routeSubscription(ctx, bm); done || err != nil {
			return err
		}
		m, err := s.cfg.Codec.Decode(bm.Body)
		if err != nil {
			s.metrics.dropped.WithLabelValues("undecodable").Inc()
			s.log.WithError(err).Warn("dropping an undecodable message from " + broker.PRMToARM)
			return nil
		}
		md := &m.Metadata
		conv, sender, stamp = md.ConversationID, md.SenderPlatformID, md.DateTimeStamp
		if conv == "" {
			conv = bm.Key
		}
		headers = routeHeaders(md, bm.Body)
	}
	log := s.log.WithFields(logrus.Fields{"conversationId": conv, "platformId": sender})

	s.wmu.Lock()
	waiter := s.waiters[conv]
	s.wmu.Unlock()
	if waiter != nil {
		select {
		case waiter <- bm.Body:
		default:
		}
		s.closeQuietly(conv)
		return nil
	}

	route, err := s.cfg.Conversations.OnReply(ctx, conv, sender)
	if errors.Is(err, conversation.ErrNotFound) {
		s.metrics.dropped.WithLabelValues("no_conversation").Inc()
		log.Debug("dropping a message of no open conversation")
		return nil
	}
	if err != nil {
		return fmt.Errorf("arm: routing %s: %w", conv, err)
	}
	if err := s.publish(ctx, broker.RESTAPI(route.ClientID), conv, bm.Body, headers); err != nil {
		return err
	}
	if !stamp.IsZero() {
		s.metrics.routeLatency.Observe(s.cfg.Now().Sub(stamp).Seconds())
	}
	log.WithFields(logrus.Fields{"clientId": route.ClientID, "final": route.Final}).Debug("routed to the client")
	return nil
}

// ExpireConversations answers every request past its deadline with an
// Error message to its client (and a copy on the error topic), then closes
// it. Run calls it every ExpiryInterval.
func (s *Server) ExpireConversations(ctx context.Context) {
	for _, rec := range s.cfg.Conversations.Expired(s.cfg.Now()) {
		if err := s.expire(ctx, rec); err != nil {
			s.log.WithError(err).WithField("conversationId", rec.ConversationID).Warn("answering a timed-out conversation")
			continue
		}
		s.metrics.expired.Inc()
	}
}

func (s *Server) expire(ctx context.Context, rec conversation.Record) error {
	req := &messages.Message{}
	req.Metadata.ConversationID = rec.ConversationID
	req.Metadata.ClientID = rec.ClientID
	missing := []string{}
	for _, p := range rec.PlatformIDs {
		replied := false
		for _, r := range rec.RepliedBy {
			replied = replied || r == p
		}
		if !replied {
			missing = append(missing, p)
		}
	}
	desc := fmt.Sprintf("no reply within %s", s.cfg.RequestTimeout)
	if len(missing) > 0 {
		desc += fmt.Sprintf(" from %v", missing)
	}
	e := s.cfg.Builder.ErrorReply(req, messages.ErrorDetails{Category: "TIMEOUT", Description: desc})
	body, err := s.encode(e)
	if err != nil {
		return err
	}
	h := routeHeaders(&e.Metadata, body)
	if err := s.publish(ctx, broker.RESTAPI(rec.ClientID), rec.ConversationID, body, h); err != nil {
		return err
	}
	if err := s.publish(ctx, broker.ErrorTopic, rec.ConversationID, body, h); err != nil {
		s.log.WithError(err).Warn("copying a timeout to the error topic")
	}
	if err := s.cfg.Conversations.Close(ctx, rec.ConversationID); err != nil && !errors.Is(err, conversation.ErrNotFound) {
		return err
	}
	return nil
}

// recordGetter is the optional Conversations ability behind the fast path.
type recordGetter interface {
	Get(ctx context.Context, conversationID string) (conversation.Record, error)
}

// routeSubscription is the observation fast path: a message keyed by the
// conversation of an open subscription is routed without being decoded,
// since a subscription's routing does not depend on the sender. done is
// false when the message needs the full path (a request's reply, a
// synchronous caller's, an unknown conversation).
func (s *Server) routeSubscription(ctx context.Context, bm *broker.Message) (done bool, err error) {
	g, ok := s.cfg.Conversations.(recordGetter)
	if !ok || bm.Key == "" {
		return false, nil
	}
	rec, err := g.Get(ctx, bm.Key)
	if err != nil || rec.Kind == conversation.KindRequest {
		return false, nil
	}
	route, err := s.cfg.Conversations.OnReply(ctx, bm.Key, "")
	if err != nil {
		return false, nil
	}
	if err := s.publish(ctx, broker.RESTAPI(route.ClientID), bm.Key, bm.Body, bm.Headers); err != nil {
		return true, err
	}
	return true, nil
}
