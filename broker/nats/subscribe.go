package nats

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// subscription is one consumer in a group. An unordered group has one
// durable consumer that its subscriptions pull from; an ordered group has
// one per partition, each with a single message in flight.
type subscription struct {
	b            *Broker
	topic, group string
	h            broker.Handler
	log          logrus.FieldLogger

	// ctx is the handlers' context: cancelled by Close (and the broker's).
	ctx    context.Context
	cancel context.CancelFunc

	stopping atomic.Bool    // no new messages: Close or Drain
	running  sync.WaitGroup // handlers and workers

	// Ordered groups: Options.Concurrency handlers at once.
	sem chan struct{}
	// Unordered groups with Concurrency > 1: worker i takes the keys
	// hashing to i, so a key's messages are handled one at a time, in order.
	// qmu guards sending on the queues against their closing.
	qmu    sync.RWMutex
	queues []chan jetstream.Msg

	mu       sync.Mutex
	ccs      []jetstream.ConsumeContext
	returned []jetstream.Msg // to hand back once unsubscribed

	closeOnce sync.Once
}

// Subscribe creates topic's stream and group's durable consumer(s) unless
// they exist, starts consuming, and returns once the server confirmed it
// all, so every message published afterwards reaches the group. It retries
// while the server is away until ctx ends (the error then wraps
// broker.ErrUnreachable).
func (b *Broker) Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error) {
	if err := broker.ValidateTopic(topic); err != nil {
		return nil, fmt.Errorf("nats: subscribe: %w", err)
	}
	if err := broker.ValidateGroup(group); err != nil {
		return nil, fmt.Errorf("nats: subscribe: %w", err)
	}
	if h == nil {
		return nil, errors.New("nats: subscribe: nil handler")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("nats: subscribe: %w", err)
	}
	b.mu.Lock()
	if b.closed || b.draining {
		b.mu.Unlock()
		return nil, broker.ErrClosed
	}
	b.mu.Unlock()

	s := &subscription{
		b: b, topic: topic, group: group, h: h,
		log: b.log.WithFields(logrus.Fields{"topic": topic, "group": group}),
	}
	s.ctx, s.cancel = context.WithCancel(b.life)
	var bo *backoff
	for {
		err := s.start(ctx)
		if err == nil {
			break
		}
		s.stop(nil)
		s.stopping.Store(false)
		if !retryable(err) {
			s.cancel()
			return nil, fmt.Errorf("nats: subscribe %s to %s: %w", group, topic, err)
		}
		if bo == nil {
			bo = b.newBackoff()
		}
		if ctx.Err() != nil || !bo.wait(ctx) {
			s.cancel()
			return nil, fmt.Errorf("nats: subscribe %s to %s: %w: %w (last error: %v)", group, topic, broker.ErrUnreachable, ctx.Err(), err)
		}
	}
	b.mu.Lock()
	if b.closed || b.draining {
		b.mu.Unlock()
		s.Close()
		return nil, broker.ErrClosed
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	s.log.Debug("subscribed")
	return s, nil
}

// start creates the durable consumer(s) and starts consuming.
func (s *subscription) start(ctx context.Context) error {
	b := s.b
	if err := b.ensureStream(ctx, s.topic); err != nil {
		return err
	}
	stream := StreamName(b.cfg.Prefix, s.topic)
	base := subjectBase(b.cfg.Prefix, s.topic)
	cfg := jetstream.ConsumerConfig{
		DeliverPolicy: jetstream.DeliverNewPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       b.cfg.AckWait,
		MaxDeliver:    -1, // dead-lettering is ours, after Options.MaxDeliveries
	}
	if !b.cfg.OrderedGroups {
		cfg.Durable = ConsumerName(s.group, -1)
		cfg.Description = "intermw group " + s.group + " of topic " + s.topic
		cfg.FilterSubject = base + "*.*"
		cfg.MaxAckPending = b.cfg.MaxAckPending
		s.startWorkers()
		return s.consume(ctx, stream, cfg, s.dispatch, b.cfg.Prefetch)
	}
	s.sem = make(chan struct{}, b.cfg.Options.Concurrency)
	for p := range b.cfg.Partitions {
		cfg.Durable = ConsumerName(s.group, p)
		cfg.Description = "intermw group " + s.group + " of topic " + s.topic + ", partition " + strconv.Itoa(p)
		cfg.FilterSubject = base + strconv.Itoa(p) + ".*"
		cfg.MaxAckPending = 1 // one message of a partition in flight: per-key order
		if err := s.consume(ctx, stream, cfg, s.onPartitionMsg, 16); err != nil {
			return err
		}
	}
	return nil
}

// consume creates (or finds) one durable consumer and consumes it.
func (s *subscription) consume(ctx context.Context, stream string, cfg jetstream.ConsumerConfig, h jetstream.MessageHandler, batch int) error {
	rctx, cancel := s.b.request(ctx)
	cons, err := s.b.js.CreateOrUpdateConsumer(rctx, stream, cfg)
	cancel()
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			s.b.forgetStream(s.topic)
		}
		return err
	}
	cc, err := cons.Consume(h,
		jetstream.PullMaxMessages(batch),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !s.stopping.Load() {
				s.log.WithError(err).Debug("consume error")
			}
		}))
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.ccs = append(s.ccs, cc)
	s.mu.Unlock()
	return nil
}

// startWorkers starts the keyed workers of an unordered subscription with
// Concurrency > 1 (with 1, messages are handled on the consume callback).
func (s *subscription) startWorkers() {
	n := s.b.cfg.Options.Concurrency
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if n == 1 || s.queues != nil {
		return
	}
	s.queues = make([]chan jetstream.Msg, n)
	for i := range s.queues {
		q := make(chan jetstream.Msg, s.b.cfg.MaxAckPending)
		s.queues[i] = q
		s.running.Add(1)
		go func() {
			defer s.running.Done()
			for msg := range q {
				s.handle(msg)
			}
		}()
	}
}

// dispatch receives an unordered group's messages, in stream order.
func (s *subscription) dispatch(msg jetstream.Msg) {
	if s.b.cfg.Options.Concurrency == 1 {
		s.running.Add(1)
		defer s.running.Done()
		s.handle(msg)
		return
	}
	key, ok := keyFromSubject(msg.Subject())
	if !ok {
		if v := msg.Headers()[HeaderKey]; len(v) > 0 {
			key = v[0]
		}
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	s.qmu.RLock()
	defer s.qmu.RUnlock()
	if s.queues == nil {
		s.handBack(msg) // stopped
		return
	}
	s.queues[h.Sum32()%uint32(len(s.queues))] <- msg
}

// handle runs the handler on msg, retrying in place after
// Options.RedeliveryDelay while it fails, up to Options.MaxDeliveries, then
// dead-letters it. Retrying in place keeps the key's later messages, queued
// on the same worker, behind the failing one.
func (s *subscription) handle(msg jetstream.Msg) {
	if s.stopping.Load() {
		s.handBack(msg) // fetched, never started: back to the group
		return
	}
	opts := s.b.cfg.Options
	proto := fromMsg(s.topic, msg)
	for attempt := proto.Attempt; ; attempt++ {
		m := *proto
		m.Attempt = attempt
		err := s.call(&m)
		if err == nil {
			if aerr := msg.Ack(); aerr != nil {
				s.log.WithError(aerr).Debug("ack failed; the message will be redelivered")
			}
			return
		}
		if attempt >= opts.MaxDeliveries {
			s.deadLetter(msg, proto, attempt, err)
			return
		}
		s.log.WithError(err).WithFields(logrus.Fields{"conversationId": m.Key, "attempt": attempt}).Debug("handler failed, will redeliver")
		if s.stopping.Load() {
			s.handBack(msg) // draining or closing: to the group's next consumer
			return
		}
		msg.InProgress() // restart AckWait for the next attempt
		t := time.NewTimer(opts.RedeliveryDelay)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			s.handBack(msg)
			return
		}
	}
}

// onPartitionMsg handles one message of an ordered group. A failing message
// is negatively acknowledged with Options.RedeliveryDelay; since its
// partition has no other message in flight, the server redelivers it before
// any later message of its keys.
func (s *subscription) onPartitionMsg(msg jetstream.Msg) {
	// When the subscription is stopping, messages are left unacknowledged
	// rather than handed back with a Nak: the server would redeliver them
	// only after AckWait anyway (its partition is at MaxAckPending), and
	// every Nak would cost them one of their Options.MaxDeliveries.
	s.running.Add(1)
	defer s.running.Done()
	if s.stopping.Load() {
		return
	}
	select {
	case s.sem <- struct{}{}:
	case <-s.ctx.Done():
		return
	}
	defer func() { <-s.sem }()
	m := fromMsg(s.topic, msg)
	err := s.call(m)
	switch {
	case err == nil:
		if aerr := msg.Ack(); aerr != nil {
			s.log.WithError(aerr).Debug("ack failed; the message will be redelivered")
		}
	case m.Attempt >= s.b.cfg.Options.MaxDeliveries:
		s.deadLetter(msg, m, m.Attempt, err)
	case s.stopping.Load():
		// Left unacknowledged: redelivered after AckWait.
	default:
		s.log.WithError(err).WithFields(logrus.Fields{"conversationId": m.Key, "attempt": m.Attempt}).Debug("handler failed, will redeliver")
		msg.NakWithDelay(s.b.cfg.Options.RedeliveryDelay)
	}
}

// handBack keeps msg, unacknowledged, to be handed back to the group once
// this subscription's pull requests are gone (flushHandBacks): a Nak sent
// earlier could have the server deliver the message again to a pull
// request of this very subscription, where it would sit until AckWait.
func (s *subscription) handBack(msg jetstream.Msg) {
	s.mu.Lock()
	s.returned = append(s.returned, msg)
	s.mu.Unlock()
}

// flushHandBacks makes sure the server has processed the unsubscriptions,
// then hands the kept messages back.
func (s *subscription) flushHandBacks() {
	s.mu.Lock()
	returned := s.returned
	s.returned = nil
	s.mu.Unlock()
	if len(returned) == 0 {
		return
	}
	if err := s.b.nc.FlushTimeout(s.b.cfg.RequestTimeout); err != nil {
		s.log.WithError(err).Debug("flush before handing messages back failed")
	}
	for _, msg := range returned {
		msg.Nak()
	}
}

// call runs the handler, turning a panic into an error.
func (s *subscription) call(m *broker.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return s.h(s.ctx, m)
}

// deadLetter publishes m to the topic's dead-letter topic and a copy to the
// error topic, then acknowledges msg. If publishing fails msg is handed
// back for a later attempt.
func (s *subscription) deadLetter(msg jetstream.Msg, m *broker.Message, attempts int, cause error) {
	s.log.WithError(cause).WithFields(logrus.Fields{"conversationId": m.Key, "attempt": attempts}).
		Warn("handler failed for the last time, dead-lettering")
	dl := broker.DeadLetter(*m, s.topic, s.group, attempts, cause)
	for _, topic := range []string{broker.DeadLetterTopic(s.topic), broker.ErrorTopic} {
		if err := s.b.Publish(s.ctx, topic, dl); err != nil {
			s.log.WithError(err).WithField("deadLetterTopic", topic).Error("dead-lettering failed; the message will be redelivered")
			msg.NakWithDelay(s.b.cfg.Options.RedeliveryDelay)
			return
		}
	}
	msg.Ack()
}

func (s *subscription) consumeContexts() []jetstream.ConsumeContext {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]jetstream.ConsumeContext(nil), s.ccs...)
}

// stopConsuming stops fetching: messages fetched but not started are
// handed back, the handlers running finish.
func (s *subscription) stopConsuming() {
	s.stopping.Store(true)
	for _, cc := range s.consumeContexts() {
		cc.Drain()
	}
}

// wait waits until consumption ended and the handlers returned, or ctx
// ends.
func (s *subscription) wait(ctx context.Context) error {
	for _, cc := range s.consumeContexts() {
		select {
		case <-cc.Closed():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	done := make(chan struct{})
	go func() {
		s.qmu.Lock()
		for _, q := range s.queues {
			close(q)
		}
		s.queues = nil
		s.qmu.Unlock()
		s.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop stops consuming, calls then (if not nil), and waits for the running
// handlers.
func (s *subscription) stop(then func()) {
	s.stopping.Store(true)
	for _, cc := range s.consumeContexts() {
		cc.Stop()
	}
	if then != nil {
		then()
	}
	s.wait(context.Background())
	s.mu.Lock()
	s.ccs = nil
	s.mu.Unlock()
	s.flushHandBacks()
}

// Close stops consuming at once: running handlers see their context
// cancelled and unacknowledged messages are redelivered to the group.
func (s *subscription) Close() error {
	s.closeOnce.Do(func() {
		// Unsubscribe first, so that messages the cancelled handlers hand
		// back go to the group's other consumers, not back to this one.
		s.stop(s.cancel)
		s.b.mu.Lock()
		delete(s.b.subs, s)
		s.b.mu.Unlock()
		s.log.Debug("unsubscribed")
	})
	return nil
}
