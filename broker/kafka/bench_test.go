package kafka

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/brokertest"
)

// The publish→consume benchmarks against an in-process kfake cluster: this
// backend through brokertest.Bench, beside the same loop written straight
// on kafka-go with the same settings (a Writer with the hash balancer,
// RequireAll and the same BatchTimeout; a group Reader with the same
// timings, committing each message synchronously after it is handled).
// Run both in one go:
//
//	go test ./broker/kafka -run '^$' -bench 'PublishConsume' -benchmem
func BenchmarkPublishConsume(b *testing.B) {
	c := newCluster(b)
	addrs := c.ListenAddrs()
	newBroker := func(t testing.TB, opts broker.Options) broker.Broker {
		return newTestBroker(t, addrs, opts)
	}
	for _, publishers := range []int{1, 8} {
		cfg := brokertest.BenchConfig{BodySize: 1024, Publishers: publishers}
		b.Run(fmt.Sprintf("intermw/publishers=%d", publishers), func(b *testing.B) {
			brokertest.Bench(b, newBroker, cfg)
		})
		b.Run(fmt.Sprintf("kafka-go/publishers=%d", publishers), func(b *testing.B) {
			benchRawKafkaGo(b, addrs, publishers)
		})
	}
}

func benchRawKafkaGo(b *testing.B, addrs []string, publishers int) {
	cfg := fastTimings(Config{Brokers: addrs}).withDefaults()
	topic := unique("rawbench")
	transport := &kafkago.Transport{ClientID: cfg.ClientID, DialTimeout: cfg.DialTimeout}
	defer transport.CloseIdleConnections()
	client := &kafkago.Client{Addr: kafkago.TCP(addrs...), Transport: transport}
	ctx := context.Background()
	if _, err := client.CreateTopics(ctx, &kafkago.CreateTopicsRequest{Topics: []kafkago.TopicConfig{{
		Topic: topic, NumPartitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor,
	}}}); err != nil {
		b.Fatal(err)
	}
	w := &kafkago.Writer{
		Addr:         kafkago.TCP(addrs...),
		Balancer:     &kafkago.Hash{},
		RequiredAcks: kafkago.RequireAll,
		BatchTimeout: cfg.BatchTimeout,
		Transport:    transport,
	}
	defer w.Close()
	r := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:           addrs,
		GroupID:           topic + ".g",
		Topic:             topic,
		Dialer:            &kafkago.Dialer{ClientID: cfg.ClientID, Timeout: cfg.DialTimeout},
		MinBytes:          1,
		MaxBytes:          10 << 20,
		MaxWait:           cfg.MaxWait,
		HeartbeatInterval: cfg.HeartbeatInterval,
		SessionTimeout:    cfg.SessionTimeout,
		RebalanceTimeout:  cfg.RebalanceTimeout,
		JoinGroupBackoff:  cfg.JoinGroupBackoff,
		StartOffset:       kafkago.FirstOffset,
		CommitInterval:    0,
	})
	target := int64(b.N)
	var n atomic.Int64
	done := make(chan struct{})
	consumeCtx, stop := context.WithCancel(ctx)
	var consumer sync.WaitGroup
	consumer.Go(func() {
		for {
			m, err := r.FetchMessage(consumeCtx)
			if err != nil {
				return
			}
			if err := r.CommitMessages(consumeCtx, m); err != nil {
				return
			}
			if n.Add(1) == target {
				close(done)
			}
		}
	})
	defer func() { stop(); consumer.Wait(); r.Close() }()

	body := bytes.Repeat([]byte{'x'}, 1024)
	keys := make([][]byte, 64)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "conv%08d", i)
	}
	b.SetBytes(1024)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	for p := range publishers {
		wg.Go(func() {
			for i := p; i < b.N; i += publishers {
				if err := w.WriteMessages(ctx, kafkago.Message{Topic: topic, Key: keys[i%len(keys)], Value: bytes.Clone(body)}); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatalf("write: %v", err)
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("only %d of %d messages consumed", n.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}
