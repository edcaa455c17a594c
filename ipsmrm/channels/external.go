package channels

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
)

// Headers on the mw-ipsm-… and ipsm-mw-… topics. An ipsm-core ignores
// them (it reads the record value only); intermw-ipsm, our own external
// translator, echoes HeaderCorrelation and applies HeaderChain.
const (
	// HeaderCorrelation is a fresh id per translation request; the answer
	// carries it back. Answers without it (an ipsm-core's) are matched by
	// messageID, which IPSM leaves untouched.
	HeaderCorrelation = "intermw-ipsm-correlation"
	// HeaderChain is the chain the requesting channel applies, as JSON
	// {"input":{"name":…,"version":…},"output":{…}}, so that a translator
	// serving many platforms of one type translates each message with
	// the alignments its platform registered, and never with a stale
	// version.
	HeaderChain = "intermw-ipsm-chain"
	// HeaderPlatform is the platform the message is for or from
	// (informational).
	HeaderPlatform = "intermw-ipsm-platform"
)

// external is the round trip to an external IPSM: publish on a channel's
// source topic, wait for the answer on its sink topic.
type external struct {
	cfg ExternalConfig
	log logrus.FieldLogger

	mu     sync.Mutex
	closed bool
	byCorr map[string]*waiter
	byMsg  map[string][]*waiter // messageID → waiters, oldest first
	sinks  map[string]*sinkSub
	// expired remembers recent timeouts, so that their late answers are
	// reported, not mistaken for another replica's.
	expired     map[string]struct{}
	expiredRing []string
	done        chan struct{}
}

type waiter struct {
	corr, msgID, conv string
	answer            chan answer // buffered: the handler never blocks
}

type answer struct {
	msg *messages.Message
	err error
}

type sinkSub struct {
	refs int
	sub  broker.Subscription
}

// maxExpired bounds the remembered timeouts.
const maxExpired = 4096

func newExternal(cfg ExternalConfig, log logrus.FieldLogger) *external {
	return &external{cfg: cfg, log: log, byCorr: map[string]*waiter{}, byMsg: map[string][]*waiter{},
		sinks: map[string]*sinkSub{}, expired: map[string]struct{}{}, done: make(chan struct{})}
}

// acquire starts consuming a sink topic, or counts one more user of it.
// Callers are serialised (Manager.setup).
func (e *external) acquire(ctx context.Context, topic string) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	if s := e.sinks[topic]; s != nil {
		s.refs++
		e.mu.Unlock()
		return nil
	}
	e.mu.Unlock()
	sub, err := e.cfg.Broker.Subscribe(ctx, topic, e.cfg.ReplyGroup, e.handle)
	if err != nil {
		return fmt.Errorf("consuming the IPSM's answers on %s: %w", topic, err)
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		sub.Close()
		return ErrClosed
	}
	e.sinks[topic] = &sinkSub{refs: 1, sub: sub}
	e.mu.Unlock()
	e.log.WithField("topic", topic).Debug("consuming the external IPSM's answers")
	return nil
}

// releaseSink stops consuming a sink topic when its last user goes.
func (e *external) releaseSink(topic string) {
	e.mu.Lock()
	s := e.sinks[topic]
	if s == nil {
		e.mu.Unlock()
		return
	}
	s.refs--
	if s.refs > 0 {
		e.mu.Unlock()
		return
	}
	delete(e.sinks, topic)
	e.mu.Unlock()
	s.sub.Close()
}

// close stops every sink subscription and fails every waiter.
func (e *external) close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	close(e.done)
	sinks := e.sinks
	e.sinks = map[string]*sinkSub{}
	e.mu.Unlock()
	for _, s := range sinks {
		s.sub.Close()
	}
}

// roundTrip publishes msg on ch's source topic and waits for its
// translation on ch's sink topic. On timeout the message is copied to the
// error topic and the error wraps ErrTimeout.
func (e *external) roundTrip(ctx context.Context, ch *channel, msg *messages.Message) (*messages.Message, error) {
	body, err := e.cfg.Codec.Encode(msg)
	if err != nil {
		return nil, fmt.Errorf("encoding for the external IPSM: %w", err)
	}
	w := &waiter{corr: uuid.NewString(), msgID: msg.Metadata.MessageID, conv: msg.Metadata.ConversationID,
		answer: make(chan answer, 1)}
	if err := e.register(w); err != nil {
		return nil, err
	}
	out := broker.Message{Key: msg.Metadata.ConversationID, Body: body, Headers: map[string]string{
		HeaderCorrelation: w.corr,
		HeaderChain:       encodeChain(ch.chain),
		HeaderPlatform:    ch.platformID,
	}}
	if err := e.cfg.Broker.Publish(ctx, ch.source, out); err != nil {
		e.unregister(w, false)
		return nil, fmt.Errorf("publishing on %s: %w", ch.source, err)
	}
	timer := time.NewTimer(e.cfg.Timeout)
	defer timer.Stop()
	select {
	case a := <-w.answer:
		return e.accept(w, a)
	case <-timer.C:
		if !e.unregister(w, true) {
			// The answer came as the timer fired: take it.
			return e.accept(w, <-w.answer)
		}
		err := fmt.Errorf("%w: %s channel of %s (%s): no answer on %s within %v",
			ErrTimeout, ch.dir, ch.platformID, ch.chain, ch.sink, e.cfg.Timeout)
		e.log.WithFields(logrus.Fields{"conversationId": w.conv, "platformId": ch.platformID, "topic": ch.source}).
			Warn("the external IPSM did not answer; the message goes to the error topic")
		copyErr := e.cfg.Errors.Publish(ctx, broker.ErrorTopic, broker.Message{Key: out.Key, Body: body, Headers: map[string]string{
			broker.HeaderOriginalTopic: ch.source, broker.HeaderLastError: err.Error(), HeaderPlatform: ch.platformID,
		}})
		if copyErr != nil {
			return nil, errors.Join(err, fmt.Errorf("copying to the error topic: %w", copyErr))
		}
		return nil, err
	case <-ctx.Done():
		e.unregister(w, false)
		return nil, ctx.Err()
	case <-e.done:
		return nil, ErrClosed
	}
}

// accept checks an answer against its request.
func (e *external) accept(w *waiter, a answer) (*messages.Message, error) {
	if a.err != nil {
		return nil, a.err
	}
	if a.msg.Metadata.ConversationID != w.conv {
		return nil, fmt.Errorf("%w: the answer to %s is for conversation %q", ErrTranslation, w.conv, a.msg.Metadata.ConversationID)
	}
	return a.msg, nil
}

func (e *external) register(w *waiter) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	e.byCorr[w.corr] = w
	e.byMsg[w.msgID] = append(e.byMsg[w.msgID], w)
	return nil
}

// unregister removes w; it reports false when w was already taken by an
// answer. A timed-out correlation id is remembered.
func (e *external) unregister(w *waiter, timedOut bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.byCorr[w.corr]; !ok {
		return false
	}
	e.removeLocked(w)
	if timedOut {
		e.expired[w.corr] = struct{}{}
		e.expiredRing = append(e.expiredRing, w.corr)
		if len(e.expiredRing) > maxExpired {
			delete(e.expired, e.expiredRing[0])
			e.expiredRing = e.expiredRing[1:]
		}
	}
	return true
}

func (e *external) removeLocked(w *waiter) {
	delete(e.byCorr, w.corr)
	ws := e.byMsg[w.msgID]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(e.byMsg, w.msgID)
	} else {
		e.byMsg[w.msgID] = ws
	}
}

// take finds and removes the waiter an answer belongs to: by correlation
// id when the answer carries one, else the oldest waiter for its
// messageID and conversation.
func (e *external) take(corr string, m *messages.Message) (w *waiter, late bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if corr != "" {
		if w = e.byCorr[corr]; w != nil {
			e.removeLocked(w)
			return w, false
		}
		_, late = e.expired[corr]
		return nil, late
	}
	if m == nil {
		return nil, false
	}
	for _, x := range e.byMsg[m.Metadata.MessageID] {
		if x.conv == m.Metadata.ConversationID {
			e.removeLocked(x)
			return x, false
		}
	}
	return nil, false
}

// handle receives one answer on a sink topic.
func (e *external) handle(ctx context.Context, bm *broker.Message) error {
	corr := bm.Headers[HeaderCorrelation]
	m, decErr := e.cfg.Codec.Decode(bm.Body)
	w, late := e.take(corr, m)
	log := e.log.WithFields(logrus.Fields{"topic": bm.Topic, "correlation": corr})
	switch {
	case w == nil && decErr != nil:
		// Nobody can be told: keep it where an operator looks.
		log.WithError(decErr).Warn("undecodable answer from the external IPSM")
		return e.cfg.Errors.Publish(ctx, broker.ErrorTopic, broker.Message{Key: bm.Key, Body: bm.Body,
			Headers: map[string]string{broker.HeaderOriginalTopic: bm.Topic, broker.HeaderLastError: decErr.Error()}})
	case w == nil && late:
		log.Warn("late answer from the external IPSM dropped: the request had timed out (Error sent, message on the error topic)")
		return nil
	case w == nil:
		// Another replica's answer (every replica reads every answer), or
		// a duplicate delivery.
		log.Debug("answer nobody here waits for")
		return nil
	case decErr != nil:
		w.answer <- answer{err: fmt.Errorf("%w: undecodable answer: %v", ErrTranslation, decErr)}
	case m.Metadata.Is(messages.Error):
		w.answer <- answer{err: fmt.Errorf("%w: %s", ErrTranslation, m.Metadata.ErrDesc)}
	default:
		w.answer <- answer{msg: m}
	}
	return nil
}
