package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/alignment"
)

// DefaultServerGroup is the Server's consumer group: its replicas compete
// for the requests.
const DefaultServerGroup = "ipsm"

// StaticChannel is a channel a Server applies to requests that do not say
// their chain in HeaderChain (traffic from an INTER-MW IPSMRM, which
// configures ipsm-core's channels through its REST API instead).
type StaticChannel struct {
	PlatformType string
	Direction    ipsmrm.Direction
	Chain        Chain
}

// ServerConfig configures a Server.
type ServerConfig struct {
	// Broker carries the mw-ipsm-… requests and the ipsm-mw-… answers.
	// Required.
	Broker PubSub
	// Codec reads requests and writes answers. Required.
	Codec *messages.Codec
	// Alignments resolves the chains. Required.
	Alignments Alignments
	// PlatformTypes are the platform types whose topics the Server
	// consumes; the types of Channels are added. At least one is required.
	PlatformTypes []string
	// Channels are the chains for requests without HeaderChain.
	Channels []StaticChannel
	// Group is the consumer group on the request topics. Default "ipsm".
	Group string
	// Strict fails translations that would lose data.
	Strict bool
	// Metrics counts translations and losses. Optional.
	Metrics alignment.Metrics
	// Builder stamps Error answers. Default: wall clock, random UUIDs.
	Builder messages.Builder
	// Log receives lifecycle logs (Info), per message logs (Debug) and
	// failed translations (Warn). Default: discarded.
	Log logrus.FieldLogger
}

// Validate reports every problem with c at once.
func (c ServerConfig) Validate() error {
	var errs []error
	if c.Broker == nil {
		errs = append(errs, errors.New("channels: ServerConfig.Broker is required"))
	}
	if c.Codec == nil {
		errs = append(errs, errors.New("channels: ServerConfig.Codec is required"))
	}
	if c.Alignments == nil {
		errs = append(errs, errors.New("channels: ServerConfig.Alignments is required"))
	}
	if len(c.PlatformTypes) == 0 && len(c.Channels) == 0 {
		errs = append(errs, errors.New("channels: ServerConfig needs at least one platform type or channel"))
	}
	for i, t := range c.PlatformTypes {
		if t == "" {
			errs = append(errs, fmt.Errorf("channels: ServerConfig.PlatformTypes[%d] is empty", i))
		}
	}
	seen := map[topicKey]bool{}
	for i, ch := range c.Channels {
		if ch.PlatformType == "" {
			errs = append(errs, fmt.Errorf("channels: ServerConfig.Channels[%d] has no platform type", i))
		}
		if ch.Direction != ipsmrm.Downstream && ch.Direction != ipsmrm.Upstream {
			errs = append(errs, fmt.Errorf("channels: ServerConfig.Channels[%d] has no direction", i))
		}
		if err := ch.Chain.validate(); err != nil {
			errs = append(errs, fmt.Errorf("channels: ServerConfig.Channels[%d]: %w", i, err))
		}
		k := topicKey{ch.PlatformType, ch.Direction}
		if seen[k] {
			errs = append(errs, fmt.Errorf("channels: ServerConfig.Channels[%d]: a second %s channel for %s", i, ch.Direction, ch.PlatformType))
		}
		seen[k] = true
	}
	if c.Group != "" {
		if err := broker.ValidateGroup(c.Group); err != nil {
			errs = append(errs, fmt.Errorf("channels: ServerConfig.Group: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Server is an external, ipsm-core compatible translator: it consumes the
// mw-ipsm-interiot-format-{type} and mw-ipsm-platform-format-{type}
// topics, translates each message's payload with the embedded alignment
// engine and publishes it on ipsm-mw-platform-format-{type} or
// ipsm-mw-interiot-format-{type}. A request that cannot be translated is
// answered on the same topic with an Error (same messageID and
// conversationID), so the requester never waits in vain. cmd/intermw-ipsm
// runs one.
type Server struct {
	cfg    ServerConfig
	log    logrus.FieldLogger
	tr     alignment.Translator
	static map[topicKey]Chain
	types  []string

	mu        sync.Mutex
	closed    bool
	subs      []broker.Subscription
	ready     chan struct{}
	runOnce   sync.Once
	closeOnce sync.Once
	stop      chan struct{}
}

// NewServer validates cfg and returns a Server. It starts nothing.
func NewServer(cfg ServerConfig) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Group == "" {
		cfg.Group = DefaultServerGroup
	}
	if cfg.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		cfg.Log = l
	}
	s := &Server{cfg: cfg, log: cfg.Log.WithField("component", "ipsm"),
		tr:     alignment.Translator{Strict: cfg.Strict, Metrics: cfg.Metrics},
		static: map[topicKey]Chain{}, ready: make(chan struct{}), stop: make(chan struct{})}
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			s.types = append(s.types, t)
		}
	}
	for _, t := range cfg.PlatformTypes {
		add(t)
	}
	for _, ch := range cfg.Channels {
		add(ch.PlatformType)
		s.static[topicKey{ch.PlatformType, ch.Direction}] = ch.Chain
	}
	return s, nil
}

// Ready is closed once Run consumes every request topic.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Run consumes the request topics until ctx ends or Close is called.
func (s *Server) Run(ctx context.Context) error {
	started := false
	s.runOnce.Do(func() { started = true })
	if !started {
		return errors.New("channels: Server.Run called twice")
	}
	defer s.Close()
	for _, t := range s.types {
		for _, dir := range []ipsmrm.Direction{ipsmrm.Downstream, ipsmrm.Upstream} {
			source, sink := broker.MWToIPSMInterIoT(t), broker.IPSMToMWPlatform(t)
			if dir == ipsmrm.Upstream {
				source, sink = broker.MWToIPSMPlatform(t), broker.IPSMToMWInterIoT(t)
			}
			k := topicKey{t, dir}
			sub, err := s.cfg.Broker.Subscribe(ctx, source, s.cfg.Group, func(ctx context.Context, bm *broker.Message) error {
				return s.handle(ctx, k, sink, bm)
			})
			if err != nil {
				return fmt.Errorf("channels: consuming %s: %w", source, err)
			}
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				sub.Close()
				return nil
			}
			s.subs = append(s.subs, sub)
			s.mu.Unlock()
			s.log.WithFields(logrus.Fields{"source": source, "sink": sink}).Info("translating")
		}
	}
	close(s.ready)
	select {
	case <-ctx.Done():
	case <-s.stop:
	}
	return nil
}

// Close stops consuming at once. It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		subs := s.subs
		s.subs = nil
		s.mu.Unlock()
		close(s.stop)
		for _, sub := range subs {
			sub.Close()
		}
	})
	return nil
}

// handle translates one request and publishes the answer.
func (s *Server) handle(ctx context.Context, k topicKey, sink string, bm *broker.Message) error {
	corr := bm.Headers[HeaderCorrelation]
	m, err := s.cfg.Codec.Decode(bm.Body)
	if err != nil {
		// Tell the requester at once (it matches by correlation id), and
		// keep the body for an operator.
		s.log.WithError(err).WithField("topic", bm.Topic).Warn("undecodable request")
		if pubErr := s.cfg.Broker.Publish(ctx, broker.ErrorTopic, broker.Message{Key: bm.Key, Body: bm.Body,
			Headers: map[string]string{broker.HeaderOriginalTopic: bm.Topic, broker.HeaderLastError: err.Error()}}); pubErr != nil {
			return pubErr
		}
		if corr == "" {
			return nil
		}
		return s.answerError(ctx, sink, corr, &messages.Message{}, fmt.Errorf("undecodable message: %w", err))
	}
	log := s.log.WithFields(logrus.Fields{"conversationId": m.Metadata.ConversationID, "topic": bm.Topic})
	chain, err := s.chainOf(k, bm)
	if err == nil {
		err = s.translate(ctx, m, chain)
	}
	if err != nil {
		log.WithError(err).Warn("translation failed; answering with an Error")
		return s.answerError(ctx, sink, corr, m, err)
	}
	body, err := s.cfg.Codec.Encode(m)
	if err != nil {
		return s.answerError(ctx, sink, corr, m, fmt.Errorf("encoding the translation: %w", err))
	}
	log.Debug("translated")
	return s.cfg.Broker.Publish(ctx, sink, broker.Message{Key: m.Metadata.ConversationID, Body: body, Headers: echo(corr)})
}

func echo(corr string) map[string]string {
	if corr == "" {
		return nil
	}
	return map[string]string{HeaderCorrelation: corr}
}

// chainOf returns the chain a request asks for, else the static channel's.
func (s *Server) chainOf(k topicKey, bm *broker.Message) (Chain, error) {
	if h, ok := bm.Headers[HeaderChain]; ok {
		return decodeChain(h)
	}
	if c, ok := s.static[k]; ok {
		return c, nil
	}
	return Chain{}, fmt.Errorf("no %s channel is configured for platform type %s and the request names no alignments", k.dir, k.platformType)
}

func (s *Server) translate(ctx context.Context, m *messages.Message, chain Chain) error {
	var compiled []*alignment.Compiled
	var errs []error
	for _, id := range chain.IDs() {
		c, err := s.cfg.Alignments.Alignment(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		compiled = append(compiled, c)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	_, err := s.tr.TranslateMessage(ctx, m, compiled...)
	return err
}

// answerError publishes an Error answer to req on sink. It keeps req's
// messageID so that requesters that match answers by messageID find it.
func (s *Server) answerError(ctx context.Context, sink, corr string, req *messages.Message, cause error) error {
	e := s.cfg.Builder.ErrorReply(req, messages.ErrorDetails{Category: DefaultErrCategory, Description: cause.Error()})
	if req.Metadata.MessageID != "" {
		e.Metadata.MessageID = req.Metadata.MessageID
	}
	body, err := s.cfg.Codec.Encode(e)
	if err != nil {
		return err
	}
	return s.cfg.Broker.Publish(ctx, sink, broker.Message{Key: e.Metadata.ConversationID, Body: body, Headers: echo(corr)})
}
