package bridges

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
	"github.com/intermw/intermw/ontology/rdf"
)

// Error categories of the Error replies the host sends.
const (
	ErrCategoryPlatform = "PLATFORM_ERROR" // the bridge or the platform failed
	ErrCategoryRequest  = "INVALID_REQUEST"
	ErrCategoryBridge   = "BRIDGE_ERROR" // no bridge for the platform (type or registration)
)

// handlePlatform serves one request on ipsmrm_bridge_{pid}.
func (h *Host) handlePlatform(ctx context.Context, pid string, bm *broker.Message) error {
	req, err := h.cfg.Codec.Decode(bm.Body)
	if err != nil {
		// Without a readable message there is nobody to answer; count it.
		h.log.WithError(err).WithField("platformId", pid).Warn("undecodable message on the platform's topic")
		return nil
	}
	md := &req.Metadata
	log := h.log.WithFields(logrus.Fields{
		"platformId": pid, "conversationId": md.ConversationID, "clientId": md.ClientID, "type": md.Kind().String(),
	})
	if md.Is(messages.Response) {
		log.Debug("dropping a response sent down to a bridge")
		return nil
	}
	if !slices.Contains(md.ReceiverPlatformIDs, pid) {
		// IPSMRM sends a message only to the platforms it names; one that
		// does not name this platform was misrouted (routing headers that
		// lie about the receivers), and acting on it could serve one
		// client's request on a platform nobody asked.
		log.Warn("dropping a message not addressed to the platform")
		return h.cfg.Broker.Publish(ctx, broker.ErrorTopic, broker.Message{Key: bm.Key, Body: bm.Body,
			Headers: map[string]string{broker.HeaderOriginalTopic: bm.Topic, broker.HeaderLastError: ErrNotAddressed.Error()}})
	}
	s := h.currentSlot(pid)
	if s == nil {
		if !md.Is(messages.PlatformRegister) {
			return h.replyError(ctx, log, pid, req, ErrCategoryBridge,
				fmt.Errorf("%w: platform %s is not registered with the bridges host", ErrInvalidRequest, pid))
		}
		if s, err = h.ensureSlot(ctx, pid); err != nil {
			return err
		}
	}
	log.Debug("request for the bridge")
	switch {
	case md.Is(messages.PlatformRegister):
		return h.register(ctx, log, s, req)
	case md.Is(messages.PlatformUnregister):
		return h.unregister(ctx, log, s, req)
	}
	s.mu.Lock()
	b := s.bridge
	s.mu.Unlock()
	if b == nil {
		return h.replyError(ctx, log, pid, req, ErrCategoryBridge,
			fmt.Errorf("%w: platform %s has no bridge", ErrInvalidRequest, pid))
	}
	if md.Is(messages.Observation) {
		o, ok := b.(Observer)
		if !ok {
			log.Debug("dropping an observation: the bridge is no Observer")
			return nil
		}
		if err := o.Observe(ctx, req); err != nil {
			log.WithError(err).Warn("bridge failed to take an observation")
		}
		return nil
	}
	payload, err := h.call(ctx, s, b, req)
	if err != nil {
		cat := ErrCategoryPlatform
		if errors.Is(err, ErrInvalidRequest) {
			cat = ErrCategoryRequest
		}
		return h.replyError(ctx, log, pid, req, cat, err)
	}
	return h.reply(ctx, pid, req, payload)
}

// call runs the capability a request asks for and returns the reply's
// payload.
func (h *Host) call(ctx context.Context, s *slot, b Bridge, req *messages.Message) ([]rdf.Triple, error) {
	md := &req.Metadata
	switch {
	case md.Is(messages.PlatformUpdate):
		p, err := PlatformFromMessage(req)
		if err != nil {
			return nil, err
		}
		return req.Payload, b.UpdatePlatform(ctx, p)
	case md.Is(messages.Subscribe):
		sb, ok := b.(Subscriber)
		if !ok {
			return nil, unsupported(md.Kind())
		}
		sub := Subscription{ID: md.ConversationID, ClientID: md.ClientID, DeviceIDs: DeviceIDs(req.Payload), Restored: md.Is(messages.SysInit)}
		if len(sub.DeviceIDs) == 0 {
			return nil, fmt.Errorf("%w: Subscribe names no device", ErrInvalidRequest)
		}
		return req.Payload, sb.Subscribe(ctx, sub)
	case md.Is(messages.Unsubscribe):
		sb, ok := b.(Subscriber)
		if !ok {
			return nil, unsupported(md.Kind())
		}
		if md.SubscriptionID == "" {
			return nil, fmt.Errorf("%w: Unsubscribe has no subscriptionID", ErrInvalidRequest)
		}
		return req.Payload, sb.Unsubscribe(ctx, md.SubscriptionID)
	case md.Is(messages.PlatformCreateDevice), md.Is(messages.PlatformUpdateDevice), md.Is(messages.PlatformDeleteDevice):
		dm, ok := b.(DeviceManager)
		if !ok {
			return nil, unsupported(md.Kind())
		}
		devices := DevicesFromPayload(req.Payload)
		if len(devices) == 0 {
			return nil, fmt.Errorf("%w: %s names no device", ErrInvalidRequest, md.Kind())
		}
		switch {
		case md.Is(messages.PlatformCreateDevice):
			return req.Payload, dm.CreateDevices(ctx, devices)
		case md.Is(messages.PlatformUpdateDevice):
			return req.Payload, dm.UpdateDevices(ctx, devices)
		default:
			ids := make([]string, len(devices))
			for i, d := range devices {
				ids[i] = d.ID
			}
			return req.Payload, dm.DeleteDevices(ctx, ids)
		}
	case md.Is(messages.DiscoveryList):
		d, ok := b.(Discoverer)
		if !ok {
			return nil, unsupported(md.Kind())
		}
		devices, err := d.ListDevices(ctx)
		if err != nil {
			return nil, err
		}
		return nil, h.reportDevices(ctx, s.pid, req, devices)
	case md.Is(messages.Query):
		q, ok := b.(Querier)
		if !ok {
			return nil, unsupported(md.Kind())
		}
		return q.Query(ctx, DeviceIDs(req.Payload))
	case md.Is(messages.Actuation):
		a, ok := b.(Actuator)
		if !ok {
			return nil, unsupported(md.Kind())
		}
		return a.Actuate(ctx, req)
	case md.Is(messages.SysInit):
		return nil, nil // a bare Sys_init: nothing to re-arm
	}
	return nil, unsupported(md.Kind())
}

func unsupported(t messages.Type) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, t)
}

// register makes the platform's bridge (or acknowledges a registration the
// bridge already had).
func (h *Host) register(ctx context.Context, log logrus.FieldLogger, s *slot, req *messages.Message) error {
	md := &req.Metadata
	s.mu.Lock()
	if s.bridge != nil {
		dup := s.regConv == md.ConversationID && !md.Is(messages.SysInit)
		s.mu.Unlock()
		if dup {
			log.Debug("ignoring a repeated Platform_register")
			return nil
		}
		return h.reply(ctx, s.pid, req, req.Payload)
	}
	p, err := PlatformFromMessage(req)
	if err == nil && p.ID != s.pid {
		p.ID = s.pid
	}
	var b Bridge
	if err == nil {
		f, ok := h.cfg.Factories[p.Type]
		if !ok {
			err = fmt.Errorf("%w: %q", ErrUnknownPlatformType, p.Type)
		} else {
			b, err = f(ctx, Setup{
				Platform: p,
				Emitter:  &emitter{h: h, pid: s.pid, topic: s.topic},
				Restored: md.Is(messages.SysInit),
				Log:      h.log.WithFields(logrus.Fields{"platformId": s.pid, "platformType": p.Type}),
			})
		}
	}
	if err != nil {
		s.mu.Unlock()
		cat := ErrCategoryBridge
		if errors.Is(err, ErrInvalidRequest) {
			cat = ErrCategoryRequest
		}
		// Answer first: dropping the slot cancels this handler's context.
		rerr := h.replyError(ctx, log, s.pid, req, cat, err)
		h.dropSlot(s)
		return rerr
	}
	s.bridge = b
	s.regConv = md.ConversationID
	s.mu.Unlock()
	log.WithField("platformType", p.Type).Info("bridge created")
	return h.reply(ctx, s.pid, req, req.Payload)
}

// unregister closes the platform's bridge, answers, and stops consuming the
// platform's topic. The bridge is closed before the reply is published, so
// nothing the bridge emits follows the reply.
func (h *Host) unregister(ctx context.Context, log logrus.FieldLogger, s *slot, req *messages.Message) error {
	s.closeBridge()
	log.Info("bridge closed")
	// Answer first: dropping the slot cancels this handler's context.
	err := h.reply(ctx, s.pid, req, req.Payload)
	h.dropSlot(s)
	return err
}

// reportDevices sends the inventory as Device_Init (first batch) and
// Device_Add (further batches) on the request's conversation, before the
// Discovery_List reply: keyed alike, they reach the registry first.
func (h *Host) reportDevices(ctx context.Context, pid string, req *messages.Message, devices []Device) error {
	batch := h.cfg.DiscoveryBatch
	first := true
	for start := 0; start < len(devices) || first; start += batch {
		end := min(start+batch, len(devices))
		typ := messages.DeviceAdd
		if first {
			typ = messages.DeviceInit
		}
		m := h.cfg.Builder.Request(typ)
		m.Metadata.ConversationID = req.Metadata.ConversationID
		m.Metadata.ClientID = req.Metadata.ClientID
		m.Metadata.SenderPlatformID = pid
		for _, d := range devices[start:end] {
			m.Payload = append(m.Payload, d.Triples...)
		}
		if err := h.publish(ctx, broker.BridgeToIPSMRM(pid), m); err != nil {
			return err
		}
		first = false
	}
	return nil
}

// reply publishes the Response to req with payload, from platform pid.
// Replies keep the request's subscriptionID so that the registry can act
// on an Unsubscribe confirmation, and a Subscribe's reply names the
// subscription (its conversationID).
func (h *Host) reply(ctx context.Context, pid string, req *messages.Message, payload []rdf.Triple) error {
	r := h.cfg.Builder.Reply(req)
	r.Metadata.SenderPlatformID = pid
	r.Metadata.SubscriptionID = req.Metadata.SubscriptionID
	if req.Metadata.Is(messages.Subscribe) && r.Metadata.SubscriptionID == "" {
		r.Metadata.SubscriptionID = req.Metadata.ConversationID
	}
	r.Payload = payload
	return h.publish(ctx, broker.BridgeToIPSMRM(pid), r)
}

// replyError publishes an Error reply to req, and a copy on the error topic.
func (h *Host) replyError(ctx context.Context, log logrus.FieldLogger, pid string, req *messages.Message, category string, cause error) error {
	log.WithError(cause).Debug("answering with an Error")
	r := h.cfg.Builder.ErrorReply(req, messages.ErrorDetails{Category: category, Description: cause.Error()})
	r.Metadata.SenderPlatformID = pid
	r.Metadata.SubscriptionID = req.Metadata.SubscriptionID
	if err := h.publish(ctx, broker.BridgeToIPSMRM(pid), r); err != nil {
		return err
	}
	return h.publish(ctx, broker.ErrorTopic, r)
}

// publish encodes m and publishes it on topic, keyed by its conversation,
// with routing headers written from m (see broker.SetRouteHeaders).
func (h *Host) publish(ctx context.Context, topic string, m *messages.Message) error {
	bp := h.buffer()
	defer h.bufs.Put(bp)
	hd := make(map[string]string, 8)
	return h.publishWith(ctx, topic, m, bp, hd)
}

// publishWith is publish with the caller's encoding buffer and header map,
// which it reuses: the broker copies both (broker.Publisher).
func (h *Host) publishWith(ctx context.Context, topic string, m *messages.Message, bp *[]byte, hd map[string]string) error {
	body, err := messages.AppendEncode((*bp)[:0], m)
	if err != nil {
		return fmt.Errorf("bridges host: encode %s: %w", m.Metadata.Kind(), err)
	}
	*bp = body
	out := broker.Message{Key: m.Metadata.ConversationID, Body: body}
	if broker.SetRouteHeaders(hd, routing.Route(&m.Metadata), body) {
		out.Headers = hd
	}
	return h.cfg.Broker.Publish(ctx, topic, out)
}

// buffer returns an encoding buffer from the host's pool; put it back
// with h.bufs.Put.
func (h *Host) buffer() *[]byte {
	if bp, ok := h.bufs.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, 0, 4096)
	return &b
}

// emitter is the Emitter the host gives a bridge.
type emitter struct {
	h     *Host
	pid   string
	topic string
}

// Emit encodes and publishes msgs in order through one reused buffer and
// header map; it keeps nothing of msgs after it returns.
func (e *emitter) Emit(ctx context.Context, msgs ...*messages.Message) error {
	bp := e.h.buffer()
	defer e.h.bufs.Put(bp)
	hd := make(map[string]string, 8)
	for _, m := range msgs {
		if m.Metadata.ConversationID == "" {
			return fmt.Errorf("%w: an emitted %s has no conversationID", ErrInvalidRequest, m.Metadata.Kind())
		}
		m.Metadata.SenderPlatformID = e.pid
		if err := e.h.publishWith(ctx, e.topic, m, bp, hd); err != nil {
			return err
		}
	}
	return nil
}
