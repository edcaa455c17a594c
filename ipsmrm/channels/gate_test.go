package channels

import (
	"context"
	"testing"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
)

// hub runs IPSMRM behind a Gate, with a fake bridge for pid that confirms
// every request it gets.
type hub struct {
	t        *testing.T
	b        broker.Broker
	codec    *messages.Codec
	toPRM    *inbox
	errors   *inbox
	atBridge *inbox
}

func startHub(t *testing.T) *hub {
	t.Helper()
	b := newMemory(t)
	codec := newCodec(t)
	m := newEmbedded(t)
	gate, err := NewGate(GateConfig{Broker: b, Manager: m, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	h := &hub{t: t, b: b, codec: codec, toPRM: listen(t, b, broker.IPSMRMToPRM), errors: listen(t, b, broker.ErrorTopic),
		atBridge: listen(t, b, broker.IPSMRMToBridge(pid))}
	bridge, err := b.Subscribe(context.Background(), broker.IPSMRMToBridge(pid), "bridges", func(ctx context.Context, bm *broker.Message) error {
		req, err := codec.Decode(bm.Body)
		if err != nil {
			return err
		}
		if req.Metadata.Is(messages.Observation) {
			return nil
		}
		rep := messages.NewReply(req)
		rep.Metadata.SenderPlatformID = pid
		h.send(broker.BridgeToIPSMRM(pid), rep)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bridge.Close() })
	r, err := ipsmrm.New(ipsmrm.Config{Broker: gate, Codec: codec, Translator: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	<-r.Ready()
	return h
}

func (h *hub) send(topic string, m *messages.Message) {
	body, err := h.codec.Encode(m)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.b.Publish(context.Background(), topic, broker.Message{Key: m.Metadata.ConversationID, Body: body}); err != nil {
		h.t.Fatal(err)
	}
}

// reply waits for the message of conversation conv on ipsmrm_prm.
func (h *hub) reply(t *testing.T, conv string) *messages.Message {
	t.Helper()
	var found *messages.Message
	eventually(t, func() bool {
		h.toPRM.mu.Lock()
		defer h.toPRM.mu.Unlock()
		for _, bm := range h.toPRM.msgs {
			if bm.Key == conv {
				m, err := h.codec.Decode(bm.Body)
				if err != nil {
					t.Fatal(err)
				}
				found = m
				return true
			}
		}
		return false
	}, "a message of %s on ipsmrm_prm", conv)
	return found
}

func (h *hub) lifecycle(t messages.Type, f fields) *messages.Message {
	m := messages.NewRequest(t)
	m.Metadata.ReceiverPlatformIDs = []string{pid}
	m.Payload = platformInfo(pid, f).Description
	h.send(broker.PRMToIPSMRM, m)
	return m
}

// observe sends an observation up from the bridge and returns what PRM
// gets.
func (h *hub) observe(t *testing.T) *messages.Message {
	t.Helper()
	o := observation()
	o.Metadata.SenderPlatformID = pid
	h.send(broker.BridgeToIPSMRM(pid), o)
	return h.reply(t, o.Metadata.ConversationID)
}

func TestGateRunsChannelsInFrontOfIPSMRM(t *testing.T) {
	h := startHub(t)
	t.Run("a registration naming a missing alignment fails with an Error and never reaches the bridge", func(t *testing.T) {
		req := h.lifecycle(messages.PlatformRegister, upstream("Nope", "1"))
		got := h.reply(t, req.Metadata.ConversationID)
		if !got.Metadata.Is(messages.Error) || !contains(got.Metadata.ErrDesc, "Nope") {
			t.Fatalf("reply %+v", got.Metadata)
		}
		if h.errors.await(t, 1); h.atBridge.len() != 0 {
			t.Errorf("%d messages reached the bridge", h.atBridge.len())
		}
	})
	t.Run("a registration with a known alignment reaches the bridge and its data is translated", func(t *testing.T) {
		req := h.lifecycle(messages.PlatformRegister, upstream("Up", "1"))
		if got := h.reply(t, req.Metadata.ConversationID); got.Metadata.Is(messages.Error) {
			t.Fatalf("registration failed: %s", got.Metadata.ErrDesc)
		}
		if got := h.observe(t); !predicates(got)["mass"] {
			t.Errorf("payload %v", got.Payload)
		}
	})
	t.Run("an update to a new version recreates the channel", func(t *testing.T) {
		req := h.lifecycle(messages.PlatformUpdate, upstream("Up", "2"))
		h.reply(t, req.Metadata.ConversationID)
		if got := h.observe(t); !predicates(got)["massV2"] {
			t.Errorf("payload %v", got.Payload)
		}
	})
	t.Run("an update to the identity alignment lets raw payloads through", func(t *testing.T) {
		req := h.lifecycle(messages.PlatformUpdate, nil)
		h.reply(t, req.Metadata.ConversationID)
		if got := h.observe(t); !predicates(got)["weight"] {
			t.Errorf("payload %v", got.Payload)
		}
	})
	t.Run("a confirmed unregistration removes the channel", func(t *testing.T) {
		h.reply(t, h.lifecycle(messages.PlatformUpdate, upstream("Up", "1")).Metadata.ConversationID)
		h.reply(t, h.lifecycle(messages.PlatformUnregister, nil).Metadata.ConversationID)
		got := h.observe(t)
		if !got.Metadata.Is(messages.Error) || !contains(got.Metadata.ErrDesc, "unregistered") {
			t.Errorf("after unregistering: %+v", got.Metadata)
		}
	})
}
