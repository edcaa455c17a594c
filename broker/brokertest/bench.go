package brokertest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
)

// BenchConfig shapes the benchmark loop. Zero fields take the defaults.
type BenchConfig struct {
	// BodySize is the size of every message body in bytes (default 1024).
	BodySize int
	// Keys is how many distinct keys the messages cycle through (default 64).
	Keys int
	// Concurrency is the subscription's Options.Concurrency (default 1).
	Concurrency int
	// Publishers is how many goroutines publish at once (default 1).
	Publishers int
	// ChannelCapacity is the buffer of BenchChannel's channel (default 8192).
	ChannelCapacity int
	// Timeout bounds the wait for the last message (default 5 minutes).
	Timeout time.Duration
}

func (c BenchConfig) withDefaults() BenchConfig {
	if c.BodySize <= 0 {
		c.BodySize = 1024
	}
	if c.Keys <= 0 {
		c.Keys = 64
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 1
	}
	if c.Publishers <= 0 {
		c.Publishers = 1
	}
	if c.ChannelCapacity <= 0 {
		c.ChannelCapacity = 8192
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Minute
	}
	return c
}

// Bench measures publish→consume throughput: b.N messages of BodySize bytes
// published to one topic with one subscribed group, timed from the first
// Publish until the handler has seen the last message. It reports msgs/s
// (and MB/s through b.SetBytes).
func Bench(b *testing.B, newBroker NewBroker, cfg BenchConfig) {
	cfg = cfg.withDefaults()
	br := newBroker(b, broker.Options{Concurrency: cfg.Concurrency})
	defer br.Close()
	suffix := fmt.Sprintf("%08x", rand.Uint32())
	topic, group := "bench_t_"+suffix, "bench_g_"+suffix

	target := int64(b.N)
	var n atomic.Int64
	done := make(chan struct{})
	ctx := context.Background()
	sub, err := br.Subscribe(ctx, topic, group, func(_ context.Context, m *broker.Message) error {
		if n.Add(1) == target {
			close(done)
		}
		return nil
	})
	if err != nil {
		b.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	body := bytes.Repeat([]byte{'x'}, cfg.BodySize)
	keys := benchKeys(cfg.Keys)

	b.SetBytes(int64(cfg.BodySize))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	publishSplit(b, b.N, cfg.Publishers, func(i int) error {
		return br.Publish(ctx, topic, broker.Message{Key: keys[i%len(keys)], Body: body})
	})
	waitDone(b, done, cfg.Timeout, &n)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// BenchChannel is Bench's loop over a plain buffered Go channel, the raw
// baseline a backend is compared with: the publisher copies the body (as
// Publish must) and sends the message; Concurrency goroutines receive and
// call a handler that counts.
func BenchChannel(b *testing.B, cfg BenchConfig) {
	cfg = cfg.withDefaults()
	ch := make(chan broker.Message, cfg.ChannelCapacity)
	target := int64(b.N)
	var n atomic.Int64
	done := make(chan struct{})
	h := func(_ context.Context, m *broker.Message) error {
		if n.Add(1) == target {
			close(done)
		}
		return nil
	}
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Go(func() {
			ctx := context.Background()
			for m := range ch {
				h(ctx, &m)
			}
		})
	}
	body := bytes.Repeat([]byte{'x'}, cfg.BodySize)
	keys := benchKeys(cfg.Keys)

	b.SetBytes(int64(cfg.BodySize))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	publishSplit(b, b.N, cfg.Publishers, func(i int) error {
		ch <- broker.Message{Key: keys[i%len(keys)], Body: bytes.Clone(body)}
		return nil
	})
	waitDone(b, done, cfg.Timeout, &n)
	elapsed := time.Since(start)
	b.StopTimer()
	close(ch)
	wg.Wait()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("conv%08d", i)
	}
	return keys
}

// publishSplit calls publish(i) for i in [0,n) from p goroutines.
func publishSplit(b *testing.B, n, p int, publish func(i int) error) {
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range p {
		wg.Go(func() {
			for i := w; i < n; i += p {
				if err := publish(i); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatalf("Publish: %v", err)
	}
}

func waitDone(b *testing.B, done <-chan struct{}, timeout time.Duration, n *atomic.Int64) {
	if b.N == 0 {
		return
	}
	select {
	case <-done:
	case <-time.After(timeout):
		b.Fatalf("only %d of %d messages consumed within %v", n.Load(), b.N, timeout)
	}
}
