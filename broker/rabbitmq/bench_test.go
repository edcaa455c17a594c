package rabbitmq

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
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
			pairedRounds(b, publishers, raw, ours)
		})
	}
}

// loop is a publish→consume pipeline that run drives for n messages.
type loop interface {
	run(b *testing.B, n, publishers int) time.Duration
}

// pairedRounds alternates raw and ours over 50 rounds (ABBA order) and
// reports both rates, the overhead of the totals (ours/raw - 1) and the
// median of the per-round overheads, which a burst of load on the machine
// moves less.
func pairedRounds(b *testing.B, publishers int, raw, ours loop) {
	const rounds = 50
	per := max(b.N/rounds, 1)
	var tRaw, tOurs time.Duration
	ratios := make([]float64, 0, rounds)
	b.SetBytes(1024)
	b.ResetTimer()
	for r := range rounds {
		var dr, do time.Duration
		if r%2 == 0 {
			dr = raw.run(b, per, publishers)
			do = ours.run(b, per, publishers)
		} else {
			do = ours.run(b, per, publishers)
			dr = raw.run(b, per, publishers)
		}
		tRaw += dr
		tOurs += do
		ratios = append(ratios, do.Seconds()/dr.Seconds())
	}
	b.StopTimer()
	slices.Sort(ratios)
	n := float64(per * rounds)
	b.ReportMetric(n/tRaw.Seconds(), "raw-msgs/s")
	b.ReportMetric(n/tOurs.Seconds(), "intermw-msgs/s")
	b.ReportMetric(tOurs.Seconds()/tRaw.Seconds()-1, "overhead")
	b.ReportMetric(ratios[len(ratios)/2]-1, "median-overhead")
}

// counter counts consumed messages and signals when a target is reached.
type counter struct {
	n, target atomic.Int64
	reached   chan struct{}
}

func newCounter() *counter { return &counter{reached: make(chan struct{}, 1)} }

func (c *counter) add() {
	if c.n.Add(1) == c.target.Load() {
		c.reached <- struct{}{}
	}
}

// drive publishes n messages from publishers goroutines and waits until
// the counter has seen them all.
func (c *counter) drive(b *testing.B, n, publishers int, publish func(i int) error) time.Duration {
	c.target.Store(c.n.Load() + int64(n))
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range publishers {
		wg.Go(func() {
			for i := w; i < n; i += publishers {
				if err := publish(i); err != nil {
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
	case <-c.reached:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d consumed", c.n.Load(), c.target.Load())
	}
	return time.Since(start)
}

var benchBody = bytes.Repeat([]byte{'x'}, 1024)

func benchKey(i int) string { return fmt.Sprintf("conv%08d", i%64) }

// rawLoop is the raw amqp091 pipeline of benchRaw, set up once.
type rawLoop struct {
	pub      *amqp.Channel
	exchange string
	c        *counter
}

func newRawLoop(b *testing.B) *rawLoop {
	conn, err := amqp.Dial(testURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	suffix := fmt.Sprintf("%08x", rand.Uint32())
	l := &rawLoop{exchange: "rawbench_t_" + suffix, c: newCounter()}
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
			l.c.add()
		}
	}()
	b.Cleanup(func() {
		sub.Close()
		<-consumed
		deleteTopology(b, []string{queue}, []string{l.exchange})
	})
	return l
}

func (l *rawLoop) run(b *testing.B, n, publishers int) time.Duration {
	ctx := context.Background()
	return l.c.drive(b, n, publishers, func(i int) error {
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
	c     *counter
}

func newOurLoop(b *testing.B) *ourLoop {
	br := newTestBroker(b, Config{})
	suffix := fmt.Sprintf("%08x", rand.Uint32())
	l := &ourLoop{b: br, topic: "bench_t_" + suffix, c: newCounter()}
	sub, err := br.Subscribe(context.Background(), l.topic, "bench_g_"+suffix, func(context.Context, *broker.Message) error {
		l.c.add()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sub.Close() })
	return l
}

func (l *ourLoop) run(b *testing.B, n, publishers int) time.Duration {
	ctx := context.Background()
	return l.c.drive(b, n, publishers, func(i int) error {
		return l.b.Publish(ctx, l.topic, broker.Message{Key: benchKey(i), Body: benchBody})
	})
}
