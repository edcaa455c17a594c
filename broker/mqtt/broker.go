package mqtt

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// Broker is a broker.Broker on an MQTT 5 server. It is safe for concurrent
// use.
type Broker struct {
	cfg Config
	log logrus.FieldLogger

	pub       *autopaho.ConnectionManager // the publishing connection
	pubCancel context.CancelFunc

	// handlerCtx is the parent of every handler's context; Close cancels
	// it, and it also tells waits that the broker is gone.
	handlerCtx    context.Context
	cancelHandler context.CancelFunc

	mu     sync.Mutex
	closed bool
	subs   map[*subscription]struct{}
	slots  map[string]map[int]bool // per topic and group: the slots in use
}

var _ broker.Broker = (*Broker)(nil)

// New validates cfg, connects the publishing client and returns a Broker.
// An error wrapping broker.ErrUnreachable means no server accepted the
// connection within cfg.ConnectTimeout (or before ctx ended).
func New(ctx context.Context, cfg Config, log logrus.FieldLogger) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		l := logrus.New()
		l.SetOutput(discard{})
		log = l
	}
	log = log.WithField("broker", "mqtt")
	b := &Broker{
		cfg:   cfg,
		log:   log,
		subs:  make(map[*subscription]struct{}),
		slots: make(map[string]map[int]bool),
	}
	b.handlerCtx, b.cancelHandler = context.WithCancel(context.Background())

	var lastErr atomic.Pointer[error]
	ac := b.clientConfig(cfg.ClientID+"-pub", true, 0)
	ac.OnConnectError = func(err error) {
		lastErr.Store(&err)
		log.WithError(err).Debug("mqtt publisher connection attempt failed")
	}
	connCtx, cancel := context.WithCancel(context.Background())
	cm, err := autopaho.NewConnection(connCtx, ac)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("mqtt: %w", err)
	}
	waitCtx, cancelWait := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancelWait()
	if err := cm.AwaitConnection(waitCtx); err != nil {
		cancel()
		<-cm.Done()
		cause := err
		if p := lastErr.Load(); p != nil {
			cause = *p
		}
		return nil, fmt.Errorf("mqtt: connect to %v: %w: %w", cfg.Servers, broker.ErrUnreachable, cause)
	}
	b.pub, b.pubCancel = cm, cancel
	log.WithField("servers", fmt.Sprint(cfg.Servers)).Info("connected to mqtt")
	return b, nil
}

// FromURL builds a Broker from an mqtt://, tcp:// or mqtts:// URL (see
// ConfigFromURL); it is the constructor broker.Open uses for those schemes.
func FromURL(ctx context.Context, u *url.URL, opts broker.Options, log logrus.FieldLogger) (broker.Broker, error) {
	cfg, err := ConfigFromURL(u, opts)
	if err != nil {
		return nil, err
	}
	b, err := New(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// clientConfig is the autopaho configuration of one connection.
func (b *Broker) clientConfig(clientID string, cleanStart bool, sessionExpiry time.Duration) autopaho.ClientConfig {
	cfg := b.cfg
	ac := autopaho.ClientConfig{
		ServerUrls:                    cfg.Servers,
		KeepAlive:                     uint16(cfg.KeepAlive / time.Second),
		CleanStartOnInitialConnection: cleanStart,
		SessionExpiryInterval:         uint32(sessionExpiry / time.Second),
		ConnectTimeout:                cfg.ConnectTimeout,
		ReconnectBackoff:              autopaho.NewExponentialBackoff(cfg.ReconnectMin, cfg.ReconnectMax, min(2*cfg.ReconnectMin, cfg.ReconnectMax), 2),
		ConnectUsername:               cfg.Username,
		Debug:                         pahoLogger{b.log.WithField("client", clientID)},
		PahoDebug:                     pahoLogger{b.log.WithField("client", clientID)},
		Errors:                        pahoLogger{b.log.WithField("client", clientID)},
		PahoErrors:                    pahoLogger{b.log.WithField("client", clientID)},
		ClientConfig: paho.ClientConfig{
			ClientID: clientID,
			OnServerDisconnect: func(d *paho.Disconnect) {
				if d.ReasonCode == sessionTakenOver {
					b.log.WithField("client", clientID).Error("another connection took this client ID over: is Config.ClientID shared by two processes?")
					return
				}
				b.log.WithFields(logrus.Fields{"client": clientID, "reason": d.ReasonCode}).Warn("mqtt server disconnected us")
			},
		},
	}
	if cfg.Password != "" {
		ac.ConnectPassword = []byte(cfg.Password)
	}
	if ac.KeepAlive == 0 {
		ac.KeepAlive = 1
	}
	return ac
}

// sessionTakenOver is the DISCONNECT reason code a server sends to a
// connection when another one connects with the same client ID.
const sessionTakenOver = 0x8E

// Publish sends m to topic with QoS 1 and returns once the server has
// acknowledged it. While the connection is down Publish waits for it to
// come back, until ctx ends.
func (b *Broker) Publish(ctx context.Context, topic string, m broker.Message) error {
	if b.isClosed() {
		return broker.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := broker.ValidateTopic(topic); err != nil {
		return err
	}
	// Stop waiting when the broker closes.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(b.handlerCtx, cancel)
	defer stop()
	return b.send(ctx, topic, &paho.Publish{
		QoS:        1,
		Topic:      b.cfg.TopicPrefix + topic,
		Payload:    m.Body,
		Properties: &paho.PublishProperties{User: encodeProperties(m.Key, m.Headers)},
	})
}

// send publishes p, waiting for the connection while it is down; topic
// names p's topic in errors.
func (b *Broker) send(ctx context.Context, topic string, p *paho.Publish) error {
	pause := 10 * time.Millisecond
	for {
		if err := b.pub.AwaitConnection(ctx); err != nil {
			return b.publishErr(topic, err)
		}
		resp, err := b.pub.Publish(ctx, p)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return b.publishErr(topic, ctx.Err())
		}
		if resp != nil && resp.ReasonCode >= 0x80 {
			// The server refused the message; sending it again will not help.
			return fmt.Errorf("mqtt: publish to %q: %w", topic, err)
		}
		// The connection broke before the PUBACK: send again once it is
		// back (at-least-once).
		b.log.WithError(err).WithField("topic", topic).Debug("mqtt publish failed; retrying")
		select {
		case <-time.After(pause):
			pause = min(2*pause, time.Second)
		case <-ctx.Done():
			return b.publishErr(topic, ctx.Err())
		}
	}
}

func (b *Broker) publishErr(topic string, err error) error {
	if b.isClosed() {
		return broker.ErrClosed
	}
	return fmt.Errorf("mqtt: publish to %q: %w", topic, err)
}

// Subscribe joins group on topic through the shared subscription
// $share/{group}/{topic} and returns once the server has acknowledged it.
// While the server is unreachable Subscribe waits, until ctx ends.
func (b *Broker) Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error) {
	if b.isClosed() {
		return nil, broker.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := broker.ValidateTopic(topic); err != nil {
		return nil, err
	}
	if err := broker.ValidateGroup(group); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("mqtt: Subscribe with a nil handler")
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, broker.ErrClosed
	}
	key := slotKey(topic, group)
	slot := b.takeSlotLocked(key)
	s := newSubscription(b, topic, group, h, fmt.Sprintf("%s-%s-%d", b.cfg.ClientID, key, slot))
	s.slotKey, s.slot = key, slot
	b.subs[s] = struct{}{}
	b.mu.Unlock()

	if err := s.start(ctx); err != nil {
		s.stop(true, false)
		if b.isClosed() {
			return nil, broker.ErrClosed
		}
		return nil, err
	}
	return s, nil
}

// slotKey names a (topic, group) pair in client IDs: 16 hex digits of a
// hash, short enough for any server, the same on every run.
func slotKey(topic, group string) string {
	sum := sha256.Sum256([]byte(group + "\x00" + topic))
	return hex.EncodeToString(sum[:8])
}

// takeSlotLocked returns the lowest slot of key not in use. A subscription's
// client ID ends with its slot, so the n-th concurrent subscription of a
// group gets the same session back after a restart or a re-subscribe.
func (b *Broker) takeSlotLocked(key string) int {
	used := b.slots[key]
	if used == nil {
		used = make(map[int]bool)
		b.slots[key] = used
	}
	n := 0
	for used[n] {
		n++
	}
	used[n] = true
	return n
}

func (b *Broker) release(s *subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, s)
	if used := b.slots[s.slotKey]; used != nil {
		delete(used, s.slot)
		if len(used) == 0 {
			delete(b.slots, s.slotKey)
		}
	}
}

// Drain stops every subscription from taking new messages, waits for the
// handlers at work to finish and acknowledge, then closes the broker (see
// Close for what happens to the groups). When ctx ends first, Drain closes at once and returns
// ctx's error.
func (b *Broker) Drain(ctx context.Context) error {
	b.mu.Lock()
	subs := make([]*subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()

	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for _, s := range subs {
			wg.Go(func() { s.stop(false, !b.cfg.KeepSessions) })
		}
		wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	cerr := b.Close()
	<-done
	return errors.Join(err, cerr)
}

// Close cancels the handlers' contexts, waits for them, and disconnects.
// By default every subscription leaves its group as Subscription.Close
// does; with Config.KeepSessions the sessions stay on the server with their
// subscriptions and unacknowledged messages for Config.SessionExpiry, so a
// process restarted with the same ClientID resumes them. Close is
// idempotent.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs := make([]*subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()

	b.cancelHandler()
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Go(func() { s.stop(true, !b.cfg.KeepSessions) })
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ConnectTimeout)
	defer cancel()
	err := b.pub.Disconnect(ctx)
	b.pubCancel()
	<-b.pub.Done()
	b.log.Info("mqtt broker closed")
	return err
}

func (b *Broker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// pahoLogger sends paho's logs to logrus at debug level.
type pahoLogger struct{ l logrus.FieldLogger }

func (p pahoLogger) Println(v ...any)               { p.l.Debugln(v...) }
func (p pahoLogger) Printf(format string, v ...any) { p.l.Debugf(format, v...) }

// discard is an io.Writer that drops everything (for the nil logger).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
