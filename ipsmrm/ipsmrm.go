package ipsmrm

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
	"github.com/intermw/intermw/messages/routing"
)

// PubSub is what IPSMRM needs from a broker.
type PubSub interface {
	broker.Publisher
	broker.Subscriber
}

// Platforms lists the platforms registered before IPSMRM started, so that
// it consumes their bridges' topics at once.
type Platforms interface {
	Platforms(ctx context.Context) ([]PlatformInfo, error)
}

// Defaults of Config.
const (
	DefaultGroup            = "ipsmrm"
	DefaultRegisterRetry    = 20 * time.Millisecond
	DefaultRegisterRetryMax = time.Second
	DefaultRegisterTimeout  = 30 * time.Second
)

// ErrCategory is the errCategory of the Error replies IPSMRM sends.
const ErrCategory = "IPSMRM_ERROR"

// Config configures an IPSMRM.
type Config struct {
	// Broker carries IPSMRM's traffic. Required.
	Broker PubSub
	// Codec reads and writes messages. Required.
	Codec *messages.Codec
	// Translator translates data messages. Default: none (pass-through,
	// without re-encoding).
	Translator Translator
	// Platforms lists the platforms known at start. Optional: IPSMRM also
	// learns platforms from the Platform_register requests (and Sys_init
	// replays) that pass through it.
	Platforms Platforms
	// Group is IPSMRM's consumer group. Default "ipsmrm".
	Group string
	// DecodeAlways makes IPSMRM decode every delivered message and ignore
	// its routing headers, as it did before they existed. For comparison
	// (the prm package's BenchmarkObservationPipeline) and debugging.
	DecodeAlways bool
	// RegisterRetry is the first pause before a Platform_register is sent
	// again to a bridge that has not answered (it doubles up to
	// RegisterRetryMax); RegisterTimeout is when IPSMRM gives up and
	// answers with an Error. Defaults 20ms, 1s, 30s.
	RegisterRetry    time.Duration
	RegisterRetryMax time.Duration
	RegisterTimeout  time.Duration
	// Builder stamps Error replies. Default: wall clock, random UUIDs.
	Builder messages.Builder
	// Log receives lifecycle logs (Info) and per-message logs (Debug).
	// Default: discarded.
	Log logrus.FieldLogger
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Broker == nil {
		errs = append(errs, errors.New("ipsmrm: Broker is required"))
	}
	if c.Codec == nil {
		errs = append(errs, errors.New("ipsmrm: Codec is required"))
	}
	if c.Group != "" {
		if err := broker.ValidateGroup(c.Group); err != nil {
			errs = append(errs, fmt.Errorf("ipsmrm: %w", err))
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"RegisterRetry", c.RegisterRetry}, {"RegisterRetryMax", c.RegisterRetryMax}, {"RegisterTimeout", c.RegisterTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("ipsmrm: %s %v is negative", d.name, d.v))
		}
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.RegisterRetry == 0 {
		c.RegisterRetry = DefaultRegisterRetry
	}
	if c.RegisterRetryMax == 0 {
		c.RegisterRetryMax = DefaultRegisterRetryMax
	}
	if c.RegisterTimeout == 0 {
		c.RegisterTimeout = DefaultRegisterTimeout
	}
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.Log = l
	}
	return c
}

// IPSMRM routes messages between PRM and the bridges. Make one with New,
// then Run it.
type IPSMRM struct {
	cfg    Config
	log    logrus.FieldLogger
	debug  bool // log writes Debug entries
	reader *routing.Reader

	mu        sync.Mutex
	closed    bool
	platforms map[string]*platform // platformId → what IPSMRM knows
	pending   map[string]chan struct{}
	subs      []broker.Subscription

	ctx       context.Context // cancelled by Close; bounds the retry loops
	cancel    context.CancelFunc
	retries   sync.WaitGroup
	ready     chan struct{}
	runOnce   sync.Once
	closeOnce sync.Once
}

type platform struct {
	info       PlatformInfo
	subscribed bool
	downTopic  string // ipsmrm_bridge_{platformId}
	// registering counts the Platform_register requests sent to the
	// bridge and not answered yet; while there are any, other requests for
	// the platform are held in held and sent once one is answered, so that
	// they never reach the bridges host before the bridge exists.
	registering int
	held        []broker.Message
}

// New validates cfg and returns an IPSMRM. It starts nothing.
func New(cfg Config) (*IPSMRM, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	r := &IPSMRM{
		cfg:       cfg,
		log:       cfg.Log.WithField("component", "ipsmrm"),
		debug:     debugEnabled(cfg.Log),
		platforms: map[string]*platform{},
		pending:   map[string]chan struct{}{},
		ctx:       ctx,
		cancel:    cancel,
		ready:     make(chan struct{}),
	}
	r.reader = &routing.Reader{Codec: cfg.Codec, Errors: cfg.Broker, DecodeAlways: cfg.DecodeAlways, Log: r.log}
	return r, nil
}

// Ready is closed once Run consumes prm_ipsmrm and the topics of the
// platforms Config.Platforms listed.
func (r *IPSMRM) Ready() <-chan struct{} { return r.ready }

// Run consumes prm_ipsmrm and the bridges' topics until ctx ends or Close
// is called. It returns nil on a normal stop.
func (r *IPSMRM) Run(ctx context.Context) error {
	started := false
	r.runOnce.Do(func() { started = true })
	if !started {
		return errors.New("ipsmrm: Run called twice")
	}
	defer r.Close()
	sub, err := r.cfg.Broker.Subscribe(ctx, broker.PRMToIPSMRM, r.cfg.Group, r.handleDown)
	if err != nil {
		return fmt.Errorf("ipsmrm: subscribe to %s: %w", broker.PRMToIPSMRM, err)
	}
	r.addSub(sub)
	if r.cfg.Platforms != nil {
		ps, err := r.cfg.Platforms.Platforms(ctx)
		if err != nil {
			return fmt.Errorf("ipsmrm: list platforms: %w", err)
		}
		for _, p := range ps {
			r.learn(p)
			if _, err := r.ensureSubscribed(ctx, p.ID); err != nil {
				return err
			}
		}
	}
	close(r.ready)
	r.log.Info("ipsmrm started")
	select {
	case <-ctx.Done():
	case <-r.ctx.Done():
	}
	r.log.Info("ipsmrm stopped")
	return nil
}

// Close stops at once: subscriptions close and pending registrations are
// abandoned. It is idempotent.
func (r *IPSMRM) Close() error {
	r.closeOnce.Do(func() {
		r.cancel()
		r.mu.Lock()
		r.closed = true
		subs := r.subs
		r.subs = nil
		r.mu.Unlock()
		for _, s := range subs {
			s.Close()
		}
		r.retries.Wait()
	})
	return nil
}

func (r *IPSMRM) addSub(s broker.Subscription) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs = append(r.subs, s)
}

// learn records what a Platform_register says about a platform.
func (r *IPSMRM) learn(info PlatformInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.platforms[info.ID]
	if p == nil {
		p = &platform{}
		r.platforms[info.ID] = p
	}
	p.info = info
}

func (r *IPSMRM) info(pid string) PlatformInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.platforms[pid]; p != nil {
		return p.info
	}
	return PlatformInfo{ID: pid}
}

// ensureSubscribed consumes bridge_ipsmrm_{pid} unless IPSMRM already does,
// and returns ipsmrm_bridge_{pid}, the topic to send the platform (names
// are built once per platform: escaping an IRI hashes it).
// The subscription stays until Close, also after the platform unregisters,
// so that whatever its bridge sent last is still carried up.
func (r *IPSMRM) ensureSubscribed(ctx context.Context, pid string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return "", broker.ErrClosed
	}
	p := r.platforms[pid]
	if p == nil {
		p = &platform{info: PlatformInfo{ID: pid}}
		r.platforms[pid] = p
	}
	if p.downTopic == "" {
		p.downTopic = broker.IPSMRMToBridge(pid)
	}
	if p.subscribed {
		return p.downTopic, nil
	}
	sub, err := r.cfg.Broker.Subscribe(ctx, broker.BridgeToIPSMRM(pid), r.cfg.Group,
		func(ctx context.Context, bm *broker.Message) error { return r.handleUp(ctx, pid, bm) })
	if err != nil {
		return "", fmt.Errorf("ipsmrm: subscribe to the bridge of %s: %w", pid, err)
	}
	p.subscribed = true
	r.subs = append(r.subs, sub)
	r.log.WithField("platformId", pid).Debug("consuming the bridge's topic")
	return p.downTopic, nil
}

// publish encodes m and publishes it on topic, with routing headers
// written from m.
func (r *IPSMRM) publish(ctx context.Context, topic string, m *messages.Message) error {
	body, err := r.cfg.Codec.Encode(m)
	if err != nil {
		return fmt.Errorf("ipsmrm: encode %s: %w", m.Metadata.Kind(), err)
	}
	return r.cfg.Broker.Publish(ctx, topic, broker.Message{Key: m.Metadata.ConversationID, Body: body,
		Headers: broker.RouteHeaders(routing.Route(&m.Metadata), body)})
}

// replyError answers req upstream with an Error, and puts a copy on the
// error topic.
func (r *IPSMRM) replyError(ctx context.Context, log logrus.FieldLogger, req *messages.Message, cause error) error {
	log.WithError(cause).Debug("answering with an Error")
	e := r.cfg.Builder.ErrorReply(req, messages.ErrorDetails{Category: ErrCategory, Description: cause.Error()})
	if err := r.publish(ctx, broker.IPSMRMToPRM, e); err != nil {
		return err
	}
	return r.publish(ctx, broker.ErrorTopic, e)
}

// msgLog returns the logger for one message: with its fields when Debug
// logs are written, otherwise the component's logger (building fields per
// message costs more than routing it).
func (r *IPSMRM) msgLog(md *messages.Metadata) logrus.FieldLogger {
	if !r.debug {
		return r.log
	}
	return r.log.WithFields(logrus.Fields{
		"conversationId": md.ConversationID, "clientId": md.ClientID, "type": md.Kind().String(),
	})
}
