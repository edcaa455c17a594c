package kafka

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// Broker is a broker.Broker on Kafka. It is safe for concurrent use.
type Broker struct {
	cfg       Config
	log       logrus.FieldLogger
	transport *kafkago.Transport
	client    *kafkago.Client
	writer    *kafkago.Writer

	// handlerCtx is the parent of every handler's context; Close cancels it.
	handlerCtx    context.Context
	cancelHandler context.CancelFunc

	mu     sync.Mutex
	closed bool
	ops    sync.WaitGroup // Publish and Subscribe calls under way
	subs   map[*subscription]struct{}
	topics map[string]struct{} // topics known to exist
}

var _ broker.Broker = (*Broker)(nil)

// New validates cfg, checks that the servers answer, and returns a Broker.
// An error wrapping broker.ErrUnreachable means no server answered within
// cfg.DialTimeout (or before ctx ended).
func New(ctx context.Context, cfg Config, log logrus.FieldLogger) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		l := logrus.New()
		l.SetOutput(discard{})
		log = l
	}
	log = log.WithField("broker", "kafka")

	transport := &kafkago.Transport{
		ClientID:    cfg.ClientID,
		DialTimeout: cfg.DialTimeout,
	}
	addr := kafkago.TCP(cfg.Brokers...)
	client := &kafkago.Client{Addr: addr, Transport: transport, Timeout: cfg.DialTimeout}

	pingCtx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	if _, err := client.Metadata(pingCtx, &kafkago.MetadataRequest{Topics: []string{}}); err != nil {
		transport.CloseIdleConnections()
		return nil, fmt.Errorf("kafka: connect to %v: %w: %w", cfg.Brokers, broker.ErrUnreachable, err)
	}

	b := &Broker{
		cfg:       cfg,
		log:       log,
		transport: transport,
		client:    client,
		writer: &kafkago.Writer{
			Addr:                   addr,
			Balancer:               &kafkago.Hash{},
			RequiredAcks:           kafkago.RequireAll,
			BatchTimeout:           cfg.BatchTimeout,
			Transport:              transport,
			AllowAutoTopicCreation: !cfg.DisableTopicCreation,
			Logger:                 kafkago.LoggerFunc(log.WithField("part", "writer").Debugf),
			ErrorLogger:            kafkago.LoggerFunc(log.WithField("part", "writer").Debugf),
		},
		subs:   make(map[*subscription]struct{}),
		topics: make(map[string]struct{}),
	}
	b.handlerCtx, b.cancelHandler = context.WithCancel(context.Background())
	log.WithField("servers", cfg.Brokers).Info("connected to kafka")
	return b, nil
}

// FromURL builds a Broker from a kafka:// URL (see ConfigFromURL); it is
// the constructor broker.Open uses for the kafka scheme.
func FromURL(ctx context.Context, u *url.URL, opts broker.Options, log logrus.FieldLogger) (broker.Broker, error) {
	cfg, err := ConfigFromURL(u, opts)
	if err != nil {
		return nil, err
	}
	b, err := New(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Publish writes m to topic and returns once every in-sync replica has it.
// The message key picks the partition, so one key stays in one partition.
func (b *Broker) Publish(ctx context.Context, topic string, m broker.Message) error {
	if !b.begin() {
		return broker.ErrClosed
	}
	defer b.ops.Done()
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := b.bounded(ctx)
	defer cancel()
	if err := broker.ValidateTopic(topic); err != nil {
		return err
	}
	if err := b.ensureTopic(ctx, topic); err != nil {
		return b.closedOr(err)
	}
	km := kafkago.Message{Topic: topic, Value: m.Body, Headers: encodeHeaders(m.Headers)}
	if m.Key != "" {
		km.Key = []byte(m.Key)
	}
	err := b.writer.WriteMessages(ctx, km)
	if errors.Is(err, kafkago.UnknownTopicOrPartition) {
		// The topic was deleted (or the cluster replaced) since we created it.
		b.forgetTopic(topic)
		if err = b.ensureTopic(ctx, topic); err == nil {
			err = b.writer.WriteMessages(ctx, km)
		}
	}
	if err != nil {
		return b.closedOr(fmt.Errorf("kafka: publish to %q: %w", topic, err))
	}
	return nil
}

// begin registers a Publish or Subscribe call; it reports false once the
// broker is closed. Close waits for the registered calls before it closes
// the producer and the connections.
func (b *Broker) begin() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.ops.Add(1)
	return true
}

// bounded returns ctx, also cancelled when the broker closes.
func (b *Broker) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(b.handlerCtx, cancel)
	return ctx, func() { stop(); cancel() }
}

// closedOr returns ErrClosed when the broker closed meanwhile (the error is
// then only a symptom of that), else err.
func (b *Broker) closedOr(err error) error {
	if b.isClosed() {
		return broker.ErrClosed
	}
	return err
}

// Subscribe starts a consumer of topic in group. A group that has never
// consumed topic starts at the topic's end, so it sees every message
// published after Subscribe returns and none from before.
func (b *Broker) Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error) {
	if !b.begin() {
		return nil, broker.ErrClosed
	}
	defer b.ops.Done()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := b.bounded(ctx)
	defer cancel()
	if err := broker.ValidateTopic(topic); err != nil {
		return nil, err
	}
	if err := broker.ValidateGroup(group); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("kafka: Subscribe with a nil handler")
	}
	if err := b.ensureTopic(ctx, topic); err != nil {
		return nil, b.closedOr(err)
	}
	if err := b.startGroupAtEnd(ctx, topic, groupID(topic, group)); err != nil {
		return nil, b.closedOr(err)
	}
	s := newSubscription(b, topic, group, h)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, broker.ErrClosed
	}
	b.subs[s] = struct{}{}
	s.start() // under b.mu, so that Close never sees a subscription not yet started
	b.mu.Unlock()
	return s, nil
}

// Drain stops every subscription from taking new messages, waits for the
// handlers at work to finish and their offsets to be committed, then closes
// the broker. When ctx ends first, Drain closes at once and returns ctx's
// error.
func (b *Broker) Drain(ctx context.Context) error {
	b.mu.Lock()
	subs := make([]*subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()

	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for _, s := range subs {
			wg.Go(s.drain)
		}
		wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	cerr := b.Close()
	<-done
	return errors.Join(err, cerr)
}

// Close cancels the handlers' contexts, stops every subscription without
// committing unfinished messages, and closes the producer. Close is
// idempotent.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs := make([]*subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()

	b.cancelHandler()
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Go(func() { _ = s.Close() })
	}
	wg.Wait()
	b.ops.Wait()
	err := b.writer.Close()
	b.transport.CloseIdleConnections()
	b.log.Info("kafka broker closed")
	return err
}

func (b *Broker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

func (b *Broker) removeSub(s *subscription) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// discard is an io.Writer that drops everything (for the nil logger).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
