package prm_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/bridges/emulator"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/prm"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeP2P is a registry of platform-to-platform subscriptions.
type fakeP2P struct {
	mu     sync.Mutex
	routes map[string]prm.P2PRoute
}

func (f *fakeP2P) P2PSubscription(_ context.Context, conv string) (prm.P2PRoute, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.routes[conv]
	return r, ok, nil
}

// hub is PRM, IPSMRM and the bridges host with the emulator over one
// memory broker, Services echoed, and collectors on prm_arm and error.
type hub struct {
	b      broker.Broker
	codec  *messages.Codec
	arm    *collector
	errs   *collector
	p2p    *fakeP2P
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startHub(t *testing.T, replay prm.State) *hub {
	t.Helper()
	b := newBroker(t)
	codec := newCodec(t)
	f, err := emulator.NewFactory(emulator.Config{ObservationInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	host, err := bridges.NewHost(bridges.Config{Broker: b, Codec: codec, Factories: map[string]bridges.Factory{emulator.PlatformType: f}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ipsmrm.New(ipsmrm.Config{Broker: b, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	h := &hub{b: b, codec: codec, p2p: &fakeP2P{routes: map[string]prm.P2PRoute{}}}
	p, err := prm.New(prm.Config{Broker: b, Codec: codec, PlatformTypes: host.PlatformTypes, P2P: h.p2p, Replay: replay})
	if err != nil {
		t.Fatal(err)
	}
	h.arm = collect(t, b, codec, broker.PRMToARM, "arm")
	h.errs = collect(t, b, codec, broker.ErrorTopic, "errors")
	echoServices(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	run := func(f func(context.Context) error) {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			if err := f(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		}()
	}
	run(host.Run)
	run(r.Run)
	waitReady(t, host.Ready(), r.Ready())
	run(p.Run)
	waitReady(t, p.Ready())
	t.Cleanup(func() {
		h.cancel()
		h.wg.Wait()
		b.Close()
	})
	return h
}

func (h *hub) request(t *testing.T, typ messages.Type, platform string, build func(m *messages.Message)) *messages.Message {
	t.Helper()
	m := messages.NewRequest(typ)
	m.Metadata.ClientID = "client-1"
	if platform != "" {
		m.Metadata.ReceiverPlatformIDs = []string{platform}
	}
	if build != nil {
		build(m)
	}
	publish(t, h.b, h.codec, broker.ARMToPRM, m)
	return m
}

// ask sends a request and returns its one reply, which must be no Error.
func (h *hub) ask(t *testing.T, typ messages.Type, platform string, build func(m *messages.Message)) (*messages.Message, *messages.Message) {
	t.Helper()
	req := h.request(t, typ, platform, build)
	r := h.arm.waitCount(t, 1, replyTo(req.Metadata.ConversationID))[0]
	if r.Metadata.Is(messages.Error) {
		t.Fatalf("%s answered with an Error: %s", typ, r.Metadata.ErrDesc)
	}
	return req, r
}

func (h *hub) register(t *testing.T, pid string) {
	t.Helper()
	_, r := h.ask(t, messages.PlatformRegister, pid, func(m *messages.Message) {
		m.Payload = bridges.PlatformTriples(bridges.Platform{ID: pid, Type: emulator.PlatformType, Name: "emulated"})
	})
	if r.Metadata.SenderPlatformID != pid || !r.Metadata.Is(messages.PlatformRegister) {
		t.Fatalf("Platform_register reply from %q typed %v", r.Metadata.SenderPlatformID, r.Metadata.Types)
	}
}

func (h *hub) subscribe(t *testing.T, pid string, devices ...string) string {
	t.Helper()
	req, _ := h.ask(t, messages.Subscribe, pid, func(m *messages.Message) {
		for _, d := range devices {
			m.Payload = append(m.Payload, bridges.DeviceTriples(d, pid, false)...)
		}
	})
	return req.Metadata.ConversationID
}

const (
	platformA = "http://test.inter-iot.eu/platform-a"
	platformB = "http://test.inter-iot.eu/platform-b"
)

func TestLifecycleThroughPRMIPSMRMAndTheEmulator(t *testing.T) {
	h := startHub(t, nil)

	t.Run("platform types are answered by PRM from the host's factories", func(t *testing.T) {
		_, r := h.ask(t, messages.ListSupportedPlatformTypes, "", nil)
		if len(r.Payload) != 1 || r.Payload[0].S.Value != prm.PlatformTypesNode || r.Payload[0].O.Value != emulator.PlatformType {
			t.Fatalf("payload %v", r.Payload)
		}
	})
	t.Run("registering a platform is confirmed by its bridge", func(t *testing.T) { h.register(t, platformA) })

	device := platformA + "/device_0"
	var sub string
	t.Run("a subscription streams observations with its conversation id and the platform as sender", func(t *testing.T) {
		sub = h.subscribe(t, platformA, device, platformA+"/device_1")
		for _, o := range h.arm.waitCount(t, 4, observationsOf(sub)) {
			if o.Metadata.SenderPlatformID != platformA {
				t.Errorf("observation from %q", o.Metadata.SenderPlatformID)
			}
		}
	})
	t.Run("unsubscribing answers on a new conversation and ends the stream", func(t *testing.T) {
		req, r := h.ask(t, messages.Unsubscribe, platformA, func(m *messages.Message) { m.Metadata.SubscriptionID = sub })
		if r.Metadata.ConversationID == sub || r.Metadata.ConversationID != req.Metadata.ConversationID {
			t.Fatalf("Unsubscribe answered on %q", r.Metadata.ConversationID)
		}
		other := h.subscribe(t, platformA, device)
		h.arm.waitCount(t, 2, observationsOf(other))
		before := len(h.arm.all(observationsOf(sub)))
		h.arm.waitCount(t, 6, observationsOf(other))
		if after := len(h.arm.all(observationsOf(sub))); after != before {
			t.Errorf("%d observations of the cancelled subscription after it ended", after-before)
		}
		h.ask(t, messages.Unsubscribe, platformA, func(m *messages.Message) { m.Metadata.SubscriptionID = other })
	})
	t.Run("discovery reports the inventory to the registry before the reply", func(t *testing.T) {
		req, _ := h.ask(t, messages.DiscoveryList, platformA, nil)
		if got := h.arm.all(func(m *messages.Message) bool {
			return m.Metadata.ConversationID == req.Metadata.ConversationID && m.Metadata.Is(messages.DeviceInit)
		}); len(got) != 0 {
			t.Errorf("Device_Init reached the client")
		}
	})
	t.Run("query, actuation and device management are answered", func(t *testing.T) {
		for _, typ := range []messages.Type{messages.Query, messages.Actuation} {
			h.ask(t, typ, platformA, nil)
		}
		for _, typ := range []messages.Type{messages.PlatformCreateDevice, messages.PlatformUpdateDevice, messages.PlatformDeleteDevice} {
			h.ask(t, typ, platformA, func(m *messages.Message) { m.Payload = bridges.DeviceTriples(platformA+"/new", platformA, false) })
		}
	})
	t.Run("a platform-to-platform subscription feeds the target device's subscribers", func(t *testing.T) {
		h.register(t, platformB)
		virtual := platformB + "/virtual"
		h.ask(t, messages.PlatformCreateDevice, platformB, func(m *messages.Message) {
			m.Payload = bridges.DeviceTriples(virtual, platformB, true)
		})
		watch := h.subscribe(t, platformB, virtual)
		p2p := messages.NewRequest(messages.VirtualSubscribe)
		p2p.Metadata.ClientID = "client-1"
		h.p2p.mu.Lock()
		h.p2p.routes[p2p.Metadata.ConversationID] = prm.P2PRoute{
			ConversationID: p2p.Metadata.ConversationID, ClientID: "client-1",
			SourcePlatformID: platformA, SourceDeviceID: device, TargetPlatformID: platformB, TargetDeviceID: virtual,
		}
		h.p2p.mu.Unlock()
		publish(t, h.b, h.codec, broker.ARMToPRM, p2p)
		r := h.arm.waitCount(t, 1, replyTo(p2p.Metadata.ConversationID))[0]
		if !r.Metadata.Is(messages.VirtualSubscribe) || r.Metadata.Is(messages.Subscribe) || r.Metadata.Is(messages.Error) {
			t.Errorf("Virtual_subscribe answered %v", r.Metadata.Types)
		}
		for _, o := range h.arm.waitCount(t, 3, observationsOf(watch)) {
			if o.Metadata.SenderPlatformID != platformB {
				t.Errorf("forwarded observation from %q", o.Metadata.SenderPlatformID)
			}
			for _, tr := range o.Payload {
				if tr.P.Value == bridges.PropMadeBySensor && tr.O.Value != virtual {
					t.Errorf("forwarded observation made by %q", tr.O.Value)
				}
			}
		}
		if n := len(h.arm.all(observationsOf(p2p.Metadata.ConversationID))); n != 0 {
			t.Errorf("%d source observations reached the client", n)
		}
		un, r2 := h.ask(t, messages.VirtualUnsubscribe, "", func(m *messages.Message) { m.Metadata.SubscriptionID = p2p.Metadata.ConversationID })
		if !r2.Metadata.Is(messages.VirtualUnsubscribe) || r2.Metadata.ConversationID != un.Metadata.ConversationID {
			t.Errorf("Virtual_unsubscribe answered %v on %s", r2.Metadata.Types, r2.Metadata.ConversationID)
		}
	})
	t.Run("unregistering the platforms is confirmed", func(t *testing.T) {
		for _, pid := range []string{platformA, platformB} {
			_, r := h.ask(t, messages.PlatformUnregister, pid, nil)
			if r.Metadata.SenderPlatformID != pid {
				t.Errorf("unregister answered by %q", r.Metadata.SenderPlatformID)
			}
		}
	})
	if errs := h.errs.all(func(*messages.Message) bool { return true }); len(errs) != 0 {
		t.Errorf("%d messages on the error topic, first: %v %s", len(errs), errs[0].Metadata.Types, errs[0].Metadata.ErrDesc)
	}
}

// replayState is a registry that knows one platform and one subscription.
type replayState struct{ sub prm.ReplaySubscription }

func (s replayState) Platforms(context.Context) ([]prm.ReplayPlatform, error) {
	return []prm.ReplayPlatform{{ID: platformA, Type: emulator.PlatformType}}, nil
}

func (s replayState) Subscriptions(context.Context) ([]prm.ReplaySubscription, error) {
	return []prm.ReplaySubscription{s.sub}, nil
}

func TestSysInitReplayRearmsSubscriptionsWithoutReplies(t *testing.T) {
	sub := prm.ReplaySubscription{ConversationID: "conv-restored", ClientID: "client-1", PlatformID: platformA, DeviceIDs: []string{platformA + "/device_2"}}
	h := startHub(t, replayState{sub: sub})
	obs := h.arm.waitCount(t, 3, observationsOf(sub.ConversationID))
	if obs[0].Metadata.SenderPlatformID != platformA {
		t.Errorf("observation from %q", obs[0].Metadata.SenderPlatformID)
	}
	if rs := h.arm.all(func(m *messages.Message) bool { return m.Metadata.Is(messages.Response) }); len(rs) != 0 {
		t.Errorf("the replay produced %d replies for clients, first %v", len(rs), rs[0].Metadata.Types)
	}
	// The restored platform takes requests as usual.
	h.ask(t, messages.Unsubscribe, platformA, func(m *messages.Message) { m.Metadata.SubscriptionID = sub.ConversationID })
	if errs := h.errs.all(func(*messages.Message) bool { return true }); len(errs) != 0 {
		t.Errorf("%d messages on the error topic", len(errs))
	}
}
