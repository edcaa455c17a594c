package test

import (
	"net/http"
	"testing"
)

// TestE2EPlatformToPlatformSubscription feeds a virtual device of one
// platform from a sensor of another: the client subscribed to the virtual
// device receives the source's observations rewritten to the target device,
// sent by the target platform, until the platform-to-platform subscription
// is removed.
func TestE2EPlatformToPlatformSubscription(t *testing.T) {
	checkLeaks(t)
	h := startHub(t, hubOptions{})
	const client = "e2e-p2p"
	in := registerPullClient(t, h, client, "JSON_LD")
	source := e2eTestNS + "p2p/platforms/source"
	target := e2eTestNS + "p2p/platforms/target"
	sensor := e2eTestNS + "p2p/devices/thermometer"
	virtual := e2eTestNS + "p2p/devices/virtual-thermometer"
	registerPlatform(t, h, in, platformBody{PlatformID: source, Name: "Source"})
	registerPlatform(t, h, in, platformBody{PlatformID: target, Name: "Target"})
	createDevices(t, h, in, []device{
		{DeviceID: sensor, HostedBy: source, Name: "Thermometer", DeviceTypes: []string{"DEVICE", "SENSOR"}},
		{DeviceID: virtual, HostedBy: target, Name: "Virtual thermometer", DeviceTypes: []string{"VIRTUAL"}},
	})

	// The client watches the virtual device on the target platform.
	watch := h.accepted(t, req{method: http.MethodPost, path: api + "/subscriptions", client: client, body: map[string]any{"deviceIds": []string{virtual}}})
	in.await(t, "Subscribe answer", reply(watch, "SUBSCRIBE"))

	p2p := h.accepted(t, req{method: http.MethodPost, path: api + "/subscriptions-platform-to-platform", client: client,
		body: map[string]any{"sourceDeviceId": sensor, "targetDeviceId": virtual}})
	in.await(t, "Virtual_subscribe answer", reply(p2p, "VIRTUAL_SUBSCRIBE"))
	h.expect(t, http.StatusConflict, req{method: http.MethodPost, path: api + "/subscriptions-platform-to-platform", client: client,
		body: map[string]any{"sourceDeviceId": sensor, "targetDeviceId": virtual}})

	var listed []map[string]string
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/subscriptions-platform-to-platform", client: client}).into(t, &listed)
	want := map[string]string{"conversationId": p2p, "clientId": client, "sourceDeviceId": sensor, "targetDeviceId": virtual,
		"sourcePlatformId": source, "targetPlatformId": target}
	if len(listed) != 1 || !sameStringMap(listed[0], want) {
		t.Errorf("GET subscriptions-platform-to-platform: %v, want [%v]", listed, want)
	}

	// Observations of the source sensor reach the client as the virtual
	// device's, on its subscription, from the target platform.
	in.awaitAll(t, "observations of the virtual device", func(ms []gotMsg) bool { return sensorsSeen(ms, watch)[virtual] >= 3 })
	for _, m := range in.snapshot() {
		if !m.is("OBSERVATION") {
			continue
		}
		if m.conv != watch {
			t.Errorf("observation on %q, want the client's subscription %q: %s", m.conv, watch, m)
		}
		if m.sender != target {
			t.Errorf("observation sent by %q, want the target platform %q", m.sender, target)
		}
		for _, s := range m.sensors {
			if s != virtual {
				t.Errorf("observation made by %s reached the client; want only the virtual device %s", s, virtual)
			}
		}
	}

	// Removing the platform-to-platform subscription stops the feed.
	un := h.accepted(t, req{method: http.MethodDelete, path: api + "/subscriptions-platform-to-platform/" + esc(p2p), client: client})
	in.await(t, "Virtual_unsubscribe answer", reply(un, "VIRTUAL_UNSUBSCRIBE"))
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/subscriptions-platform-to-platform", client: client}).into(t, &listed)
	if len(listed) != 0 {
		t.Errorf("platform-to-platform subscriptions after removal: %v", listed)
	}
	// Drain what was in flight, then nothing more may come.
	for in.pullOnce(t) {
	}
	in.quiet(t, 10*emulatorInterval, "an observation after the platform-to-platform subscription ended",
		func(m gotMsg) bool { return m.is("OBSERVATION") })
	h.expect(t, http.StatusNotFound, req{method: http.MethodDelete, path: api + "/subscriptions-platform-to-platform/" + esc(p2p), client: client})

	un = h.accepted(t, req{method: http.MethodDelete, path: api + "/subscriptions/" + esc(watch), client: client})
	in.await(t, "Unsubscribe answer", reply(un, "UNSUBSCRIBE"))
	for in.pullOnce(t) {
	}
	in.checkClean(t)
	h.awaitMetrics(t, "after the platform-to-platform subscription", healthyMetrics)
	h.stop()
}

func sameStringMap(got, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
