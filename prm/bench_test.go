package prm_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
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
// emulator through the host, IPSMRM and PRM to prm_arm (400 subscribed
// devices, 5ms interval: at most 80k/s offered), and the process's CPU
// time per observation, which the other load on a shared machine disturbs
// less than the rate. Its cases compare, in one run:
//
//   - hops=decode,arm=decode: every hop decodes every message
//     (DecodeAlways), as before routing headers, and so does the consumer
//     standing in for ARM;
//   - hops=headers,arm=decode: the hops route by the routing headers, the
//     consumer still decodes;
//   - hops=headers,arm=headers: the consumer too reads the headers (what
//     ARM can do: it needs the conversation and whether it is a reply).
func BenchmarkObservationPipeline(b *testing.B) {
	for _, c := range []struct {
		name         string
		decodeAlways bool
		armDecodes   bool
	}{
		{"hops=decode,arm=decode", true, true},
		{"hops=headers,arm=decode", false, true},
		{"hops=headers,arm=headers", false, false},
	} {
		b.Run(c.name, func(b *testing.B) { benchPipeline(b, c.decodeAlways, c.armDecodes, 400, 5*time.Millisecond) })
	}
}

// BenchmarkObservationLatency offers 10k observations/s (200 devices every
// 20ms, spread over 5ms slots) and reports the latency from each
// observation's dateTimeStamp to its arrival on prm_arm, p50/p95/p99, with
// every hop decoding and with routing headers.
func BenchmarkObservationLatency(b *testing.B) {
	b.Run("hops=decode,arm=decode", func(b *testing.B) { benchPipeline(b, true, true, 200, 20*time.Millisecond) })
	b.Run("hops=headers,arm=headers", func(b *testing.B) { benchPipeline(b, false, false, 200, 20*time.Millisecond) })
}

func benchPipeline(b *testing.B, decodeAlways, armDecodes bool, devices int, interval time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	br, _ := memory.New(ctx, memory.Config{})
	defer br.Close()
	codec := newCodec(b)
	f, _ := emulator.NewFactory(emulator.Config{DeviceCount: devices, ObservationInterval: interval})
	host, _ := bridges.NewHost(bridges.Config{Broker: br, Codec: codec, DecodeAlways: decodeAlways,
		Factories: map[string]bridges.Factory{emulator.PlatformType: f}})
	r, _ := ipsmrm.New(ipsmrm.Config{Broker: br, Codec: codec, DecodeAlways: decodeAlways})
	p, _ := prm.New(prm.Config{Broker: br, Codec: codec, PlatformTypes: host.PlatformTypes, DecodeAlways: decodeAlways})
	var n atomic.Int64
	replies := make(chan string, 16)
	var latMu sync.Mutex
	var lat []time.Duration
	observed := func(stamp time.Time) {
		if !stamp.IsZero() {
			d := time.Since(stamp)
			latMu.Lock()
			lat = append(lat, d)
			latMu.Unlock()
		}
		n.Add(1)
	}
	br.Subscribe(ctx, broker.PRMToARM, "arm", func(_ context.Context, bm *broker.Message) error {
		if !armDecodes {
			if rt, ok := broker.ReadRoute(bm); ok {
				if rt.Has(messages.Response.String()) {
					replies <- rt.Conversation
				} else {
					stamp, _ := time.Parse(time.RFC3339Nano, rt.DateTimeStamp)
					observed(stamp)
				}
				return nil
			}
		}
		m, err := codec.Decode(bm.Body)
		if err == nil && m.Metadata.Is(messages.Response) {
			replies <- m.Metadata.ConversationID
		} else if err == nil {
			observed(m.Metadata.DateTimeStamp)
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
	for i := range devices {
		sub.Payload = append(sub.Payload, bridges.DeviceTriples(platformA+"/device_"+strconv.Itoa(i), platformA, false)...)
	}
	send(sub)
	latMu.Lock()
	lat = lat[:0]
	latMu.Unlock()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	base := n.Load()
	for n.Load()-base < int64(b.N) {
		<-time.After(time.Millisecond)
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	got := float64(n.Load() - base)
	b.ReportMetric(got/el.Seconds(), "obs/s")
	b.ReportMetric(float64(cpu.Microseconds())/got, "cpu-µs/obs")
	latMu.Lock()
	slices.Sort(lat)
	for _, q := range []struct {
		name string
		p    float64
	}{{"p50-ms", 0.50}, {"p95-ms", 0.95}, {"p99-ms", 0.99}} {
		if len(lat) > 0 {
			b.ReportMetric(float64(lat[int(q.p*float64(len(lat)-1))].Microseconds())/1000, q.name)
		}
	}
	latMu.Unlock()
	cancel()
	host.Close()
	r.Close()
	p.Close()
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
