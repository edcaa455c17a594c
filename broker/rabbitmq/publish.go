package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/intermw/intermw/broker"
)

// Header names the backend writes besides the message's own (see also the
// dead-letter headers in package broker).
const (
	// HeaderKey carries Message.Key (also the routing key when it fits).
	HeaderKey = "x-intermw-key"
)

// publisher owns the confirm-mode channel every Publish shares. Confirms
// are matched per message, so concurrent publishers pipeline on it.
type publisher struct {
	mu       sync.Mutex
	ch       *amqp.Channel
	declared map[string]bool // exchanges declared on ch
}

func (p *publisher) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch != nil {
		p.ch.Close()
		p.ch = nil
	}
}

// publishChannel returns the publishing channel with topic's exchange
// declared, opening the channel when there is none.
func (b *Broker) publishChannel(ctx context.Context, topic string) (*amqp.Channel, error) {
	p := &b.pub
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.ch == nil || p.ch.IsClosed() {
		// Wait for the connection without holding the lock, so that
		// publishers with shorter deadlines give up on time.
		p.mu.Unlock()
		conn, err := b.connection(ctx)
		p.mu.Lock()
		if err != nil {
			return nil, err
		}
		if p.ch != nil && !p.ch.IsClosed() {
			break // another publisher opened one meanwhile
		}
		ch, err := conn.Channel()
		if err != nil {
			return nil, err
		}
		if err := ch.Confirm(false); err != nil {
			ch.Close()
			return nil, err
		}
		p.ch = ch
		p.declared = make(map[string]bool)
	}
	if !p.declared[topic] {
		if err := declareExchange(p.ch, topic); err != nil {
			return nil, err
		}
		p.declared[topic] = true
	}
	return p.ch, nil
}

// forget drops ch so the next publish opens a new channel.
func (b *Broker) forgetPublishChannel(ch *amqp.Channel) {
	p := &b.pub
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch == ch {
		p.ch.Close()
		p.ch = nil
	}
}

func declareExchange(ch *amqp.Channel, topic string) error {
	return ch.ExchangeDeclare(topic, amqp.ExchangeTopic, true, false, false, false, nil)
}

// Publish sends m to topic's exchange as a persistent message and returns
// once the server confirmed it. While the server is away it retries with
// backoff until ctx ends; the error then wraps broker.ErrUnreachable.
func (b *Broker) Publish(ctx context.Context, topic string, m broker.Message) error {
	if err := broker.ValidateTopic(topic); err != nil {
		return fmt.Errorf("rabbitmq: publish: %w", err)
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return broker.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rabbitmq: publish: %w", err)
	}
	pub := toPublishing(m)
	rk := m.Key
	if len(rk) > 255 {
		rk = ""
	}
	var bo *backoff
	for {
		err := b.publishOnce(ctx, topic, rk, pub)
		if err == nil {
			return nil
		}
		if errors.Is(err, broker.ErrClosed) || errors.Is(err, broker.ErrUnreachable) {
			return err
		}
		if ctx.Err() != nil {
			if !isConnectionError(err) {
				return fmt.Errorf("rabbitmq: publish to %q: %w", topic, ctx.Err())
			}
			return fmt.Errorf("rabbitmq: publish to %q: %w: %w (last error: %v)", topic, broker.ErrUnreachable, ctx.Err(), err)
		}
		if !isConnectionError(err) && !errors.Is(err, errNacked) {
			return fmt.Errorf("rabbitmq: publish to %q: %w", topic, err)
		}
		b.log.WithError(err).WithField("topic", topic).Debug("publish failed, retrying")
		if bo == nil {
			bo = b.newBackoff()
		}
		if !bo.wait(ctx) {
			return fmt.Errorf("rabbitmq: publish to %q: %w: %w (last error: %v)", topic, broker.ErrUnreachable, ctx.Err(), err)
		}
	}
}

var errNacked = errors.New("rabbitmq: publish not confirmed by the server")

func (b *Broker) publishOnce(ctx context.Context, topic, rk string, pub amqp.Publishing) error {
	ch, err := b.publishChannel(ctx, topic)
	if err != nil {
		return err
	}
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, topic, rk, false, false, pub)
	if err != nil {
		b.forgetPublishChannel(ch)
		return err
	}
	ok, err := dc.WaitContext(ctx)
	if err != nil {
		return err
	}
	if !ok {
		// A nack, or the channel closed under the message (for instance
		// because the exchange was deleted): start over on a new channel.
		b.forgetPublishChannel(ch)
		return errNacked
	}
	return nil
}

func toPublishing(m broker.Message) amqp.Publishing {
	h := make(amqp.Table, len(m.Headers)+1)
	for k, v := range m.Headers {
		h[k] = v
	}
	if m.Key != "" {
		h[HeaderKey] = m.Key
	}
	return amqp.Publishing{
		Headers:      h,
		DeliveryMode: amqp.Persistent,
		Body:         m.Body,
	}
}

// fromDelivery rebuilds the message of a delivery.
func fromDelivery(topic string, d *amqp.Delivery) *broker.Message {
	m := &broker.Message{Body: d.Body, Topic: topic, Attempt: 1}
	if len(d.Headers) > 0 {
		m.Headers = make(map[string]string, len(d.Headers))
		for k, v := range d.Headers {
			s, ok := v.(string)
			if !ok {
				s = fmt.Sprint(v)
			}
			if k == HeaderKey {
				m.Key = s
				continue
			}
			m.Headers[k] = s
		}
	}
	if m.Key == "" && d.RoutingKey != "" {
		m.Key = d.RoutingKey
	}
	if d.Redelivered {
		m.Attempt = 2
	}
	return m
}
