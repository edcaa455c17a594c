package emulator

import (
	"context"
	"io"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// encodingEmitter encodes what it is given, as the bridges host does, and
// keeps nothing.
type encodingEmitter struct {
	reuse bool
	buf   []byte
	codec *messages.Codec
	n     int
}

func (e *encodingEmitter) Emit(_ context.Context, msgs ...*messages.Message) error {
	for _, m := range msgs {
		m.Metadata.SenderPlatformID = "http://t/platform"
		var err error
		if e.reuse {
			e.buf, err = messages.AppendEncode(e.buf[:0], m)
		} else {
			e.buf, err = e.codec.Encode(m)
		}
		if err != nil {
			return err
		}
		e.n++
	}
	return nil
}

// BenchmarkTick measures building and encoding one tick's observations
// (200 devices), per observation: the bridge's tick (messages and payloads
// reused across ticks, timestamp formatted once, one UUID per message,
// encoding into a reused buffer) against building each message afresh
// with Builder.Request and encoding it with Codec.Encode, as the emulator
// did before.
func BenchmarkTick(b *testing.B) {
	const devices = 200
	codec, err := messages.New(messages.Config{})
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{DeviceCount: devices, ObservationInterval: time.Hour, EmitSlot: time.Hour}.withDefaults()
	log := logrus.New()
	log.SetOutput(io.Discard)
	ids := make([]string, devices)
	for i := range ids {
		ids[i] = "http://t/platform/device_" + strconv.Itoa(i)
	}
	b.Run("fresh-messages,Codec.Encode", func(b *testing.B) {
		em := &encodingEmitter{codec: codec}
		builder := messages.Builder{}
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			now := time.Now()
			msgs := make([]*messages.Message, devices)
			for i, id := range ids {
				m := builder.Request(messages.Observation)
				m.Metadata.ConversationID = "conv-1"
				m.Metadata.ClientID = "client-1"
				m.Metadata.DateTimeStamp = now
				obs := observationBase + strings.TrimPrefix(m.Metadata.MessageID, "msg")
				m.Payload = appendObservation(make([]rdf.Triple, 0, 8), obs, id, "r", value(uint64(i)), now.UTC().Format(time.RFC3339Nano))
				msgs[i] = m
			}
			if err := em.Emit(context.Background(), msgs...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(em.n), "cpu-ns/obs")
	})
	b.Run("bridge-tick,AppendEncode", func(b *testing.B) {
		em := &encodingEmitter{reuse: true}
		br := newBridge(cfg, bridges.Setup{Platform: bridges.Platform{ID: "http://t/platform", Type: PlatformType}, Emitter: em, Log: log})
		defer br.Close()
		if err := br.Subscribe(context.Background(), bridges.Subscription{ID: "conv-1", ClientID: "client-1", DeviceIDs: ids}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			br.tick(0, 1)
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(em.n), "cpu-ns/obs")
	})
}

// cpuTime is the CPU time (user and system) the process has used, which
// other load on a shared machine disturbs less than wall-clock time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
