package arm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/arm/delivery"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/services/registry"
)

// ReplayInput is the body of POST /responses/dead-letters/replay.
type ReplayInput struct {
	IDs []uint64 `json:"ids"`
}

// ReplayResult answers it.
type ReplayResult struct {
	Replayed int `json:"replayed"`
}

// registeredClient returns the caller's registry entry (404 when the
// principal is not a registered client).
func (s *Server) registeredClient(c *call) (registry.Client, error) {
	cl, err := s.cfg.Clients.GetClient(c.ctx(), c.client())
	if errors.Is(err, registry.ErrNotFound) || errors.Is(err, registry.ErrInvalid) {
		return cl, notFound("client %s is not registered", c.client())
	}
	return cl, err
}

// pull answers up to receivingCapacity messages as a JSON array and commits
// them once the answer is written; if writing fails they stay queued.
func (s *Server) pull(c *call) error {
	cl, err := s.registeredClient(c)
	if err != nil {
		return err
	}
	entries, commit, err := s.cfg.Delivery.Pull(c.ctx(), cl.ClientID, cl.ReceivingCapacity)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, e := range entries {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(e.Data)
	}
	buf.WriteString("]\n")
	ct := delivery.FormatJSONLD.ContentType()
	if cl.ResponseFormat == registry.FormatJSON {
		ct = delivery.FormatJSON.ContentType()
	}
	c.w.Header().Set("Content-Type", ct)
	c.w.WriteHeader(http.StatusOK)
	if _, err := c.w.Write(buf.Bytes()); err != nil {
		return nil // not committed: the entries go back to the queue
	}
	if f, ok := c.w.(http.Flusher); ok {
		f.Flush()
	}
	if commit != nil && len(entries) > 0 {
		if err := commit(); err != nil {
			s.log.WithError(err).WithField("clientId", cl.ClientID).Warn("committing pulled messages")
		}
	}
	return nil
}

func (s *Server) stream(c *call) error {
	if _, err := s.registeredClient(c); err != nil {
		return err
	}
	s.cfg.Delivery.ServeSSE(c.w, c.r, c.client())
	return nil
}

func (s *Server) deadLetters(c *call) error {
	if _, err := s.registeredClient(c); err != nil {
		return err
	}
	dls, err := s.cfg.Delivery.ListDeadLetters(c.ctx(), c.client())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, nonNil(dls))
}

func (s *Server) replay(c *call) error {
	if _, err := s.registeredClient(c); err != nil {
		return err
	}
	var in ReplayInput
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := c.decode(&in); err != nil {
			return err
		}
	}
	var ids []uint64
	if len(in.IDs) > 0 {
		ids = in.IDs
	}
	n, err := s.cfg.Delivery.Replay(c.ctx(), c.client(), ids)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, ReplayResult{Replayed: n})
}

// adminTypes are the message types a raw message may carry only with the
// admin role: the same platform and device management the REST calls
// guard, and what only the hub's own components send.
var adminTypes = []messages.Type{
	messages.PlatformRegister, messages.PlatformUnregister, messages.PlatformUpdate,
	messages.PlatformCreateDevice, messages.PlatformUpdateDevice, messages.PlatformDeleteDevice,
	messages.DeviceAdd, messages.DeviceRemove, messages.DeviceInit, messages.SysInit,
	messages.ClientRegister, messages.ClientUnregister,
}

// conversationKind is the kind of conversation a raw message opens.
func conversationKind(m *messages.Message) conversation.Kind {
	switch {
	case m.Metadata.Is(messages.VirtualSubscribe):
		return conversation.KindVirtualSubscription
	case m.Metadata.Is(messages.Subscribe):
		return conversation.KindSubscription
	}
	return conversation.KindRequest
}

// sendMessage injects a raw INTER-IoT message (POST /requests). The caller
// is its client, whatever clientID it carried; a message without
// conversationID or messageID gets fresh ones, and one without a type is
// refused.
func (s *Server) sendMessage(c *call) error {
	m, err := s.cfg.Codec.Decode(c.body)
	if err != nil {
		return err
	}
	md := &m.Metadata
	if md.Is(messages.Response) || md.Is(messages.Error) {
		return badRequest("a client cannot send a %s", md.Kind())
	}
	if k := md.Kind(); k == messages.Meta {
		return badRequest("the message has no type")
	}
	for _, t := range adminTypes {
		if md.Is(t) && !c.p.Has(s.cfg.AdminRole) {
			return fmt.Errorf("%w: a %s needs the %q role", auth.ErrForbidden, t, s.cfg.AdminRole)
		}
	}
	fresh := s.cfg.Builder.Request(messages.Query)
	if md.ConversationID == "" {
		md.ConversationID = fresh.Metadata.ConversationID
	}
	if md.MessageID == "" {
		md.MessageID = fresh.Metadata.MessageID
	}
	if md.DateTimeStamp.IsZero() {
		md.DateTimeStamp = fresh.Metadata.DateTimeStamp
	}
	md.ClientID = c.client()
	if err := m.Validate(); err != nil {
		return err
	}
	conv, err := s.send(c.ctx(), c.client(), conversationKind(m), m)
	if err != nil {
		return err
	}
	if md.Is(messages.Unsubscribe) && md.SubscriptionID != "" {
		s.closeOwn(c.ctx(), c.client(), md.SubscriptionID)
	}
	return c.accepted(conv)
}

// closeOwn closes a subscription's conversation if it is the client's.
func (s *Server) closeOwn(ctx context.Context, client, conv string) {
	sub, err := s.cfg.Subscriptions.GetSubscription(ctx, conv)
	if err == nil && sub.ClientID == client {
		s.closeQuietly(conv)
	}
}
