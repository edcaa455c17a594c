package prm_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
)

const wait = 10 * time.Second

// collector keeps what a group receives on a topic.
type collector struct {
	mu      sync.Mutex
	msgs    []*messages.Message
	changed chan struct{}
}

func collect(t *testing.T, b broker.Subscriber, codec *messages.Codec, topic, group string) *collector {
	t.Helper()
	c := &collector{changed: make(chan struct{})}
	_, err := b.Subscribe(context.Background(), topic, group, func(_ context.Context, bm *broker.Message) error {
		m, err := codec.Decode(bm.Body)
		if err != nil {
			t.Errorf("undecodable message on %s: %v", topic, err)
			return nil
		}
		c.mu.Lock()
		c.msgs = append(c.msgs, m)
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *collector) all(pred func(*messages.Message) bool) []*messages.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*messages.Message
	for _, m := range c.msgs {
		if pred(m) {
			out = append(out, m)
		}
	}
	return out
}

// waitCount waits until n messages match pred, and returns them.
func (c *collector) waitCount(t *testing.T, n int, pred func(*messages.Message) bool) []*messages.Message {
	t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ch := c.changed
		c.mu.Unlock()
		if got := c.all(pred); len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("fewer than %d matching messages within %v (have %d)", n, wait, len(c.all(pred)))
		}
	}
}

func replyTo(conv string) func(*messages.Message) bool {
	return func(m *messages.Message) bool {
		return m.Metadata.ConversationID == conv && m.Metadata.Is(messages.Response)
	}
}

func observationsOf(conv string) func(*messages.Message) bool {
	return func(m *messages.Message) bool {
		return m.Metadata.ConversationID == conv && m.Metadata.Is(messages.Observation) && !m.Metadata.Is(messages.Response)
	}
}

func newBroker(t *testing.T) *memory.Broker {
	t.Helper()
	b, err := memory.New(context.Background(), memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newCodec(t testing.TB) *messages.Codec {
	t.Helper()
	c, err := messages.New(messages.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func publish(t *testing.T, b broker.Publisher, codec *messages.Codec, topic string, m *messages.Message) {
	t.Helper()
	body, err := codec.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(context.Background(), topic, broker.Message{Key: m.Metadata.ConversationID, Body: body}); err != nil {
		t.Fatal(err)
	}
}

// echoServices stands in for the Services component: it forwards what
// reaches prm_srm to srm_prm unchanged, as Services does once the registry
// is written.
func echoServices(t *testing.T, b broker.Broker) {
	t.Helper()
	_, err := b.Subscribe(context.Background(), broker.PRMToSRM, "services", func(ctx context.Context, bm *broker.Message) error {
		return b.Publish(ctx, broker.SRMToPRM, broker.Message{Key: bm.Key, Body: bm.Body})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitReady(t *testing.T, chans ...<-chan struct{}) {
	t.Helper()
	for _, ch := range chans {
		select {
		case <-ch:
		case <-time.After(wait):
			t.Fatal("a component did not get ready")
		}
	}
}

// publishWithHeaders publishes m with the routing headers our components
// write.
func publishWithHeaders(t *testing.T, b broker.Publisher, codec *messages.Codec, topic string, m *messages.Message) {
	t.Helper()
	body, err := codec.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	h := broker.RouteHeaders(routing.Route(&m.Metadata), body)
	if h == nil {
		t.Fatal("no routing headers for the message")
	}
	if err := b.Publish(context.Background(), topic, broker.Message{Key: m.Metadata.ConversationID, Body: body, Headers: h}); err != nil {
		t.Fatal(err)
	}
}

// rawCollector keeps the broker messages a group receives on a topic, as
// they came.
type rawCollector struct {
	mu   sync.Mutex
	msgs []broker.Message
}

func collectRaw(t *testing.T, b broker.Subscriber, topic, group string) *rawCollector {
	t.Helper()
	c := &rawCollector{}
	_, err := b.Subscribe(context.Background(), topic, group, func(_ context.Context, bm *broker.Message) error {
		c.mu.Lock()
		c.msgs = append(c.msgs, *bm)
		c.mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitKey waits for a message keyed key and returns it.
func (c *rawCollector) waitKey(t *testing.T, key string) broker.Message {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		if ms := c.withKey(key); len(ms) > 0 {
			return ms[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing keyed %s within %v", key, wait)
		}
		<-time.After(time.Millisecond)
	}
}

func (c *rawCollector) withKey(key string) []broker.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []broker.Message
	for _, m := range c.msgs {
		if m.Key == key {
			out = append(out, m)
		}
	}
	return out
}
