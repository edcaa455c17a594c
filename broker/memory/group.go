package memory

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// group is a consumer group's bounded queue: ordered lanes, a FIFO of lanes
// ready to be handled, and the workers of every subscription of the group.
type group struct {
	b     *Broker
	topic string
	name  string
	seed  maphash.Seed

	mu       sync.Mutex
	cond     sync.Cond // workers wait here for a ready lane
	lanes    []lane
	ready    ring // lanes with messages, not busy, not delayed
	count    int  // messages queued or being handled
	capacity int
	lowWater int           // blocked publishers wake when count falls to it
	space    chan struct{} // made when a publisher waits; closed at lowWater
	idle     int           // workers waiting on cond
	next     int           // round-robin lane for keyless messages
}

// lane is an ordered queue; at most one worker handles it at a time.
type lane struct {
	q       deque
	busy    bool        // a worker is handling its head batch
	queued  bool        // in group.ready
	delayed bool        // waiting out a redelivery delay
	timer   *time.Timer // ends the delay
}

func newGroup(b *Broker, topicName, groupName string) *group {
	g := &group{
		b:        b,
		topic:    topicName,
		name:     groupName,
		seed:     maphash.MakeSeed(),
		lanes:    make([]lane, b.cfg.Lanes),
		ready:    ring{buf: make([]int, b.cfg.Lanes)},
		capacity: b.cfg.QueueCapacity,
		// Waking publishers only once a quarter of the queue is free lets
		// them add many messages per wake-up instead of one.
		lowWater: b.cfg.QueueCapacity - max(1, b.cfg.QueueCapacity/4),
	}
	g.cond.L = &g.mu
	return g
}

func (g *group) laneOf(key string) int {
	if key == "" {
		g.next++
		return g.next % len(g.lanes)
	}
	return int(maphash.String(g.seed, key) % uint64(len(g.lanes)))
}

// enqueue adds e to its lane, waiting while the group is full.
func (g *group) enqueue(ctx context.Context, e entry) error {
	g.mu.Lock()
	for g.count >= g.capacity {
		if g.space == nil {
			g.space = make(chan struct{})
		}
		space := g.space
		g.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return ctx.Err()
		case <-g.b.done:
			return broker.ErrClosed
		}
		g.mu.Lock()
	}
	i := g.laneOf(e.key)
	ln := &g.lanes[i]
	ln.q.pushBack(e)
	g.count++
	g.readyLocked(i)
	g.mu.Unlock()
	return nil
}

// readyLocked queues lane i for the workers if it has work and is free.
func (g *group) readyLocked(i int) {
	ln := &g.lanes[i]
	if ln.queued || ln.busy || ln.delayed || ln.q.len() == 0 {
		return
	}
	ln.queued = true
	g.ready.push(i)
	g.wakeLocked()
}

// wakeLocked wakes a sleeping worker for a newly ready lane.
func (g *group) wakeLocked() {
	if g.idle > 0 {
		g.cond.Signal()
	}
}

// work is one worker's loop: take a ready lane's head batch, handle it,
// settle it, until the subscription stops.
func (g *group) work(ctx context.Context, s *subscription) {
	var msgs []broker.Message
	g.mu.Lock()
	for {
		for !s.stopped.Load() && g.ready.n == 0 {
			g.idle++
			g.cond.Wait()
			g.idle--
		}
		if s.stopped.Load() {
			g.mu.Unlock()
			return
		}
		i := g.ready.pop()
		ln := &g.lanes[i]
		ln.queued = false
		ln.busy = true
		b := ln.q.peek(maxBatch)
		if g.ready.n > 0 {
			g.wakeLocked() // more lanes are ready: pass the baton
		}
		g.mu.Unlock()

		// Handlers may keep the *Message they get, so each delivery gets
		// its own; they are carved from chunks to save an allocation each.
		if len(msgs) < b.n {
			msgs = make([]broker.Message, max(b.n, maxBatch))
		}
		settled, attempts, delay := g.handle(ctx, s, b, msgs[:b.n])
		msgs = msgs[b.n:]

		g.mu.Lock()
		ln.busy = false
		ln.q.dropFront(settled)
		if attempts > 0 {
			ln.q.front().attempts = attempts
		}
		g.count -= settled
		if delay {
			g.delayLocked(i)
		}
		g.readyLocked(i)
		if g.space != nil && g.count <= g.lowWater {
			close(g.space)
			g.space = nil
		}
	}
}

// handle delivers the batch in order. It returns how many leading entries
// are done with (acknowledged or dead-lettered), the delivery count to record
// on the first entry not done with (0: unchanged, it was not delivered), and
// whether the lane must wait out a redelivery delay before its next delivery.
func (g *group) handle(ctx context.Context, s *subscription, b batch, msgs []broker.Message) (settled, attempts int, delay bool) {
	opts := &g.b.cfg.Options
	for i := range b.n {
		if s.stopped.Load() {
			return i, 0, false
		}
		e := b.at(i)
		attempts := e.attempts + 1
		m := &msgs[i]
		*m = broker.Message{Key: e.key, Headers: e.headers, Body: e.body, Topic: g.topic, Attempt: attempts}
		err := broker.CallHandler(ctx, s.h, m)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			// Interrupted by Close: not the message's fault.
			return i, attempts, false
		}
		log := g.b.log.WithFields(logrus.Fields{"topic": g.topic, "group": g.name, "key": e.key, "attempt": attempts})
		if attempts < opts.MaxDeliveries {
			log.WithError(err).Debug("handler failed; redelivering")
			return i, attempts, true
		}
		dead := broker.DeadLetter(broker.Message{Key: e.key, Headers: e.headers, Body: e.body}, g.topic, g.name, attempts, err)
		if dlErr := g.deadLetter(ctx, dead); dlErr != nil {
			// Closing: keep the message; it is handed out again.
			return i, attempts, false
		}
		log.WithError(err).Warn("message dead-lettered")
	}
	return b.n, 0, false
}

func (g *group) deadLetter(ctx context.Context, m broker.Message) error {
	if err := g.b.publishInternal(ctx, broker.DeadLetterTopic(g.topic), m); err != nil {
		return err
	}
	return g.b.publishInternal(ctx, broker.ErrorTopic, m)
}

// delayLocked holds lane i back for the redelivery delay.
func (g *group) delayLocked(i int) {
	ln := &g.lanes[i]
	ln.delayed = true
	if ln.timer == nil {
		ln.timer = time.AfterFunc(g.b.cfg.Options.RedeliveryDelay, func() { g.undelay(i) })
		return
	}
	ln.timer.Reset(g.b.cfg.Options.RedeliveryDelay)
}

func (g *group) undelay(i int) {
	g.mu.Lock()
	g.lanes[i].delayed = false
	g.readyLocked(i)
	g.mu.Unlock()
}

func (g *group) stopTimers() {
	g.mu.Lock()
	for i := range g.lanes {
		if t := g.lanes[i].timer; t != nil {
			t.Stop()
		}
	}
	g.mu.Unlock()
}
