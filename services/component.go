package services

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
	"github.com/intermw/intermw/services/registry"
	"github.com/intermw/intermw/services/triplestore"
)

// Group is the consumer group Services subscribes to prm_srm with.
const Group = "services"

// ErrorCategory is the msg:errCategory of the Error replies Services sends.
const ErrorCategory = "SERVICES_ERROR"

// maxOriginalMsg bounds the failed message copied into msg:errOriginalMsg.
const maxOriginalMsg = 64 << 10

// Broker is what Services needs from the message broker.
type Broker interface {
	Publish(ctx context.Context, topic string, m broker.Message) error
	Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error)
}

// Config configures the Services component.
type Config struct {
	// Broker carries prm_srm in and srm_prm and error out. Required.
	Broker Broker
	// Registry is written on confirmations and queried by discovery.
	// Required.
	Registry *registry.Registry
	// Codec reads and writes the messages. Required.
	Codec *messages.Codec
	// Log receives lifecycle logs (Info) and one Debug line per message.
	// Default: discarded.
	Log logrus.FieldLogger
	// Builder stamps replies; the zero Builder uses the clock and random
	// UUIDs.
	Builder messages.Builder
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Broker == nil {
		errs = append(errs, errors.New("services: Broker is required"))
	}
	if c.Registry == nil {
		errs = append(errs, errors.New("services: Registry is required"))
	}
	if c.Codec == nil {
		errs = append(errs, errors.New("services: Codec is required"))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	return c
}

// Services is the Services component. Run consumes prm_srm until its
// context ends or Close is called.
type Services struct {
	cfg  Config
	log  logrus.FieldLogger
	done chan struct{}
	once sync.Once
}

// New validates cfg and returns the component. It subscribes to nothing
// until Run.
func New(cfg Config) (*Services, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Services{cfg: cfg, log: cfg.Log.WithField("component", "services"), done: make(chan struct{})}, nil
}

// Run subscribes to prm_srm in group "services" and handles messages until
// ctx is cancelled or Close is called; then it stops consuming and returns
// nil. It returns an error only when it cannot subscribe.
func (s *Services) Run(ctx context.Context) error {
	sub, err := s.cfg.Broker.Subscribe(ctx, broker.PRMToSRM, Group, s.Handle)
	if err != nil {
		return fmt.Errorf("services: subscribe to %s: %w", broker.PRMToSRM, err)
	}
	s.log.Info("services consuming " + broker.PRMToSRM)
	select {
	case <-ctx.Done():
	case <-s.done:
	}
	s.log.Info("services stopping")
	return sub.Close()
}

// Close makes Run return. It is idempotent.
func (s *Services) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

// requestError marks a failure caused by the message itself: it is
// answered with an Error reply rather than redelivered.
type requestError struct{ err error }

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

func badMessage(format string, args ...any) error {
	return &requestError{fmt.Errorf(format, args...)}
}

// isRequestError reports whether err comes from the message rather than
// from the store or the broker.
func isRequestError(err error) bool {
	var re *requestError
	if errors.As(err, &re) {
		return true
	}
	for _, target := range []error{
		registry.ErrInvalid, registry.ErrNotFound, registry.ErrConflict,
		triplestore.ErrSyntax, triplestore.ErrUnknownPrefix, triplestore.ErrUnsupported,
		triplestore.ErrReadOnly, triplestore.ErrTimeout, triplestore.ErrResultTooBig, triplestore.ErrMemoryLimit,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// Handle processes one message from prm_srm (the broker handler Run
// installs; exported so that a caller can drive Services without a
// subscription, as tests do).
func (s *Services) Handle(ctx context.Context, bm *broker.Message) error {
	msg, err := s.cfg.Codec.Decode(bm.Body)
	if err != nil {
		// Without a message there is nobody to reply to: keep a copy on the
		// error topic for inspection.
		s.log.WithError(err).Warn("services: undecodable message on " + broker.PRMToSRM)
		copyMsg := broker.Message{Key: bm.Key, Body: bm.Body, Headers: map[string]string{"error": err.Error(), "component": "services"}}
		return s.cfg.Broker.Publish(ctx, broker.ErrorTopic, copyMsg)
	}
	md := &msg.Metadata
	log := s.log.WithFields(logrus.Fields{"conversationId": md.ConversationID, "clientId": md.ClientID, "type": md.Kind().String()})
	out, err := s.dispatch(ctx, msg, bm.Body)
	if err != nil {
		if !isRequestError(err) {
			log.WithError(err).Debug("services: failed, leaving the message for redelivery")
			return err
		}
		log.WithError(err).Debug("services: answering with an Error")
		return s.replyError(ctx, msg, bm, err)
	}
	log.Debug("services: handled")
	fwd := broker.Message{Key: key(bm, msg), Body: out}
	if bytes.Equal(out, bm.Body) {
		// Forwarded unchanged: its routing headers let PRM skip decoding.
		fwd.Headers = routing.Headers(nil, md, out)
	}
	return s.cfg.Broker.Publish(ctx, broker.SRMToPRM, fwd)
}

func key(bm *broker.Message, msg *messages.Message) string {
	if msg != nil && msg.Metadata.ConversationID != "" {
		return msg.Metadata.ConversationID
	}
	return bm.Key
}

// replyError publishes an Error reply on srm_prm and a copy on error.
func (s *Services) replyError(ctx context.Context, msg *messages.Message, bm *broker.Message, cause error) error {
	orig := ""
	if len(bm.Body) <= maxOriginalMsg {
		orig = string(bm.Body)
	}
	reply := s.cfg.Builder.ErrorReply(msg, messages.ErrorDetails{Category: ErrorCategory, Description: cause.Error(), OriginalMsg: orig})
	body, err := s.cfg.Codec.Encode(reply)
	if err != nil {
		return fmt.Errorf("services: encode error reply: %w", err)
	}
	out := broker.Message{Key: key(bm, msg), Body: body}
	if err := s.cfg.Broker.Publish(ctx, broker.SRMToPRM, out); err != nil {
		return err
	}
	return s.cfg.Broker.Publish(ctx, broker.ErrorTopic, out)
}

// dispatch does what the message asks and returns the body to publish on
// srm_prm: a reply, or the message itself (forwarded unchanged after the
// registry write).
func (s *Services) dispatch(ctx context.Context, msg *messages.Message, body []byte) ([]byte, error) {
	md := &msg.Metadata
	isResponse := md.Is(messages.Response)
	confirmed := isResponse && !md.Is(messages.Error)
	var err error
	switch kind := md.Kind(); kind {
	case messages.DeviceDiscoveryQuery, messages.PlatformDiscoveryQuery:
		if isResponse {
			return body, nil
		}
		return s.discover(ctx, msg)
	case messages.PlatformRegister, messages.PlatformUpdate:
		if confirmed {
			err = s.putPlatforms(ctx, msg)
		} else if !isResponse {
			return nil, unexpected(kind, "request")
		}
	case messages.PlatformUnregister:
		if confirmed {
			err = s.removePlatform(ctx, msg)
		} else if !isResponse {
			return nil, unexpected(kind, "request")
		}
	case messages.PlatformCreateDevice, messages.PlatformUpdateDevice:
		if confirmed {
			err = s.putDevices(ctx, msg)
		} else if !isResponse {
			return nil, unexpected(kind, "request")
		}
	case messages.PlatformDeleteDevice, messages.DeviceRemove:
		if confirmed || (kind == messages.DeviceRemove && !isResponse) {
			err = s.forgetDevices(ctx, msg)
		} else if !isResponse {
			return nil, unexpected(kind, "request")
		}
	case messages.DeviceAdd:
		if !md.Is(messages.Error) {
			err = s.putDevices(ctx, msg)
		}
	case messages.DeviceInit:
		if !md.Is(messages.Error) {
			err = s.replaceDevices(ctx, msg)
		}
	case messages.Subscribe:
		if confirmed {
			err = s.putSubscription(ctx, msg)
		} else if !isResponse {
			return nil, unexpected(kind, "request")
		}
	case messages.Unsubscribe:
		if confirmed {
			err = s.removeSubscription(ctx, msg)
		} else if !isResponse {
			return nil, unexpected(kind, "request")
		}
	case messages.VirtualSubscribe:
		if !isResponse {
			err = s.putP2P(ctx, msg)
		}
	case messages.VirtualUnsubscribe:
		if !isResponse {
			return s.removeP2P(ctx, msg, body)
		}
	default:
		return nil, unexpected(kind, "message")
	}
	if err != nil {
		return nil, err
	}
	return body, nil
}

func unexpected(kind messages.Type, what string) error {
	return badMessage("services: unexpected %s %s on %s", kind, what, broker.PRMToSRM)
}

// discover answers a discovery query.
func (s *Services) discover(ctx context.Context, msg *messages.Message) ([]byte, error) {
	reply := s.cfg.Builder.Reply(msg)
	switch {
	case msg.Metadata.Query != "":
		res, err := s.cfg.Registry.Discovery(ctx, msg.Metadata.Query)
		if err != nil {
			return nil, err
		}
		defer res.Close()
		payload, err := resultPayload(res)
		if err != nil {
			return nil, err
		}
		reply.Payload = payload
	case msg.Metadata.Kind() == messages.PlatformDiscoveryQuery:
		ps, err := s.cfg.Registry.ListPlatforms(ctx)
		if err != nil {
			return nil, err
		}
		reply.Payload = platformsPayload(ps)
	default:
		return nil, badMessage("services: Device_discovery_query without msg:query")
	}
	body, err := s.cfg.Codec.Encode(reply)
	if err != nil {
		return nil, fmt.Errorf("services: encode discovery reply: %w", err)
	}
	return body, nil
}

// putPlatforms records the platforms a Platform_register or Platform_update
// confirmation describes.
func (s *Services) putPlatforms(ctx context.Context, msg *messages.Message) error {
	ps := registry.PlatformsFromPayload(msg.Payload)
	if len(ps) == 0 {
		return badMessage("services: %s confirmation carries no platform description", msg.Metadata.Kind())
	}
	for _, p := range ps {
		if p.ClientID == "" {
			p.ClientID = msg.Metadata.ClientID
		}
		if err := s.cfg.Registry.PutPlatform(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// removePlatform unregisters the platform a Platform_unregister
// confirmation comes from (its sender, else the platform in its payload).
func (s *Services) removePlatform(ctx context.Context, msg *messages.Message) error {
	ids := []string{}
	if msg.Metadata.SenderPlatformID != "" {
		ids = append(ids, msg.Metadata.SenderPlatformID)
	} else {
		for _, p := range registry.PlatformsFromPayload(msg.Payload) {
			ids = append(ids, p.PlatformID)
		}
	}
	if len(ids) == 0 {
		return badMessage("services: Platform_unregister confirmation names no platform")
	}
	for _, id := range ids {
		if err := s.cfg.Registry.RemovePlatform(ctx, id); err != nil && !errors.Is(err, registry.ErrNotFound) {
			return err
		}
	}
	return nil
}

// devices reads the devices of a payload, hosted by the sender platform
// unless they say otherwise.
func devices(msg *messages.Message) []registry.IoTDevice {
	ds := registry.DevicesFromPayload(msg.Payload)
	for i := range ds {
		if ds[i].HostedBy == "" {
			ds[i].HostedBy = msg.Metadata.SenderPlatformID
		}
	}
	return ds
}

func (s *Services) putDevices(ctx context.Context, msg *messages.Message) error {
	ds := devices(msg)
	if len(ds) == 0 {
		return badMessage("services: %s carries no device description", msg.Metadata.Kind())
	}
	return s.cfg.Registry.PutDevices(ctx, ds)
}

func (s *Services) forgetDevices(ctx context.Context, msg *messages.Message) error {
	ids := registry.DeviceIDsFromPayload(msg.Payload)
	if len(ids) == 0 {
		return badMessage("services: %s names no device", msg.Metadata.Kind())
	}
	return s.cfg.Registry.ForgetDevices(ctx, ids)
}

func (s *Services) replaceDevices(ctx context.Context, msg *messages.Message) error {
	platform := msg.Metadata.SenderPlatformID
	if platform == "" {
		return badMessage("services: Device_Init without msg:SenderPlatformId")
	}
	return s.cfg.Registry.ReplaceDevices(ctx, platform, devices(msg))
}

// putSubscription records a confirmed subscription; confirmations from
// several platforms of one subscription add up.
func (s *Services) putSubscription(ctx context.Context, msg *messages.Message) error {
	md := &msg.Metadata
	if _, err := s.cfg.Registry.GetP2PSubscription(ctx, md.ConversationID); err == nil {
		return nil // PRM's own Subscribe for a platform-to-platform subscription
	} else if !errors.Is(err, registry.ErrNotFound) && !errors.Is(err, registry.ErrInvalid) {
		return err
	}
	sub := registry.Subscription{ConversationID: md.ConversationID, ClientID: md.ClientID}
	sub.DeviceIDs = registry.DeviceIDsFromPayload(msg.Payload)
	if len(sub.DeviceIDs) == 0 {
		return badMessage("services: Subscribe confirmation names no device")
	}
	if md.SenderPlatformID != "" {
		sub.PlatformIDs = []string{md.SenderPlatformID}
	}
	if old, err := s.cfg.Registry.GetSubscription(ctx, md.ConversationID); err == nil {
		sub.DeviceIDs = union(old.DeviceIDs, sub.DeviceIDs)
		sub.PlatformIDs = union(old.PlatformIDs, sub.PlatformIDs)
	} else if !errors.Is(err, registry.ErrNotFound) && !errors.Is(err, registry.ErrInvalid) {
		return err
	}
	return s.cfg.Registry.PutSubscription(ctx, sub)
}

func union(a, b []string) []string {
	set := map[string]bool{}
	for _, s := range append(append([]string(nil), a...), b...) {
		set[s] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// removeSubscription deletes the subscription an Unsubscribe confirmation
// names in msg:subscriptionID.
func (s *Services) removeSubscription(ctx context.Context, msg *messages.Message) error {
	id := msg.Metadata.SubscriptionID
	if id == "" {
		return badMessage("services: Unsubscribe confirmation without msg:subscriptionID")
	}
	if err := s.cfg.Registry.RemoveSubscription(ctx, id); err != nil && !errors.Is(err, registry.ErrNotFound) {
		return err
	}
	return nil
}

// putP2P records a Virtual_subscribe's platform-to-platform subscription
// under the message's conversation and client.
func (s *Services) putP2P(ctx context.Context, msg *messages.Message) error {
	p2p, ok := registry.P2PFromPayload(msg.Payload)
	if !ok {
		return badMessage("services: Virtual_subscribe carries no plat2plat-subscription")
	}
	p2p.ConversationID = msg.Metadata.ConversationID
	p2p.ClientID = msg.Metadata.ClientID
	_, err := s.cfg.Registry.PutP2PSubscription(ctx, p2p)
	return err
}

// removeP2P deletes the platform-to-platform subscription a
// Virtual_unsubscribe names in msg:subscriptionID. Since PRM still needs to
// know which source device to unsubscribe from, the forwarded message gets
// the subscription's description in its payload when it has none.
func (s *Services) removeP2P(ctx context.Context, msg *messages.Message, body []byte) ([]byte, error) {
	id := msg.Metadata.SubscriptionID
	if id == "" {
		return nil, badMessage("services: Virtual_unsubscribe without msg:subscriptionID")
	}
	old, err := s.cfg.Registry.GetP2PSubscription(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		return body, nil // already gone: a redelivery
	}
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Registry.RemoveP2PSubscription(ctx, id); err != nil && !errors.Is(err, registry.ErrNotFound) {
		return nil, err
	}
	if _, has := registry.P2PFromPayload(msg.Payload); has {
		return body, nil
	}
	fwd := msg.Clone()
	fwd.Payload = append(fwd.Payload, registry.P2PPayload(old)...)
	out, err := s.cfg.Codec.Encode(fwd)
	if err != nil {
		return nil, fmt.Errorf("services: encode Virtual_unsubscribe: %w", err)
	}
	return out, nil
}
