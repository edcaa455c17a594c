package prm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
	"github.com/intermw/intermw/ontology/rdf"
)

// PubSub is what PRM needs from a broker.
type PubSub interface {
	broker.Publisher
	broker.Subscriber
}

// P2PRoute is one platform-to-platform subscription: observations of
// SourceDeviceID on SourcePlatformID are sent on to TargetDeviceID on
// TargetPlatformID. Its ConversationID is the subscription's id.
type P2PRoute struct {
	ConversationID   string
	ClientID         string
	SourcePlatformID string
	SourceDeviceID   string
	TargetPlatformID string
	TargetDeviceID   string
}

// P2PLookup finds platform-to-platform subscriptions (the registry keeps
// them; Services writes them when it handles Virtual_subscribe).
type P2PLookup interface {
	// P2PSubscription returns the subscription whose conversation id is
	// conversationID, and false when there is none.
	P2PSubscription(ctx context.Context, conversationID string) (P2PRoute, bool, error)
}

// ReplayPlatform is a registered platform to re-arm after a restart.
type ReplayPlatform struct {
	ID   string
	Type string
	// Description is the platform's registration payload; empty means
	// the platform node with its type only.
	Description []rdf.Triple
}

// ReplaySubscription is an active subscription to re-arm after a restart.
type ReplaySubscription struct {
	ConversationID string
	ClientID       string
	PlatformID     string
	DeviceIDs      []string
}

// State lists what PRM replays to the bridges with Sys_init when it starts.
type State interface {
	Platforms(ctx context.Context) ([]ReplayPlatform, error)
	Subscriptions(ctx context.Context) ([]ReplaySubscription, error)
}

// Defaults of Config.
const (
	DefaultGroup       = "prm"
	DefaultP2PCacheTTL = 2 * time.Second
)

// ErrCategory is the errCategory of the Error replies PRM sends.
const ErrCategory = "PRM_ERROR"

// Config configures a PRM.
type Config struct {
	// Broker carries PRM's traffic. Required.
	Broker PubSub
	// Codec reads and writes messages. Required.
	Codec *messages.Codec
	// PlatformTypes returns the platform types the bridges host supports,
	// for List_supported_platform_types. Required.
	PlatformTypes func() []string
	// P2P finds platform-to-platform subscriptions. Optional: without it
	// Virtual_subscribe and Virtual_unsubscribe are answered with an Error
	// and every observation goes to the clients.
	P2P P2PLookup
	// P2PCacheTTL is how long PRM remembers that a conversation is not a
	// platform-to-platform subscription (and, ten times as long, that it
	// is one). Lookups happen per observation stream, not per message.
	// Default 2s.
	P2PCacheTTL time.Duration
	// Replay lists the platforms and subscriptions to re-arm with Sys_init
	// when PRM starts. Optional.
	Replay State
	// Group is PRM's consumer group. Default "prm".
	Group string
	// DecodeAlways makes PRM decode every delivered message and ignore its
	// routing headers, as it did before they existed. For comparison
	// (BenchmarkObservationPipeline) and debugging; PRM still writes
	// routing headers on what it publishes.
	DecodeAlways bool
	// Builder stamps the messages PRM makes. Default: wall clock, random
	// UUIDs.
	Builder messages.Builder
	// Log receives lifecycle logs (Info) and per-message logs (Debug).
	// Default: discarded.
	Log logrus.FieldLogger
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Broker == nil {
		errs = append(errs, errors.New("prm: Broker is required"))
	}
	if c.Codec == nil {
		errs = append(errs, errors.New("prm: Codec is required"))
	}
	if c.PlatformTypes == nil {
		errs = append(errs, errors.New("prm: PlatformTypes is required"))
	}
	if c.P2PCacheTTL < 0 {
		errs = append(errs, fmt.Errorf("prm: P2PCacheTTL %v is negative", c.P2PCacheTTL))
	}
	if c.Group != "" {
		if err := broker.ValidateGroup(c.Group); err != nil {
			errs = append(errs, fmt.Errorf("prm: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.P2PCacheTTL == 0 {
		c.P2PCacheTTL = DefaultP2PCacheTTL
	}
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	return c
}

// PRM is the Platform Request Manager. Make one with New, then Run it.
type PRM struct {
	cfg    Config
	log    logrus.FieldLogger
	debug  bool // log writes Debug entries
	p2p    *p2pCache
	reader *routing.Reader

	mu        sync.Mutex
	subs      []broker.Subscription
	ready     chan struct{}
	done      chan struct{}
	runOnce   sync.Once
	closeOnce sync.Once
}

// New validates cfg and returns a PRM. It starts nothing.
func New(cfg Config) (*PRM, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	p := &PRM{
		cfg:   cfg,
		log:   cfg.Log.WithField("component", "prm"),
		debug: debugEnabled(cfg.Log),
		ready: make(chan struct{}),
		done:  make(chan struct{}),
	}
	p.reader = &routing.Reader{Codec: cfg.Codec, Errors: cfg.Broker, DecodeAlways: cfg.DecodeAlways, Log: p.log}
	if cfg.P2P != nil {
		p.p2p = newP2PCache(cfg.P2P, cfg.P2PCacheTTL, time.Now)
	}
	return p, nil
}

// Ready is closed once Run consumes its three topics (and has sent its
// Sys_init replay).
func (p *PRM) Ready() <-chan struct{} { return p.ready }

// Run consumes arm_prm, ipsmrm_prm and srm_prm until ctx ends or Close is
// called, after replaying Config.Replay. It returns nil on a normal stop.
func (p *PRM) Run(ctx context.Context) error {
	started := false
	p.runOnce.Do(func() { started = true })
	if !started {
		return errors.New("prm: Run called twice")
	}
	defer p.Close()
	for _, s := range []struct {
		topic string
		h     broker.Handler
	}{
		{broker.ARMToPRM, p.handleARM},
		{broker.IPSMRMToPRM, p.handleIPSMRM},
		{broker.SRMToPRM, p.handleSRM},
	} {
		sub, err := p.cfg.Broker.Subscribe(ctx, s.topic, p.cfg.Group, s.h)
		if err != nil {
			return fmt.Errorf("prm: subscribe to %s: %w", s.topic, err)
		}
		p.mu.Lock()
		p.subs = append(p.subs, sub)
		p.mu.Unlock()
	}
	if p.cfg.Replay != nil {
		if err := p.replay(ctx); err != nil {
			return err
		}
	}
	close(p.ready)
	p.log.Info("prm started")
	select {
	case <-ctx.Done():
	case <-p.done:
	}
	p.log.Info("prm stopped")
	return nil
}

// Close stops at once. It is idempotent.
func (p *PRM) Close() error {
	p.closeOnce.Do(func() {
		close(p.done)
		p.mu.Lock()
		subs := p.subs
		p.subs = nil
		p.mu.Unlock()
		for _, s := range subs {
			s.Close()
		}
	})
	return nil
}

// replay sends every registered platform and active subscription to the
// bridges as Sys_init requests, platforms first. IPSMRM holds a platform's
// other requests until its bridge answers the Platform_register, and drops
// the answers to Sys_init requests.
func (p *PRM) replay(ctx context.Context) error {
	platforms, err := p.cfg.Replay.Platforms(ctx)
	if err != nil {
		return fmt.Errorf("prm: replay: list platforms: %w", err)
	}
	subs, err := p.cfg.Replay.Subscriptions(ctx)
	if err != nil {
		return fmt.Errorf("prm: replay: list subscriptions: %w", err)
	}
	for _, pl := range platforms {
		m := p.cfg.Builder.Request(messages.PlatformRegister, messages.SysInit)
		m.Metadata.ReceiverPlatformIDs = []string{pl.ID}
		m.Payload = pl.Description
		if len(m.Payload) == 0 {
			m.Payload = []rdf.Triple{
				{S: rdf.IRI(pl.ID), P: rdf.IRI(rdf.RDFType), O: rdf.IRI(classSoftwarePlatform)},
				{S: rdf.IRI(pl.ID), P: rdf.IRI(propPlatformType), O: rdf.String(pl.Type)},
			}
		}
		if err := p.publish(ctx, broker.PRMToIPSMRM, m); err != nil {
			return fmt.Errorf("prm: replay: %w", err)
		}
	}
	for _, s := range subs {
		m := p.cfg.Builder.Request(messages.Subscribe, messages.SysInit)
		m.Metadata.ConversationID = s.ConversationID
		m.Metadata.ClientID = s.ClientID
		m.Metadata.SubscriptionID = s.ConversationID
		m.Metadata.ReceiverPlatformIDs = []string{s.PlatformID}
		for _, d := range s.DeviceIDs {
			m.Payload = append(m.Payload, deviceTriples(d, s.PlatformID)...)
		}
		if err := p.publish(ctx, broker.PRMToIPSMRM, m); err != nil {
			return fmt.Errorf("prm: replay: %w", err)
		}
	}
	p.log.WithFields(logrus.Fields{"platforms": len(platforms), "subscriptions": len(subs)}).Info("replayed to the bridges with Sys_init")
	return nil
}

// publish encodes m and publishes it on topic, keyed by its conversation,
// with routing headers written from m.
func (p *PRM) publish(ctx context.Context, topic string, m *messages.Message) error {
	body, err := p.cfg.Codec.Encode(m)
	if err != nil {
		return fmt.Errorf("prm: encode %s: %w", m.Metadata.Kind(), err)
	}
	return p.cfg.Broker.Publish(ctx, topic, broker.Message{Key: m.Metadata.ConversationID, Body: body,
		Headers: broker.RouteHeaders(routing.Route(&m.Metadata), body)})
}

// forward publishes a received message's body unchanged. Trusted routing
// headers go along as they came; a message PRM had to decode to route
// gets routing headers written from what it decoded, so the components
// after PRM need not decode it again.
func (p *PRM) forward(ctx context.Context, topic string, e *routing.Envelope) error {
	bm := e.Delivered
	return p.cfg.Broker.Publish(ctx, topic, broker.Message{Key: bm.Key, Headers: p.reader.PassHeaders(e), Body: bm.Body})
}

// replyError answers req on prm_arm with an Error, and puts a copy on the
// error topic.
func (p *PRM) replyError(ctx context.Context, log logrus.FieldLogger, req *messages.Message, cause error) error {
	log.WithError(cause).Debug("answering with an Error")
	e := p.cfg.Builder.ErrorReply(req, messages.ErrorDetails{Category: ErrCategory, Description: cause.Error()})
	if err := p.publish(ctx, broker.PRMToARM, e); err != nil {
		return err
	}
	return p.publish(ctx, broker.ErrorTopic, e)
}

// msgLog returns the logger for one message: with its fields when Debug
// logs are written, otherwise log itself (building fields per message
// costs more than routing it).
func (p *PRM) msgLog(md *messages.Metadata, from string) logrus.FieldLogger {
	if !p.debug {
		return p.log
	}
	f := logrus.Fields{"conversationId": md.ConversationID, "clientId": md.ClientID, "type": md.Kind().String(), "from": from}
	if md.SenderPlatformID != "" {
		f["platformId"] = md.SenderPlatformID
	} else if len(md.ReceiverPlatformIDs) > 0 {
		f["platformId"] = md.ReceiverPlatformIDs[0]
	}
	return p.log.WithFields(f)
}
