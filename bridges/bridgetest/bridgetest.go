package bridgetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// DefaultPlatformID is the platform the kit registers unless told otherwise.
const DefaultPlatformID = "http://bridgetest.intermw.example/platform"

// Config says how to run the kit against one bridge.
type Config struct {
	// Factory makes the bridge under test. Required.
	Factory bridges.Factory
	// PlatformType is the type the factory is registered under. Required.
	PlatformType string
	// PlatformID is the platform registered. Default DefaultPlatformID.
	PlatformID string
	// Devices are the devices the kit subscribes to and queries. Empty
	// means the devices the bridge reports on Discovery_List.
	Devices []string
	// Unsupported are request types the bridge does not handle: the kit
	// then expects an Error reply to them instead of a Response. Subscribe
	// among them skips the observation checks.
	Unsupported []messages.Type
	// Timeout bounds every wait. Default 10s.
	Timeout time.Duration
}

// Run registers a platform served by cfg.Factory in a bridges.Host over an
// in-memory broker, sends it every request type, and checks the answers
// and the observation stream. Callers check goroutine leaks themselves
// (goleak) after Run returns: Run closes the host and the broker.
func Run(t *testing.T, cfg Config) {
	t.Helper()
	if cfg.Factory == nil || cfg.PlatformType == "" {
		t.Fatal("bridgetest: Factory and PlatformType are required")
	}
	if cfg.PlatformID == "" {
		cfg.PlatformID = DefaultPlatformID
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	k := newKit(t, cfg)
	defer k.close()

	t.Run("registering the platform is answered by a Platform_register Response from it", k.register)
	t.Run("every request type is answered on its conversation by the platform", k.requests)
	t.Run("a request that does not name the platform is not served", k.misaddressed)
	t.Run("a subscription's observations carry its conversation id and the platform as sender", k.subscribe)
	t.Run("unsubscribing is answered on a new conversation and stops the observations", k.unsubscribe)
	t.Run("a Sys_init replay re-arms a subscription", k.sysInit)
	t.Run("unregistering closes the bridge before the answer and stops everything", k.unregister)
	t.Run("a request for an unknown platform type is answered with an Error", k.unknownType)
	t.Run("every message the host published carries routing headers that describe it", k.routeHeaders)
}

// misaddressed sends the platform's topic a request for another platform
// (as routing headers lying about the receivers would), then a proper one:
// once the second is answered, the first must not have been.
func (k *kit) misaddressed(t *testing.T) {
	other := k.request(messages.Query, nil)
	other.Metadata.ReceiverPlatformIDs = []string{k.cfg.PlatformID + "/not-this-one"}
	k.publish(t, broker.IPSMRMToBridge(k.cfg.PlatformID), other)
	k.send(t, k.request(messages.Query, nil))
	conv := other.Metadata.ConversationID
	if n := k.rec.count(func(m *messages.Message) bool { return m.Metadata.ConversationID == conv }); n != 0 {
		t.Errorf("the request for another platform was answered %d times", n)
	}
}

// routeHeaders checks that the host wrote routing headers (see
// broker.ReadRoute) matching the body on everything it published upstream.
func (k *kit) routeHeaders(t *testing.T) {
	k.rec.mu.Lock()
	bad := slices.Clone(k.rec.badHeaders)
	n := len(k.rec.published)
	k.rec.mu.Unlock()
	if n == 0 {
		t.Fatal("the host published nothing")
	}
	for _, b := range bad {
		t.Error(b)
	}
}

// kit is one run's state.
type kit struct {
	t       *testing.T
	cfg     Config
	ctx     context.Context
	cancel  context.CancelFunc
	broker  *memory.Broker
	rec     *recorder
	codec   *messages.Codec
	host    *bridges.Host
	runErr  chan error
	builder messages.Builder
	devices []string
	// sub is the live subscription, shared by the steps.
	sub *messages.Message
}

func newKit(t *testing.T, cfg Config) *kit {
	ctx, cancel := context.WithCancel(context.Background())
	b, err := memory.New(ctx, memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	codec, err := messages.New(messages.Config{})
	if err != nil {
		t.Fatal(err)
	}
	k := &kit{t: t, cfg: cfg, ctx: ctx, cancel: cancel, broker: b, codec: codec, runErr: make(chan error, 1)}
	k.rec = newRecorder(b, codec, cfg.PlatformID)
	if err := k.rec.subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	host, err := bridges.NewHost(bridges.Config{
		Broker:    k.rec,
		Codec:     codec,
		Factories: map[string]bridges.Factory{cfg.PlatformType: cfg.Factory},
	})
	if err != nil {
		t.Fatal(err)
	}
	k.host = host
	go func() { k.runErr <- host.Run(ctx) }()
	select {
	case <-host.Ready():
	case <-time.After(cfg.Timeout):
		t.Fatal("bridgetest: the host did not get ready")
	}
	return k
}

func (k *kit) close() {
	k.cancel()
	if err := <-k.runErr; err != nil {
		k.t.Errorf("host Run: %v", err)
	}
	k.host.Close()
	k.broker.Close()
}

func (k *kit) unsupported(t messages.Type) bool { return slices.Contains(k.cfg.Unsupported, t) }

// request builds a request of type typ for the platform.
func (k *kit) request(typ messages.Type, payload []rdf.Triple) *messages.Message {
	m := k.builder.Request(typ)
	m.Metadata.ClientID = "bridgetest"
	m.Metadata.ReceiverPlatformIDs = []string{k.cfg.PlatformID}
	m.Payload = payload
	return m
}

func (k *kit) publish(t *testing.T, topic string, m *messages.Message) {
	t.Helper()
	body, err := k.codec.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.broker.Publish(k.ctx, topic, broker.Message{Key: m.Metadata.ConversationID, Body: body}); err != nil {
		t.Fatal(err)
	}
}

// send publishes req on the platform's topic and waits for its reply.
func (k *kit) send(t *testing.T, req *messages.Message) *messages.Message {
	t.Helper()
	k.publish(t, broker.IPSMRMToBridge(k.cfg.PlatformID), req)
	return k.reply(t, req)
}

func (k *kit) reply(t *testing.T, req *messages.Message) *messages.Message {
	t.Helper()
	conv := req.Metadata.ConversationID
	r, ok := k.rec.waitFor(k.cfg.Timeout, func(m *messages.Message) bool {
		return m.Metadata.ConversationID == conv && m.Metadata.Is(messages.Response)
	})
	if !ok {
		t.Fatalf("no reply to %s %s within %v", req.Metadata.Kind(), conv, k.cfg.Timeout)
	}
	return r
}

// checkReply checks a reply to req: Response (or Error when the type is
// unsupported), the request's conversation and types, the platform as
// sender.
func (k *kit) checkReply(t *testing.T, req, r *messages.Message) {
	t.Helper()
	md := &r.Metadata
	if md.ConversationID != req.Metadata.ConversationID {
		t.Errorf("reply conversation %q, want %q", md.ConversationID, req.Metadata.ConversationID)
	}
	if md.SenderPlatformID != k.cfg.PlatformID {
		t.Errorf("reply SenderPlatformId %q, want %q", md.SenderPlatformID, k.cfg.PlatformID)
	}
	for _, typ := range req.Metadata.Types {
		if !md.Is(typ) {
			t.Errorf("reply types %v lack the request's %s", md.Types, typ)
		}
	}
	wantErr := k.unsupported(req.Metadata.Kind())
	if md.Is(messages.Error) != wantErr {
		t.Errorf("%s reply: Error=%v (%s), want Error=%v", req.Metadata.Kind(), md.Is(messages.Error), md.ErrDesc, wantErr)
	}
}

func (k *kit) register(t *testing.T) {
	req := k.request(messages.PlatformRegister, bridges.PlatformTriples(bridges.Platform{
		ID: k.cfg.PlatformID, Type: k.cfg.PlatformType, Name: "bridgetest platform",
	}))
	// Play IPSMRM: the host learns of the platform on prm_ipsmrm, and the
	// request is repeated on the platform's topic until answered.
	k.publish(t, broker.PRMToIPSMRM, req)
	deadline := time.Now().Add(k.cfg.Timeout)
	for {
		k.publish(t, broker.IPSMRMToBridge(k.cfg.PlatformID), req)
		if r, ok := k.rec.waitFor(10*time.Millisecond, func(m *messages.Message) bool {
			return m.Metadata.ConversationID == req.Metadata.ConversationID
		}); ok {
			k.checkReply(t, req, r)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no reply to Platform_register")
		}
	}
	// Repeats of the request are not answered twice.
	k.publish(t, broker.IPSMRMToBridge(k.cfg.PlatformID), req)
	marker := k.request(messages.PlatformUpdate, bridges.PlatformTriples(bridges.Platform{ID: k.cfg.PlatformID, Type: k.cfg.PlatformType, Name: "renamed"}))
	k.send(t, marker)
	if n := k.rec.count(func(m *messages.Message) bool {
		return m.Metadata.ConversationID == req.Metadata.ConversationID
	}); n != 1 {
		t.Errorf("Platform_register answered %d times, want once", n)
	}
}

func (k *kit) requests(t *testing.T) {
	created := k.cfg.PlatformID + "/bridgetest-device"
	cases := []struct {
		name    string
		typ     messages.Type
		payload []rdf.Triple
		check   func(t *testing.T, req, r *messages.Message)
	}{
		{"Platform_update", messages.PlatformUpdate, bridges.PlatformTriples(bridges.Platform{ID: k.cfg.PlatformID, Type: k.cfg.PlatformType, Name: "updated"}), nil},
		{"Platform_create_Device", messages.PlatformCreateDevice, bridges.DeviceTriples(created, k.cfg.PlatformID, false), k.echoesPayload},
		{"Platform_update_Device", messages.PlatformUpdateDevice, bridges.DeviceTriples(created, k.cfg.PlatformID, false), k.echoesPayload},
		{"Discovery_List", messages.DiscoveryList, nil, k.reportsDevices},
		{"Query", messages.Query, nil, nil},
		{"Actuation", messages.Actuation, nil, nil},
		{"Platform_delete_Device", messages.PlatformDeleteDevice, bridges.DeviceTriples(created, k.cfg.PlatformID, false), k.echoesPayload},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := k.request(c.typ, c.payload)
			r := k.send(t, req)
			k.checkReply(t, req, r)
			if c.check != nil && !k.unsupported(c.typ) {
				c.check(t, req, r)
			}
		})
	}
	if len(k.devices) == 0 {
		k.devices = k.cfg.Devices
	}
	if len(k.devices) == 0 {
		k.devices = []string{created}
	}
}

func (k *kit) echoesPayload(t *testing.T, req, r *messages.Message) {
	if !rdf.IsomorphicGraphs(req.Payload, r.Payload) {
		t.Errorf("the reply to %s does not carry the request's devices: %v", req.Metadata.Kind(), r.Payload)
	}
}

// reportsDevices checks that a Device_Init came on the conversation before
// the reply, from the platform.
func (k *kit) reportsDevices(t *testing.T, req, _ *messages.Message) {
	init, ok := k.rec.waitFor(k.cfg.Timeout, func(m *messages.Message) bool {
		return m.Metadata.ConversationID == req.Metadata.ConversationID && m.Metadata.Is(messages.DeviceInit)
	})
	if !ok {
		t.Fatal("no Device_Init on the Discovery_List conversation")
	}
	if init.Metadata.SenderPlatformID != k.cfg.PlatformID {
		t.Errorf("Device_Init SenderPlatformId %q", init.Metadata.SenderPlatformID)
	}
	if !k.rec.publishedBefore(init.Metadata.MessageID, func(m *messages.Message) bool {
		return m.Metadata.ConversationID == req.Metadata.ConversationID && m.Metadata.Is(messages.Response)
	}) {
		t.Error("the Device_Init was not published before the Discovery_List reply")
	}
	for _, m := range k.rec.all(func(m *messages.Message) bool {
		return m.Metadata.ConversationID == req.Metadata.ConversationID && (m.Metadata.Is(messages.DeviceInit) || m.Metadata.Is(messages.DeviceAdd))
	}) {
		k.devices = append(k.devices, bridges.DeviceIDs(m.Payload)...)
	}
	if len(k.cfg.Devices) > 0 {
		k.devices = k.cfg.Devices
	}
	if len(k.devices) > 3 {
		k.devices = k.devices[:3]
	}
}

// subscribeTo subscribes to the kit's devices and returns the request.
func (k *kit) subscribeTo(t *testing.T, extra ...messages.Type) *messages.Message {
	t.Helper()
	var payload []rdf.Triple
	for _, d := range k.devices {
		payload = append(payload, bridges.DeviceTriples(d, k.cfg.PlatformID, false)...)
	}
	req := k.request(messages.Subscribe, payload)
	for _, typ := range extra {
		req.Metadata.AddType(typ)
	}
	r := k.send(t, req)
	k.checkReply(t, req, r)
	return req
}

func (k *kit) isObservationOf(conv string) func(m *messages.Message) bool {
	return func(m *messages.Message) bool {
		return m.Metadata.ConversationID == conv && m.Metadata.Is(messages.Observation) && !m.Metadata.Is(messages.Response)
	}
}

// waitObservations waits until n observations of conv were received.
func (k *kit) waitObservations(t *testing.T, conv string, n int) []*messages.Message {
	t.Helper()
	if !k.rec.waitCount(k.cfg.Timeout, k.isObservationOf(conv), n) {
		t.Fatalf("fewer than %d observations for %s within %v", n, conv, k.cfg.Timeout)
	}
	return k.rec.all(k.isObservationOf(conv))
}

func (k *kit) subscribe(t *testing.T) {
	if k.unsupported(messages.Subscribe) {
		t.Skip("the bridge does not subscribe")
	}
	req := k.subscribeTo(t)
	k.sub = req
	for _, m := range k.waitObservations(t, req.Metadata.ConversationID, 2*len(k.devices)) {
		if m.Metadata.SenderPlatformID != k.cfg.PlatformID {
			t.Errorf("observation SenderPlatformId %q, want %q", m.Metadata.SenderPlatformID, k.cfg.PlatformID)
		}
		var made []string
		for _, tr := range m.Payload {
			if tr.P.Value == bridges.PropMadeBySensor {
				made = append(made, tr.O.Value)
			}
		}
		if len(made) == 0 {
			t.Errorf("observation without sosa:madeBySensor: %v", m.Payload)
		}
		for _, d := range made {
			if !slices.Contains(k.devices, d) {
				t.Errorf("observation made by %q, not a subscribed device", d)
			}
		}
	}
}

func (k *kit) unsubscribe(t *testing.T) {
	if k.sub == nil {
		t.Skip("no subscription")
	}
	sub := k.sub.Metadata.ConversationID
	req := k.request(messages.Unsubscribe, nil)
	req.Metadata.SubscriptionID = sub
	r := k.send(t, req)
	k.checkReply(t, req, r)
	if r.Metadata.ConversationID == sub {
		t.Error("the Unsubscribe reply came on the subscription's conversation")
	}
	// Nothing of the old subscription is published after the reply; a
	// second subscription's observations show that time has passed.
	other := k.subscribeTo(t)
	k.waitObservations(t, other.Metadata.ConversationID, 3*len(k.devices))
	if k.rec.publishedAfterReply(req.Metadata.ConversationID, k.isObservationOf(sub)) {
		t.Error("observations of the subscription were published after the Unsubscribe reply")
	}
	k.sub = other
}

func (k *kit) sysInit(t *testing.T) {
	if k.sub == nil {
		t.Skip("no subscription")
	}
	// The registration replayed for a live bridge is acknowledged.
	reg := k.request(messages.PlatformRegister, bridges.PlatformTriples(bridges.Platform{ID: k.cfg.PlatformID, Type: k.cfg.PlatformType}))
	reg.Metadata.AddType(messages.SysInit)
	k.checkReply(t, reg, k.send(t, reg))
	// A subscription replayed under its own id keeps streaming.
	replay := k.request(messages.Subscribe, nil)
	replay.Metadata.ConversationID = k.sub.Metadata.ConversationID
	replay.Metadata.AddType(messages.SysInit)
	replay.Payload = k.sub.Payload
	k.publish(t, broker.IPSMRMToBridge(k.cfg.PlatformID), replay)
	before := k.rec.count(k.isObservationOf(replay.Metadata.ConversationID))
	k.waitObservations(t, replay.Metadata.ConversationID, before+len(k.devices))
}

func (k *kit) unregister(t *testing.T) {
	req := k.request(messages.PlatformUnregister, nil)
	r := k.send(t, req)
	k.checkReply(t, req, r)
	if k.rec.publishedAfterReply(req.Metadata.ConversationID, func(m *messages.Message) bool {
		return !m.Metadata.Is(messages.Response) && m.Metadata.SenderPlatformID == k.cfg.PlatformID
	}) {
		t.Error("the bridge published after the Platform_unregister reply")
	}
}

func (k *kit) unknownType(t *testing.T) {
	pid := k.cfg.PlatformID + "/unknown-type"
	req := k.request(messages.PlatformRegister, bridges.PlatformTriples(bridges.Platform{ID: pid, Type: "http://bridgetest.intermw.example/NoSuchType"}))
	req.Metadata.ReceiverPlatformIDs = []string{pid}
	if err := k.rec.watchPlatform(k.ctx, pid); err != nil {
		t.Fatal(err)
	}
	k.publish(t, broker.PRMToIPSMRM, req)
	deadline := time.Now().Add(k.cfg.Timeout)
	for {
		k.publish(t, broker.IPSMRMToBridge(pid), req)
		if r, ok := k.rec.waitFor(10*time.Millisecond, func(m *messages.Message) bool {
			return m.Metadata.ConversationID == req.Metadata.ConversationID
		}); ok {
			if !r.Metadata.Is(messages.Error) {
				t.Errorf("Platform_register of an unknown type answered %v", r.Metadata.Types)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no reply to the Platform_register of an unknown type")
		}
	}
}

// recorder wraps the broker the host publishes through, to see the order
// of its publishes, and collects what reaches the platform's upstream topic.
type recorder struct {
	b     *memory.Broker
	codec *messages.Codec
	pid   string

	mu        sync.Mutex
	changed   chan struct{}
	received  []*messages.Message // delivered on bridge_ipsmrm topics
	published []*messages.Message // published by the host, in order
	// badHeaders describes every message the host published upstream
	// without routing headers that describe it.
	badHeaders []string
}

func newRecorder(b *memory.Broker, codec *messages.Codec, pid string) *recorder {
	return &recorder{b: b, codec: codec, pid: pid, changed: make(chan struct{})}
}

func (r *recorder) subscribe(ctx context.Context) error { return r.watchPlatform(ctx, r.pid) }

func (r *recorder) watchPlatform(ctx context.Context, pid string) error {
	_, err := r.b.Subscribe(ctx, broker.BridgeToIPSMRM(pid), "bridgetest", func(_ context.Context, bm *broker.Message) error {
		m, err := r.codec.Decode(bm.Body)
		if err != nil {
			return fmt.Errorf("bridgetest: undecodable message from the bridge: %w", err)
		}
		r.mu.Lock()
		r.received = append(r.received, m)
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
		return nil
	})
	return err
}

// Publish records what the host publishes upstream, then publishes it.
func (r *recorder) Publish(ctx context.Context, topic string, m broker.Message) error {
	if topic != broker.ErrorTopic && topic != broker.PRMToIPSMRM {
		if msg, err := r.codec.Decode(m.Body); err == nil {
			bad := routeProblem(&m, msg)
			r.mu.Lock()
			r.published = append(r.published, msg)
			if bad != "" {
				r.badHeaders = append(r.badHeaders, fmt.Sprintf("%s on %s: %s", msg.Metadata.Kind(), topic, bad))
			}
			r.mu.Unlock()
		}
	}
	return r.b.Publish(ctx, topic, m)
}

// routeProblem says how m's routing headers fail to describe msg, its
// decoded body; "" when they describe it.
func routeProblem(m *broker.Message, msg *messages.Message) string {
	rt, ok := broker.ReadRoute(m)
	if !ok {
		return "no trusted routing headers"
	}
	md := &msg.Metadata
	var types []string
	for _, t := range md.Types {
		types = append(types, t.String())
	}
	if len(md.UnknownTypes) > 0 && !md.Is(messages.Unrecognized) {
		types = append(types, messages.Unrecognized.String())
	}
	switch {
	case !slices.Equal(rt.Types, types):
		return fmt.Sprintf("types %q, body %q", rt.Types, types)
	case rt.Conversation != md.ConversationID:
		return fmt.Sprintf("conversation %q, body %q", rt.Conversation, md.ConversationID)
	case rt.Client != md.ClientID:
		return fmt.Sprintf("client %q, body %q", rt.Client, md.ClientID)
	case rt.Sender != md.SenderPlatformID:
		return fmt.Sprintf("sender %q, body %q", rt.Sender, md.SenderPlatformID)
	case !slices.Equal(rt.Receivers, md.ReceiverPlatformIDs):
		return fmt.Sprintf("receivers %q, body %q", rt.Receivers, md.ReceiverPlatformIDs)
	}
	return ""
}

func (r *recorder) Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error) {
	return r.b.Subscribe(ctx, topic, group, h)
}

// waitFor waits up to d for a received message matching pred.
func (r *recorder) waitFor(d time.Duration, pred func(*messages.Message) bool) (*messages.Message, bool) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, m := range r.received {
			if pred(m) {
				r.mu.Unlock()
				return m, true
			}
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return nil, false
		}
	}
}

// waitCount waits up to d for n received messages matching pred.
func (r *recorder) waitCount(d time.Duration, pred func(*messages.Message) bool, n int) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if r.count(pred) >= n {
			return true
		}
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		if r.count(pred) >= n {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

func (r *recorder) count(pred func(*messages.Message) bool) int { return len(r.all(pred)) }

func (r *recorder) all(pred func(*messages.Message) bool) []*messages.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*messages.Message
	for _, m := range r.received {
		if pred(m) {
			out = append(out, m)
		}
	}
	return out
}

// publishedBefore reports whether the message with messageID was
// published before the first message matching pred.
func (r *recorder) publishedBefore(messageID string, pred func(*messages.Message) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.published {
		if m.Metadata.MessageID == messageID {
			return true
		}
		if pred(m) {
			return false
		}
	}
	return false
}

// publishedAfterReply reports whether a message matching pred was
// published after the reply on conversation conv.
func (r *recorder) publishedAfterReply(conv string, pred func(*messages.Message) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := false
	for _, m := range r.published {
		if seen && pred(m) {
			return true
		}
		if m.Metadata.ConversationID == conv && m.Metadata.Is(messages.Response) {
			seen = true
		}
	}
	return false
}
