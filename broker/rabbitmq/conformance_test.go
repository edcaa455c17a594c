package rabbitmq

import (
	"testing"

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
