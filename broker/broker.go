package broker

import (
	"context"
	"errors"
	"time"
)

// Message is what travels on a topic. Key is the ConversationID: backends
// with partitions keep messages with one key in order within a group.
type Message struct {
	Key     string
	Headers map[string]string
	Body    []byte

	// Set by the broker on delivery.
	Topic   string
	Attempt int // 1 on first delivery, 2 on the first redelivery, ...
}

// Handler processes one delivered message. Returning nil acknowledges it;
// returning an error has it redelivered, up to the broker's MaxDeliveries,
// after which it goes to the topic's dead-letter topic and a copy to the
// error topic. The ctx is cancelled when the broker is closed.
type Handler func(ctx context.Context, m *Message) error

// Publisher publishes messages. Publish returns once the backend has taken
// responsibility for the message (a publisher confirm, an acked produce).
// Publish copies the body and headers, so the caller may reuse its buffers.
type Publisher interface {
	Publish(ctx context.Context, topic string, m Message) error
}

// Subscriber subscribes consumer groups to topics. Every group receives every
// message published to the topic after Subscribe returns (fan-out); within a
// group, concurrent subscriptions compete for messages. Subscribe's ctx
// bounds the call only, not the life of the subscription. Handlers must treat
// a delivered message's Body and Headers as read-only.
type Subscriber interface {
	Subscribe(ctx context.Context, topic, group string, h Handler) (Subscription, error)
}

// Subscription is one consumer in a group.
type Subscription interface {
	// Close stops consuming: it cancels the contexts of its running
	// handlers and waits for them. Messages not yet acknowledged are
	// redelivered to the group later. Close is idempotent.
	Close() error
}

// Broker is a publish/subscribe backend.
type Broker interface {
	Publisher
	Subscriber
	// Drain starts no new deliveries, waits for in-flight handlers to
	// finish (or ctx to end; they may still Publish meanwhile), then closes
	// the broker.
	Drain(ctx context.Context) error
	// Close stops at once: handlers' contexts are cancelled and unacknowledged
	// messages stay with the server. Close is idempotent.
	Close() error
}

// Sentinel errors.
var (
	ErrClosed        = errors.New("broker closed")
	ErrInvalidTopic  = errors.New("invalid topic name")
	ErrInvalidGroup  = errors.New("invalid consumer group name")
	ErrUnknownScheme = errors.New("unknown broker URL scheme")
	ErrUnreachable   = errors.New("broker server unreachable")
	ErrUnsupported   = errors.New("not supported by this broker")
)

// ErrorTopic receives a copy of every dead-lettered message. DeadLetter
// (deadletter.go) builds both copies with headers naming the original topic,
// group, attempts and last error; CallHandler turns a handler's panic into an
// error.
const ErrorTopic = "error"

// DeadLetterTopic names the dead-letter topic of topic.
func DeadLetterTopic(topic string) string { return "dlq_" + topic }

// Options are the delivery settings every backend honours.
type Options struct {
	// MaxDeliveries is how many times a message is delivered to a group
	// before it is dead-lettered. Default 5.
	MaxDeliveries int
	// RedeliveryDelay is the pause before a failed message is redelivered.
	// Default 100ms.
	RedeliveryDelay time.Duration
	// Concurrency is how many handlers run at once per subscription.
	// Per-key order holds whatever the value. Default 1.
	Concurrency int
}

// WithDefaults returns o with zero fields set to their defaults.
func (o Options) WithDefaults() Options {
	if o.MaxDeliveries <= 0 {
		o.MaxDeliveries = 5
	}
	if o.RedeliveryDelay <= 0 {
		o.RedeliveryDelay = 100 * time.Millisecond
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	return o
}

// Depth is how many messages a consumer group has yet to acknowledge on a
// topic: queued plus being handled.
type Depth struct {
	Topic, Group string
	Messages     int
}

// Depther is an optional ability of a Broker: it reports the depth of every
// group it knows, for metrics.
type Depther interface {
	Depths() []Depth
}

// GroupRemover is an optional ability of a Broker: RemoveGroup deletes a
// consumer group's queue on a topic, and every message it holds, once no
// subscription of the group is open. The hub uses it when a client is
// deleted, so that its queue does not stay on the server. Removing a group
// that does not exist is not an error.
type GroupRemover interface {
	RemoveGroup(ctx context.Context, topic, group string) error
}
