package memory_test

import (
	"testing"

	"github.com/intermw/intermw/broker/brokertest"
	"github.com/intermw/intermw/broker/memory"
)

// BenchmarkPublishConsume measures 1 KiB messages through one group, the
// memory broker side by side with the raw buffered-channel loop; compare
// the msgs/s columns.
func BenchmarkPublishConsume(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  brokertest.BenchConfig
	}{
		{"concurrency1", brokertest.BenchConfig{Concurrency: 1}},
		{"concurrency4", brokertest.BenchConfig{Concurrency: 4}},
		{"publishers2", brokertest.BenchConfig{Concurrency: 2, Publishers: 2}},
		// 16-byte bodies: the broker's own overhead, without the copy.
		{"body16", brokertest.BenchConfig{BodySize: 16}},
	} {
		b.Run(c.name+"/channel", func(b *testing.B) { brokertest.BenchChannel(b, c.cfg) })
		b.Run(c.name+"/memory", func(b *testing.B) { brokertest.Bench(b, newBroker(memory.Config{}), c.cfg) })
	}
}
