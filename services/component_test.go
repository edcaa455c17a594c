package services

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/registry"
	"github.com/intermw/intermw/services/triplestore/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness runs Services over the memory broker and the embedded store and
// collects what it publishes.
type harness struct {
	t     *testing.T
	ctx   context.Context
	reg   *registry.Registry
	codec *messages.Codec
	b     *memory.Broker
	out   chan *broker.Message // srm_prm
	errs  chan *broker.Message // error
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st := engine.NewMemory()
	reg, err := registry.New(registry.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	codec, err := messages.New(messages.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := memory.New(ctx, memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: ctx, reg: reg, codec: codec, b: b, out: make(chan *broker.Message, 64), errs: make(chan *broker.Message, 64)}
	collect := func(ch chan *broker.Message) broker.Handler {
		return func(_ context.Context, m *broker.Message) error {
			ch <- m
			return nil
		}
	}
	for topic, ch := range map[string]chan *broker.Message{broker.SRMToPRM: h.out, broker.ErrorTopic: h.errs} {
		if _, err := b.Subscribe(ctx, topic, "test", collect(ch)); err != nil {
			t.Fatal(err)
		}
	}
	// Create the services group before Run subscribes, so that nothing
	// published meanwhile is dropped.
	pre, err := b.Subscribe(ctx, broker.PRMToSRM, Group, func(context.Context, *broker.Message) error { return errors.New("not yet") })
	if err != nil {
		t.Fatal(err)
	}
	pre.Close()
	svc, err := New(Config{Broker: b, Registry: reg, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		svc.Close()
		b.Close()
		st.Close()
	})
	return h
}

// send publishes m on prm_srm.
func (h *harness) send(m *messages.Message) {
	h.t.Helper()
	body, err := h.codec.Encode(m)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.b.Publish(h.ctx, broker.PRMToSRM, broker.Message{Key: m.Metadata.ConversationID, Body: body}); err != nil {
		h.t.Fatal(err)
	}
}

// raw waits (bounded) for the next message on ch.
func (h *harness) raw(ch chan *broker.Message, what string) *broker.Message {
	h.t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		h.t.Fatalf("no message on %s within 10s", what)
		return nil
	}
}

// next waits (bounded) for the next message on ch and decodes it.
func (h *harness) next(ch chan *broker.Message, what string) *messages.Message {
	h.t.Helper()
	m, err := h.codec.Decode(h.raw(ch, what).Body)
	if err != nil {
		h.t.Fatalf("undecodable message on %s: %v", what, err)
	}
	return m
}

// none checks that nothing more was published on the error topic; it runs
// after a reply on srm_prm, which Services publishes before any copy.
func (h *harness) noErrors() {
	h.t.Helper()
	select {
	case m := <-h.errs:
		h.t.Fatalf("unexpected error message: %s", m.Body)
	default:
	}
}

var builder = messages.Builder{}

// response returns a confirmation of the given type from platform with
// payload.
func response(kind messages.Type, platform, client string, payload []rdf.Triple) *messages.Message {
	m := builder.Request(kind, messages.Response)
	m.Metadata.SenderPlatformID = platform
	m.Metadata.ClientID = client
	m.Payload = payload
	return m
}

func request(kind messages.Type, client string, payload []rdf.Triple) *messages.Message {
	m := builder.Request(kind)
	m.Metadata.ClientID = client
	m.Payload = payload
	return m
}

const plat = "http://test.inter-iot.eu/test-platform1"

func devs(ids ...string) []registry.IoTDevice {
	var out []registry.IoTDevice
	for _, id := range ids {
		out = append(out, registry.IoTDevice{DeviceID: id, Name: "dev " + id, DeviceTypes: []registry.DeviceType{registry.DeviceTypeSensor}})
	}
	return out
}

func TestServicesKeepsTheRegistryInStepWithConfirmations(t *testing.T) {
	h := newHarness(t)
	ctx := h.ctx
	platform := registry.Platform{PlatformID: plat, Type: "http://inter-iot.eu/MWTestPlatform", Name: "emulator", TimeCreated: 1}
	subscribe := response(messages.Subscribe, plat, "client1", registry.DevicesPayload(devs(plat+"/d1", plat+"/d2")))
	p2p := request(messages.VirtualSubscribe, "client1", registry.P2PPayload(registry.PlatformToPlatformSubscription{SourceDeviceID: plat + "/d1", TargetDeviceID: plat + "/d3"}))
	unsubscribe := response(messages.Unsubscribe, plat, "client1", nil)
	unsubscribe.Metadata.SubscriptionID = subscribe.Metadata.ConversationID
	p2pCancel := request(messages.VirtualUnsubscribe, "client1", nil)
	p2pCancel.Metadata.SubscriptionID = p2p.Metadata.ConversationID
	refused := response(messages.PlatformCreateDevice, plat, "client1", registry.DevicesPayload(devs(plat+"/refused")))
	refused.Metadata.AddType(messages.Error)

	steps := []struct {
		name  string
		msg   *messages.Message
		check func(t *testing.T, fwd *messages.Message)
	}{
		{"a Platform_register confirmation registers the platform", response(messages.PlatformRegister, plat, "client1", registry.PlatformPayload(platform)),
			func(t *testing.T, _ *messages.Message) {
				p, err := h.reg.GetPlatform(ctx, plat)
				if err != nil || p.Name != "emulator" || p.ClientID != "client1" {
					t.Fatalf("GetPlatform = %+v, %v", p, err)
				}
			}},
		{"a Platform_update confirmation updates it", response(messages.PlatformUpdate, plat, "client1", registry.PlatformPayload(registry.Platform{PlatformID: plat, Type: platform.Type, Name: "renamed"})),
			func(t *testing.T, _ *messages.Message) {
				p, _ := h.reg.GetPlatform(ctx, plat)
				if p.Name != "renamed" || p.TimeCreated != 1 {
					t.Fatalf("after update %+v", p)
				}
			}},
		{"a Device_Init replaces the platform's devices", response(messages.DeviceInit, plat, "", registry.DevicesPayload(devs(plat+"/d1", plat+"/d2", plat+"/d3"))),
			func(t *testing.T, _ *messages.Message) { wantDevices(t, h, 3) }},
		{"a Platform_create_Device confirmation adds devices hosted by the sender", response(messages.PlatformCreateDevice, plat, "client1", registry.DevicesPayload(devs(plat+"/d4"))),
			func(t *testing.T, _ *messages.Message) {
				wantDevices(t, h, 4)
				if p, err := h.reg.DevicePlatform(ctx, plat+"/d4"); err != nil || p != plat {
					t.Fatalf("DevicePlatform = %q, %v", p, err)
				}
			}},
		{"a refused Platform_create_Device changes nothing", refused,
			func(t *testing.T, _ *messages.Message) { wantDevices(t, h, 4) }},
		{"a Device_Add adds a device", request(messages.DeviceAdd, "", nil),
			func(t *testing.T, _ *messages.Message) { wantDevices(t, h, 5) }},
		{"a Platform_delete_Device confirmation removes it", response(messages.PlatformDeleteDevice, plat, "client1", registry.DevicesPayload(devs(plat+"/d5"))),
			func(t *testing.T, _ *messages.Message) { wantDevices(t, h, 4) }},
		{"a Device_Remove removes another", response(messages.DeviceRemove, plat, "", registry.DevicesPayload(devs(plat+"/d4"))),
			func(t *testing.T, _ *messages.Message) { wantDevices(t, h, 3) }},
		{"a Subscribe confirmation records the subscription", subscribe,
			func(t *testing.T, _ *messages.Message) {
				s, err := h.reg.Statistics(ctx, plat)
				if err != nil || s != (registry.PlatformStatistics{DeviceCount: 3, SubscribedDeviceCount: 2, SubscriptionCount: 1}) {
					t.Fatalf("Statistics = %+v, %v", s, err)
				}
			}},
		{"a Virtual_subscribe records the platform-to-platform subscription", p2p,
			func(t *testing.T, _ *messages.Message) {
				got, err := h.reg.GetP2PSubscription(ctx, p2p.Metadata.ConversationID)
				if err != nil || got.SourcePlatformID != plat || got.ClientID != "client1" {
					t.Fatalf("GetP2PSubscription = %+v, %v", got, err)
				}
			}},
		{"an Unsubscribe confirmation removes the subscription", unsubscribe,
			func(t *testing.T, _ *messages.Message) {
				if _, err := h.reg.GetSubscription(ctx, subscribe.Metadata.ConversationID); !errors.Is(err, registry.ErrNotFound) {
					t.Fatalf("GetSubscription after Unsubscribe: %v", err)
				}
			}},
		{"a Virtual_unsubscribe removes the p2p subscription and forwards its description", p2pCancel,
			func(t *testing.T, fwd *messages.Message) {
				if _, err := h.reg.GetP2PSubscription(ctx, p2p.Metadata.ConversationID); !errors.Is(err, registry.ErrNotFound) {
					t.Fatalf("GetP2PSubscription after Virtual_unsubscribe: %v", err)
				}
				s, ok := registry.P2PFromPayload(fwd.Payload)
				if !ok || s.SourceDeviceID != plat+"/d1" {
					t.Fatalf("forwarded payload lacks the subscription: %v", fwd.Payload)
				}
			}},
		{"a Platform_unregister confirmation removes the platform and its devices", response(messages.PlatformUnregister, plat, "client1", nil),
			func(t *testing.T, _ *messages.Message) {
				if _, err := h.reg.GetPlatform(ctx, plat); !errors.Is(err, registry.ErrNotFound) {
					t.Fatalf("GetPlatform after unregister: %v", err)
				}
				wantDevices(t, h, 0)
			}},
		{"a second Platform_unregister confirmation is harmless", response(messages.PlatformUnregister, plat, "client1", nil), nil},
	}
	// Device_Add reports from the bridge carry the sender.
	steps[5].msg.Metadata.SenderPlatformID = plat
	steps[5].msg.Payload = registry.DevicesPayload(devs(plat + "/d5"))

	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			body, err := h.codec.Encode(s.msg)
			if err != nil {
				t.Fatal(err)
			}
			h.send(s.msg)
			fwd := h.next(h.out, broker.SRMToPRM)
			if fwd.Metadata.ConversationID != s.msg.Metadata.ConversationID || fwd.Metadata.MessageID != s.msg.Metadata.MessageID {
				t.Fatalf("forwarded %s/%s, want the same message %s/%s", fwd.Metadata.ConversationID, fwd.Metadata.MessageID,
					s.msg.Metadata.ConversationID, s.msg.Metadata.MessageID)
			}
			if fwd.Metadata.Is(messages.Error) && !s.msg.Metadata.Is(messages.Error) {
				t.Fatalf("answered with an Error: %s", fwd.Metadata.ErrDesc)
			}
			if s.msg.Metadata.Kind() != messages.VirtualUnsubscribe {
				again, _ := h.codec.Encode(fwd)
				if string(again) != string(body) {
					t.Fatalf("the message was not forwarded unchanged")
				}
			}
			h.noErrors()
			if s.check != nil {
				s.check(t, fwd)
			}
		})
	}
}

func wantDevices(t *testing.T, h *harness, n int) {
	t.Helper()
	ds, err := h.reg.ListDevices(h.ctx, plat)
	if err != nil || len(ds) != n {
		t.Fatalf("platform has %d devices (%v), want %d", len(ds), err, n)
	}
}

func TestServicesAnswersDiscoveryQueries(t *testing.T) {
	h := newHarness(t)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.reg.RegisterPlatform(h.ctx, registry.Platform{PlatformID: plat, Type: "t", Name: "emu", Username: "u", EncryptedPassword: "secret"}))
	must(h.reg.PutDevices(h.ctx, []registry.IoTDevice{
		{DeviceID: plat + "/a", HostedBy: plat, Name: "Alpha", DeviceTypes: []registry.DeviceType{registry.DeviceTypeSensor}},
		{DeviceID: plat + "/b", HostedBy: plat, Name: "Beta", DeviceTypes: []registry.DeviceType{registry.DeviceTypeActuator}},
	}))
	query := func(kind messages.Type, q string) *messages.Message {
		m := request(kind, "client1", nil)
		m.Metadata.Query = q
		return m
	}
	tests := []struct {
		name  string
		msg   *messages.Message
		check func(t *testing.T, reply *messages.Message)
	}{
		{"a SELECT is answered in the result-set vocabulary", query(messages.DeviceDiscoveryQuery,
			`SELECT ?d ?n WHERE { GRAPH ?d { ?d iiot:hasName ?n FILTER regex(?n, "^al", "i") } }`),
			func(t *testing.T, reply *messages.Message) {
				values := map[string]string{}
				for _, tr := range reply.Payload {
					if tr.P.Value == NSResultSet+"value" {
						values[tr.O.Value] = tr.O.Kind.String()
					}
				}
				if values[plat+"/a"] != "IRI" || values["Alpha"] != "literal" || len(values) != 2 {
					t.Fatalf("result values %v", values)
				}
			}},
		{"an ASK is answered with askResult", query(messages.DeviceDiscoveryQuery, `ASK { GRAPH ?d { ?d a sosa:Actuator } }`),
			func(t *testing.T, reply *messages.Message) {
				if len(reply.Payload) != 1 || reply.Payload[0].S.Value != AskResultIRI || reply.Payload[0].O.Value != "true" {
					t.Fatalf("ASK payload %v", reply.Payload)
				}
			}},
		{"a CONSTRUCT is answered with its graph", query(messages.DeviceDiscoveryQuery,
			`CONSTRUCT { ?d a sosa:Sensor } WHERE { GRAPH ?d { ?d a sosa:Sensor } }`),
			func(t *testing.T, reply *messages.Message) {
				if len(reply.Payload) != 1 || reply.Payload[0].S.Value != plat+"/a" {
					t.Fatalf("CONSTRUCT payload %v", reply.Payload)
				}
			}},
		{"a Platform_discovery_query without a query lists platforms without credentials", query(messages.PlatformDiscoveryQuery, ""),
			func(t *testing.T, reply *messages.Message) {
				ps := registry.PlatformsFromPayload(reply.Payload)
				if len(ps) != 1 || ps[0].Name != "emu" || ps[0].EncryptedPassword != "" || ps[0].Username != "" {
					t.Fatalf("platforms %+v", ps)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.send(tt.msg)
			reply := h.next(h.out, broker.SRMToPRM)
			md := reply.Metadata
			if md.ConversationID != tt.msg.Metadata.ConversationID || !md.Is(messages.Response) || md.Is(messages.Error) || md.Kind() != tt.msg.Metadata.Kind() {
				t.Fatalf("reply %+v is not a Response to the query (%s)", md.Types, md.ErrDesc)
			}
			h.noErrors()
			tt.check(t, reply)
		})
	}
}

func TestServicesAnswersBadMessagesWithErrors(t *testing.T) {
	h := newHarness(t)
	update := request(messages.DeviceDiscoveryQuery, "client1", nil)
	update.Metadata.Query = `DROP ALL`
	hostile := response(messages.PlatformRegister, "", "client1", registry.PlatformPayload(registry.Platform{PlatformID: `http://p/x> } ; DROP ALL ; #`, Type: "t"}))
	bad := []struct {
		name    string
		msg     *messages.Message
		mention string
	}{
		{"an update as a discovery query", update, "read-only"},
		{"a malformed discovery query", func() *messages.Message {
			m := request(messages.DeviceDiscoveryQuery, "c", nil)
			m.Metadata.Query = "SELECT * WHERE {"
			return m
		}(), "syntax"},
		{"a discovery query without a query", request(messages.DeviceDiscoveryQuery, "c", nil), "without msg:query"},
		{"a platform confirmation without a description", response(messages.PlatformRegister, plat, "c", nil), "no platform description"},
		{"a platform id that cannot be an IRI", hostile, "invalid"},
		{"a Device_Init without a sender", response(messages.DeviceInit, "", "", registry.DevicesPayload(devs("http://d/1"))), "SenderPlatformId"},
		{"an Unsubscribe confirmation without a subscription id", response(messages.Unsubscribe, plat, "c", nil), "subscriptionID"},
		{"an observation, which Services does not handle", request(messages.Observation, "c", nil), "unexpected"},
		{"a platform request rather than its confirmation", request(messages.PlatformRegister, "c", nil), "unexpected"},
	}
	for _, b := range bad {
		t.Run(b.name+" is answered with an Error and a copy on the error topic", func(t *testing.T) {
			h.send(b.msg)
			reply := h.next(h.out, broker.SRMToPRM)
			copyMsg := h.next(h.errs, broker.ErrorTopic)
			md := reply.Metadata
			if !md.Is(messages.Error) || !md.Is(messages.Response) || md.ConversationID != b.msg.Metadata.ConversationID || md.ErrCategory != ErrorCategory {
				t.Fatalf("reply types %v category %q", md.Types, md.ErrCategory)
			}
			if !strings.Contains(md.ErrDesc, b.mention) {
				t.Fatalf("errDesc %q does not mention %q", md.ErrDesc, b.mention)
			}
			if copyMsg.Metadata.MessageID != md.MessageID {
				t.Fatal("the error topic holds another message than the reply")
			}
		})
	}
	t.Run("nothing was written", func(t *testing.T) {
		ps, err := h.reg.ListPlatforms(h.ctx)
		if err != nil || len(ps) != 0 {
			t.Fatalf("platforms %+v, %v", ps, err)
		}
	})
	t.Run("an undecodable message goes to the error topic as is", func(t *testing.T) {
		if err := h.b.Publish(h.ctx, broker.PRMToSRM, broker.Message{Key: "k", Body: []byte("{not json")}); err != nil {
			t.Fatal(err)
		}
		m := h.raw(h.errs, broker.ErrorTopic)
		if string(m.Body) != "{not json" || m.Headers["error"] == "" {
			t.Fatalf("error topic got %q with headers %v", m.Body, m.Headers)
		}
		select {
		case m := <-h.out:
			t.Fatalf("an undecodable message was answered on srm_prm: %s", m.Body)
		default:
		}
	})
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := Config{}.Validate()
	for _, want := range []string{"Broker", "Registry", "Codec"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Validate() = %v, want it to mention %s", err, want)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("New accepted an empty config")
	}
}
