package brokertest

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intermw/intermw/broker"
)

func testPublishSubscribe(e *env) {
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	c := &collector{}
	e.subscribe(b, topic, group, c.handle)
	want := bodiesOf("m", 50)
	for i, body := range want {
		e.publish(b, topic, broker.Message{Key: fmt.Sprintf("k%d", i%7), Body: []byte(body)})
	}
	e.waitBodies("all messages", c, want)
	e.noDuplicates(c, want)
	for _, m := range c.messages() {
		if m.Topic != topic {
			e.t.Errorf("delivered Topic = %q, want %q", m.Topic, topic)
		}
		if m.Attempt != 1 {
			e.t.Errorf("first delivery of %q has Attempt %d, want 1", m.Body, m.Attempt)
		}
	}
}

func testRoundTrip(e *env) {
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	c := &collector{}
	e.subscribe(b, topic, group, c.handle)

	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 256*1024/16)
	sent := []broker.Message{
		{Key: "conv-1", Headers: map[string]string{"content-type": "application/ld+json", "x-unicode": "żółw ✓", "x-empty": ""}, Body: []byte(`{"@id":"x"}`)},
		{Key: "", Headers: nil, Body: []byte("no key, no headers")},
		{Key: "conv:ünïcode/#key with spaces", Body: binary},
		{Key: "conv-big", Headers: map[string]string{"size": "256KiB"}, Body: big},
		{Key: "conv-empty", Headers: map[string]string{"marker": "empty-body"}, Body: nil},
	}
	for _, m := range sent {
		e.publish(b, topic, m)
	}
	e.waitFor("all five messages", func() bool { return c.len() >= len(sent) })
	got := c.messages()
	for i, want := range sent {
		found := false
		for _, m := range got {
			if m.Key == want.Key && bytes.Equal(m.Body, want.Body) {
				found = true
				for k, v := range want.Headers {
					if gv, ok := m.Headers[k]; !ok || gv != v {
						e.t.Errorf("message %d: header %q = %q (present %v), want %q", i, k, gv, ok, v)
					}
				}
				break
			}
		}
		if !found {
			e.t.Errorf("message %d (key %q, %d-byte body) did not arrive with its key and body intact", i, want.Key, len(want.Body))
		}
	}
}

func testPublisherBufferReuse(e *env) {
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	gate := make(chan struct{})
	var once sync.Once
	started := make(chan struct{})
	c := &collector{}
	e.subscribe(b, topic, group, func(ctx context.Context, m *broker.Message) error {
		if string(m.Body) == "gate" {
			once.Do(func() { close(started) })
			select {
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return c.handle(ctx, m)
	})
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("gate")})
	e.await("the first message to reach the handler", started)

	body := []byte("original body")
	headers := map[string]string{"h": "original"}
	e.publish(b, topic, broker.Message{Key: "k", Headers: headers, Body: body})
	copy(body, "XXXXXXXXXXXXX")
	headers["h"] = "changed"
	headers["extra"] = "added"
	close(gate)

	e.waitBodies("the second message", c, []string{"original body"})
	for _, m := range c.messages() {
		if string(m.Body) != "original body" {
			continue
		}
		if m.Headers["h"] != "original" {
			e.t.Errorf("header h = %q after the publisher changed its map, want %q", m.Headers["h"], "original")
		}
		if _, ok := m.Headers["extra"]; ok {
			e.t.Errorf("a header added to the publisher's map after Publish arrived")
		}
	}
	if c.bodies()["XXXXXXXXXXXXX"] > 0 {
		e.t.Errorf("the body arrived as changed by the publisher after Publish returned")
	}
}

func testFanOut(e *env) {
	b := e.broker(e.opts())
	topic := e.name("t")
	cs := make([]*collector, 3)
	for i := range cs {
		cs[i] = &collector{}
		e.subscribe(b, topic, e.name("g"), cs[i].handle)
	}
	want := bodiesOf("fan", 30)
	for _, body := range want {
		e.publish(b, topic, broker.Message{Key: body, Body: []byte(body)})
	}
	for i, c := range cs {
		e.waitBodies(fmt.Sprintf("group %d to receive every message", i), c, want)
		e.noDuplicates(c, want)
	}
}

func testCompetingConsumers(e *env) {
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	// Each handler holds its first message until the other subscription has
	// received one too (or the test's time is up), so one subscription
	// cannot take everything while the other idles.
	var counts [2]atomic.Int64
	both := make(chan struct{})
	var bothOnce sync.Once
	deadline := time.Now().Add(e.timeout)
	cs := [2]*collector{{}, {}}
	for i := range cs {
		e.subscribe(b, topic, group, func(ctx context.Context, m *broker.Message) error {
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
			return cs[i].handle(ctx, m)
		})
	}
	want := bodiesOf("c", 200)
	for _, body := range want {
		e.publish(b, topic, broker.Message{Key: body, Body: []byte(body)})
	}
	union := &collector{}
	e.waitFor("both subscriptions together to receive every message", func() bool {
		union.mu.Lock()
		union.got = append(cs[0].messages(), cs[1].messages()...)
		union.mu.Unlock()
		return union.hasAll(want)
	})
	n0, n1 := cs[0].len(), cs[1].len()
	if n0 == 0 || n1 == 0 {
		e.t.Errorf("one subscription received nothing: %d and %d of %d", n0, n1, len(want))
	}
	if dup := n0 + n1 - len(want); dup > 0 {
		e.t.Logf("%d duplicate deliveries (allowed: at-least-once)", dup)
	}
}

// orderChecker is a handler that checks per-key order and that a key is
// never handled twice at once. Bodies are "key/seq".
type orderChecker struct {
	mu         sync.Mutex
	inFlight   map[string]bool
	next       map[string]int
	violations []string
	handled    int
}

func newOrderChecker() *orderChecker {
	return &orderChecker{inFlight: map[string]bool{}, next: map[string]int{}}
}

func (o *orderChecker) handle(ctx context.Context, m *broker.Message) error {
	key, seqText, _ := strings.Cut(string(m.Body), "/")
	var seq int
	fmt.Sscan(seqText, &seq)
	o.mu.Lock()
	if o.inFlight[key] {
		o.violations = append(o.violations, fmt.Sprintf("key %s: message %d handled while another of its messages was running", key, seq))
	}
	o.inFlight[key] = true
	switch want := o.next[key]; {
	case seq == want:
		o.next[key] = seq + 1
	case seq < want: // a redelivery of something already handled: allowed, not a reorder
	default:
		o.violations = append(o.violations, fmt.Sprintf("key %s: got message %d, want %d", key, seq, want))
		o.next[key] = seq + 1
	}
	o.mu.Unlock()
	runtime.Gosched() // give other handlers a chance to interleave
	o.mu.Lock()
	o.inFlight[key] = false
	o.handled++
	o.mu.Unlock()
	return nil
}

func (o *orderChecker) done(keys, perKey int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.next) < keys {
		return false
	}
	for _, n := range o.next {
		if n < perKey {
			return false
		}
	}
	return true
}

func (e *env) checkKeyOrder(subscriptions int) {
	opts := e.opts()
	opts.Concurrency = 4
	b := e.broker(opts)
	topic, group := e.name("t"), e.name("g")
	o := newOrderChecker()
	for range subscriptions {
		e.subscribe(b, topic, group, o.handle)
	}
	const keys = 16
	perKey := max(e.f.Messages/keys, 10)
	for seq := range perKey {
		for k := range keys {
			key := fmt.Sprintf("key%02d", k)
			e.publish(b, topic, broker.Message{Key: key, Body: fmt.Appendf(nil, "%s/%d", key, seq)})
		}
	}
	e.waitFor("every message of every key", func() bool { return o.done(keys, perKey) })
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, v := range o.violations {
		if i == 10 {
			e.t.Errorf("... and %d more", len(o.violations)-10)
			break
		}
		e.t.Error(v)
	}
}

func testKeyOrder(e *env) { e.checkKeyOrder(1) }

func testKeyOrderAcrossSubscriptions(e *env) {
	if !e.f.KeyOrderAcrossSubscriptions {
		e.t.Skip("the backend keeps per-key order within one subscription only (Features.KeyOrderAcrossSubscriptions)")
	}
	e.checkKeyOrder(2)
}

func testConcurrency(e *env) {
	opts := e.opts()
	opts.Concurrency = 4
	b := e.broker(opts)
	topic, group := e.name("t"), e.name("g")
	var inFlight, most atomic.Int64
	release := make(chan struct{})
	c := &collector{}
	e.subscribe(b, topic, group, func(ctx context.Context, m *broker.Message) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			old := most.Load()
			if n <= old || most.CompareAndSwap(old, n) {
				break
			}
		}
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return c.handle(ctx, m)
	})
	want := bodiesOf("p", 32)
	for _, body := range want {
		e.publish(b, topic, broker.Message{Key: body, Body: []byte(body)})
	}
	ok := e.poll(e.timeout, func() bool { return most.Load() >= 2 })
	close(release)
	if !ok {
		e.t.Fatalf("with Concurrency 4 and 32 distinct keys, at most %d handler ran at a time", most.Load())
	}
	if m := most.Load(); m > 4 {
		e.t.Errorf("%d handlers ran at once, more than Concurrency 4", m)
	}
	e.waitBodies("every message", c, want)
}

func testNewGroupSeesOnlyNew(e *env) {
	if e.f.NewGroupsSeeOldMessages {
		e.t.Skip("a new group may receive older messages (Features.NewGroupsSeeOldMessages)")
	}
	b := e.broker(e.opts())
	topic := e.name("t")
	first := &collector{}
	e.subscribe(b, topic, e.name("g"), first.handle)
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("before")})
	e.waitBodies("the first group to receive the early message", first, []string{"before"})

	second := &collector{}
	e.subscribe(b, topic, e.name("g"), second.handle)
	e.publish(b, topic, broker.Message{Key: "k", Body: []byte("after")})
	e.waitBodies("the first group to receive the later message", first, []string{"after"})
	e.waitBodies("the new group to receive the later message", second, []string{"after"})
	if second.bodies()["before"] > 0 {
		e.t.Errorf("a group received a message published before it subscribed")
	}
}

func testIdleGroupKeepsMessages(e *env) {
	if e.f.IdleGroupsDropMessages {
		e.t.Skip("the backend drops messages for groups without subscriptions (Features.IdleGroupsDropMessages)")
	}
	b := e.broker(e.opts())
	topic, group := e.name("t"), e.name("g")
	s := e.subscribe(b, topic, group, func(context.Context, *broker.Message) error { return nil })
	if err := s.Close(); err != nil {
		e.t.Fatalf("Subscription.Close: %v", err)
	}
	if err := s.Close(); err != nil {
		e.t.Errorf("second Subscription.Close: %v (want nil: Close is idempotent)", err)
	}
	want := bodiesOf("idle", 10)
	for _, body := range want {
		e.publish(b, topic, broker.Message{Key: body, Body: []byte(body)})
	}
	c := &collector{}
	e.subscribe(b, topic, group, c.handle)
	e.waitBodies("the group's new subscription to receive what was published meanwhile", c, want)
}

func testManyMessages(e *env) {
	opts := e.opts()
	opts.Concurrency = 8
	b := e.broker(opts)
	topic, group := e.name("t"), e.name("g")
	c := &collector{}
	e.subscribe(b, topic, group, c.handle)
	e.subscribe(b, topic, group, c.handle)
	want := bodiesOf("bulk", e.f.Messages)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
			defer cancel()
			for i := w; i < len(want); i += 4 {
				m := broker.Message{Key: fmt.Sprintf("k%d", i%97), Body: []byte(want[i])}
				if err := b.Publish(ctx, topic, m); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatalf("concurrent Publish: %v", err)
	}
	e.waitBodies("every message", c, want)
}

func testNoSubscribers(e *env) {
	b := e.broker(e.opts())
	topic := e.name("t")
	for i := range 100 {
		e.publish(b, topic, broker.Message{Key: "k", Body: fmt.Appendf(nil, "lost-%d", i)})
	}
}

func testHelperNames(e *env) {
	b := e.broker(e.opts())
	id := "urn:bt/" + e.suffix + "#x y+z"
	for _, topic := range []string{
		broker.RESTAPI(id),
		broker.MWToIPSMInterIoT("http://inter-iot.eu/" + e.suffix),
		broker.BridgeToIPSMRM("plain." + e.suffix + "-id_1"),
	} {
		if err := broker.ValidateTopic(topic); err != nil {
			e.t.Fatalf("helper built an invalid name: %v", err)
		}
		c := &collector{}
		e.subscribe(b, topic, "Group.name-"+e.suffix+"_1", c.handle)
		e.publish(b, topic, broker.Message{Key: id, Body: []byte(topic)})
		e.waitBodies("a message on "+topic, c, []string{topic})
	}
}

func testInvalidNames(e *env) {
	b := e.broker(e.opts())
	nop := func(context.Context, *broker.Message) error { return nil }
	e.wantErr("Publish to an empty topic", b.Publish(e.ctx(), "", broker.Message{}), broker.ErrInvalidTopic)
	s, err := b.Subscribe(e.ctx(), "", e.name("g"), nop)
	e.wantErr("Subscribe to an empty topic", err, broker.ErrInvalidTopic)
	closeIf(s)
	s, err = b.Subscribe(e.ctx(), e.name("t"), "", nop)
	e.wantErr("Subscribe with an empty group", err, broker.ErrInvalidGroup)
	closeIf(s)
	s, err = b.Subscribe(e.ctx(), e.name("t"), e.name("g"), nil)
	if err == nil {
		e.t.Errorf("Subscribe with a nil handler succeeded")
	}
	closeIf(s)
}

func closeIf(s broker.Subscription) {
	if s != nil {
		s.Close()
	}
}

// headersContain reports whether got has every header of want.
func headersContain(got, want map[string]string) bool {
	for k, v := range want {
		if gv, ok := got[k]; !ok || gv != v {
			return false
		}
	}
	return true
}

func testRemoveGroup(e *env) {
	b := e.broker(e.opts())
	r, ok := b.(broker.GroupRemover)
	if !ok {
		e.t.Skip("the backend cannot remove a group (no broker.GroupRemover)")
	}
	topic, group := e.name("t"), e.name("g")
	s := e.subscribe(b, topic, group, func(context.Context, *broker.Message) error { return nil })
	if err := s.Close(); err != nil {
		e.t.Fatalf("Subscription.Close: %v", err)
	}
	for _, body := range bodiesOf("before-removal", 3) {
		e.publish(b, topic, broker.Message{Key: body, Body: []byte(body)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	if err := r.RemoveGroup(ctx, topic, group); err != nil {
		e.t.Fatalf("RemoveGroup: %v", err)
	}
	if err := r.RemoveGroup(ctx, topic, group); err != nil {
		e.t.Errorf("RemoveGroup of a removed group: %v (want nil)", err)
	}
	c := &collector{}
	e.subscribe(b, topic, group, c.handle)
	want := bodiesOf("after-removal", 2)
	for _, body := range want {
		e.publish(b, topic, broker.Message{Key: body, Body: []byte(body)})
	}
	e.waitBodies("the group made anew to receive only what came after", c, want)
	for body := range c.bodies() {
		if strings.HasPrefix(body, "before-removal") {
			e.t.Errorf("a message held by the removed group came back: %s", body)
		}
	}
}
