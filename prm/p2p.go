package prm

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
	"github.com/intermw/intermw/ontology/rdf"
)

// maxCached bounds the P2P cache; past it the cache starts afresh.
const maxCached = 1 << 16

// p2pCache remembers, per conversation, whether it is a
// platform-to-platform subscription, so that the registry is asked once
// per observation stream and TTL rather than once per observation.
type p2pCache struct {
	lookup P2PLookup
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]p2pEntry
}

type p2pEntry struct {
	route   P2PRoute
	found   bool
	expires time.Time
}

func newP2PCache(l P2PLookup, ttl time.Duration, now func() time.Time) *p2pCache {
	return &p2pCache{lookup: l, ttl: ttl, now: now, entries: map[string]p2pEntry{}}
}

// get returns the route of conv, from the cache when fresh.
func (c *p2pCache) get(ctx context.Context, conv string) (P2PRoute, bool, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[conv]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.route, e.found, nil
	}
	return c.refresh(ctx, conv)
}

// refresh asks the registry and caches the answer.
func (c *p2pCache) refresh(ctx context.Context, conv string) (P2PRoute, bool, error) {
	r, found, err := c.lookup.P2PSubscription(ctx, conv)
	if err != nil {
		return P2PRoute{}, false, err
	}
	ttl := c.ttl
	if found {
		ttl *= 10
	}
	c.mu.Lock()
	if len(c.entries) >= maxCached {
		c.entries = map[string]p2pEntry{}
	}
	c.entries[conv] = p2pEntry{route: r, found: found, expires: c.now().Add(ttl)}
	c.mu.Unlock()
	return r, found, nil
}

// forget marks conv as no platform-to-platform subscription.
func (c *p2pCache) forget(conv string) {
	c.mu.Lock()
	c.entries[conv] = p2pEntry{expires: c.now().Add(c.ttl)}
	c.mu.Unlock()
}

// observation routes an observation from a platform: to the target
// platform when its conversation is a platform-to-platform subscription,
// to the client otherwise. Only the first needs the body decoded.
func (p *PRM) observation(ctx context.Context, log logrus.FieldLogger, e *routing.Envelope) error {
	conv := e.Meta.ConversationID
	if p.p2p == nil {
		log.Debug("observation to the client")
		return p.forward(ctx, broker.PRMToARM, e)
	}
	route, found, err := p.p2p.get(ctx, conv)
	if err != nil {
		return fmt.Errorf("prm: look up platform-to-platform subscription %s: %w", conv, err)
	}
	if !found {
		log.Debug("observation to the client")
		return p.forward(ctx, broker.PRMToARM, e)
	}
	m, err := p.reader.Load(ctx, e)
	if m == nil {
		return err
	}
	md := &m.Metadata
	if md.SenderPlatformID != route.SourcePlatformID {
		return p.replyError(ctx, log, m, fmt.Errorf("%w: observation of subscription %s from %s, not its source platform %s",
			ErrUnroutable, md.ConversationID, md.SenderPlatformID, route.SourcePlatformID))
	}
	rewriteP2P(m, route)
	log.Debug("observation to the target platform")
	return p.publish(ctx, broker.PRMToIPSMRM, m)
}

// rewriteP2P makes an observation of the source device one of the target
// device, addressed to the target platform.
func rewriteP2P(m *messages.Message, r P2PRoute) {
	m.Metadata.ReceiverPlatformIDs = []string{r.TargetPlatformID}
	target := rdf.IRI(r.TargetDeviceID)
	for i := range m.Payload {
		if m.Payload[i].P.Value == propMadeBySensor {
			m.Payload[i].O = target
		}
	}
}

// virtualSubscribe subscribes to the source device of a
// platform-to-platform subscription that Services has registered. The
// Subscribe also carries the Virtual_subscribe type, so that the
// platform's confirmation is recognised and answered to the client as the
// Virtual_subscribe reply.
func (p *PRM) virtualSubscribe(ctx context.Context, log logrus.FieldLogger, req *messages.Message) error {
	if p.p2p == nil {
		return p.replyError(ctx, log, req, fmt.Errorf("%w: platform-to-platform subscriptions are not configured", ErrUnroutable))
	}
	conv := req.Metadata.ConversationID
	route, found, err := p.p2p.refresh(ctx, conv)
	if err != nil {
		return fmt.Errorf("prm: look up platform-to-platform subscription %s: %w", conv, err)
	}
	if !found {
		return p.replyError(ctx, log, req, fmt.Errorf("%w: %s", ErrUnknownP2P, conv))
	}
	sub := p.cfg.Builder.Request(messages.Subscribe, messages.VirtualSubscribe)
	sub.Metadata.ConversationID = conv
	sub.Metadata.ClientID = req.Metadata.ClientID
	sub.Metadata.SubscriptionID = conv
	sub.Metadata.ReceiverPlatformIDs = []string{route.SourcePlatformID}
	sub.Payload = deviceTriples(route.SourceDeviceID, route.SourcePlatformID)
	log.WithField("sourcePlatformId", route.SourcePlatformID).Debug("subscribing to the source device")
	return p.publish(ctx, broker.PRMToIPSMRM, sub)
}

// virtualUnsubscribe ends a platform-to-platform subscription: it
// unsubscribes from the source device (while the registry still knows the
// route) and has Services remove the subscription.
func (p *PRM) virtualUnsubscribe(ctx context.Context, log logrus.FieldLogger, e *routing.Envelope) error {
	req, err := p.reader.Load(ctx, e)
	if req == nil {
		return err
	}
	if p.p2p == nil {
		return p.replyError(ctx, log, req, fmt.Errorf("%w: platform-to-platform subscriptions are not configured", ErrUnroutable))
	}
	subID := req.Metadata.SubscriptionID
	if subID == "" {
		return p.replyError(ctx, log, req, fmt.Errorf("%w: Virtual_unsubscribe without subscriptionID", ErrUnknownP2P))
	}
	route, found, err := p.p2p.refresh(ctx, subID)
	if err != nil {
		return fmt.Errorf("prm: look up platform-to-platform subscription %s: %w", subID, err)
	}
	if !found {
		return p.replyError(ctx, log, req, fmt.Errorf("%w: %s", ErrUnknownP2P, subID))
	}
	un := p.cfg.Builder.Request(messages.Unsubscribe, messages.VirtualUnsubscribe)
	un.Metadata.ConversationID = req.Metadata.ConversationID
	un.Metadata.ClientID = req.Metadata.ClientID
	un.Metadata.SubscriptionID = subID
	un.Metadata.ReceiverPlatformIDs = []string{route.SourcePlatformID}
	un.Payload = deviceTriples(route.SourceDeviceID, route.SourcePlatformID)
	if err := p.publish(ctx, broker.PRMToIPSMRM, un); err != nil {
		return err
	}
	p.p2p.forget(subID)
	log.Debug("unsubscribed from the source device; removing from the registry")
	return p.forward(ctx, broker.PRMToSRM, e)
}

// virtualReply turns a platform's confirmation of a Subscribe/Unsubscribe
// PRM sent for a platform-to-platform subscription into the client's
// Virtual_subscribe/Virtual_unsubscribe reply.
func virtualReply(m *messages.Message) *messages.Message {
	r := m.Clone()
	md := &r.Metadata
	kept := md.Types[:0]
	for _, t := range md.Types {
		if t != messages.Subscribe && t != messages.Unsubscribe {
			kept = append(kept, t)
		}
	}
	md.Types = kept
	md.ReceiverPlatformIDs = nil
	return r
}
