package prm_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/bridges/emulator"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/prm"
)

// BenchmarkObservationPipeline measures observations per second from the
// emulator through the host, IPSMRM and PRM to prm_arm (200 subscribed
// devices, 5ms interval: at most 40k/s offered).
func BenchmarkObservationPipeline(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	br, _ := memory.New(ctx, memory.Config{})
	defer br.Close()
	codec := newCodec(b)
	f, _ := emulator.NewFactory(emulator.Config{DeviceCount: 200, ObservationInterval: 5 * time.Millisecond})
	host, _ := bridges.NewHost(bridges.Config{Broker: br, Codec: codec, Factories: map[string]bridges.Factory{emulator.PlatformType: f}})
	r, _ := ipsmrm.New(ipsmrm.Config{Broker: br, Codec: codec})
	p, _ := prm.New(prm.Config{Broker: br, Codec: codec, PlatformTypes: host.PlatformTypes})
	var n atomic.Int64
	replies := make(chan string, 16)
	br.Subscribe(ctx, broker.PRMToARM, "arm", func(_ context.Context, bm *broker.Message) error {
		m, err := codec.Decode(bm.Body)
		if err == nil && m.Metadata.Is(messages.Response) {
			replies <- m.Metadata.ConversationID
		} else {
			n.Add(1)
		}
		return nil
	})
	br.Subscribe(ctx, broker.PRMToSRM, "services", func(ctx context.Context, bm *broker.Message) error {
		return br.Publish(ctx, broker.SRMToPRM, broker.Message{Key: bm.Key, Body: bm.Body})
	})
	go host.Run(ctx)
	go r.Run(ctx)
	<-host.Ready()
	<-r.Ready()
	go p.Run(ctx)
	<-p.Ready()
	send := func(m *messages.Message) {
		body, _ := codec.Encode(m)
		br.Publish(ctx, broker.ARMToPRM, broker.Message{Key: m.Metadata.ConversationID, Body: body})
		<-replies
	}
	reg := messages.NewRequest(messages.PlatformRegister)
	reg.Metadata.ReceiverPlatformIDs = []string{platformA}
	reg.Payload = bridges.PlatformTriples(bridges.Platform{ID: platformA, Type: emulator.PlatformType})
	send(reg)
	sub := messages.NewRequest(messages.Subscribe)
	sub.Metadata.ReceiverPlatformIDs = []string{platformA}
	for i := range 200 {
		sub.Payload = append(sub.Payload, bridges.DeviceTriples(platformA+"/device_"+strconv.Itoa(i), platformA, false)...)
	}
	send(sub)
	b.ResetTimer()
	start := time.Now()
	base := n.Load()
	for n.Load()-base < int64(b.N) {
		<-time.After(time.Millisecond)
	}
	el := time.Since(start)
	b.ReportMetric(float64(n.Load()-base)/el.Seconds(), "obs/s")
	cancel()
	host.Close()
	r.Close()
	p.Close()
}
