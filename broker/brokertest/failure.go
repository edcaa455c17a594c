package brokertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/intermw/intermw/broker"
)

func testRedelivery(e *env) {
	opts := e.opts()
	opts.MaxDeliveries = 5
	opts.RedeliveryDelay = 100 * time.Millisecond
	b := e.broker(opts)
	topic, group := e.name("t"), e.name("g")
	var mu sync.Mutex
	attempts := map[string][]int{}
	seen := map[string][]broker.Message{}
	at := map[string][]time.Time{}
	e.subscribe(b, topic, group, func(ctx context.Context, m *broker.Message) error {
		body := string(m.Body)
		mu.Lock()
		defer mu.Unlock()
		attempts[body] = append(attempts[body], m.Attempt)
		seen[body] = append(seen[body], copyMessage(m))
		at[body] = append(at[body], time.Now())
		if len(attempts[body]) < 3 {
			return fmt.Errorf("failing delivery %d of %s on purpose", len(attempts[body]), body)
		}
		return nil
	})
	want := bodiesOf("retry", 5)
	for i, body := range want {
		e.publish(b, topic, broker.Message{Key: fmt.Sprintf("k%d", i), Headers: map[string]string{"n": strconv.Itoa(i)}, Body: []byte(body)})
	}
	e.waitFor("every message to succeed on its third delivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, body := range want {
			if len(attempts[body]) < 3 {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	for i, body := range want {
		if got := attempts[body]; !slices.Equal(got[:3], []int{1, 2, 3}) {
			e.t.Errorf("%s: Attempt on successive deliveries = %v, want [1 2 3]", body, got)
		}
		// A lower bound only: a redelivery must not come before the delay.
		for j := 1; j < len(at[body]); j++ {
			if gap := at[body][j].Sub(at[body][j-1]); gap < opts.RedeliveryDelay*8/10 {
				e.t.Errorf("%s: delivery %d came %v after the failed one, before RedeliveryDelay %v", body, j+1, gap, opts.RedeliveryDelay)
			}
		}
		for _, m := range seen[body] {
			if m.Key != fmt.Sprintf("k%d", i) || m.Headers["n"] != strconv.Itoa(i) || m.Topic != topic {
				e.t.Errorf("%s: redelivery %d changed the message: key %q, header n %q, topic %q", body, m.Attempt, m.Key, m.Headers["n"], m.Topic)
			}
		}
	}
}

func testDeadLetter(e *env) {
	opts := e.opts()
	opts.MaxDeliveries = 3
	b := e.broker(opts)
	topic, group := e.name("t"), e.name("g")

	dead := &collector{}
	e.subscribe(b, broker.DeadLetterTopic(topic), e.name("dlq"), dead.handle)
	// The error topic is shared by everything on the server: keep only the
	// copies of this test's messages.
	errCopies := &collector{}
	e.subscribe(b, broker.ErrorTopic, e.name("err"), func(ctx context.Context, m *broker.Message) error {
		if m.Headers[broker.HeaderOriginalTopic] == topic {
			return errCopies.handle(ctx, m)
		}
		return nil
	})

	var mu sync.Mutex
	deliveries := map[string][]int{}
	e.subscribe(b, topic, group, func(ctx context.Context, m *broker.Message) error {
		mu.Lock()
		deliveries[string(m.Body)] = append(deliveries[string(m.Body)], m.Attempt)
		mu.Unlock()
		return errors.New("boom: " + string(m.Body))
	})
	good := &collector{}
	okTopic := e.name("t")
	e.subscribe(b, okTopic, group, good.handle)

	want := bodiesOf("poison", 2)
	for i, body := range want {
		e.publish(b, topic, broker.Message{Key: fmt.Sprintf("conv%d", i), Headers: map[string]string{"origin": "test"}, Body: []byte(body)})
	}
	e.publish(b, okTopic, broker.Message{Key: "fine", Body: []byte("fine")})

	e.waitBodies("the dead-letter topic to receive every failing message", dead, want)
	e.waitBodies("the error topic to receive a copy of every failing message", errCopies, want)
	e.waitBodies("the healthy topic's message", good, []string{"fine"})

	for name, c := range map[string]*collector{"dead-letter": dead, "error": errCopies} {
		wantTopic := broker.DeadLetterTopic(topic)
		if name == "error" {
			wantTopic = broker.ErrorTopic
		}
		for _, m := range c.messages() {
			i := slices.Index(want, string(m.Body))
			if i < 0 {
				e.t.Errorf("%s topic: unexpected message %q", name, m.Body)
				continue
			}
			if m.Topic != wantTopic {
				e.t.Errorf("%s topic: delivered Topic = %q, want %q", name, m.Topic, wantTopic)
			}
			if m.Key != fmt.Sprintf("conv%d", i) {
				e.t.Errorf("%s topic: key = %q, want %q", name, m.Key, fmt.Sprintf("conv%d", i))
			}
			wantHeaders := map[string]string{
				"origin":                   "test",
				broker.HeaderOriginalTopic: topic,
				broker.HeaderGroup:         group,
				broker.HeaderAttempts:      "3",
			}
			if !headersContain(m.Headers, wantHeaders) {
				e.t.Errorf("%s topic: headers = %v, want them to include %v", name, m.Headers, wantHeaders)
			}
			if !strings.Contains(m.Headers[broker.HeaderLastError], "boom: "+string(m.Body)) {
				e.t.Errorf("%s topic: %s = %q, want the handler's last error", name, broker.HeaderLastError, m.Headers[broker.HeaderLastError])
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, body := range want {
		if got := deliveries[body]; !slices.Equal(got, []int{1, 2, 3}) {
			e.t.Errorf("%s: Attempt on successive deliveries = %v, want [1 2 3] (MaxDeliveries 3)", body, got)
		}
	}
	if n := good.len(); n != 1 {
		e.t.Errorf("the healthy message was delivered %d times, want 1", n)
	}
}

func testHandlerPanic(e *env) {
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	c := &collector{}
	var mu sync.Mutex
	panicked := false
	e.subscribe(b, topic, group, func(ctx context.Context, m *broker.Message) error {
		mu.Lock()
		first := !panicked
		panicked = true
		mu.Unlock()
		if first {
			panic("handler bug")
		}
		return c.handle(ctx, m)
	})
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("survivor")})
	e.waitBodies("the message to be redelivered after the panic", c, []string{"survivor"})
	if got := c.messages()[0].Attempt; got != 2 {
		e.t.Errorf("delivery after the panic has Attempt %d, want 2", got)
	}
}
