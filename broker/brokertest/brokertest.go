package brokertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/broker"
)

// NewBroker returns a ready broker of the backend under test with the given
// delivery options. It fails t when the broker cannot be made. The suite
// closes every broker it gets; registering a Close with t.Cleanup as well is
// fine (Close is idempotent). Called twice in one test, it must return two
// independent instances on the same server (the persistence test needs it).
type NewBroker func(t testing.TB, opts broker.Options) broker.Broker

// Features lists what a backend cannot do, or needs, so that Run adapts.
// The zero value asks for everything the broker interface promises.
type Features struct {
	// Persistent is set when a server keeps the groups, beyond any broker
	// instance: after Close, a new instance subscribing to the same group
	// receives its unacknowledged messages, and two instances at once share
	// groups (replicas of a component in different processes).
	Persistent bool

	// KeyOrderAcrossSubscriptions is set when per-key order holds within a
	// group even when the group has several subscriptions (partitioned
	// backends: memory, Kafka). Without it per-key order is checked within
	// one subscription (with Concurrency > 1) only.
	KeyOrderAcrossSubscriptions bool

	// NewGroupsSeeOldMessages is set when a group's first subscription may
	// receive messages published to the topic before the group existed
	// (a Kafka group starting at the earliest offset, a JetStream stream).
	NewGroupsSeeOldMessages bool

	// IdleGroupsDropMessages is set when messages published while a group
	// has no open subscription may be lost (MQTT shared subscriptions).
	IdleGroupsDropMessages bool

	// RestartServer, when set, stops and restarts the backend's server and
	// returns once it accepts connections again; the suite then checks that
	// an existing broker reconnects and loses nothing.
	RestartServer func(t testing.TB)

	// TimeoutScale multiplies every wait of the suite (default 1, where a
	// wait gives up after 10s). Waits end as soon as their condition holds,
	// so a large scale costs nothing when the backend works.
	TimeoutScale float64

	// LeakIgnores are passed to goleak for goroutines the backend's client
	// library keeps after Close (e.g. goleak.IgnoreTopFunction(...)).
	LeakIgnores []goleak.Option

	// Messages is how many messages the bulk tests publish (default 1000).
	Messages int
}

const baseTimeout = 10 * time.Second

// Run runs the conformance suite against the backend newBroker makes.
func Run(t *testing.T, newBroker NewBroker, features Features) {
	t.Helper()
	if features.TimeoutScale <= 0 {
		features.TimeoutScale = 1
	}
	if features.Messages <= 0 {
		features.Messages = 1000
	}
	for _, tc := range suite() {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, newBroker, features)
			tc.run(e)
		})
	}
}

type testCase struct {
	name string
	run  func(e *env)
}

func suite() []testCase {
	return []testCase{
		// delivery.go
		{"a subscribed group receives every message published", testPublishSubscribe},
		{"key headers and body round trip unchanged", testRoundTrip},
		{"the publisher may reuse its buffers once Publish returns", testPublisherBufferReuse},
		{"every group receives every message (fan-out)", testFanOut},
		{"subscriptions in one group compete for messages", testCompetingConsumers},
		{"messages with one key are handled one at a time in order", testKeyOrder},
		{"per-key order holds across the subscriptions of a group", testKeyOrderAcrossSubscriptions},
		{"handlers run Concurrency at a time", testConcurrency},
		{"a group receives only messages published after it subscribed", testNewGroupSeesOnlyNew},
		{"a group keeps messages while it has no subscription", testIdleGroupKeepsMessages},
		{"removing a group drops what it held", testRemoveGroup},
		{"many messages with many keys all arrive", testManyMessages},
		{"publishing to a topic nobody subscribed to succeeds at once", testNoSubscribers},
		{"names built by the topic helpers work", testHelperNames},
		{"invalid names are rejected", testInvalidNames},
		// failure.go
		{"a failed message is redelivered with a higher Attempt", testRedelivery},
		{"a message is dead-lettered after MaxDeliveries with a copy on the error topic", testDeadLetter},
		{"a panicking handler counts as a failure", testHandlerPanic},
		// lifecycle.go
		{"Publish and Subscribe fail with a cancelled context", testCancelledContext},
		{"a subscription outlives the context it was made with", testSubscriptionOutlivesContext},
		{"closing a subscription hands its unacknowledged message to the group", testSubscriptionCloseRedelivers},
		{"Close cancels running handlers and returns", testCloseWhileHandling},
		{"after Close, Publish and Subscribe fail with ErrClosed and Close is idempotent", testAfterClose},
		{"Drain waits for running handlers, which may still publish", testDrain},
		{"Drain closes at once when its context ends", testDrainTimeout},
		{"Drain takes no new deliveries and leaves them to the group", testDrainTakesNoNewDeliveries},
		{"an unacknowledged message survives the broker instance", testPersistence},
		{"broker instances on one server share groups and fan out", testInstancesShareGroups},
		{"a broker reconnects after its server restarts and loses nothing", testRestart},
	}
}

// env is one test's world: its broker factory, features, and cleanup.
type env struct {
	t        *testing.T
	newB     NewBroker
	f        Features
	timeout  time.Duration
	mu       sync.Mutex
	brokers  []broker.Broker
	suffix   string
	nameSeq  int
	deadline time.Time
}

func newEnv(t *testing.T, nb NewBroker, f Features) *env {
	e := &env{
		t:       t,
		newB:    nb,
		f:       f,
		timeout: time.Duration(float64(baseTimeout) * f.TimeoutScale),
		suffix:  fmt.Sprintf("%08x", rand.Uint32()),
	}
	// Registered before any broker exists, so it runs after the backend's
	// own cleanups: close everything, then look for leftovers.
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		e.closeAll()
		opts := append([]goleak.Option{current}, f.LeakIgnores...)
		if err := goleak.Find(opts...); err != nil {
			t.Errorf("goroutines leaked after the brokers closed: %v", err)
		}
	})
	return e
}

// opts returns the suite's default delivery options: quick redelivery, a
// few attempts, one handler at a time.
func (e *env) opts() broker.Options {
	return broker.Options{MaxDeliveries: 3, RedeliveryDelay: 20 * time.Millisecond, Concurrency: 1}
}

// broker makes a broker that the test's cleanup closes.
func (e *env) broker(opts broker.Options) broker.Broker {
	e.t.Helper()
	b := e.newB(e.t, opts)
	if b == nil {
		e.t.Fatal("NewBroker returned nil")
	}
	e.mu.Lock()
	e.brokers = append(e.brokers, b)
	e.mu.Unlock()
	return b
}

func (e *env) closeAll() {
	e.mu.Lock()
	bs := slices.Clone(e.brokers)
	e.mu.Unlock()
	for _, b := range bs {
		done := make(chan error, 1)
		go func() { done <- b.Close() }()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Close: %v", err)
			}
		case <-time.After(e.timeout):
			e.t.Errorf("Close did not return within %v", e.timeout)
		}
	}
}

// name returns a fresh topic or group name, unique to this run.
func (e *env) name(kind string) string {
	e.mu.Lock()
	e.nameSeq++
	n := e.nameSeq
	e.mu.Unlock()
	return fmt.Sprintf("bt_%s%d_%s", kind, n, e.suffix)
}

// ctx returns a context bounded by the test's timeout.
func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	e.t.Cleanup(cancel)
	return ctx
}

func (e *env) publish(b broker.Publisher, topic string, m broker.Message) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	if err := b.Publish(ctx, topic, m); err != nil {
		e.t.Fatalf("Publish to %s: %v", topic, err)
	}
}

func (e *env) subscribe(b broker.Subscriber, topic, group string, h broker.Handler) broker.Subscription {
	e.t.Helper()
	s, err := b.Subscribe(e.ctx(), topic, group, h)
	if err != nil {
		e.t.Fatalf("Subscribe to %s as %s: %v", topic, group, err)
	}
	if s == nil {
		e.t.Fatal("Subscribe returned a nil Subscription and no error")
	}
	return s
}

// waitFor polls cond until it holds or the test's timeout passes.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	if !e.poll(e.timeout, cond) {
		e.t.Fatalf("timed out after %v waiting for %s", e.timeout, what)
	}
}

func (e *env) poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return cond()
		}
		time.Sleep(wait)
	}
}

// await waits for a channel to be closed or to yield, within the timeout.
func (e *env) await(what string, ch <-chan struct{}) {
	e.t.Helper()
	select {
	case <-ch:
	case <-time.After(e.timeout):
		e.t.Fatalf("timed out after %v waiting for %s", e.timeout, what)
	}
}

// collector is a handler that records deep copies of what it receives.
type collector struct {
	mu   sync.Mutex
	got  []broker.Message
	fail func(m *broker.Message) error // optional
}

func (c *collector) handle(ctx context.Context, m *broker.Message) error {
	cp := copyMessage(m)
	c.mu.Lock()
	c.got = append(c.got, cp)
	c.mu.Unlock()
	if c.fail != nil {
		return c.fail(m)
	}
	return nil
}

func (c *collector) messages() []broker.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.got)
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

// bodies returns the set of bodies received, with their counts.
func (c *collector) bodies() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.got))
	for _, m := range c.got {
		out[string(m.Body)]++
	}
	return out
}

// hasAll reports whether every body in want was received.
func (c *collector) hasAll(want []string) bool {
	got := c.bodies()
	for _, w := range want {
		if got[w] == 0 {
			return false
		}
	}
	return true
}

func (e *env) waitBodies(what string, c *collector, want []string) {
	e.t.Helper()
	if !e.poll(e.timeout, func() bool { return c.hasAll(want) }) {
		got := c.bodies()
		var missing []string
		for _, w := range want {
			if got[w] == 0 {
				missing = append(missing, w)
			}
		}
		e.t.Fatalf("timed out after %v waiting for %s: %d of %d missing (first: %q)",
			e.timeout, what, len(missing), len(want), missing[:min(5, len(missing))])
	}
}

// noDuplicates fails the test if a body in want arrived more than once.
func (e *env) noDuplicates(c *collector, want []string) {
	e.t.Helper()
	got := c.bodies()
	for _, w := range want {
		if got[w] > 1 {
			e.t.Errorf("message %q delivered %d times without any failure", w, got[w])
		}
	}
}

func copyMessage(m *broker.Message) broker.Message {
	cp := *m
	cp.Body = bytes.Clone(m.Body)
	cp.Headers = maps.Clone(m.Headers)
	return cp
}

func bodiesOf(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

// isErr reports whether err is target, with a readable failure otherwise.
func (e *env) wantErr(what string, err, target error) {
	e.t.Helper()
	if !errors.Is(err, target) {
		e.t.Errorf("%s: got error %v, want one matching %v", what, err, target)
	}
}
