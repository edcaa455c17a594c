package mqtt

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// ackFlushInterval is how often paho sends the acknowledgements the
// handlers have made; before disconnecting, a subscription waits a few of
// these so that finished messages are not delivered again.
const ackFlushInterval = 10 * time.Millisecond

// subscription is one member of a group: its own MQTT connection and
// persistent session (client ID "{ClientID}-{hash of topic and group}-{slot}"),
// subscribed to $share/{group}/{topic}. Received messages go to one of
// opts.Concurrency lanes, chosen by key, so one key's messages run one after
// another in arrival order; each is acknowledged after its handler
// succeeded or it was dead-lettered.
type subscription struct {
	b            *Broker
	topic, group string
	filter       string // the shared-subscription topic filter
	handover     string // the topic a closing member hands messages over on
	handoverSub  string // its shared-subscription filter
	clientID     string
	slotKey      string
	slot         int
	h            broker.Handler
	opts         broker.Options
	log          logrus.FieldLogger

	cm         *autopaho.ConnectionManager
	connCtx    context.Context
	connCancel context.CancelFunc

	ready     chan error   // the first subscribe's outcome
	ups       atomic.Int64 // connections made so far
	subUp     atomic.Int64 // the latest connection whose subscribe succeeded
	readyOnce sync.Once

	takeCtx  context.Context // ends when the subscription stops taking messages
	stopTake context.CancelFunc

	handlerCtx    context.Context // ends on Close; parent of handler contexts
	cancelHandler context.CancelFunc

	leaving  atomic.Bool // Close: hand unfinished messages to the group
	leftMu   sync.Mutex
	leftover []delivery // unfinished messages to hand over

	lanes   []*lane
	rr      atomic.Uint32 // round-robin lane for messages without a key
	lanesWG sync.WaitGroup
	bg      sync.WaitGroup // subscribe calls made on (re)connection

	mu       sync.Mutex // orders start against stop
	stopping bool
	stopOnce sync.Once
	stopped  chan struct{}
}

func newSubscription(b *Broker, topic, group string, h broker.Handler, clientID string) *subscription {
	s := &subscription{
		b:        b,
		topic:    topic,
		group:    group,
		filter:   "$share/" + group + "/" + b.cfg.TopicPrefix + topic,
		handover: handoverTopic(b.cfg.TopicPrefix, topic, group),
		clientID: clientID,
		h:        h,
		opts:     b.cfg.Options,
		log:      b.log.WithFields(logrus.Fields{"topic": topic, "group": group, "client": clientID}),
		ready:    make(chan error, 1),
		lanes:    make([]*lane, b.cfg.Options.Concurrency),
		stopped:  make(chan struct{}),
	}
	s.handoverSub = "$share/" + group + "/" + s.handover
	s.connCtx, s.connCancel = context.WithCancel(context.Background())
	s.takeCtx, s.stopTake = context.WithCancel(context.Background())
	s.handlerCtx, s.cancelHandler = context.WithCancel(b.handlerCtx)
	for i := range s.lanes {
		s.lanes[i] = &lane{wake: make(chan struct{}, 1)}
	}
	return s
}

// start connects, subscribes and starts the lanes. It returns once the
// server acknowledged the subscription, or with ctx's error.
func (s *subscription) start(ctx context.Context) error {
	cfg := s.b.cfg
	ac := s.b.clientConfig(s.clientID, false, cfg.SessionExpiry)
	ac.EnableManualAcknowledgment = true
	ac.SendAcksInterval = ackFlushInterval
	ac.OnPublishReceived = []func(paho.PublishReceived) (bool, error){s.receive}
	ac.ConnectPacketBuilder = func(cp *paho.Connect, _ *url.URL) (*paho.Connect, error) {
		if cp.Properties == nil {
			cp.Properties = &paho.ConnectProperties{}
		}
		rm := uint16(cfg.ReceiveMaximum)
		cp.Properties.ReceiveMaximum = &rm
		return cp, nil
	}
	ac.OnConnectionUp = func(cm *autopaho.ConnectionManager, ca *paho.Connack) {
		s.log.WithField("sessionPresent", ca.SessionPresent).Debug("mqtt subscription connected")
		n := s.ups.Add(1)
		s.bg.Go(func() { s.subscribe(cm, n) })
	}
	ac.OnConnectError = func(err error) {
		s.log.WithError(err).Debug("mqtt subscription connection attempt failed")
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return broker.ErrClosed
	}
	for _, l := range s.lanes {
		s.lanesWG.Go(func() { s.work(l) })
	}
	cm, err := autopaho.NewConnection(s.connCtx, ac)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("mqtt: %w", err)
	}
	s.cm = cm
	s.mu.Unlock()
	select {
	case err := <-s.ready:
		if err != nil {
			return err
		}
		s.log.Debug("mqtt subscription started")
		return nil
	case <-ctx.Done():
		return fmt.Errorf("mqtt: subscribe to %q: %w", s.topic, ctx.Err())
	case <-s.b.handlerCtx.Done():
		return broker.ErrClosed
	}
}

// subscribe (re)makes the shared subscription on a new connection. With a
// resumed session the server has it already; subscribing again is harmless
// and covers a server that lost its sessions.
func (s *subscription) subscribe(cm *autopaho.ConnectionManager, up int64) {
	ctx, cancel := context.WithTimeout(s.connCtx, s.b.cfg.ConnectTimeout)
	defer cancel()
	ack, err := cm.Subscribe(ctx, &paho.Subscribe{
		Subscriptions: []paho.SubscribeOptions{{Topic: s.filter, QoS: 1}, {Topic: s.handoverSub, QoS: 1}},
	})
	if err == nil && (ack == nil || len(ack.Reasons) != 2) {
		err = errors.New("malformed SUBACK")
	}
	refused := false
	if ack != nil {
		for _, r := range ack.Reasons {
			if r >= 0x80 {
				refused = true
				err = fmt.Errorf("server refused the subscription (reason code 0x%02x)", r)
			}
		}
	}
	switch {
	case err == nil:
		s.subUp.Store(up)
		s.readyOnce.Do(func() { s.ready <- nil })
	case refused:
		err = fmt.Errorf("mqtt: subscribe to %q: %w", s.filter, err)
		s.readyOnce.Do(func() { s.ready <- err })
		s.log.WithError(err).Warn("mqtt subscription refused")
	default:
		// The connection went down meanwhile; the next one subscribes.
		s.log.WithError(err).Debug("mqtt subscribe failed")
	}
}

// receive is paho's callback for every incoming PUBLISH. It must not block:
// it queues the message on its lane.
func (s *subscription) receive(pr paho.PublishReceived) (bool, error) {
	if s.takeCtx.Err() != nil {
		if s.leaving.Load() {
			s.keepLeftover(delivery{packet: pr.Packet, client: pr.Client})
		}
		return true, nil // stopping: leave it unacknowledged in the session
	}
	key, headers := "", map[string]string(nil)
	if pr.Packet.Properties != nil {
		key, headers = decodeProperties(pr.Packet.Properties.User)
	}
	d := delivery{
		msg:    broker.Message{Key: key, Headers: headers, Body: pr.Packet.Payload, Topic: s.topic},
		packet: pr.Packet,
		client: pr.Client,
	}
	s.laneOf(key).push(d)
	return true, nil
}

func (s *subscription) laneOf(key string) *lane {
	n := uint32(len(s.lanes))
	if n == 1 {
		return s.lanes[0]
	}
	if key == "" {
		return s.lanes[s.rr.Add(1)%n]
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return s.lanes[h.Sum32()%n]
}

// work handles one lane's messages in order.
func (s *subscription) work(l *lane) {
	for {
		d, ok := l.pop(s.takeCtx.Done())
		if !ok {
			return
		}
		if s.takeCtx.Err() != nil {
			if s.leaving.Load() {
				s.keepLeftover(d)
			}
			return
		}
		if !s.deliver(d.msg) {
			if s.leaving.Load() {
				s.keepLeftover(d)
			}
			continue
		}
		select {
		case <-d.client.Done():
			// The connection it came on is gone; the server sends it
			// again on the next one (a duplicate, as at-least-once allows).
		default:
			if err := d.client.Ack(d.packet); err != nil {
				s.log.WithError(err).Debug("mqtt ack failed")
			}
		}
	}
}

// deliver runs the handler until it succeeds or MaxDeliveries is reached,
// then dead-letters. It reports whether the message may be acknowledged.
func (s *subscription) deliver(orig broker.Message) bool {
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
		case <-s.takeCtx.Done():
			t.Stop()
			return false // draining: the session keeps it for later
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

// Close cancels the running handlers, waits for them, and leaves the group:
// it unsubscribes, so the group's messages go to its other members, and
// hands the messages it received but did not finish to them. Close is
// idempotent.
func (s *subscription) Close() error {
	s.stop(true, true)
	return nil
}

// stop stops taking messages, cancels the handlers if cancel is set, waits
// for the lanes, and disconnects. With leave set it also unsubscribes and
// ends the session; otherwise the session stays on the server.
func (s *subscription) stop(cancel, leave bool) {
	if leave {
		s.leaving.Store(true)
	}
	s.stopTake()
	if cancel {
		s.cancelHandler()
	}
	s.mu.Lock()
	s.stopping = true
	cm := s.cm
	s.mu.Unlock()
	s.stopOnce.Do(func() {
		s.lanesWG.Wait()
		if cm != nil {
			if s.leaving.Load() {
				s.leave()
			}
			// Let paho send the acknowledgements of finished messages.
			time.Sleep(3 * ackFlushInterval)
			ctx, cancelCtx := context.WithTimeout(context.Background(), s.b.cfg.ConnectTimeout)
			if err := cm.Disconnect(ctx); err != nil {
				s.log.WithError(err).Debug("mqtt disconnect")
			}
			cancelCtx()
			s.connCancel()
			<-cm.Done()
		}
		s.connCancel()
		s.bg.Wait()
		s.b.release(s)
		close(s.stopped)
		s.log.Debug("mqtt subscription stopped")
	})
	<-s.stopped
}
