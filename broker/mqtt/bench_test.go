package mqtt

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/intermw/intermw/broker/brokertest"
)

// The publish→consume benchmarks: this backend through brokertest.Bench,
// beside the same loop written straight on paho (QoS 1 publish waiting for
// the PUBACK, a QoS 1 shared subscription acknowledged by paho). Run both
// in one go:
//
//	go test ./broker/mqtt -run '^$' -bench 'PublishConsume' -benchmem
func BenchmarkPublishConsume(b *testing.B) {
	for _, publishers := range []int{1, 8} {
		cfg := brokertest.BenchConfig{BodySize: 1024, Publishers: publishers}
		b.Run(fmt.Sprintf("intermw/publishers=%d", publishers), func(b *testing.B) {
			brokertest.Bench(b, newTestBroker, cfg)
		})
		b.Run(fmt.Sprintf("paho/publishers=%d", publishers), func(b *testing.B) {
			benchRawPaho(b, publishers)
		})
	}
}

func benchRawPaho(b *testing.B, publishers int) {
	needMosquitto(b)
	id := fmt.Sprintf("rawbench-%s-%d", runID, time.Now().UnixNano())
	topic, group := "rawbench_"+id, "g"
	target := int64(b.N)
	var n atomic.Int64
	done := make(chan struct{})

	connect := func(clientID string, onPublish func(paho.PublishReceived) (bool, error)) *autopaho.ConnectionManager {
		rm := uint16(DefaultReceiveMaximum)
		ac := autopaho.ClientConfig{
			ServerUrls:                    []*url.URL{serverURL()},
			KeepAlive:                     30,
			CleanStartOnInitialConnection: true,
			ConnectTimeout:                3 * time.Second,
			ConnectPacketBuilder: func(cp *paho.Connect, _ *url.URL) (*paho.Connect, error) {
				cp.Properties = &paho.ConnectProperties{ReceiveMaximum: &rm}
				return cp, nil
			},
			ClientConfig: paho.ClientConfig{ClientID: clientID},
		}
		if onPublish != nil {
			ac.OnPublishReceived = []func(paho.PublishReceived) (bool, error){onPublish}
		}
		cm, err := autopaho.NewConnection(context.Background(), ac)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := cm.AwaitConnection(ctx); err != nil {
			b.Fatal(err)
		}
		return cm
	}
	sub := connect(id+"-sub", func(paho.PublishReceived) (bool, error) {
		if n.Add(1) == target {
			close(done)
		}
		return true, nil
	})
	defer disconnect(sub)
	ctx := context.Background()
	if _, err := sub.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "$share/" + group + "/" + topic, QoS: 1}}}); err != nil {
		b.Fatal(err)
	}
	pub := connect(id+"-pub", nil)
	defer disconnect(pub)

	body := bytes.Repeat([]byte{'x'}, 1024)
	b.SetBytes(1024)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range publishers {
		wg.Go(func() {
			for i := w; i < b.N; i += publishers {
				p := &paho.Publish{QoS: 1, Topic: topic, Payload: body, Properties: &paho.PublishProperties{
					User: paho.UserProperties{{Key: KeyProperty, Value: fmt.Sprintf("conv%08d", i%64)}},
				}}
				if _, err := pub.Publish(ctx, p); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatalf("publish: %v", err)
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

func disconnect(cm *autopaho.ConnectionManager) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = cm.Disconnect(ctx)
}
