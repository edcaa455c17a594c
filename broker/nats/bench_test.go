package nats

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/brokertest"
)

// BenchmarkPublishConsume measures publish→consume throughput of 1 KiB
// messages through one group, through this package (brokertest.Bench) and
// through a raw JetStream loop doing the same work without the
// abstraction: the same stream (file storage, interest retention, the same
// partitioned subjects), a durable pull consumer with explicit acks, the
// same MaxAckPending and pull batch, every publish waiting for its PubAck,
// one ack per message, on one connection. Run both in one go and compare
// msgs/s:
//
//	go test -run '^$' -bench 'PublishConsume$' -benchtime 3s ./broker/nats/
//
// On a loaded machine the two measurements drift apart with the load;
// BenchmarkPublishConsumePaired interleaves them instead.
func BenchmarkPublishConsume(b *testing.B) {
	for _, publishers := range []int{1, 16} {
		cfg := brokertest.BenchConfig{Publishers: publishers}
		b.Run(fmt.Sprintf("publishers=%d/raw-jetstream", publishers), func(b *testing.B) {
			benchRaw(b, cfg)
		})
		b.Run(fmt.Sprintf("publishers=%d/intermw", publishers), func(b *testing.B) {
			brokertest.Bench(b, func(t testing.TB, opts broker.Options) broker.Broker {
				return newTestBroker(t, Config{Options: opts})
			}, cfg)
		})
	}
}

// benchRaw is brokertest.Bench's loop written directly against jetstream.
func benchRaw(b *testing.B, cfg brokertest.BenchConfig) {
	needServer(b)
	def := Config{}.withDefaults()
	nc, err := nats.Connect(testURL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	topic := fmt.Sprintf("rawbench_t_%08x", rand.Uint32())
	stream := StreamName(testPrefix, topic)
	base := subjectBase(testPrefix, topic)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: stream, Subjects: []string{base + "*.*"},
		Retention: jetstream.LimitsPolicy, MaxAge: def.MaxAge, Storage: jetstream.FileStorage, Replicas: 1,
	}); err != nil {
		b.Fatal(err)
	}
	defer deleteStreams(b, []string{stream}, nil)
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable: "rawbench", FilterSubject: base + "*.*",
		DeliverPolicy: jetstream.DeliverNewPolicy, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: def.AckWait, MaxDeliver: -1, MaxAckPending: def.MaxAckPending,
	})
	if err != nil {
		b.Fatal(err)
	}
	target := int64(b.N)
	var n atomic.Int64
	done := make(chan struct{})
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		msg.Ack()
		if n.Add(1) == target {
			close(done)
		}
	}, jetstream.PullMaxMessages(def.Prefetch))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { cc.Stop(); <-cc.Closed() }()

	body := bytes.Repeat([]byte{'x'}, 1024)
	subjects := make([]string, 64)
	for i := range subjects {
		key := fmt.Sprintf("conv%08d", i)
		subjects[i] = base + strconv.Itoa(partitionOf(key, def.Partitions)) + ".k" + key // the subject ours uses
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range cfg.Publishers {
		wg.Go(func() {
			for i := w; i < b.N; i += cfg.Publishers {
				if _, err := js.Publish(ctx, subjects[i%len(subjects)], body); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d consumed", n.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// BenchmarkPublishConsumePaired runs the raw loop and ours in alternating
// rounds of b.N/50 messages each (same loops as BenchmarkPublishConsume,
// both set up once), so that a change of load on the machine hits both
// alike, and reports both rates and ours/raw time ("overhead" is that ratio
// minus one):
//
//	go test -run '^$' -bench PublishConsumePaired -benchtime 4000x ./broker/nats/
func BenchmarkPublishConsumePaired(b *testing.B) {
	for _, publishers := range []int{1, 16} {
		b.Run(fmt.Sprintf("publishers=%d", publishers), func(b *testing.B) {
			needServer(b)
			raw := newRawLoop(b)
			ours := newOurLoop(b)
			brokertest.BenchPaired(b, publishers, raw, ours)
		})
	}
}

var benchBody = bytes.Repeat([]byte{'x'}, 1024)

func benchKey(i int) string { return fmt.Sprintf("conv%08d", i%64) }

// rawLoop is the raw JetStream pipeline of benchRaw, set up once.
type rawLoop struct {
	js       jetstream.JetStream
	subjects []string
	c        *brokertest.Counter
}

func newRawLoop(b *testing.B) *rawLoop {
	def := Config{}.withDefaults()
	nc, err := nats.Connect(testURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	topic := fmt.Sprintf("rawbench_t_%08x", rand.Uint32())
	stream := StreamName(testPrefix, topic)
	base := subjectBase(testPrefix, topic)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: stream, Subjects: []string{base + "*.*"},
		Retention: jetstream.LimitsPolicy, MaxAge: def.MaxAge, Storage: jetstream.FileStorage, Replicas: 1,
	}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { deleteStreams(b, []string{stream}, nil) })
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable: "rawbench", FilterSubject: base + "*.*",
		DeliverPolicy: jetstream.DeliverNewPolicy, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: def.AckWait, MaxDeliver: -1, MaxAckPending: def.MaxAckPending,
	})
	if err != nil {
		b.Fatal(err)
	}
	l := &rawLoop{js: js, c: brokertest.NewCounter()}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		msg.Ack()
		l.c.Add()
	}, jetstream.PullMaxMessages(def.Prefetch))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cc.Stop(); <-cc.Closed() })
	for i := range 64 {
		l.subjects = append(l.subjects, base+strconv.Itoa(partitionOf(benchKey(i), def.Partitions))+".k"+benchKey(i)) // the subject ours uses
	}
	return l
}

func (l *rawLoop) Run(b *testing.B, n, publishers int) time.Duration {
	ctx := context.Background()
	return l.c.Drive(b, n, publishers, func(i int) error {
		_, err := l.js.Publish(ctx, l.subjects[i%len(l.subjects)], benchBody)
		return err
	})
}

// ourLoop is the same pipeline through this package.
type ourLoop struct {
	b     broker.Broker
	topic string
	c     *brokertest.Counter
}

func newOurLoop(b *testing.B) *ourLoop {
	br := newTestBroker(b, Config{})
	suffix := fmt.Sprintf("%08x", rand.Uint32())
	l := &ourLoop{b: br, topic: "bench_t_" + suffix, c: brokertest.NewCounter()}
	sub, err := br.Subscribe(context.Background(), l.topic, "bench_g_"+suffix, func(context.Context, *broker.Message) error {
		l.c.Add()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sub.Close() })
	return l
}

func (l *ourLoop) Run(b *testing.B, n, publishers int) time.Duration {
	ctx := context.Background()
	return l.c.Drive(b, n, publishers, func(i int) error {
		return l.b.Publish(ctx, l.topic, broker.Message{Key: benchKey(i), Body: benchBody})
	})
}
