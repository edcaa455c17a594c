package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/intermw/intermw/broker"
)

// HeaderKey is the NATS header carrying Message.Key when the subject cannot
// (see keyToken).
const HeaderKey = "x-intermw-key"

// Publish stores m in topic's stream, on the partition its key maps to, and
// returns once JetStream acknowledged it. While the server is away it
// retries with backoff until ctx ends; the error then wraps
// broker.ErrUnreachable.
func (b *Broker) Publish(ctx context.Context, topic string, m broker.Message) error {
	if err := broker.ValidateTopic(topic); err != nil {
		return fmt.Errorf("nats: publish: %w", err)
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return broker.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("nats: publish: %w", err)
	}
	var p int
	if m.Key != "" {
		p = partitionOf(m.Key, b.cfg.Partitions)
	} else {
		p = int(b.rr.Add(1) % uint32(b.cfg.Partitions))
	}
	kt, inSubject := keyToken(m.Key)
	msg := &nats.Msg{
		Subject: subjectBase(b.cfg.Prefix, topic) + strconv.Itoa(p) + "." + kt,
		Header:  toHeader(m, !inSubject),
		Data:    m.Body,
	}
	var bo *backoff
	for {
		err := b.ensureStream(ctx, topic)
		if err == nil {
			actx, cancel := b.request(ctx)
			_, err = b.js.PublishMsg(actx, msg)
			cancel()
			if err == nil {
				return nil
			}
			if errors.Is(err, jetstream.ErrNoStreamResponse) {
				b.forgetStream(topic) // deleted under us, or JetStream restarting
			}
		}
		if errors.Is(err, nats.ErrConnectionClosed) {
			return broker.ErrClosed
		}
		if !retryable(err) {
			return fmt.Errorf("nats: publish to %q: %w", topic, err)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("nats: publish to %q: %w: %w (last error: %v)", topic, broker.ErrUnreachable, ctx.Err(), err)
		}
		b.log.WithError(err).WithField("topic", topic).Debug("publish failed, retrying")
		if bo == nil {
			bo = b.newBackoff()
		}
		if !bo.wait(ctx) {
			return fmt.Errorf("nats: publish to %q: %w: %w (last error: %v)", topic, broker.ErrUnreachable, ctx.Err(), err)
		}
	}
}

// retryable reports whether err may go away by itself (the server is
// restarting, unreachable or slow) rather than being a refusal.
func retryable(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code == 503 || apiErr.Code == 408 || apiErr.Code >= 500
	}
	return true
}

// toHeader returns m's headers, with the key when withKey; nil when there
// is nothing to carry.
func toHeader(m broker.Message, withKey bool) nats.Header {
	withKey = withKey && m.Key != ""
	if len(m.Headers) == 0 && !withKey {
		return nil
	}
	h := make(nats.Header, len(m.Headers)+1)
	for k, v := range m.Headers {
		h[k] = []string{v} // as given, never canonicalised
	}
	if withKey {
		h[HeaderKey] = []string{m.Key}
	}
	return h
}

// fromMsg rebuilds the message of a JetStream delivery.
func fromMsg(topic string, msg jetstream.Msg) *broker.Message {
	m := &broker.Message{Body: msg.Data(), Topic: topic, Attempt: 1}
	m.Key, _ = keyFromSubject(msg.Subject())
	if h := msg.Headers(); len(h) > 0 {
		m.Headers = make(map[string]string, len(h))
		for k, v := range h {
			if len(v) == 0 {
				continue
			}
			if k == HeaderKey {
				m.Key = v[0]
				continue
			}
			m.Headers[k] = v[0]
		}
	}
	if md, err := msg.Metadata(); err == nil && md.NumDelivered > 0 {
		m.Attempt = int(md.NumDelivered)
	}
	return m
}
