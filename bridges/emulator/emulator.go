package emulator

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// Vocabulary of the emulated observations.
const (
	// ObservedProperty is what every emulated sensor observes.
	ObservedProperty = "http://inter-iot.eu/MWTestPlatform/temperature"
	// UnitDegreeC is the unit of every emulated value.
	UnitDegreeC = "http://sweet.jpl.nasa.gov/2.3/reprSciUnits.owl#degreeC"
	// observationBase + the message's UUID names an observation.
	observationBase = "http://inter-iot.eu/MWTestPlatform/observations/"
)

// NewFactory validates cfg and returns the factory of emulated platforms,
// to register under PlatformType.
func NewFactory(cfg Config) (bridges.Factory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return func(_ context.Context, s bridges.Setup) (bridges.Bridge, error) {
		if _, err := optionsOf(s.Platform); err != nil {
			return nil, err
		}
		return newBridge(cfg, s), nil
	}, nil
}

// Bridge is one emulated MWTestPlatform. It implements bridges.Bridge and
// every capability interface.
type Bridge struct {
	cfg Config
	out bridges.Emitter
	log logrus.FieldLogger

	// emitMu is held by a tick from its snapshot of the subscriptions
	// until its batch is emitted; Unsubscribe and Close wait for it, so
	// once they return nothing more is emitted for what they stopped.
	emitMu sync.Mutex

	mu       sync.Mutex
	platform bridges.Platform
	opts     options                   // read from platform.BaseEndpoint
	lastAct  []rdf.Triple              // payload of the last Actuation
	devices  map[string]bridges.Device // the inventory
	order    []string                  // inventory ids in creation order
	subs     map[string]bridges.Subscription
	subOrder []string // subscription ids in the order they came
	seq      uint64   // drives the emulated values

	// Reused by tick under emitMu: the batch and the messages, pointers,
	// types and payload triples of its observations.
	batch   []emission
	arena   []messages.Message
	ptrs    []*messages.Message
	types   []messages.Type
	triples []rdf.Triple

	wake      chan struct{} // a subscription was added
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

var (
	_ bridges.Bridge        = (*Bridge)(nil)
	_ bridges.Subscriber    = (*Bridge)(nil)
	_ bridges.DeviceManager = (*Bridge)(nil)
	_ bridges.Discoverer    = (*Bridge)(nil)
	_ bridges.Querier       = (*Bridge)(nil)
	_ bridges.Actuator      = (*Bridge)(nil)
	_ bridges.Observer      = (*Bridge)(nil)
)

func newBridge(cfg Config, s bridges.Setup) *Bridge {
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bridge{
		cfg:      cfg,
		out:      s.Emitter,
		log:      s.Log,
		platform: s.Platform,
		devices:  map[string]bridges.Device{},
		subs:     map[string]bridges.Subscription{},
		wake:     make(chan struct{}, 1),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
	}
	if b.log == nil {
		b.log = logrus.New()
	}
	b.opts, _ = optionsOf(s.Platform) // the factory refused bad options
	base := strings.TrimRight(s.Platform.ID, "/#") + "/device_"
	for i := range cfg.DeviceCount {
		id := base + strconv.Itoa(i)
		b.addLocked(bridges.Device{ID: id, Triples: b.sensorTriples(id, i)})
	}
	go b.loop()
	return b
}

// sensorTriples describes a discovered emulated sensor.
func (b *Bridge) sensorTriples(id string, i int) []rdf.Triple {
	s := rdf.IRI(id)
	typ := rdf.IRI(rdf.RDFType)
	return []rdf.Triple{
		{S: s, P: typ, O: rdf.IRI(bridges.ClassIoTDevice)},
		{S: s, P: typ, O: rdf.IRI(bridges.ClassSensor)},
		{S: s, P: rdf.IRI(bridges.PropHasName), O: rdf.String("Emulated temperature sensor " + strconv.Itoa(i))},
		{S: s, P: rdf.IRI(bridges.PropIsHostedBy), O: rdf.IRI(b.platform.ID)},
		{S: s, P: rdf.IRI(bridges.PropObserves), O: rdf.IRI(ObservedProperty)},
	}
}

func (b *Bridge) addLocked(d bridges.Device) {
	if _, ok := b.devices[d.ID]; !ok {
		b.order = append(b.order, d.ID)
	}
	b.devices[d.ID] = d
}

// UpdatePlatform takes the new description, and the options its
// baseEndpoint selects (an update asking for unknown ones is refused and
// changes nothing).
func (b *Bridge) UpdatePlatform(_ context.Context, p bridges.Platform) error {
	o, err := optionsOf(p)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.platform, b.opts = p, o
	return nil
}

// Close stops the observation loop and waits for it. It is idempotent.
func (b *Bridge) Close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		<-b.done
	})
	return nil
}

// Subscribe starts (or, for a known id, replaces) a subscription.
func (b *Bridge) Subscribe(_ context.Context, s bridges.Subscription) error {
	if b.ctx.Err() != nil {
		return bridges.ErrClosed
	}
	s.DeviceIDs = slices.Clone(s.DeviceIDs)
	b.mu.Lock()
	if _, ok := b.subs[s.ID]; !ok {
		b.subOrder = append(b.subOrder, s.ID)
	}
	b.subs[s.ID] = s
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
	b.log.WithFields(logrus.Fields{"conversationId": s.ID, "devices": len(s.DeviceIDs), "restored": s.Restored}).Debug("subscribed")
	return nil
}

// Unsubscribe stops a subscription; an unknown one is already stopped.
// When it returns, no observation of the subscription is emitted any more.
func (b *Bridge) Unsubscribe(_ context.Context, id string) error {
	b.mu.Lock()
	if _, ok := b.subs[id]; ok {
		delete(b.subs, id)
		b.subOrder = slices.DeleteFunc(b.subOrder, func(x string) bool { return x == id })
	}
	b.mu.Unlock()
	b.emitMu.Lock() // wait out a tick that took the subscription before
	b.emitMu.Unlock()
	return nil
}

// CreateDevices adds devices to the inventory; they are observed like the
// discovered ones.
func (b *Bridge) CreateDevices(_ context.Context, ds []bridges.Device) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range ds {
		b.addLocked(d)
	}
	return nil
}

// UpdateDevices replaces the descriptions of devices (adding unknown ones).
func (b *Bridge) UpdateDevices(ctx context.Context, ds []bridges.Device) error {
	return b.CreateDevices(ctx, ds)
}

// DeleteDevices removes devices from the inventory.
func (b *Bridge) DeleteDevices(_ context.Context, ids []string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		if _, ok := b.devices[id]; ok {
			delete(b.devices, id)
			b.order = slices.DeleteFunc(b.order, func(x string) bool { return x == id })
		}
	}
	return nil
}

// ListDevices returns the inventory.
func (b *Bridge) ListDevices(context.Context) ([]bridges.Device, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]bridges.Device, 0, len(b.order))
	for _, id := range b.order {
		out = append(out, b.devices[id])
	}
	return out, nil
}

// Query returns a current observation of each device asked for (of the
// whole inventory when none is), in the platform's profile.
func (b *Bridge) Query(_ context.Context, ids []string) ([]rdf.Triple, error) {
	b.mu.Lock()
	if len(ids) == 0 {
		ids = slices.Clone(b.order)
	}
	o := b.opts
	b.mu.Unlock()
	now := b.cfg.Now()
	stamp := now.UTC().Format(time.RFC3339Nano)
	var out []rdf.Triple
	for i, id := range ids {
		seq := b.nextSeq()
		n := strconv.Itoa(i)
		if o.profile == ProfileBodyCloud {
			out = appendBodyCloud(out, "q"+n, "d"+n, id, o.user, weight(seq), now)
			continue
		}
		out = appendObservation(out, observationBase+"query/"+strconv.FormatUint(seq, 10), id, "r"+n, value(seq), stamp)
	}
	return out, nil
}

// Actuate accepts every actuation and keeps its payload (LastActuation).
// A platform registered with actuation=echo answers with that payload, as
// it reached the platform (after the hub's downstream translation);
// otherwise the answer has an empty payload.
func (b *Bridge) Actuate(_ context.Context, req *messages.Message) ([]rdf.Triple, error) {
	p := slices.Clone(req.Payload)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lastAct = p
	if b.opts.echo {
		return slices.Clone(p), nil
	}
	return nil, nil
}

// LastActuation returns the payload of the last Actuation the platform
// received (nil before the first).
func (b *Bridge) LastActuation() []rdf.Triple {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.lastAct)
}

// Observe forwards an observation that a platform-to-platform subscription
// sent to one of this platform's devices to every subscription of that
// device, as the INTER-MW test bridge did.
func (b *Bridge) Observe(ctx context.Context, obs *messages.Message) error {
	if b.ctx.Err() != nil {
		return bridges.ErrClosed
	}
	sensors := map[string]bool{}
	for _, t := range obs.Payload {
		if t.P.Value == bridges.PropMadeBySensor && t.O.IsIRI() {
			sensors[t.O.Value] = true
		}
	}
	b.mu.Lock()
	var targets []bridges.Subscription
	for _, s := range b.subs {
		if slices.ContainsFunc(s.DeviceIDs, func(id string) bool { return sensors[id] }) {
			targets = append(targets, s)
		}
	}
	b.mu.Unlock()
	for _, s := range targets {
		m := obs.Clone()
		m.Metadata.ConversationID = s.ID
		m.Metadata.ClientID = s.ClientID
		m.Metadata.ReceiverPlatformIDs = nil
		if err := b.out.Emit(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bridge) nextSeq() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	return b.seq
}
