package brokertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intermw/intermw/broker"
)

// within runs f and fails the test if it does not return within the timeout.
func (e *env) within(what string, f func() error) error {
	e.t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(e.timeout):
		e.t.Fatalf("%s did not return within %v", what, e.timeout)
		return nil
	}
}

// blocker is a handler that signals when it starts and holds its message
// until its context is cancelled.
type blocker struct {
	started   chan struct{}
	once      sync.Once
	cancelled atomic.Bool
	returned  atomic.Bool
}

func newBlocker() *blocker { return &blocker{started: make(chan struct{})} }

func (k *blocker) handle(ctx context.Context, m *broker.Message) error {
	k.once.Do(func() { close(k.started) })
	<-ctx.Done()
	k.cancelled.Store(true)
	k.returned.Store(true)
	return ctx.Err()
}

func testCancelledContext(e *env) {
	b := e.broker(e.opts())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := b.Publish(ctx, e.name("t"), broker.Message{Key: "k", Body: []byte("x")})
	e.wantErr("Publish with a cancelled context", err, context.Canceled)
	s, err := b.Subscribe(ctx, e.name("t"), e.name("g"), func(context.Context, *broker.Message) error { return nil })
	e.wantErr("Subscribe with a cancelled context", err, context.Canceled)
	closeIf(s)
}

func testSubscriptionOutlivesContext(e *env) {
	b := e.broker(e.opts())
	topic := e.name("t")
	ctx, cancel := context.WithCancel(context.Background())
	c := &collector{}
	s, err := b.Subscribe(ctx, topic, e.name("g"), c.handle)
	if err != nil {
		cancel()
		e.t.Fatalf("Subscribe: %v", err)
	}
	defer s.Close()
	cancel()
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("still here")})
	e.waitBodies("the message after Subscribe's context ended", c, []string{"still here"})
}

func testSubscriptionCloseRedelivers(e *env) {
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	k := newBlocker()
	first := e.subscribe(b, topic, group, k.handle)
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("handed over")})
	e.await("the first subscription's handler to start", k.started)

	c := &collector{}
	e.subscribe(b, topic, group, c.handle)
	if err := e.within("Subscription.Close with a running handler", first.Close); err != nil {
		e.t.Errorf("Subscription.Close: %v", err)
	}
	if !k.returned.Load() {
		e.t.Errorf("Subscription.Close returned before its running handler did")
	}
	if !k.cancelled.Load() {
		e.t.Errorf("Subscription.Close did not cancel its running handler's context")
	}
	e.waitBodies("the other subscription to receive the unacknowledged message", c, []string{"handed over"})
}

func testCloseWhileHandling(e *env) {
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	k := newBlocker()
	e.subscribe(b, topic, group, k.handle)
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("in flight")})
	e.await("the handler to start", k.started)
	if err := e.within("Close with a running handler", b.Close); err != nil {
		e.t.Errorf("Close: %v", err)
	}
	if !k.cancelled.Load() {
		e.t.Errorf("Close returned before the running handler saw its context cancelled")
	}
}

func testAfterClose(e *env) {
	b := e.broker(e.opts())
	topic := e.name("t")
	s := e.subscribe(b, topic, e.name("g"), func(context.Context, *broker.Message) error { return nil })
	if err := e.within("Close", b.Close); err != nil {
		e.t.Errorf("Close: %v", err)
	}
	if err := e.within("second Close", b.Close); err != nil {
		e.t.Errorf("second Close: %v (want nil: Close is idempotent)", err)
	}
	e.wantErr("Publish after Close", b.Publish(e.ctx(), topic, broker.Message{Key: "k"}), broker.ErrClosed)
	s2, err := b.Subscribe(e.ctx(), topic, e.name("g"), func(context.Context, *broker.Message) error { return nil })
	e.wantErr("Subscribe after Close", err, broker.ErrClosed)
	closeIf(s2)
	e.within("Subscription.Close after the broker closed", s.Close)
	if err := e.within("Drain after Close", func() error { return b.Drain(e.ctx()) }); err != nil && !errors.Is(err, broker.ErrClosed) {
		e.t.Errorf("Drain after Close: %v, want nil or ErrClosed", err)
	}
}

func testDrain(e *env) {
	b := e.broker(e.opts())
	topic, group, out := e.name("t"), e.name("g"), e.name("t")
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	var handlerErr atomic.Value
	var once sync.Once
	e.subscribe(b, topic, group, func(ctx context.Context, m *broker.Message) error {
		once.Do(func() { close(started) })
		<-release
		if err := b.Publish(ctx, out, broker.Message{Key: m.Key, Body: []byte("result")}); err != nil {
			handlerErr.Store(fmt.Errorf("Publish from a handler during Drain: %w", err))
		} else if ctx.Err() != nil {
			handlerErr.Store(fmt.Errorf("the handler's context ended during Drain: %w", ctx.Err()))
		}
		finished.Store(true)
		return nil
	})
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("slow")})
	e.await("the handler to start", started)

	drained := make(chan error, 1)
	go func() { drained <- b.Drain(e.ctx()) }()
	select {
	case err := <-drained:
		e.t.Fatalf("Drain returned (%v) while a handler was running", err)
	default:
	}
	close(release)
	select {
	case err := <-drained:
		if err != nil {
			e.t.Errorf("Drain: %v", err)
		}
	case <-time.After(e.timeout):
		e.t.Fatalf("Drain did not return within %v after the handler finished", e.timeout)
	}
	if !finished.Load() {
		e.t.Errorf("Drain returned before the running handler finished")
	}
	if err, _ := handlerErr.Load().(error); err != nil {
		e.t.Error(err)
	}
	e.wantErr("Publish after Drain", b.Publish(e.ctx(), topic, broker.Message{Key: "k"}), broker.ErrClosed)
}

func testDrainTimeout(e *env) {
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	k := newBlocker()
	e.subscribe(b, topic, group, k.handle)
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("stuck")})
	e.await("the handler to start", k.started)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(float64(100*time.Millisecond)*e.f.TimeoutScale))
	defer cancel()
	err := e.within("Drain with a handler that never finishes", func() error { return b.Drain(ctx) })
	e.wantErr("Drain whose context ended", err, context.DeadlineExceeded)
	if !k.returned.Load() {
		e.t.Errorf("Drain returned before the stuck handler, cancelled, returned")
	}
	e.wantErr("Publish after Drain", b.Publish(e.ctx(), topic, broker.Message{Key: "k"}), broker.ErrClosed)
}

func testPersistence(e *env) {
	if !e.f.Persistent {
		e.t.Skip("the backend keeps nothing beyond a broker instance (Features.Persistent)")
	}
	first := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	k := newBlocker()
	e.subscribe(first, topic, group, k.handle)
	e.publish(first, topic, broker.Message{Key: "k", Body: []byte("unacknowledged")})
	e.await("the handler to start", k.started)
	if err := e.within("Close", first.Close); err != nil {
		e.t.Errorf("Close: %v", err)
	}
	second := e.broker(e.opts())
	c := &collector{}
	e.subscribe(second, topic, group, c.handle)
	e.waitBodies("a new broker instance to receive the unacknowledged message", c, []string{"unacknowledged"})
}

func testRestart(e *env) {
	if e.f.RestartServer == nil {
		e.t.Skip("no way to restart the server (Features.RestartServer)")
	}
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	c := &collector{}
	e.subscribe(b, topic, group, c.handle)
	before, after := bodiesOf("before", 10), bodiesOf("after", 10)
	for _, body := range before {
		e.publish(b, topic, broker.Message{Key: body, Body: []byte(body)})
	}
	e.waitBodies("messages published before the restart", c, before)
	e.f.RestartServer(e.t)
	for _, body := range after {
		// While the broker reconnects Publish may fail; it must succeed
		// again within the timeout.
		var last error
		if !e.poll(e.timeout, func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), e.timeout/4)
			defer cancel()
			last = b.Publish(ctx, topic, broker.Message{Key: body, Body: []byte(body)})
			return last == nil
		}) {
			e.t.Fatalf("Publish after the restart kept failing for %v: %v", e.timeout, last)
		}
	}
	e.waitBodies("messages published after the restart", c, after)
}

func testInstancesShareGroups(e *env) {
	if !e.f.Persistent {
		e.t.Skip("broker instances do not share a server (Features.Persistent)")
	}
	// Two instances stand for two replicas of a component in different
	// processes: a group spans them, and groups fan out across them.
	one, two := e.broker(e.opts()), e.broker(e.opts())
	topic, shared := e.name("t"), e.name("g")
	var counts [2]atomic.Int64
	both := make(chan struct{})
	var bothOnce sync.Once
	deadline := time.Now().Add(e.timeout)
	c := &collector{}
	for i, b := range []broker.Broker{one, two} {
		e.subscribe(b, topic, shared, func(ctx context.Context, m *broker.Message) error {
			counts[i].Add(1)
			if counts[0].Load() > 0 && counts[1].Load() > 0 {
				bothOnce.Do(func() { close(both) })
			}
			select {
			case <-both:
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Until(deadline)):
			}
			return c.handle(ctx, m)
		})
	}
	other := &collector{}
	e.subscribe(two, topic, e.name("g"), other.handle)
	want := bodiesOf("replica", 100)
	for _, body := range want {
		e.publish(one, topic, broker.Message{Key: body, Body: []byte(body)})
	}
	e.waitBodies("the shared group to receive every message across both instances", c, want)
	e.waitBodies("a group on the other instance to receive every message", other, want)
	if counts[0].Load() == 0 || counts[1].Load() == 0 {
		e.t.Errorf("one instance's subscription received nothing: %d and %d", counts[0].Load(), counts[1].Load())
	}
}

func testDrainTakesNoNewDeliveries(e *env) {
	b := e.broker(e.opts()) // Concurrency 1: the second message waits
	topic, group := e.name("t"), e.name("g")
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	c := &collector{}
	e.subscribe(b, topic, group, func(ctx context.Context, m *broker.Message) error {
		if string(m.Body) == "first" {
			once.Do(func() { close(started) })
			<-release
		}
		return c.handle(ctx, m)
	})
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("first")})
	e.await("the first message's handler to start", started)
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("second")})

	drained, draining := make(chan error, 1), make(chan struct{})
	go func() {
		close(draining)
		drained <- b.Drain(e.ctx())
	}()
	// Drain must stop deliveries before the handler returns. Nothing tells
	// when it has, so once its goroutine runs, allow it a generous moment.
	<-draining
	time.Sleep(time.Duration(float64(100*time.Millisecond) * e.f.TimeoutScale))
	close(release)
	select {
	case err := <-drained:
		if err != nil {
			e.t.Errorf("Drain: %v", err)
		}
	case <-time.After(e.timeout):
		e.t.Fatalf("Drain did not return within %v", e.timeout)
	}
	if got := c.bodies(); got["second"] > 0 {
		e.t.Errorf("a message queued behind the running handler was delivered after Drain began")
	}
	if !e.f.Persistent {
		return
	}
	next := e.broker(e.opts())
	c2 := &collector{}
	e.subscribe(next, topic, group, c2.handle)
	e.waitBodies("a new instance to receive the message the drained one left", c2, []string{"second"})
}
