package ipsmrm_test

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
)

// staticPlatforms lists platforms known at start.
type staticPlatforms []ipsmrm.PlatformInfo

func (s staticPlatforms) Platforms(context.Context) ([]ipsmrm.PlatformInfo, error) { return s, nil }

// raw keeps the broker messages a group receives on a topic, as they came.
type raw struct {
	mu   sync.Mutex
	msgs []broker.Message
}

func (r *raw) withKey(key string) []broker.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []broker.Message
	for _, m := range r.msgs {
		if m.Key == key {
			out = append(out, m)
		}
	}
	return out
}

func (r *raw) waitKey(t *testing.T, key string) broker.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ms := r.withKey(key); len(ms) > 0 {
			return ms[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing keyed %s", key)
		}
		runtimeYield()
	}
}

type rig struct {
	b     *memory.Broker
	codec *messages.Codec
	out   map[string]*raw
}

// startIPSMRM runs an IPSMRM that knows pid from the start, with raw
// collectors on the topics it publishes to.
func startIPSMRM(t *testing.T, cfg ipsmrm.Config) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := memory.New(ctx, memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	codec, _ := messages.New(messages.Config{})
	cfg.Broker, cfg.Codec = b, codec
	cfg.Platforms = staticPlatforms{{ID: pid, Type: "http://t/Type"}}
	r, err := ipsmrm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := &rig{b: b, codec: codec, out: map[string]*raw{}}
	for _, topic := range []string{broker.IPSMRMToPRM, broker.IPSMRMToBridge(pid), broker.ErrorTopic} {
		in := &raw{}
		g.out[topic] = in
		if _, err := b.Subscribe(ctx, topic, "test", func(_ context.Context, bm *broker.Message) error {
			in.mu.Lock()
			in.msgs = append(in.msgs, *bm)
			in.mu.Unlock()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; b.Close() })
	<-r.Ready()
	return g
}

func (g *rig) publish(t *testing.T, topic string, m broker.Message) {
	t.Helper()
	if err := g.b.Publish(context.Background(), topic, m); err != nil {
		t.Fatal(err)
	}
}

// TestHeaderFastPath checks that IPSMRM carries messages with trusted
// routing headers without reading their bodies, decodes the others and
// those it must translate, and refuses headers the body contradicts.
func TestHeaderFastPath(t *testing.T) {
	notJSONLD := []byte("not JSON-LD: only a component that decodes would notice")
	up := broker.Route{Types: []string{"Observation"}, Conversation: "conv-up", Client: "c", Sender: pid}
	down := broker.Route{Types: []string{"Query"}, Conversation: "conv-down", Client: "c", Receivers: []string{pid}}
	passes := []struct {
		name      string
		from, to  string
		route     broker.Route
		decodeAll bool
	}{
		{"an observation from a bridge is carried up as it came", broker.BridgeToIPSMRM(pid), broker.IPSMRMToPRM, up, false},
		{"a request is carried down to its receiver as it came", broker.PRMToIPSMRM, broker.IPSMRMToBridge(pid), down, false},
		{"with DecodeAlways an observation is decoded and, being no message, goes to the error topic", broker.BridgeToIPSMRM(pid), broker.ErrorTopic, up, true},
		{"with DecodeAlways a request is decoded and, being no message, goes to the error topic", broker.PRMToIPSMRM, broker.ErrorTopic, down, true},
	}
	for _, c := range passes {
		t.Run(c.name, func(t *testing.T) {
			g := startIPSMRM(t, ipsmrm.Config{DecodeAlways: c.decodeAll})
			in := broker.Message{Key: c.route.Conversation, Body: notJSONLD, Headers: broker.RouteHeaders(c.route, notJSONLD)}
			g.publish(t, c.from, in)
			got := g.out[c.to].waitKey(t, in.Key)
			if c.to != broker.ErrorTopic && (string(got.Body) != string(notJSONLD) || !maps.Equal(got.Headers, in.Headers)) {
				t.Errorf("carried %q with %v, want the message as it came", got.Body, got.Headers)
			}
		})
	}
	t.Run("a message without headers is decoded and carried with headers written from it", func(t *testing.T) {
		g := startIPSMRM(t, ipsmrm.Config{})
		o := messages.NewRequest(messages.Observation)
		o.Metadata.SenderPlatformID = pid
		body, _ := g.codec.Encode(o)
		g.publish(t, broker.BridgeToIPSMRM(pid), broker.Message{Key: o.Metadata.ConversationID, Body: body})
		got := g.out[broker.IPSMRMToPRM].waitKey(t, o.Metadata.ConversationID)
		rt, ok := broker.ReadRoute(&got)
		if !ok || !broker.SameRoute(rt, routing.Route(&o.Metadata)) {
			t.Errorf("carried with headers %v", got.Headers)
		}
	})
	t.Run("a translated message carries headers written from the translation", func(t *testing.T) {
		g := startIPSMRM(t, ipsmrm.Config{Translator: &marker{}})
		o := messages.NewRequest(messages.Observation)
		o.Metadata.SenderPlatformID = pid
		body, _ := g.codec.Encode(o)
		g.publish(t, broker.BridgeToIPSMRM(pid), broker.Message{Key: o.Metadata.ConversationID, Body: body,
			Headers: broker.RouteHeaders(routing.Route(&o.Metadata), body)})
		got := g.out[broker.IPSMRMToPRM].waitKey(t, o.Metadata.ConversationID)
		if string(got.Body) == string(body) {
			t.Fatal("the observation was not translated")
		}
		if _, ok := broker.ReadRoute(&got); !ok {
			t.Errorf("the translation carries untrusted headers %v", got.Headers)
		}
	})
	t.Run("headers the body contradicts are caught when the body is decoded for translation", func(t *testing.T) {
		g := startIPSMRM(t, ipsmrm.Config{Translator: &marker{}})
		o := messages.NewRequest(messages.Observation)
		o.Metadata.ConversationID = "conv-B"
		o.Metadata.ClientID = "client-B"
		o.Metadata.SenderPlatformID = pid
		body, _ := g.codec.Encode(o)
		lie := broker.Route{Types: []string{"Observation"}, Conversation: "conv-A", Client: "client-A", Sender: pid}
		g.publish(t, broker.BridgeToIPSMRM(pid), broker.Message{Key: "conv-A", Body: body, Headers: broker.RouteHeaders(lie, body)})
		got := g.out[broker.ErrorTopic].waitKey(t, "conv-A")
		if got.Headers[broker.HeaderLastError] != ipsmrm.ErrHeaderMismatch.Error() {
			t.Errorf("error topic copy says %q", got.Headers[broker.HeaderLastError])
		}
		// An honest message keyed alike follows the lie through IPSMRM.
		h := messages.NewRequest(messages.Observation)
		h.Metadata.ConversationID = "conv-A"
		h.Metadata.SenderPlatformID = pid
		hb, _ := g.codec.Encode(h)
		g.publish(t, broker.BridgeToIPSMRM(pid), broker.Message{Key: "conv-A", Body: hb, Headers: broker.RouteHeaders(routing.Route(&h.Metadata), hb)})
		g.out[broker.IPSMRMToPRM].waitKey(t, "conv-A")
		if n := len(g.out[broker.IPSMRMToPRM].withKey("conv-A")); n != 1 {
			t.Errorf("%d messages keyed conv-A carried up, want only the honest one", n)
		}
	})
}
