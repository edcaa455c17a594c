package nats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// Broker is a broker.Broker on NATS JetStream. It keeps one connection that
// nats.go re-establishes by itself, forever, when the server goes away;
// consumption resumes on the same durable consumers afterwards.
type Broker struct {
	cfg Config
	log logrus.FieldLogger
	nc  *nats.Conn
	js  jetstream.JetStream

	// life is cancelled by Close: handler contexts derive from it.
	life   context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	closed   bool
	draining bool
	subs     map[*subscription]struct{}
	streams  map[string]bool // topics whose stream is known to exist

	rr        atomic.Uint32 // partition of the next keyless message
	closeOnce sync.Once
}

var _ broker.Broker = (*Broker)(nil)

// New validates cfg, connects to the server and returns the broker. It
// returns an error wrapping broker.ErrUnreachable when the server cannot be
// reached, or has no JetStream.
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
	log = log.WithField("broker", "nats")
	timeout := cfg.ConnectTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	nc, err := nats.Connect(cfg.URL,
		nats.Name(cfg.Name),
		nats.Timeout(timeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(cfg.ReconnectWait),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.WithError(err).Warn("NATS connection lost, reconnecting")
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("reconnected to NATS") }),
	)
	if err != nil {
		return nil, fmt.Errorf("nats: connect %s: %w: %w", redact(cfg.URL), broker.ErrUnreachable, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: %w", err)
	}
	if _, err := js.AccountInfo(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: JetStream at %s: %w: %w", redact(cfg.URL), broker.ErrUnreachable, err)
	}
	b := &Broker{
		cfg: cfg, log: log, nc: nc, js: js,
		subs:    make(map[*subscription]struct{}),
		streams: make(map[string]bool),
	}
	b.life, b.cancel = context.WithCancel(context.Background())
	log.WithField("url", nc.ConnectedUrlRedacted()).Info("connected to NATS JetStream")
	return b, nil
}

// ensureStream creates topic's stream unless it is known to exist.
func (b *Broker) ensureStream(ctx context.Context, topic string) error {
	b.mu.Lock()
	known := b.streams[topic]
	b.mu.Unlock()
	if known {
		return nil
	}
	name := StreamName(b.cfg.Prefix, topic)
	ctx, cancel := b.request(ctx)
	defer cancel()
	_, err := b.js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = b.js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        name,
			Description: "intermw topic " + topic,
			Subjects:    []string{subjectBase(b.cfg.Prefix, topic) + "*.*"},
			Retention:   jetstream.LimitsPolicy, // see Config.MaxAge
			Storage:     b.cfg.storage(),
			Replicas:    1,
			MaxAge:      b.cfg.MaxAge,
			Discard:     jetstream.DiscardOld,
		})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			err = nil // created meanwhile by another process
		}
	}
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.streams[topic] = true
	b.mu.Unlock()
	return nil
}

// request bounds one JetStream request by Config.RequestTimeout.
func (b *Broker) request(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.cfg.RequestTimeout)
}

// forgetStream drops topic from the known streams (it was deleted).
func (b *Broker) forgetStream(topic string) {
	b.mu.Lock()
	delete(b.streams, topic)
	b.mu.Unlock()
}

// Close stops at once: subscriptions stop, handler contexts are cancelled,
// unacknowledged messages are redelivered to their groups later. Close is
// idempotent.
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
		b.nc.Close()
		b.log.Info("NATS broker closed")
	})
	return nil
}

// Drain stops every subscription from taking new messages, waits for the
// handlers already running to finish (or ctx to end), then closes the
// broker. Messages fetched but not started go back to their groups.
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
		if err = s.wait(ctx); err != nil {
			break
		}
	}
	b.Close()
	return err
}

// backoff is a capped exponential backoff.
type backoff struct{ next, max time.Duration }

func (b *Broker) newBackoff() *backoff { return &backoff{next: b.cfg.RetryMin, max: b.cfg.RetryMax} }

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

// redact hides the passwords of a comma-separated server list.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(invalid URL)"
			continue
		}
		parts[i] = u.Redacted()
	}
	return strings.Join(parts, ",")
}
