package memory_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
)

// waitFor polls cond until it holds, failing after 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func open(t *testing.T, cfg memory.Config) *memory.Broker {
	t.Helper()
	b, err := memory.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// recorder records the bodies its handler accepted, in order.
type recorder struct {
	mu   sync.Mutex
	got  []string
	fail func(m *broker.Message) error
}

func (r *recorder) handle(_ context.Context, m *broker.Message) error {
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.got = append(r.got, string(m.Body))
	r.mu.Unlock()
	return nil
}

func (r *recorder) bodies() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func TestMessagesToATopicWithoutGroupsAreDropped(t *testing.T) {
	b := open(t, memory.Config{})
	ctx := context.Background()
	if err := b.Publish(ctx, "t", broker.Message{Body: []byte("nobody listens")}); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	s, err := b.Subscribe(ctx, "t", "g", r.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := b.Publish(ctx, "t", broker.Message{Body: []byte("heard")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second message", func() bool { return len(r.bodies()) == 1 })
	if got := r.bodies(); got[0] != "heard" {
		t.Errorf("got %q, want only the message published after Subscribe", got)
	}
}

func TestRedeliveryKeepsPerKeyOrder(t *testing.T) {
	b := open(t, memory.Config{Options: broker.Options{RedeliveryDelay: 5 * time.Millisecond, Concurrency: 4}})
	ctx := context.Background()
	failedOnce := map[string]bool{}
	r := &recorder{fail: func(m *broker.Message) error {
		body := string(m.Body)
		if (body == "k/0" || body == "k/3") && !failedOnce[body] {
			failedOnce[body] = true // only this lane's worker touches it
			return errors.New("transient")
		}
		return nil
	}}
	s, err := b.Subscribe(ctx, "t", "g", r.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var want []string
	for i := range 6 {
		body := fmt.Sprintf("k/%d", i)
		want = append(want, body)
		if err := b.Publish(ctx, "t", broker.Message{Key: "k", Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every message", func() bool { return len(r.bodies()) == len(want) })
	if got := r.bodies(); !slices.Equal(got, want) {
		t.Errorf("handled %v, want %v: a redelivery overtook later messages of its key", got, want)
	}
}

func TestAFailingKeyDoesNotHoldUpOtherLanes(t *testing.T) {
	b := open(t, memory.Config{Options: broker.Options{RedeliveryDelay: time.Hour, MaxDeliveries: 2, Concurrency: 2}})
	ctx := context.Background()
	r := &recorder{fail: func(m *broker.Message) error {
		if m.Key == "stuck" {
			return errors.New("always")
		}
		return nil
	}}
	s, err := b.Subscribe(ctx, "t", "g", r.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := b.Publish(ctx, "t", broker.Message{Key: "stuck", Body: []byte("stuck")}); err != nil {
		t.Fatal(err)
	}
	// Keys that hash to the stuck key's lane wait out the hour; with 64
	// lanes most of twenty keys do not.
	for i := range 20 {
		if err := b.Publish(ctx, "t", broker.Message{Key: fmt.Sprintf("other%d", i), Body: []byte("other")}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "other keys' messages", func() bool { return len(r.bodies()) >= 10 })
}

func TestAHandlerInterruptedByCloseIsNotCountedAsAFailure(t *testing.T) {
	b := open(t, memory.Config{Options: broker.Options{MaxDeliveries: 1}})
	ctx := context.Background()
	dead := &recorder{}
	ds, err := b.Subscribe(ctx, broker.DeadLetterTopic("t"), "dlq", dead.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	started := make(chan struct{})
	s, err := b.Subscribe(ctx, "t", "g", func(ctx context.Context, m *broker.Message) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "t", broker.Message{Key: "k", Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	<-started
	s.Close()
	r := &recorder{}
	s2, err := b.Subscribe(ctx, "t", "g", r.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	waitFor(t, "the interrupted message to reach the next subscription", func() bool { return len(r.bodies()) == 1 })
	if got := dead.bodies(); len(got) != 0 {
		t.Errorf("an interrupted delivery was dead-lettered: %v", got)
	}
}

func TestDepthsCountUnacknowledgedMessages(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := memory.New(ctx, memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	_, err = b.Subscribe(ctx, "depth_topic", "g", func(ctx context.Context, m *broker.Message) error {
		started <- struct{}{}
		<-release
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := b.Publish(ctx, "depth_topic", broker.Message{Key: "k", Body: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	<-started
	depth := func() int {
		for _, d := range b.Depths() {
			if d.Topic == "depth_topic" && d.Group == "g" {
				return d.Messages
			}
		}
		return -1
	}
	if n := depth(); n != 3 {
		t.Fatalf("depth %d while three are unacknowledged", n)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for depth() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("depth %d after every message was handled", depth())
		}
		<-time.After(time.Millisecond) // bounded poll
	}
}
