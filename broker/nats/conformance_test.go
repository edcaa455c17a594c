package nats

import (
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/brokertest"
)

func TestConformance(t *testing.T) {
	needServer(t)
	brokertest.Run(t, func(t testing.TB, opts broker.Options) broker.Broker {
		return newTestBroker(t, Config{Options: opts})
	}, brokertest.Features{
		Persistent:    true,
		RestartServer: restartServer,
		TimeoutScale:  2,
	})
}

// TestConformanceOrderedGroups runs the suite with OrderedGroups, which
// adds per-key order across a group's subscriptions. Two tests run slower
// here, by design: a subscription whose only handler is blocked keeps the
// partitions it has fetched from, so the competing-consumers test waits out
// its handlers' hold; and a closed subscription's message comes back after
// AckWait (1s here), not at once.
func TestConformanceOrderedGroups(t *testing.T) {
	needServer(t)
	if testing.Short() {
		t.Skip("slow by design; run without -short")
	}
	brokertest.Run(t, func(t testing.TB, opts broker.Options) broker.Broker {
		return newTestBroker(t, Config{Options: opts, OrderedGroups: true, AckWait: time.Second})
	}, brokertest.Features{
		Persistent:                  true,
		KeyOrderAcrossSubscriptions: true,
		RestartServer:               restartServer,
	})
}
