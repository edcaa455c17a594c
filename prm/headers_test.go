package prm_test

import (
	"context"
	"maps"
	"testing"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
	"github.com/intermw/intermw/prm"
)

// prmRig is one PRM over a memory broker with raw collectors on the topics
// PRM publishes to.
type prmRig struct {
	b     broker.Broker
	codec *messages.Codec
	out   map[string]*rawCollector
	p2p   *fakeP2P
}

func startPRM(t *testing.T, decodeAlways bool) *prmRig {
	t.Helper()
	b := newBroker(t)
	t.Cleanup(func() { b.Close() })
	r := &prmRig{b: b, codec: newCodec(t), out: map[string]*rawCollector{}, p2p: &fakeP2P{routes: map[string]prm.P2PRoute{}}}
	p, err := prm.New(prm.Config{Broker: b, Codec: r.codec, P2P: r.p2p, DecodeAlways: decodeAlways,
		PlatformTypes: func() []string { return []string{"http://t/Type"} }})
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{broker.PRMToARM, broker.PRMToSRM, broker.PRMToIPSMRM, broker.ErrorTopic} {
		r.out[topic] = collectRaw(t, b, topic, "test")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitReady(t, p.Ready())
	return r
}

func (r *prmRig) publishRaw(t *testing.T, topic string, m broker.Message) {
	t.Helper()
	if err := r.b.Publish(context.Background(), topic, m); err != nil {
		t.Fatal(err)
	}
}

func (r *prmRig) encode(t *testing.T, m *messages.Message) []byte {
	t.Helper()
	body, err := r.codec.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func observation(conv, client, sender string) *messages.Message {
	m := messages.NewRequest(messages.Observation)
	m.Metadata.ConversationID = conv
	m.Metadata.ClientID = client
	m.Metadata.SenderPlatformID = sender
	return m
}

const (
	platformS = "http://t/source"
	platformT = "http://t/target"
)

// TestHeaderFastPath checks that PRM routes by trusted routing headers
// without reading the body, falls back to decoding otherwise, and hands
// on headers that the components after it can trust.
func TestHeaderFastPath(t *testing.T) {
	notJSONLD := []byte("not JSON-LD: only a component that decodes would notice")
	obsRoute := broker.Route{Types: []string{"Observation"}, Conversation: "conv-fast", Client: "client-1", Sender: platformS}

	t.Run("an observation with trusted headers is forwarded as it came without its body being read", func(t *testing.T) {
		r := startPRM(t, false)
		in := broker.Message{Key: "conv-fast", Body: notJSONLD, Headers: broker.RouteHeaders(obsRoute, notJSONLD)}
		r.publishRaw(t, broker.IPSMRMToPRM, in)
		got := r.out[broker.PRMToARM].waitKey(t, "conv-fast")
		if string(got.Body) != string(notJSONLD) || !maps.Equal(got.Headers, in.Headers) {
			t.Errorf("forwarded %q with %v, want the message as it came", got.Body, got.Headers)
		}
		if n := len(r.out[broker.ErrorTopic].withKey("conv-fast")); n != 0 {
			t.Errorf("%d copies on the error topic", n)
		}
	})
	t.Run("with DecodeAlways the same message is decoded and, being no message, goes to the error topic", func(t *testing.T) {
		r := startPRM(t, true)
		in := broker.Message{Key: "conv-fast", Body: notJSONLD, Headers: broker.RouteHeaders(obsRoute, notJSONLD)}
		r.publishRaw(t, broker.IPSMRMToPRM, in)
		r.out[broker.ErrorTopic].waitKey(t, "conv-fast")
		if n := len(r.out[broker.PRMToARM].withKey("conv-fast")); n != 0 {
			t.Errorf("%d copies reached prm_arm", n)
		}
	})
	t.Run("a message without headers is decoded and forwarded with headers written from it", func(t *testing.T) {
		r := startPRM(t, false)
		m := observation("conv-plain", "client-1", platformS)
		body := r.encode(t, m)
		r.publishRaw(t, broker.IPSMRMToPRM, broker.Message{Key: "conv-plain", Body: body})
		got := r.out[broker.PRMToARM].waitKey(t, "conv-plain")
		rt, ok := broker.ReadRoute(&got)
		if !ok {
			t.Fatalf("forwarded without trusted routing headers: %v", got.Headers)
		}
		if !broker.SameRoute(rt, routing.Route(&m.Metadata)) || string(got.Body) != string(body) {
			t.Errorf("headers say %+v for the body of %+v", rt, m.Metadata)
		}
	})

	// The body of each case below is a Platform_register confirmation of
	// conversation conv-reg, which goes to Services; the headers claim an
	// observation, which would go to the client.
	reg := messages.NewRequest(messages.PlatformRegister, messages.Response)
	reg.Metadata.ConversationID = "conv-reg"
	reg.Metadata.ClientID = "client-2"
	reg.Metadata.SenderPlatformID = platformS
	lie := broker.Route{Types: []string{"Observation"}, Conversation: "conv-reg", Client: "client-1", Sender: platformS}
	untrusted := []struct {
		name    string
		headers func(body []byte) map[string]string
	}{
		{"headers written for another body (a stale checksum)", func([]byte) map[string]string {
			return broker.RouteHeaders(lie, []byte("another body"))
		}},
		{"headers whose conversation is not the key", func(body []byte) map[string]string {
			l := lie
			l.Conversation = "conv-other"
			return broker.RouteHeaders(l, body)
		}},
		{"headers naming a type outside the vocabulary", func(body []byte) map[string]string {
			l := lie
			l.Types = []string{"Observation", "Teleport"}
			return broker.RouteHeaders(l, body)
		}},
	}
	for _, c := range untrusted {
		t.Run(c.name+" are ignored and the body decides the route", func(t *testing.T) {
			r := startPRM(t, false)
			body := r.encode(t, reg)
			r.publishRaw(t, broker.IPSMRMToPRM, broker.Message{Key: "conv-reg", Body: body, Headers: c.headers(body)})
			got := r.out[broker.PRMToSRM].waitKey(t, "conv-reg")
			rt, ok := broker.ReadRoute(&got)
			if !ok || !broker.SameRoute(rt, routing.Route(&reg.Metadata)) {
				t.Errorf("forwarded with headers %v, want ones written from the body", got.Headers)
			}
			if n := len(r.out[broker.PRMToARM].withKey("conv-reg")); n != 0 {
				t.Errorf("%d copies reached the client", n)
			}
		})
	}
}

// TestLyingHeadersDoNotLeakAcrossClients checks what happens to headers
// that pass every check but lie about the body: wherever PRM must decode
// the body (to rewrite or answer it) it compares, and a mismatch goes to
// the error topic instead of on to a platform or a client.
func TestLyingHeadersDoNotLeakAcrossClients(t *testing.T) {
	r := startPRM(t, false)
	// Client A's platform-to-platform subscription conv-p2p-A feeds
	// platformT's virtual device from platformS's sensor.
	r.p2p.mu.Lock()
	r.p2p.routes["conv-p2p-A"] = prm.P2PRoute{ConversationID: "conv-p2p-A", ClientID: "client-A",
		SourcePlatformID: platformS, SourceDeviceID: platformS + "/d1", TargetPlatformID: platformT, TargetDeviceID: platformT + "/v1"}
	r.p2p.mu.Unlock()

	t.Run("an observation of client B's subscription under client A's platform-to-platform headers goes to the error topic", func(t *testing.T) {
		body := r.encode(t, observation("conv-B", "client-B", platformS))
		h := broker.RouteHeaders(broker.Route{Types: []string{"Observation"}, Conversation: "conv-p2p-A", Client: "client-A", Sender: platformS}, body)
		r.publishRaw(t, broker.IPSMRMToPRM, broker.Message{Key: "conv-p2p-A", Body: body, Headers: h})
		got := r.out[broker.ErrorTopic].waitKey(t, "conv-p2p-A")
		if got.Headers[broker.HeaderLastError] != prm.ErrHeaderMismatch.Error() {
			t.Errorf("error topic copy says %q", got.Headers[broker.HeaderLastError])
		}
		// A true observation of conv-p2p-A, keyed alike, comes after the
		// lie in every queue: once it is through, the lie would be too.
		honest := observation("conv-p2p-A", "client-A", platformS)
		publishWithHeaders(t, r.b, r.codec, broker.IPSMRMToPRM, honest)
		r.out[broker.PRMToIPSMRM].waitKey(t, "conv-p2p-A")
		if n := len(r.out[broker.PRMToIPSMRM].withKey("conv-p2p-A")); n != 1 {
			t.Errorf("%d observations sent to the target platform, want only the honest one", n)
		}
		for _, key := range []string{"conv-p2p-A", "conv-B"} {
			if n := len(r.out[broker.PRMToARM].withKey(key)); n != 0 {
				t.Errorf("%d messages keyed %s reached a client", n, key)
			}
		}
	})
	t.Run("a Virtual_subscribe confirmation whose body is another client's Error goes to the error topic", func(t *testing.T) {
		e := messages.NewRequest(messages.Subscribe, messages.Response, messages.Error)
		e.Metadata.ConversationID = "conv-v"
		e.Metadata.ClientID = "client-B"
		body := r.encode(t, e)
		h := broker.RouteHeaders(broker.Route{Types: []string{"Subscribe", "Virtual_subscribe", "Response"}, Conversation: "conv-v", Client: "client-A"}, body)
		r.publishRaw(t, broker.IPSMRMToPRM, broker.Message{Key: "conv-v", Body: body, Headers: h})
		r.out[broker.ErrorTopic].waitKey(t, "conv-v")
		if n := len(r.out[broker.PRMToARM].withKey("conv-v")); n != 0 {
			t.Errorf("%d messages reached a client", n)
		}
	})
}
