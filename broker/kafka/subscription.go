package kafka

import (
	"context"
	"errors"
	"hash/fnv"
	"io"
	"maps"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// laneBuffer is how many fetched messages may wait for a busy lane.
const laneBuffer = 8

// subscription is one member of a Kafka consumer group. A fetch loop reads
// messages and hands each to one of opts.Concurrency lanes, chosen by key,
// so one key's messages run one after another in fetch order. A committer
// commits, per partition, the highest offset below which every fetched
// message has been handled.
type subscription struct {
	b            *Broker
	topic, group string
	h            broker.Handler
	opts         broker.Options
	log          logrus.FieldLogger
	readerCfg    kafkago.ReaderConfig
	reader       *kafkago.Reader // made by start

	fetchCtx  context.Context // ends when the subscription stops taking messages
	stopFetch context.CancelFunc

	handlerCtx    context.Context // ends on Close; parent of handler contexts
	cancelHandler context.CancelFunc

	lanes    []chan kafkago.Message
	offsets  offsetTracker
	commitCh chan struct{} // capacity 1: "there may be something to commit"

	fetchDone  chan struct{}
	lanesWG    sync.WaitGroup
	commitDone chan struct{}
	stopOnce   sync.Once
	stopped    chan struct{}
}

func newSubscription(b *Broker, topic, group string, h broker.Handler) *subscription {
	cfg := b.cfg
	log := b.log.WithFields(logrus.Fields{"topic": topic, "group": group})
	s := &subscription{
		b:     b,
		topic: topic,
		group: group,
		h:     h,
		opts:  cfg.Options,
		log:   log,
		readerCfg: kafkago.ReaderConfig{
			Brokers:           cfg.Brokers,
			GroupID:           groupID(topic, group),
			Topic:             topic,
			Dialer:            &kafkago.Dialer{ClientID: cfg.ClientID, Timeout: cfg.DialTimeout, DualStack: true},
			MinBytes:          1,
			MaxBytes:          10 << 20,
			MaxWait:           cfg.MaxWait,
			HeartbeatInterval: cfg.HeartbeatInterval,
			SessionTimeout:    cfg.SessionTimeout,
			RebalanceTimeout:  cfg.RebalanceTimeout,
			JoinGroupBackoff:  cfg.JoinGroupBackoff,
			// Partitions without a committed offset were created after
			// Subscribe, so everything in them is new to the group.
			StartOffset:            kafkago.FirstOffset,
			CommitInterval:         0, // synchronous commits, made by the committer
			WatchPartitionChanges:  true,
			PartitionWatchInterval: 5 * time.Second,
			ReadBackoffMin:         50 * time.Millisecond,
			ReadBackoffMax:         time.Second,
			Logger:                 kafkago.LoggerFunc(log.WithField("part", "reader").Debugf),
			ErrorLogger:            kafkago.LoggerFunc(log.WithField("part", "reader").Debugf),
		},
		lanes:      make([]chan kafkago.Message, cfg.Options.Concurrency),
		commitCh:   make(chan struct{}, 1),
		fetchDone:  make(chan struct{}),
		commitDone: make(chan struct{}),
		stopped:    make(chan struct{}),
	}
	s.offsets.parts = make(map[int]*partitionOffsets)
	s.fetchCtx, s.stopFetch = context.WithCancel(context.Background())
	s.handlerCtx, s.cancelHandler = context.WithCancel(b.handlerCtx)
	for i := range s.lanes {
		// A little slack, so that one busy lane does not stop the fetch
		// loop from feeding the others at once.
		s.lanes[i] = make(chan kafkago.Message, laneBuffer)
	}
	return s
}

// start joins the group and starts the goroutines. The broker calls it
// with b.mu held, so Close either sees a started subscription or none.
func (s *subscription) start() {
	s.reader = kafkago.NewReader(s.readerCfg)
	go s.fetch()
	for _, lane := range s.lanes {
		s.lanesWG.Go(func() { s.work(lane) })
	}
	go s.commit()
	s.log.Debug("kafka subscription started")
}

// Close stops consuming at once; messages not yet handled are redelivered
// to the group later. Close is idempotent.
func (s *subscription) Close() error {
	s.stopFetch()
	s.cancelHandler()
	s.wait()
	return nil
}

// drain stops fetching, lets the handlers at work finish and commits.
func (s *subscription) drain() {
	s.stopFetch()
	s.wait()
}

// wait waits for the fetch loop, the lanes and the committer to end, then
// leaves the group.
func (s *subscription) wait() {
	s.stopOnce.Do(func() {
		<-s.fetchDone
		s.lanesWG.Wait()
		<-s.commitDone
		if err := s.reader.Close(); err != nil {
			s.log.WithError(err).Debug("closing kafka reader")
		}
		s.b.removeSub(s)
		close(s.stopped)
		s.log.Debug("kafka subscription stopped")
	})
	<-s.stopped
}

// fetch reads messages and hands them to the lanes until fetchCtx ends.
func (s *subscription) fetch() {
	defer close(s.fetchDone)
	defer func() {
		for _, lane := range s.lanes {
			close(lane)
		}
	}()
	backoff := 50 * time.Millisecond
	for {
		m, err := s.reader.FetchMessage(s.fetchCtx)
		if err != nil {
			if s.fetchCtx.Err() != nil || errors.Is(err, io.EOF) {
				return
			}
			s.log.WithError(err).Warn("kafka fetch failed; retrying")
			select {
			case <-time.After(backoff):
				backoff = min(2*backoff, 2*time.Second)
				continue
			case <-s.fetchCtx.Done():
				return
			}
		}
		backoff = 50 * time.Millisecond
		s.offsets.add(m.Partition, m.Offset)
		select {
		case s.lanes[s.laneOf(m)] <- m:
		case <-s.fetchCtx.Done():
			return
		}
	}
}

func (s *subscription) laneOf(m kafkago.Message) int {
	n := len(s.lanes)
	if n == 1 {
		return 0
	}
	if len(m.Key) == 0 {
		return int(m.Offset % int64(n))
	}
	h := fnv.New32a()
	_, _ = h.Write(m.Key)
	return int(h.Sum32() % uint32(n))
}

// work handles one lane's messages in order.
func (s *subscription) work(lane <-chan kafkago.Message) {
	for m := range lane {
		if s.fetchCtx.Err() != nil {
			continue // stopping: leave queued messages to be redelivered
		}
		if !s.deliver(m) {
			continue
		}
		s.offsets.done(m.Partition, m.Offset)
		select {
		case s.commitCh <- struct{}{}:
		default:
		}
	}
}

// deliver runs the handler until it succeeds or MaxDeliveries is reached,
// then dead-letters. It reports whether the message is finished with (and
// may be committed).
func (s *subscription) deliver(km kafkago.Message) bool {
	orig := broker.Message{Key: string(km.Key), Headers: decodeHeaders(km.Headers), Body: km.Value, Topic: s.topic}
	var lastErr error
	for attempt := 1; ; attempt++ {
		m := orig
		m.Headers = maps.Clone(orig.Headers) // the handler may change them
		m.Attempt = attempt
		err := broker.CallHandler(s.handlerCtx, s.h, &m)
		if err == nil {
			return true
		}
		if s.handlerCtx.Err() != nil {
			return false
		}
		lastErr = err
		s.log.WithError(err).WithFields(logrus.Fields{"attempt": attempt, "conversationId": orig.Key}).Debug("handler failed")
		if attempt >= s.opts.MaxDeliveries {
			return s.deadLetter(orig, attempt, lastErr)
		}
		t := time.NewTimer(s.opts.RedeliveryDelay)
		select {
		case <-t.C:
		case <-s.handlerCtx.Done():
			t.Stop()
			return false
		case <-s.fetchCtx.Done():
			t.Stop()
			return false // draining: the group gets it again later
		}
	}
}

// deadLetter publishes m to the dead-letter topic and a copy to the error
// topic, retrying until both are taken or the subscription is closed.
func (s *subscription) deadLetter(m broker.Message, attempts int, lastErr error) bool {
	dl := broker.DeadLetter(m, s.topic, s.group, attempts, lastErr)
	s.log.WithError(lastErr).WithFields(logrus.Fields{"attempts": attempts, "conversationId": m.Key}).Warn("message dead-lettered")
	for _, topic := range []string{broker.DeadLetterTopic(s.topic), broker.ErrorTopic} {
		for {
			err := s.b.Publish(s.handlerCtx, topic, dl)
			if err == nil {
				break
			}
			if s.handlerCtx.Err() != nil || errors.Is(err, broker.ErrClosed) {
				return false
			}
			s.log.WithError(err).WithField("to", topic).Warn("dead-lettering failed; retrying")
			select {
			case <-time.After(s.opts.RedeliveryDelay):
			case <-s.handlerCtx.Done():
				return false
			}
		}
	}
	return true
}

// commit commits finished offsets whenever a lane signals, and once more
// after the lanes have ended.
func (s *subscription) commit() {
	defer close(s.commitDone)
	lanesDone := make(chan struct{})
	go func() { s.lanesWG.Wait(); close(lanesDone) }()
	for {
		select {
		case <-s.commitCh:
			s.commitNow()
		case <-lanesDone:
			s.commitNow()
			return
		}
	}
}

func (s *subscription) commitNow() {
	next := s.offsets.take()
	if len(next) == 0 {
		return
	}
	msgs := make([]kafkago.Message, 0, len(next))
	for p, off := range next {
		msgs = append(msgs, kafkago.Message{Topic: s.topic, Partition: p, Offset: off})
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.b.cfg.SessionTimeout)
	defer cancel()
	if err := s.reader.CommitMessages(ctx, msgs...); err != nil {
		// The partitions may have moved to another member; it will
		// handle the uncommitted messages again (at-least-once).
		s.log.WithError(err).Debug("kafka commit failed")
	}
}

// offsetTracker records, per partition, the fetched offsets that are not
// yet handled, so that commits never skip an unhandled message.
type offsetTracker struct {
	mu    sync.Mutex
	parts map[int]*partitionOffsets
}

type partitionOffsets struct {
	pending []int64        // fetched, in fetch order, not yet all handled
	done    map[int64]bool // handled members of pending
	ready   int64          // highest offset below which all is handled, or -1
	sent    int64          // last offset handed to the committer, or -1
}

func (t *offsetTracker) add(partition int, offset int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.parts[partition]
	if p == nil || (len(p.pending) > 0 && offset <= p.pending[len(p.pending)-1]) || offset <= p.ready {
		// First message of the partition, or the reader went back (a
		// rebalance handed the partition back from its committed offset).
		p = &partitionOffsets{done: make(map[int64]bool), ready: -1, sent: -1}
		t.parts[partition] = p
	}
	p.pending = append(p.pending, offset)
}

func (t *offsetTracker) done(partition int, offset int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.parts[partition]
	if p == nil {
		return
	}
	p.done[offset] = true
	for len(p.pending) > 0 && p.done[p.pending[0]] {
		p.ready = p.pending[0]
		delete(p.done, p.pending[0])
		p.pending = p.pending[1:]
	}
}

// take returns, per partition, the offset of the last message that may be
// committed, for partitions that advanced since the previous take.
func (t *offsetTracker) take() map[int]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out map[int]int64
	for n, p := range t.parts {
		if p.ready > p.sent {
			if out == nil {
				out = make(map[int]int64)
			}
			out[n] = p.ready
			p.sent = p.ready
		}
	}
	return out
}
