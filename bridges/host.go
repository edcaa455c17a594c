package bridges

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
)

// PubSub is what the host needs from a broker.
type PubSub interface {
	broker.Publisher
	broker.Subscriber
}

// Defaults of Config.
const (
	DefaultGroup          = "bridges"
	DefaultDiscoveryBatch = 100
)

// Config configures a Host.
type Config struct {
	// Broker carries the host's traffic. Required.
	Broker PubSub
	// Codec reads and writes messages. Required.
	Codec *messages.Codec
	// Factories make bridges, keyed by platform type IRI. Required, and
	// every factory must be non-nil; an empty map hosts nothing.
	Factories map[string]Factory
	// Group is the consumer group of the host on prm_ipsmrm (where it
	// watches for Platform_register) and on every ipsmrm_bridge_{platformId}
	// topic. Default "bridges". Two hosts serving different platform types
	// over one broker need different groups.
	Group string
	// DecodeAlways makes the host decode every message on prm_ipsmrm to
	// watch for Platform_register, ignoring routing headers, as it did
	// before they existed. For comparison and debugging.
	DecodeAlways bool
	// DiscoveryBatch is how many devices one Device_Init or Device_Add
	// message reports at most. Default 100.
	DiscoveryBatch int
	// Builder stamps replies (clock and UUIDs). Default: wall clock,
	// random UUIDs.
	Builder messages.Builder
	// Log receives lifecycle logs (Info) and per-message logs (Debug).
	// Default: discarded.
	Log logrus.FieldLogger
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Broker == nil {
		errs = append(errs, errors.New("bridges host: Broker is required"))
	}
	if c.Codec == nil {
		errs = append(errs, errors.New("bridges host: Codec is required"))
	}
	if c.Factories == nil {
		errs = append(errs, errors.New("bridges host: Factories is required"))
	}
	for typ, f := range c.Factories {
		if typ == "" {
			errs = append(errs, errors.New("bridges host: a factory has an empty platform type"))
		}
		if f == nil {
			errs = append(errs, fmt.Errorf("bridges host: the factory of %q is nil", typ))
		}
	}
	if c.Group != "" {
		if err := broker.ValidateGroup(c.Group); err != nil {
			errs = append(errs, fmt.Errorf("bridges host: %w", err))
		}
	}
	if c.DiscoveryBatch < 0 {
		errs = append(errs, fmt.Errorf("bridges host: DiscoveryBatch %d is negative", c.DiscoveryBatch))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.DiscoveryBatch == 0 {
		c.DiscoveryBatch = DefaultDiscoveryBatch
	}
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	return c
}

// Host runs one bridge per registered platform. Make one with NewHost,
// then Run it.
type Host struct {
	cfg Config
	log logrus.FieldLogger

	mu      sync.Mutex
	slots   map[string]*slot // platformId → its bridge and subscription
	closed  bool
	watch   broker.Subscription
	closers sync.WaitGroup // subscriptions being closed outside their handler
	bufs    sync.Pool      // *[]byte encoding buffers

	ready     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	runOnce   sync.Once
}

// NewHost validates cfg and returns a Host. It starts nothing.
func NewHost(cfg Config) (*Host, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Host{
		cfg:   cfg,
		log:   cfg.Log.WithField("component", "bridges"),
		slots: map[string]*slot{},
		ready: make(chan struct{}),
		done:  make(chan struct{}),
	}, nil
}

// PlatformTypes returns the platform types the host has factories for.
func (h *Host) PlatformTypes() []string {
	out := make([]string, 0, len(h.cfg.Factories))
	for t := range h.cfg.Factories {
		out = append(out, t)
	}
	return out
}

// Ready is closed once Run has subscribed to prm_ipsmrm, so the host sees
// every Platform_register published from then on.
func (h *Host) Ready() <-chan struct{} { return h.ready }

// Run watches prm_ipsmrm for Platform_register requests and serves the
// platforms' topics until ctx ends or Close is called; then it closes every
// bridge and subscription. It returns nil on a normal stop.
func (h *Host) Run(ctx context.Context) error {
	started := false
	h.runOnce.Do(func() { started = true })
	if !started {
		return errors.New("bridges host: Run called twice")
	}
	sub, err := h.cfg.Broker.Subscribe(ctx, broker.PRMToIPSMRM, h.cfg.Group, h.handleWatch)
	if err != nil {
		return fmt.Errorf("bridges host: subscribe to %s: %w", broker.PRMToIPSMRM, err)
	}
	h.mu.Lock()
	h.watch = sub
	h.mu.Unlock()
	close(h.ready)
	h.log.WithField("platformTypes", h.PlatformTypes()).Info("bridges host started")
	select {
	case <-ctx.Done():
	case <-h.done:
	}
	h.Close()
	h.log.Info("bridges host stopped")
	return nil
}

// Close stops the host at once: it closes every subscription and every
// bridge. It is idempotent.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		h.closed = true
		watch := h.watch
		slots := h.slots
		h.slots = map[string]*slot{}
		h.mu.Unlock()
		close(h.done)
		if watch != nil {
			watch.Close()
		}
		for _, s := range slots {
			s.sub.Close()
		}
		for _, s := range slots {
			s.closeBridge()
		}
		h.closers.Wait()
	})
	return nil
}

// handleWatch sees every message on prm_ipsmrm and, for a
// Platform_register, makes sure the host consumes the platform's topic
// before IPSMRM's copy of the request reaches it (see the package
// documentation for the ordering argument).
//
// Trusted routing headers (broker.ReadRoute) answer that without decoding
// the body, which matters since every observation sent down to a platform
// (platform-to-platform subscriptions) passes here.
func (h *Host) handleWatch(ctx context.Context, bm *broker.Message) error {
	var receivers []string
	r, ok := broker.Route{}, false
	if !h.cfg.DecodeAlways {
		r, ok = broker.ReadRoute(bm)
	}
	if ok {
		if !r.Has(messages.PlatformRegister.String()) || r.Has(messages.Response.String()) {
			return nil
		}
		receivers = r.Receivers
	} else {
		m, err := h.cfg.Codec.Decode(bm.Body)
		if err != nil || !m.Metadata.Is(messages.PlatformRegister) || m.Metadata.Is(messages.Response) {
			return nil // IPSMRM answers malformed requests
		}
		receivers = m.Metadata.ReceiverPlatformIDs
	}
	for _, pid := range receivers {
		if _, err := h.ensureSlot(ctx, pid); err != nil {
			return err
		}
	}
	return nil
}

// slot is one platform the host serves.
type slot struct {
	pid   string
	topic string // bridge_ipsmrm_{pid}
	sub   broker.Subscription

	mu      sync.Mutex
	bridge  Bridge
	regConv string // conversation of the Platform_register that made bridge
}

func (s *slot) closeBridge() {
	s.mu.Lock()
	b := s.bridge
	s.bridge = nil
	s.mu.Unlock()
	if b != nil {
		b.Close()
	}
}

// ensureSlot returns the platform's slot, subscribing to its topic first
// when it is new.
func (h *Host) ensureSlot(ctx context.Context, pid string) (*slot, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if s, ok := h.slots[pid]; ok {
		return s, nil
	}
	s := &slot{pid: pid, topic: broker.BridgeToIPSMRM(pid)}
	sub, err := h.cfg.Broker.Subscribe(ctx, broker.IPSMRMToBridge(pid), h.cfg.Group,
		func(ctx context.Context, bm *broker.Message) error { return h.handlePlatform(ctx, pid, bm) })
	if err != nil {
		return nil, fmt.Errorf("bridges host: subscribe to the topic of %s: %w", pid, err)
	}
	s.sub = sub
	h.slots[pid] = s
	h.log.WithField("platformId", pid).Debug("consuming the platform's topic")
	return s, nil
}

// dropSlot forgets the platform's slot and closes its subscription once the
// handler that asked has returned (a handler must not close its own
// subscription).
func (h *Host) dropSlot(s *slot) {
	h.mu.Lock()
	if h.slots[s.pid] == s {
		delete(h.slots, s.pid)
	}
	h.closers.Add(1)
	h.mu.Unlock()
	go func() {
		defer h.closers.Done()
		s.sub.Close()
		// The platform is gone: its queue on the broker goes too, where the
		// broker can remove a group.
		if r, ok := h.cfg.Broker.(broker.GroupRemover); ok {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := r.RemoveGroup(ctx, broker.IPSMRMToBridge(s.pid), h.cfg.Group); err != nil && !errors.Is(err, broker.ErrUnsupported) {
				h.log.WithError(err).WithField("platformId", s.pid).Warn("cannot remove the platform's broker queue")
			}
		}
	}()
}

func (h *Host) currentSlot(pid string) *slot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.slots[pid]
}
