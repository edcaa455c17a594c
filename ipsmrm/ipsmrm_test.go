package ipsmrm_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const pid = "http://t/platform"

// marker is a Translator that tags what it translates. It is Selective:
// with skip set it needs no message.
type marker struct {
	mu    sync.Mutex
	calls []ipsmrm.Direction
	skip  atomic.Bool
}

func (k *marker) Needs(ipsmrm.Direction, ipsmrm.PlatformInfo) bool { return !k.skip.Load() }

func (k *marker) Translate(_ context.Context, m *messages.Message, dir ipsmrm.Direction, p ipsmrm.PlatformInfo) (*messages.Message, error) {
	k.mu.Lock()
	k.calls = append(k.calls, dir)
	k.mu.Unlock()
	m.Payload = append(m.Payload, rdf.Triple{S: rdf.IRI(p.ID), P: rdf.IRI("http://t/translated"), O: rdf.String(dir.String() + " " + p.Type)})
	return m, nil
}

type inbox struct {
	mu   sync.Mutex
	msgs []*messages.Message
}

func (in *inbox) find(conv string) *messages.Message {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, m := range in.msgs {
		if m.Metadata.ConversationID == conv {
			return m
		}
	}
	return nil
}

func (in *inbox) await(t *testing.T, conv string) *messages.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := in.find(conv); m != nil {
			return m
		}
		runtimeYield()
	}
	t.Fatalf("nothing on conversation %s", conv)
	return nil
}

// runtimeYield waits a little for deliveries (a bounded poll, not a
// synchronisation point).
func runtimeYield() { <-time.After(time.Millisecond) }

func TestRouting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	b, err := memory.New(ctx, memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	codec, _ := messages.New(messages.Config{})
	tr := &marker{}
	r, err := ipsmrm.New(ipsmrm.Config{Broker: b, Codec: codec, Translator: tr})
	if err != nil {
		t.Fatal(err)
	}
	listen := func(topic, group string) *inbox {
		in := &inbox{}
		_, err := b.Subscribe(ctx, topic, group, func(_ context.Context, bm *broker.Message) error {
			m, err := codec.Decode(bm.Body)
			if err != nil {
				t.Error(err)
				return nil
			}
			in.mu.Lock()
			in.msgs = append(in.msgs, m)
			in.mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	up := listen(broker.IPSMRMToPRM, "prm")
	errs := listen(broker.ErrorTopic, "errors")
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-r.Ready()
	send := func(topic string, m *messages.Message) {
		body, _ := codec.Encode(m)
		if err := b.Publish(ctx, topic, broker.Message{Key: m.Metadata.ConversationID, Body: body}); err != nil {
			t.Fatal(err)
		}
	}

	// A bridge that appears late: requests sent while its Platform_register
	// is unanswered are held and reach it after the registration.
	reg := messages.NewRequest(messages.PlatformRegister)
	reg.Metadata.ReceiverPlatformIDs = []string{pid}
	reg.Payload = []rdf.Triple{{S: rdf.IRI(pid), P: rdf.IRI("http://inter-iot.eu/INTERMW#platformType"), O: rdf.String("http://t/Type")}}
	send(broker.PRMToIPSMRM, reg)
	obs := messages.NewRequest(messages.Observation)
	obs.Metadata.ReceiverPlatformIDs = []string{pid}
	send(broker.PRMToIPSMRM, obs)
	ctl := messages.NewRequest(messages.Query)
	ctl.Metadata.ReceiverPlatformIDs = []string{pid}
	send(broker.PRMToIPSMRM, ctl)

	var bridgeMu sync.Mutex
	var atBridge []*messages.Message
	_, err = b.Subscribe(ctx, broker.IPSMRMToBridge(pid), "bridges", func(ctx context.Context, bm *broker.Message) error {
		m, _ := codec.Decode(bm.Body)
		bridgeMu.Lock()
		atBridge = append(atBridge, m)
		bridgeMu.Unlock()
		if m.Metadata.Is(messages.PlatformRegister) {
			reply := messages.NewReply(m)
			reply.Metadata.SenderPlatformID = pid
			body, _ := codec.Encode(reply)
			return b.Publish(ctx, broker.BridgeToIPSMRM(pid), broker.Message{Key: reply.Metadata.ConversationID, Body: body})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	up.await(t, reg.Metadata.ConversationID)
	deadline := time.Now().Add(10 * time.Second)
	for {
		bridgeMu.Lock()
		n := len(atBridge)
		got := append([]*messages.Message(nil), atBridge...)
		bridgeMu.Unlock()
		if n >= 3 {
			t.Run("held requests follow the registration, data translated and control not", func(t *testing.T) {
				if !got[0].Metadata.Is(messages.PlatformRegister) {
					t.Fatalf("first at the bridge: %v", got[0].Metadata.Types)
				}
				for _, m := range got[1:] {
					translated := false
					for _, tr := range m.Payload {
						translated = translated || tr.O.Value == "downstream http://t/Type"
					}
					if translated != m.Metadata.Is(messages.Observation) {
						t.Errorf("%v translated=%v", m.Metadata.Types, translated)
					}
				}
			})
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages at the bridge", n)
		}
		runtimeYield()
	}

	t.Run("an upstream observation is translated", func(t *testing.T) {
		o := messages.NewRequest(messages.Observation)
		o.Metadata.SenderPlatformID = pid
		send(broker.BridgeToIPSMRM(pid), o)
		got := up.await(t, o.Metadata.ConversationID)
		if len(got.Payload) != 1 || got.Payload[0].O.Value != "upstream http://t/Type" {
			t.Errorf("payload %v", got.Payload)
		}
	})
	t.Run("a platform the translator does not need passes untouched", func(t *testing.T) {
		tr.skip.Store(true)
		defer tr.skip.Store(false)
		tr.mu.Lock()
		before := len(tr.calls)
		tr.mu.Unlock()
		o := messages.NewRequest(messages.Observation)
		o.Metadata.SenderPlatformID = pid
		send(broker.BridgeToIPSMRM(pid), o)
		got := up.await(t, o.Metadata.ConversationID)
		tr.mu.Lock()
		after := len(tr.calls)
		tr.mu.Unlock()
		if len(got.Payload) != 0 || after != before {
			t.Errorf("translated anyway: payload %v, %d calls", got.Payload, after-before)
		}
	})
	t.Run("an answer to a Sys_init replay is not carried up", func(t *testing.T) {
		s := messages.NewRequest(messages.Subscribe, messages.SysInit)
		rep := messages.NewReply(s)
		send(broker.BridgeToIPSMRM(pid), rep)
		marker := messages.NewRequest(messages.DeviceAdd)
		send(broker.BridgeToIPSMRM(pid), marker)
		up.await(t, marker.Metadata.ConversationID)
		if up.find(s.Metadata.ConversationID) != nil {
			t.Error("the Sys_init answer reached PRM")
		}
	})
	t.Run("a request without receiver is answered with an Error", func(t *testing.T) {
		q := messages.NewRequest(messages.Query)
		send(broker.PRMToIPSMRM, q)
		if e := up.await(t, q.Metadata.ConversationID); !e.Metadata.Is(messages.Error) {
			t.Errorf("answered %v", e.Metadata.Types)
		}
		errs.await(t, q.Metadata.ConversationID)
	})
}

// knownPlatforms lists platforms registered before IPSMRM started.
type knownPlatforms []string

func (k knownPlatforms) Platforms(context.Context) ([]ipsmrm.PlatformInfo, error) {
	var out []ipsmrm.PlatformInfo
	for _, id := range k {
		out = append(out, ipsmrm.PlatformInfo{ID: id})
	}
	return out, nil
}

// gatekeeper is a Translator with a Lifecycle: it refuses one platform and
// records the platforms removed.
type gatekeeper struct {
	marker
	refuse  string
	mu      sync.Mutex
	changed []string
	removed []string
}

func (g *gatekeeper) PlatformChanged(_ context.Context, p ipsmrm.PlatformInfo) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p.ID == g.refuse {
		return errors.New("alignment named but missing")
	}
	g.changed = append(g.changed, p.ID)
	return nil
}

func (g *gatekeeper) PlatformRemoved(_ context.Context, pid string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.removed = append(g.removed, pid)
}

func TestLifecycleTranslator(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	b, err := memory.New(ctx, memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	codec, _ := messages.New(messages.Config{})
	const refused = "http://t/refused"
	g := &gatekeeper{refuse: refused}
	r, err := ipsmrm.New(ipsmrm.Config{Broker: b, Codec: codec, Translator: g, Platforms: knownPlatforms{pid}})
	if err != nil {
		t.Fatal(err)
	}
	listen := func(topic string) *inbox {
		in := &inbox{}
		if _, err := b.Subscribe(ctx, topic, "test", func(_ context.Context, bm *broker.Message) error {
			m, err := codec.Decode(bm.Body)
			if err == nil {
				in.mu.Lock()
				in.msgs = append(in.msgs, m)
				in.mu.Unlock()
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return in
	}
	up, errs, atBridge := listen(broker.IPSMRMToPRM), listen(broker.ErrorTopic), listen(broker.IPSMRMToBridge(refused))
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-r.Ready()
	send := func(topic string, m *messages.Message) {
		body, _ := codec.Encode(m)
		if err := b.Publish(ctx, topic, broker.Message{Key: m.Metadata.ConversationID, Body: body}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a registration the translator refuses is answered with an Error and never reaches the bridge", func(t *testing.T) {
		reg := messages.NewRequest(messages.PlatformRegister)
		reg.Metadata.ReceiverPlatformIDs = []string{refused}
		send(broker.PRMToIPSMRM, reg)
		if e := up.await(t, reg.Metadata.ConversationID); !e.Metadata.Is(messages.Error) {
			t.Fatalf("answered %v", e.Metadata.Types)
		}
		errs.await(t, reg.Metadata.ConversationID)
		if atBridge.find(reg.Metadata.ConversationID) != nil {
			t.Fatal("the refused registration reached the bridge")
		}
	})
	t.Run("a confirmed unregistration removes the platform; an Error does not", func(t *testing.T) {
		unreg := messages.NewRequest(messages.PlatformUnregister)
		failed := messages.NewErrorReply(unreg, messages.ErrorDetails{Description: "no"})
		failed.Metadata.SenderPlatformID = pid
		send(broker.BridgeToIPSMRM(pid), failed)
		up.await(t, failed.Metadata.ConversationID)
		ok := messages.NewReply(unreg)
		ok.Metadata.SenderPlatformID = pid
		ok.Metadata.ConversationID = "conv-unregister-ok"
		send(broker.BridgeToIPSMRM(pid), ok)
		up.await(t, ok.Metadata.ConversationID)
		g.mu.Lock()
		defer g.mu.Unlock()
		if len(g.removed) != 1 || g.removed[0] != pid {
			t.Fatalf("removed %v, want [%s]", g.removed, pid)
		}
	})
}
