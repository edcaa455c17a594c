package mqtt

import (
	"testing"

	"github.com/intermw/intermw/broker/brokertest"
)

// mqttFeatures is what this backend declares to the conformance suite.
var mqttFeatures = brokertest.Features{
	// An unacknowledged message outlives a broker instance: it stays in
	// the subscription's session, and the next instance with the same
	// ClientID (newTestBroker hands a closed broker's identity to the next
	// one, as a restarted process has it) resumes that session.
	Persistent: true,
	// Shared subscriptions hand out messages one by one, so order per key
	// holds within one subscription only.
	KeyOrderAcrossSubscriptions: false,
	// Once a group's last subscription has unsubscribed, the shared
	// subscription is gone and the server drops the group's messages.
	IdleGroupsDropMessages: true,
	// Mosquitto 2.0 loses shared subscriptions when it restarts, so the
	// restart waits for the subscriptions to be made again (see
	// restartAndResubscribe).
	RestartServer: restartAndResubscribe,
}

func TestConformance(t *testing.T) {
	brokertest.Run(t, newTestBroker, mqttFeatures)
}

func TestConformanceKeepingSessions(t *testing.T) {
	brokertest.Run(t, newKeepingBroker, mqttFeatures)
}
