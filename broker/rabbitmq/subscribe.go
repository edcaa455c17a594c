package rabbitmq

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// QueueName is the durable queue of group on topic: "{topic}:{group}".
// ':' cannot occur in topic or group names, so distinct pairs never share a
// queue. Names past AMQP's 255 bytes are cut and end in a hash of the whole.
func QueueName(topic, group string) string {
	name := topic + ":" + group
	if len(name) <= 255 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:200] + ":" + hex.EncodeToString(sum[:16])
}

// subscription is one consumer on a group's queue. It owns one channel and
// re-opens it (re-declaring the topology) after a reconnect.
type subscription struct {
	b                   *Broker
	topic, group, queue string
	h                   broker.Handler
	log                 logrus.FieldLogger

	// ctx is the handlers' context: cancelled by Close (and the broker's).
	ctx    context.Context
	cancel context.CancelFunc

	stopping atomic.Bool // no new deliveries: Close or Drain
	done     chan struct{}

	mu  sync.Mutex
	ch  *amqp.Channel
	tag string

	closeOnce sync.Once
}

// Subscribe declares topic's exchange and group's queue, binds them, starts
// consuming, and returns once the server confirmed all of it, so every
// message published afterwards reaches the group. It waits for the
// connection until ctx ends (the error then wraps broker.ErrUnreachable).
func (b *Broker) Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error) {
	if err := broker.ValidateTopic(topic); err != nil {
		return nil, fmt.Errorf("rabbitmq: subscribe: %w", err)
	}
	if err := broker.ValidateGroup(group); err != nil {
		return nil, fmt.Errorf("rabbitmq: subscribe: %w", err)
	}
	if h == nil {
		return nil, errors.New("rabbitmq: subscribe: nil handler")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rabbitmq: subscribe: %w", err)
	}
	b.mu.Lock()
	if b.closed || b.draining {
		b.mu.Unlock()
		return nil, broker.ErrClosed
	}
	b.mu.Unlock()

	s := &subscription{
		b: b, topic: topic, group: group, queue: QueueName(topic, group), h: h,
		log:  b.log.WithFields(logrus.Fields{"topic": topic, "group": group}),
		done: make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(b.life)

	var deliveries <-chan amqp.Delivery
	var bo *backoff
	for {
		conn, err := b.connection(ctx)
		if err != nil {
			s.cancel()
			return nil, err
		}
		deliveries, err = s.open(conn)
		if err == nil {
			break
		}
		if !isConnectionError(err) {
			s.cancel()
			return nil, fmt.Errorf("rabbitmq: subscribe %s to %s: %w", group, topic, err)
		}
		if bo == nil {
			bo = b.newBackoff()
		}
		if !bo.wait(ctx) {
			s.cancel()
			return nil, fmt.Errorf("rabbitmq: subscribe %s to %s: %w: %w (last error: %v)", group, topic, broker.ErrUnreachable, ctx.Err(), err)
		}
	}

	b.mu.Lock()
	if b.closed || b.draining {
		b.mu.Unlock()
		s.cancel()
		s.closeChannel()
		return nil, broker.ErrClosed
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()

	go s.run(deliveries)
	s.log.Debug("subscribed")
	return s, nil
}

// open declares the topology on a new channel and starts consuming.
func (s *subscription) open(conn *amqp.Connection) (<-chan amqp.Delivery, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	fail := func(err error) (<-chan amqp.Delivery, error) {
		ch.Close()
		return nil, err
	}
	if err := ch.Qos(s.b.cfg.Prefetch, 0, false); err != nil {
		return fail(err)
	}
	if err := declareExchange(ch, s.topic); err != nil {
		return fail(err)
	}
	var args amqp.Table
	if s.b.cfg.SingleActiveConsumer {
		args = amqp.Table{"x-single-active-consumer": true}
	}
	if _, err := ch.QueueDeclare(s.queue, true, false, false, false, args); err != nil {
		return fail(err)
	}
	if err := ch.QueueBind(s.queue, "#", s.topic, false, nil); err != nil {
		return fail(err)
	}
	tag := "intermw-" + uuid.NewString()
	deliveries, err := ch.Consume(s.queue, tag, false, false, false, false, nil)
	if err != nil {
		return fail(err)
	}
	s.mu.Lock()
	s.ch, s.tag = ch, tag
	s.mu.Unlock()
	return deliveries, nil
}

// run consumes until the subscription stops, re-opening the channel
// whenever it is lost.
func (s *subscription) run(deliveries <-chan amqp.Delivery) {
	defer close(s.done)
	for {
		s.consume(deliveries)
		s.closeChannel()
		if s.stopping.Load() || s.ctx.Err() != nil {
			return
		}
		s.log.Warn("subscription channel lost, re-subscribing")
		bo := s.b.newBackoff()
		for {
			conn, err := s.b.connection(s.ctx)
			if err != nil {
				return // closed
			}
			deliveries, err = s.open(conn)
			if err == nil {
				break
			}
			if isConnectionError(err) {
				s.log.WithError(err).Debug("re-subscribe failed, retrying")
			} else {
				s.log.WithError(err).Warn("re-subscribe refused by the server, retrying")
			}
			if !bo.wait(s.ctx) {
				return
			}
		}
		if s.stopping.Load() {
			s.closeChannel()
			return
		}
		s.log.Info("re-subscribed")
	}
}

// consume hands deliveries to the workers until the delivery channel
// closes (channel lost, consumer cancelled), then waits for the workers.
// Worker i takes the keys hashing to i, so a key's messages are handled one
// at a time, in order.
func (s *subscription) consume(deliveries <-chan amqp.Delivery) {
	n := s.b.cfg.Options.Concurrency
	if n == 1 {
		for d := range deliveries {
			if !s.stopping.Load() {
				s.handle(&d)
			}
		}
		return
	}
	var wg sync.WaitGroup
	var over atomic.Bool // deliveries closed: drop what is queued
	queues := make([]chan amqp.Delivery, n)
	for i := range queues {
		queues[i] = make(chan amqp.Delivery, s.b.cfg.Prefetch)
		wg.Add(1)
		go func(q <-chan amqp.Delivery) {
			defer wg.Done()
			for d := range q {
				if !over.Load() && !s.stopping.Load() {
					s.handle(&d)
				}
			}
		}(queues[i])
	}
	for d := range deliveries {
		queues[keyIndex(deliveryKey(&d), n)] <- d
	}
	over.Store(true)
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
}

func deliveryKey(d *amqp.Delivery) string {
	if k, ok := d.Headers[HeaderKey].(string); ok {
		return k
	}
	return d.RoutingKey
}

func keyIndex(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

// handle runs the handler on d, retrying in place after
// Options.RedeliveryDelay while it fails, up to Options.MaxDeliveries, then
// dead-letters d. Retrying in place (instead of requeueing) keeps the key's
// later messages behind the failing one.
func (s *subscription) handle(d *amqp.Delivery) {
	opts := s.b.cfg.Options
	proto := fromDelivery(s.topic, d)
	attempt := proto.Attempt
	for {
		m := *proto
		m.Attempt = attempt
		err := s.call(&m)
		if err == nil {
			if aerr := d.Ack(false); aerr != nil {
				s.log.WithError(aerr).Debug("ack failed; the message will be redelivered")
			}
			return
		}
		log := s.log.WithError(err).WithFields(logrus.Fields{"conversationId": proto.Key, "attempt": attempt})
		if attempt >= opts.MaxDeliveries {
			log.Warn("handler failed for the last time, dead-lettering")
			s.deadLetter(d, proto, attempt, err)
			return
		}
		log.Debug("handler failed, will redeliver")
		if s.stopping.Load() {
			// Draining or closing: leave it for the group's next consumer.
			d.Nack(false, true)
			return
		}
		t := time.NewTimer(opts.RedeliveryDelay)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return // unacknowledged: the server requeues it
		}
		attempt++
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
// error topic, then acknowledges d. If publishing fails d stays
// unacknowledged and comes back later.
func (s *subscription) deadLetter(d *amqp.Delivery, m *broker.Message, attempts int, cause error) {
	dl := broker.DeadLetter(*m, s.topic, s.group, attempts, cause)
	for _, topic := range []string{broker.DeadLetterTopic(s.topic), broker.ErrorTopic} {
		if err := s.b.Publish(s.ctx, topic, dl); err != nil {
			s.log.WithError(err).WithField("deadLetterTopic", topic).Error("dead-lettering failed; the message will be redelivered")
			return
		}
	}
	d.Ack(false)
}

// stopConsuming cancels the consumer: the server stops delivering, the
// handlers already running finish, and prefetched deliveries not started
// go back to the queue when the channel closes.
func (s *subscription) stopConsuming() {
	s.stopping.Store(true)
	s.mu.Lock()
	ch, tag := s.ch, s.tag
	s.mu.Unlock()
	if ch != nil {
		if err := ch.Cancel(tag, false); err != nil {
			ch.Close() // also ends the delivery channel
		}
	}
}

func (s *subscription) closeChannel() {
	s.mu.Lock()
	ch := s.ch
	s.ch = nil
	s.mu.Unlock()
	if ch != nil {
		ch.Close()
	}
}

// Close stops consuming at once: running handlers see their context
// cancelled and unacknowledged messages return to the group's queue.
func (s *subscription) Close() error {
	s.closeOnce.Do(func() {
		s.stopping.Store(true)
		s.cancel()
		s.closeChannel()
		<-s.done
		s.b.mu.Lock()
		delete(s.b.subs, s)
		s.b.mu.Unlock()
		s.log.Debug("unsubscribed")
	})
	return nil
}
