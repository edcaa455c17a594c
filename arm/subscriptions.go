package arm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/services/registry"
)

// SubscribeInput is the body of POST /subscriptions.
type SubscribeInput struct {
	DeviceIDs []string `json:"deviceIds"`
}

// Plat2PlatSubscribeInput is the body of POST
// /subscriptions-platform-to-platform.
type Plat2PlatSubscribeInput struct {
	SourceDeviceID string `json:"sourceDeviceId"`
	TargetDeviceID string `json:"targetDeviceId"`
}

func isNotFound(err error) bool {
	return errors.Is(err, conversation.ErrNotFound) || errors.Is(err, registry.ErrNotFound) || errors.Is(err, ErrNotFound)
}

// listedClient is the client whose subscriptions a list shows: the caller,
// or with the admin role the one ?clientId= names.
func (c *call) listedClient() (string, error) {
	q := c.r.URL.Query().Get("clientId")
	if q == "" || q == c.p.ID {
		if c.p.ID == "" {
			return "", ErrNoClient
		}
		return c.p.ID, nil
	}
	if !c.p.Has(c.s.cfg.AdminRole) {
		return "", fmt.Errorf("%w: a client sees only its own subscriptions", auth.ErrForbidden)
	}
	return q, nil
}

func (s *Server) listSubscriptions(c *call) error {
	client, err := c.listedClient()
	if err != nil {
		return err
	}
	subs, err := s.cfg.Subscriptions.ListSubscriptions(c.ctx(), client)
	if err != nil {
		return err
	}
	for i := range subs {
		subs[i].DeviceIDs = nonNil(subs[i].DeviceIDs)
	}
	return c.json(http.StatusOK, nonNil(subs))
}

func (s *Server) subscribe(c *call) error {
	var in SubscribeInput
	if err := c.decode(&in); err != nil {
		return err
	}
	if len(in.DeviceIDs) == 0 {
		return badRequest("deviceIds must list at least one device")
	}
	ids := slices.Clone(in.DeviceIDs)
	sort.Strings(ids)
	ids = slices.Compact(ids)
	for _, id := range ids {
		if err := checkIRI("deviceIds", id); err != nil {
			return err
		}
	}
	platforms, err := s.devicePlatforms(c.ctx(), ids)
	if err != nil {
		return err
	}
	existing, err := s.cfg.Subscriptions.ListSubscriptions(c.ctx(), c.client())
	if err != nil {
		return err
	}
	for _, sub := range existing {
		have := slices.Clone(sub.DeviceIDs)
		sort.Strings(have)
		if slices.Equal(have, ids) {
			return conflict("client is already subscribed to these devices (subscription %s)", sub.ConversationID)
		}
	}
	devices := make([]registry.IoTDevice, len(ids))
	for i, id := range ids {
		devices[i] = registry.IoTDevice{DeviceID: id, HostedBy: platforms[id]}
	}
	conv, err := s.sendPerPlatform(c.ctx(), c.client(), conversation.KindSubscription, devices,
		func(d registry.IoTDevice) string { return d.HostedBy }, nil, messages.Subscribe)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}

// unsubscribeMessage builds the Unsubscribe of a subscription: a new
// conversation naming the old one in subscriptionID, sent to the platforms
// it was made on.
func (s *Server) unsubscribeMessage(ctx context.Context, client string, sub registry.Subscription) (*messages.Message, error) {
	platforms := slices.Clone(sub.PlatformIDs)
	if len(platforms) == 0 && len(sub.DeviceIDs) > 0 {
		m, err := s.cfg.Devices.DevicePlatforms(ctx, sub.DeviceIDs)
		if err != nil {
			return nil, err
		}
		for _, p := range m {
			if !slices.Contains(platforms, p) {
				platforms = append(platforms, p)
			}
		}
		sort.Strings(platforms)
	}
	m := s.newRequest(client, platforms, messages.Unsubscribe)
	m.Metadata.SubscriptionID = sub.ConversationID
	for _, id := range sub.DeviceIDs {
		m.Payload = append(m.Payload, registry.IoTDevice{DeviceID: id}.Triples()...)
	}
	return m, nil
}

func (s *Server) unsubscribe(c *call) error {
	id := c.path("conversationId")
	sub, err := s.cfg.Subscriptions.GetSubscription(c.ctx(), id)
	if err != nil {
		if errors.Is(err, registry.ErrInvalid) {
			return notFound("no subscription %s", id)
		}
		return err
	}
	if sub.ClientID != c.client() {
		return notFound("no subscription %s", id)
	}
	m, err := s.unsubscribeMessage(c.ctx(), c.client(), sub)
	if err != nil {
		return err
	}
	conv, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m)
	if err != nil {
		return err
	}
	// No more observations: the subscription's conversation ends now.
	s.closeQuietly(id)
	return c.accepted(conv)
}

func (s *Server) listP2P(c *call) error {
	client, err := c.listedClient()
	if err != nil {
		return err
	}
	subs, err := s.cfg.Subscriptions.ListP2PSubscriptions(c.ctx(), client)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, nonNil(subs))
}

func (s *Server) subscribeP2P(c *call) error {
	var in Plat2PlatSubscribeInput
	if err := c.decode(&in); err != nil {
		return err
	}
	if err := checkIRI("sourceDeviceId", in.SourceDeviceID); err != nil {
		return err
	}
	if err := checkIRI("targetDeviceId", in.TargetDeviceID); err != nil {
		return err
	}
	if in.SourceDeviceID == in.TargetDeviceID {
		return badRequest("a device cannot subscribe to itself")
	}
	platforms, err := s.devicePlatforms(c.ctx(), []string{in.SourceDeviceID, in.TargetDeviceID})
	if err != nil {
		return err
	}
	all, err := s.cfg.Subscriptions.ListP2PSubscriptions(c.ctx(), "")
	if err != nil {
		return err
	}
	for _, p := range all {
		if p.SourceDeviceID == in.SourceDeviceID && p.TargetDeviceID == in.TargetDeviceID {
			return conflict("target device %s is already subscribed to source device %s", in.TargetDeviceID, in.SourceDeviceID)
		}
	}
	sub := registry.PlatformToPlatformSubscription{
		ClientID: c.client(), SourceDeviceID: in.SourceDeviceID, TargetDeviceID: in.TargetDeviceID,
		SourcePlatformID: platforms[in.SourceDeviceID], TargetPlatformID: platforms[in.TargetDeviceID],
	}
	m := s.newRequest(c.client(), []string{sub.SourcePlatformID}, messages.VirtualSubscribe)
	sub.ConversationID = m.Metadata.ConversationID
	m.Payload = registry.P2PPayload(sub)
	conv, err := s.send(c.ctx(), c.client(), conversation.KindVirtualSubscription, m)
	if err != nil {
		return err
	}
	return c.accepted(conv)
}

func (s *Server) unsubscribeP2P(c *call) error {
	id := c.path("conversationId")
	sub, err := s.cfg.Subscriptions.GetP2PSubscription(c.ctx(), id)
	if err != nil {
		if errors.Is(err, registry.ErrInvalid) {
			return notFound("no platform-to-platform subscription %s", id)
		}
		return err
	}
	if sub.ClientID != c.client() {
		return notFound("no platform-to-platform subscription %s", id)
	}
	m := s.virtualUnsubscribeMessage(c.client(), sub)
	conv, err := s.send(c.ctx(), c.client(), conversation.KindRequest, m)
	if err != nil {
		return err
	}
	s.closeQuietly(id)
	return c.accepted(conv)
}

// virtualUnsubscribeMessage builds the Virtual_unsubscribe of a
// platform-to-platform subscription, sent to its source platform.
func (s *Server) virtualUnsubscribeMessage(client string, sub registry.PlatformToPlatformSubscription) *messages.Message {
	m := s.newRequest(client, []string{sub.SourcePlatformID}, messages.VirtualUnsubscribe)
	m.Metadata.SubscriptionID = sub.ConversationID
	m.Payload = registry.P2PPayload(sub)
	return m
}
