package memory

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// Broker is an in-process broker.Broker. Make one with New.
type Broker struct {
	cfg Config
	log logrus.FieldLogger

	// topics maps topic names to topics. Publish reads it without locking;
	// Subscribe replaces it (copy on write, under mu) to add a topic.
	topics atomic.Pointer[map[string]*topic]

	mu       sync.Mutex // guards the fields below, and topic/group creation
	closed   bool
	draining bool
	subs     map[*subscription]struct{}

	isClosed  atomic.Bool   // mirrors closed for Publish's fast path
	done      chan struct{} // closed by Close: wakes blocked publishers
	workers   sync.WaitGroup
	closeOnce sync.Once
}

var _ broker.Broker = (*Broker)(nil)

// errNilHandler is returned by Subscribe when given no handler.
var errNilHandler = errors.New("memory broker: nil handler")

// New validates cfg and returns a ready broker. It starts no goroutines
// until something subscribes.
func New(ctx context.Context, cfg Config) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	b := &Broker{
		cfg:  cfg,
		log:  cfg.Log.WithField("broker", "memory"),
		subs: map[*subscription]struct{}{},
		done: make(chan struct{}),
	}
	b.log.WithFields(logrus.Fields{"queueCapacity": cfg.QueueCapacity, "lanes": cfg.Lanes}).Info("memory broker started")
	return b, nil
}

// topic is a name and the groups subscribed to it.
type topic struct {
	groups atomic.Pointer[[]*group] // copy-on-write, read by Publish
	byName map[string]*group        // guarded by Broker.mu
}

// Publish copies m and enqueues it to every group of topicName, blocking
// while a group is full. A topic without groups drops it.
func (b *Broker) Publish(ctx context.Context, topicName string, m broker.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.isClosed.Load() {
		return broker.ErrClosed
	}
	t := b.topic(topicName)
	if t == nil {
		// Only valid names are ever stored, so validate on this path only.
		return broker.ValidateTopic(topicName)
	}
	return b.publish(ctx, t, m)
}

func (b *Broker) publish(ctx context.Context, t *topic, m broker.Message) error {
	gs := t.groups.Load()
	if gs == nil || len(*gs) == 0 {
		return nil
	}
	e := entry{key: m.Key, body: bytes.Clone(m.Body)}
	if len(m.Headers) > 0 {
		e.headers = maps.Clone(m.Headers)
	}
	for _, g := range *gs {
		if err := g.enqueue(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// publishInternal publishes a message the broker itself makes (dead letters).
func (b *Broker) publishInternal(ctx context.Context, topicName string, m broker.Message) error {
	t := b.topic(topicName)
	if t == nil {
		return nil
	}
	return b.publish(ctx, t, m)
}

// topic returns the named topic, or nil when nothing ever subscribed to it.
func (b *Broker) topic(name string) *topic {
	if m := b.topics.Load(); m != nil {
		return (*m)[name]
	}
	return nil
}

// Subscribe adds a subscription with Options.Concurrency workers to group
// of topicName, creating the topic and group as needed. ctx bounds the call
// only.
func (b *Broker) Subscribe(ctx context.Context, topicName, groupName string, h broker.Handler) (broker.Subscription, error) {
	if err := broker.ValidateTopic(topicName); err != nil {
		return nil, err
	}
	if err := broker.ValidateGroup(groupName); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errNilHandler
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.draining {
		return nil, broker.ErrClosed
	}
	g := b.groupLocked(topicName, groupName)
	s := newSubscription(b, g, h)
	b.subs[s] = struct{}{}
	s.start(b.cfg.Options.Concurrency)
	b.log.WithFields(logrus.Fields{"topic": topicName, "group": groupName}).Debug("subscribed")
	return s, nil
}

// groupLocked returns the group, creating topic and group as needed.
// Callers hold b.mu.
func (b *Broker) groupLocked(topicName, groupName string) *group {
	t := b.topic(topicName)
	if t == nil {
		t = &topic{byName: map[string]*group{}}
		var next map[string]*topic
		if old := b.topics.Load(); old != nil {
			next = maps.Clone(*old)
		} else {
			next = map[string]*topic{}
		}
		next[topicName] = t
		b.topics.Store(&next)
	}
	if g, ok := t.byName[groupName]; ok {
		return g
	}
	g := newGroup(b, topicName, groupName)
	t.byName[groupName] = g
	var gs []*group
	if old := t.groups.Load(); old != nil {
		gs = append(gs, *old...)
	}
	gs = append(gs, g)
	t.groups.Store(&gs)
	return g
}

// Drain stops every subscription from taking new messages, waits for the
// running handlers (their contexts stay alive, and they may publish), then
// closes the broker. When ctx ends first it closes at once, cancelling the
// handlers, and returns ctx's error.
func (b *Broker) Drain(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.draining = true
	subs := make([]*subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	b.log.Info("memory broker draining")
	for _, s := range subs {
		s.stop()
	}
	idle := make(chan struct{})
	go func() {
		b.workers.Wait()
		close(idle)
	}()
	select {
	case <-idle:
		return b.Close()
	case <-ctx.Done():
		b.Close() // cancels the handlers; Close waits for the workers, so idle closes too
		<-idle
		return ctx.Err()
	}
}

// Close cancels every handler's context, waits for the handlers to return,
// and discards whatever is queued. It is idempotent.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.isClosed.Store(true)
		subs := make([]*subscription, 0, len(b.subs))
		for s := range b.subs {
			subs = append(subs, s)
		}
		b.mu.Unlock()
		close(b.done)
		for _, s := range subs {
			s.stop()
			s.cancel()
		}
		b.workers.Wait()
		if ts := b.topics.Load(); ts != nil {
			for _, t := range *ts {
				if gs := t.groups.Load(); gs != nil {
					for _, g := range *gs {
						g.stopTimers()
					}
				}
			}
		}
		b.log.Info("memory broker closed")
	})
	return nil
}

// subscription is one consumer of a group: Concurrency workers.
type subscription struct {
	b       *Broker
	g       *group
	h       broker.Handler
	stopped atomic.Bool        // no new deliveries; set under g.mu
	cancel  context.CancelFunc // cancels the handlers' context
	wg      sync.WaitGroup
	once    sync.Once
}

func newSubscription(b *Broker, g *group, h broker.Handler) *subscription {
	return &subscription{b: b, g: g, h: h}
}

// start runs n workers. Their handlers' context belongs to the
// subscription, not to any caller: it lives until Close.
func (s *subscription) start(n int) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for range n {
		s.wg.Add(1)
		s.b.workers.Add(1)
		go func() {
			defer s.b.workers.Done()
			defer s.wg.Done()
			s.g.work(ctx, s)
		}()
	}
}

// stop makes the workers take no new messages and wakes the idle ones.
func (s *subscription) stop() {
	s.g.mu.Lock()
	s.stopped.Store(true)
	s.g.cond.Broadcast()
	s.g.mu.Unlock()
}

// Close stops the subscription: running handlers' contexts are cancelled,
// Close waits for them, and their unacknowledged messages go back to the
// group. It is idempotent. A handler must not close its own subscription.
func (s *subscription) Close() error {
	s.once.Do(func() {
		s.stop()
		s.cancel()
		s.wg.Wait()
		s.b.mu.Lock()
		delete(s.b.subs, s)
		s.b.mu.Unlock()
	})
	return nil
}
