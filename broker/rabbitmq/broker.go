package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// Broker is a broker.Broker on a RabbitMQ server. It keeps one connection,
// re-dialled with capped exponential backoff whenever the server goes away;
// publishers and subscriptions wait for it and re-establish their channels.
type Broker struct {
	cfg Config
	log logrus.FieldLogger

	// life is cancelled by Close: handler contexts and every goroutine
	// derive from it.
	life   context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	conn     *amqp.Connection // nil while reconnecting
	connUp   chan struct{}    // closed when conn is set after a reconnect
	closed   bool
	draining bool
	subs     map[*subscription]struct{}

	pub publisher

	closeOnce  sync.Once
	supervisor sync.WaitGroup
}

var _ broker.Broker = (*Broker)(nil)

// New validates cfg, connects to the server and returns the broker. It
// returns an error wrapping broker.ErrUnreachable when the server cannot be
// reached before ctx ends or the first attempt fails.
func New(ctx context.Context, cfg Config, log logrus.FieldLogger) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		l := logrus.New()
		l.Out = io.Discard
		log = l
	}
	b := &Broker{
		cfg:    cfg,
		log:    log.WithField("broker", "rabbitmq"),
		connUp: make(chan struct{}),
		subs:   make(map[*subscription]struct{}),
	}
	conn, err := b.dial(ctx)
	if err != nil {
		return nil, err
	}
	b.life, b.cancel = context.WithCancel(context.Background())
	b.conn = conn
	close(b.connUp)
	b.supervisor.Add(1)
	go b.supervise(conn)
	b.log.WithField("url", redact(cfg.URL)).Info("connected to RabbitMQ")
	return b, nil
}

// dial opens one connection.
func (b *Broker) dial(ctx context.Context) (*amqp.Connection, error) {
	timeout := b.cfg.DialTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	conn, err := amqp.DialConfig(b.cfg.URL, amqp.Config{
		Heartbeat:       b.cfg.Heartbeat,
		TLSClientConfig: b.cfg.TLS,
		Locale:          "en_US",
		Properties:      amqp.Table{"connection_name": "intermw"},
		Dial: func(network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: timeout}
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// The handshake must finish within the timeout too.
			if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("rabbitmq: dial %s: %w: %w", redact(b.cfg.URL), broker.ErrUnreachable, err)
	}
	return conn, nil
}

// supervise watches the connection and replaces it when it closes.
func (b *Broker) supervise(conn *amqp.Connection) {
	defer b.supervisor.Done()
	for {
		notify := conn.NotifyClose(make(chan *amqp.Error, 1))
		select {
		case <-b.life.Done():
			return
		case err := <-notify:
			b.mu.Lock()
			b.conn = nil
			b.connUp = make(chan struct{})
			b.mu.Unlock()
			b.log.WithError(err).Warn("RabbitMQ connection lost, reconnecting")
		}
		conn = b.redial()
		if conn == nil {
			return
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			conn.Close()
			return
		}
		b.conn = conn
		close(b.connUp)
		b.mu.Unlock()
		b.log.Info("reconnected to RabbitMQ")
	}
}

// redial dials until it succeeds or the broker closes (nil).
func (b *Broker) redial() *amqp.Connection {
	bo := b.newBackoff()
	for {
		conn, err := b.dial(b.life)
		if err == nil {
			return conn
		}
		b.log.WithError(err).Debug("reconnect attempt failed")
		if !bo.wait(b.life) {
			return nil
		}
	}
}

// connection returns the live connection, waiting for a reconnect if need
// be, until ctx ends or the broker closes.
func (b *Broker) connection(ctx context.Context) (*amqp.Connection, error) {
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, broker.ErrClosed
		}
		conn, up := b.conn, b.connUp
		b.mu.Unlock()
		if conn != nil && !conn.IsClosed() {
			return conn, nil
		}
		if err := b.awaitReconnect(ctx, up, conn != nil); err != nil {
			return nil, err
		}
	}
}

// awaitReconnect waits until up is closed (a new connection), ctx ends or
// the broker closes. A connection that closed before the supervisor noticed
// (stale) is re-checked after a short pause.
func (b *Broker) awaitReconnect(ctx context.Context, up <-chan struct{}, stale bool) error {
	var wake <-chan time.Time
	if stale {
		t := time.NewTimer(10 * time.Millisecond)
		defer t.Stop()
		wake = t.C
	}
	select {
	case <-up:
	case <-wake:
	case <-ctx.Done():
		return fmt.Errorf("rabbitmq: waiting for the connection: %w: %w", broker.ErrUnreachable, ctx.Err())
	case <-b.life.Done():
		return broker.ErrClosed
	}
	return nil
}

// Close stops at once: subscriptions stop, handler contexts are cancelled,
// unacknowledged messages return to their queues. Close is idempotent.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		subs := make([]*subscription, 0, len(b.subs))
		for s := range b.subs {
			subs = append(subs, s)
		}
		b.mu.Unlock()
		b.cancel()
		for _, s := range subs {
			s.Close()
		}
		b.supervisor.Wait()
		b.pub.close()
		b.mu.Lock()
		conn := b.conn
		b.conn = nil
		b.mu.Unlock()
		if conn != nil {
			conn.Close()
		}
		b.log.Info("RabbitMQ broker closed")
	})
	return nil
}

// Drain stops every subscription from taking new deliveries, waits for the
// handlers already running to finish (or ctx to end), then closes the
// broker. Deliveries prefetched but not started go back to their queues.
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
	for _, s := range subs {
		s.stopConsuming()
	}
	var err error
	for _, s := range subs {
		select {
		case <-s.done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			break
		}
	}
	b.Close()
	return err
}

// backoff is a capped exponential backoff.
type backoff struct {
	next, max time.Duration
}

func (b *Broker) newBackoff() *backoff {
	return &backoff{next: b.cfg.ReconnectMin, max: b.cfg.ReconnectMax}
}

// wait sleeps for the next interval; false when ctx ended first.
func (bo *backoff) wait(ctx context.Context) bool {
	t := time.NewTimer(bo.next)
	defer t.Stop()
	bo.next = min(bo.next*2, bo.max)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// isConnectionError reports whether err means the channel or connection
// went away (worth retrying on a new one) rather than a refusal by the
// server that retrying cannot fix.
func isConnectionError(err error) bool {
	if errors.Is(err, amqp.ErrClosed) {
		return true
	}
	var ae *amqp.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case amqp.NotFound, amqp.ConnectionForced, amqp.ChannelError, amqp.FrameError, amqp.InternalError:
			return true
		}
		return ae.Recover
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF)
}

// redact removes the password from an AMQP URL for logs and errors.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
