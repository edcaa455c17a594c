package prm_test

import (
	"context"
	"testing"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/prm"
)

// TestRouting checks where PRM sends each kind of message, topic by topic,
// with collectors standing in for ARM, Services and IPSMRM: messages with
// routing headers must go where the same messages without them (decoded)
// go.
func TestRouting(t *testing.T) {
	t.Run("by decoding messages without routing headers", func(t *testing.T) { testRouting(t, false) })
	t.Run("by the routing headers", func(t *testing.T) { testRouting(t, true) })
}

func testRouting(t *testing.T, withHeaders bool) {
	b := newBroker(t)
	defer b.Close()
	codec := newCodec(t)
	p, err := prm.New(prm.Config{Broker: b, Codec: codec, PlatformTypes: func() []string { return []string{"http://t/Type"} }})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*collector{}
	for _, topic := range []string{broker.PRMToARM, broker.PRMToSRM, broker.PRMToIPSMRM, broker.ErrorTopic} {
		out[topic] = collect(t, b, codec, topic, "test")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitReady(t, p.Ready())

	const pid = "http://t/platform"
	reply := func(types ...messages.Type) func(*messages.Message) {
		return func(m *messages.Message) {
			for _, typ := range types {
				m.Metadata.AddType(typ)
			}
			m.Metadata.SenderPlatformID = pid
		}
	}
	cases := []struct {
		name   string
		from   string
		types  []messages.Type
		to     string
		build  func(*messages.Message)
		errToo bool // an Error reply, with a copy on the error topic
	}{
		{"a platform request from ARM goes to IPSMRM", broker.ARMToPRM, []messages.Type{messages.Subscribe}, broker.PRMToIPSMRM, nil, false},
		{"a device discovery query from ARM goes to services", broker.ARMToPRM, []messages.Type{messages.DeviceDiscoveryQuery}, broker.PRMToSRM, nil, false},
		{"a platform discovery query from ARM goes to services", broker.ARMToPRM, []messages.Type{messages.PlatformDiscoveryQuery}, broker.PRMToSRM, nil, false},
		{"a Virtual_subscribe from ARM goes to services first", broker.ARMToPRM, []messages.Type{messages.VirtualSubscribe}, broker.PRMToSRM, nil, false},
		{"List_supported_platform_types is answered to ARM", broker.ARMToPRM, []messages.Type{messages.ListSupportedPlatformTypes}, broker.PRMToARM, nil, false},
		{"a platform request without receiver is answered with an Error", broker.ARMToPRM, []messages.Type{messages.Query}, broker.PRMToARM,
			func(m *messages.Message) { m.Metadata.ReceiverPlatformIDs = nil }, true},
		{"a Client_register through the broker is unroutable", broker.ARMToPRM, []messages.Type{messages.ClientRegister}, broker.PRMToARM, nil, true},
		{"a Virtual_unsubscribe without P2P registry is answered with an Error", broker.ARMToPRM, []messages.Type{messages.VirtualUnsubscribe}, broker.PRMToARM, nil, true},
		{"a Platform_register confirmation goes to services", broker.IPSMRMToPRM, []messages.Type{messages.PlatformRegister}, broker.PRMToSRM, reply(messages.Response), false},
		{"a Subscribe confirmation goes to services", broker.IPSMRMToPRM, []messages.Type{messages.Subscribe}, broker.PRMToSRM, reply(messages.Response), false},
		{"a Device_Init goes to services", broker.IPSMRMToPRM, []messages.Type{messages.DeviceInit}, broker.PRMToSRM, reply(), false},
		{"an observation goes to the client", broker.IPSMRMToPRM, []messages.Type{messages.Observation}, broker.PRMToARM, reply(), false},
		{"a Query answer goes to the client", broker.IPSMRMToPRM, []messages.Type{messages.Query}, broker.PRMToARM, reply(messages.Response), false},
		{"a platform's Error goes to the client", broker.IPSMRMToPRM, []messages.Type{messages.Subscribe}, broker.PRMToARM, reply(messages.Response, messages.Error), false},
		{"a confirmation from services goes to the client", broker.SRMToPRM, []messages.Type{messages.PlatformRegister}, broker.PRMToARM, reply(messages.Response), false},
		{"a request from services is re-routed to the platforms", broker.SRMToPRM, []messages.Type{messages.Query}, broker.PRMToIPSMRM, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := messages.NewRequest(c.types...)
			m.Metadata.ClientID = "client-1"
			m.Metadata.ReceiverPlatformIDs = []string{pid}
			if c.build != nil {
				c.build(m)
			}
			if withHeaders {
				publishWithHeaders(t, b, codec, c.from, m)
			} else {
				publish(t, b, codec, c.from, m)
			}
			conv := func(x *messages.Message) bool { return x.Metadata.ConversationID == m.Metadata.ConversationID }
			got := out[c.to].waitCount(t, 1, conv)[0]
			if want := c.errToo || m.Metadata.Is(messages.Error); got.Metadata.Is(messages.Error) != want {
				t.Errorf("Error=%v (%s), want %v", got.Metadata.Is(messages.Error), got.Metadata.ErrDesc, want)
			}
			if c.errToo {
				out[broker.ErrorTopic].waitCount(t, 1, conv)
			}
		})
	}
	t.Run("nothing was routed twice", func(t *testing.T) {
		n := 0
		for topic, c := range out {
			if topic != broker.ErrorTopic {
				n += len(c.all(func(*messages.Message) bool { return true }))
			}
		}
		if n != len(cases) {
			t.Errorf("%d messages routed for %d sent", n, len(cases))
		}
	})
}
