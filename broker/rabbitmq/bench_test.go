package rabbitmq

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/brokertest"
)

// BenchmarkPublishConsume measures publish→consume throughput of 1 KiB
// messages through one group, through this package (brokertest.Bench) and
// through a raw amqp091 loop doing the same work without the abstraction:
// the same topology (durable topic exchange, durable queue bound with "#"),
// persistent messages, every publish waiting for its confirm, the same
// prefetch, one ack per message, on one connection with a publishing and a
// consuming channel. Run both in one go and compare msgs/s:
//
//	go test -run '^$' -bench 'PublishConsume$' -benchtime 3s ./broker/rabbitmq/
//
// On a loaded machine the two measurements drift apart with the load;
// BenchmarkPublishConsumePaired interleaves them instead.
func BenchmarkPublishConsume(b *testing.B) {
	for _, publishers := range []int{1, 16} {
		cfg := brokertest.BenchConfig{Publishers: publishers}
		b.Run(fmt.Sprintf("publishers=%d/raw-amqp091", publishers), func(b *testing.B) {
			benchRaw(b, cfg)
		})
		b.Run(fmt.Sprintf("publishers=%d/intermw", publishers), func(b *testing.B) {
			brokertest.Bench(b, func(t testing.TB, opts broker.Options) broker.Broker {
				return newTestBroker(t, Config{Options: opts})
			}, cfg)
		})
	}
}

// benchRaw is brokertest.Bench's loop written directly against amqp091.
func benchRaw(b *testing.B, cfg brokertest.BenchConfig) {
	needServer(b)
	const prefetch = 64 // Config.Prefetch's default
	conn, err := amqp.Dial(testURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	suffix := fmt.Sprintf("%08x", rand.Uint32())
	exchange := "rawbench_t_" + suffix
	queue := QueueName(exchange, "rawbench_g_"+suffix)

	pub, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	if err := pub.Confirm(false); err != nil {
		b.Fatal(err)
	}
	if err := pub.ExchangeDeclare(exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		b.Fatal(err)
	}
	defer deleteTopology(b, []string{queue}, []string{exchange})
	sub, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	if err := sub.Qos(prefetch, 0, false); err != nil {
		b.Fatal(err)
	}
	if _, err := sub.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		b.Fatal(err)
	}
	if err := sub.QueueBind(queue, "#", exchange, false, nil); err != nil {
		b.Fatal(err)
	}
	deliveries, err := sub.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	target := int64(b.N)
	var n atomic.Int64
	done := make(chan struct{})
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		for d := range deliveries {
			d.Ack(false)
			if n.Add(1) == target {
				close(done)
			}
		}
	}()
	defer func() { sub.Close(); <-consumed }()

	body := bytes.Repeat([]byte{'x'}, 1024)
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = fmt.Sprintf("conv%08d", i)
	}
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range cfg.Publishers {
		wg.Go(func() {
			for i := w; i < b.N; i += cfg.Publishers {
				dc, err := pub.PublishWithDeferredConfirmWithContext(ctx, exchange, keys[i%len(keys)], false, false,
					amqp.Publishing{DeliveryMode: amqp.Persistent, Body: body})
				if err != nil {
					failed.Store(err)
					return
				}
				if !dc.Wait() {
					failed.Store(fmt.Errorf("publish %d nacked", i))
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
//	go test -run '^$' -bench PublishConsumePaired -benchtime 4000x ./broker/rabbitmq/
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

// rawLoop is the raw amqp091 pipeline of benchRaw, set up once.
type rawLoop struct {
	pub      *amqp.Channel
	exchange string
	c        *brokertest.Counter
}

func newRawLoop(b *testing.B) *rawLoop {
	conn, err := amqp.Dial(testURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	suffix := fmt.Sprintf("%08x", rand.Uint32())
	l := &rawLoop{exchange: "rawbench_t_" + suffix, c: brokertest.NewCounter()}
	queue := QueueName(l.exchange, "rawbench_g_"+suffix)
	if l.pub, err = conn.Channel(); err != nil {
		b.Fatal(err)
	}
	if err := l.pub.Confirm(false); err != nil {
		b.Fatal(err)
	}
	if err := l.pub.ExchangeDeclare(l.exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		b.Fatal(err)
	}
	sub, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	if err := sub.Qos(64, 0, false); err != nil {
		b.Fatal(err)
	}
	if _, err := sub.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		b.Fatal(err)
	}
	if err := sub.QueueBind(queue, "#", l.exchange, false, nil); err != nil {
		b.Fatal(err)
	}
	deliveries, err := sub.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		for d := range deliveries {
			d.Ack(false)
			l.c.Add()
		}
	}()
	b.Cleanup(func() {
		sub.Close()
		<-consumed
		deleteTopology(b, []string{queue}, []string{l.exchange})
	})
	return l
}

func (l *rawLoop) Run(b *testing.B, n, publishers int) time.Duration {
	ctx := context.Background()
	return l.c.Drive(b, n, publishers, func(i int) error {
		dc, err := l.pub.PublishWithDeferredConfirmWithContext(ctx, l.exchange, benchKey(i), false, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, Body: benchBody})
		if err != nil {
			return err
		}
		if !dc.Wait() {
			return fmt.Errorf("publish %d nacked", i)
		}
		return nil
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
