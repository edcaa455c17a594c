package test

import (
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// TestE2ERestartDuringSubscription stops the hub with SIGTERM while a
// subscription streams and starts it again on the same data directory:
// clients, platforms, devices and subscriptions are still there, the
// observations queued for the pull client survive, the stream resumes (the
// bridges re-armed by the Sys_init replay) without the replay's answers
// reaching the client, and the subscription can still be ended.
func TestE2ERestartDuringSubscription(t *testing.T) {
	checkLeaks(t)
	h := startHub(t, hubOptions{})
	const client = "e2e-restart"
	platform := e2eTestNS + "restart/platforms/emulator"
	devs := []string{e2eTestNS + "restart/devices/a", e2eTestNS + "restart/devices/b", e2eTestNS + "restart/devices/c"}
	in := registerPullClient(t, h, client, "JSON_LD")
	registerPlatform(t, h, in, platformBody{PlatformID: platform, Name: "Restarted"})
	var ds []device
	for _, d := range devs {
		ds = append(ds, device{DeviceID: d, HostedBy: platform, DeviceTypes: []string{"DEVICE", "SENSOR"}, Name: d[len(d)-1:]})
	}
	createDevices(t, h, in, ds)
	sub := h.accepted(t, req{method: http.MethodPost, path: api + "/subscriptions", client: client, body: map[string]any{"deviceIds": devs[:2]}})
	in.await(t, "Subscribe answer", reply(sub, "SUBSCRIBE"))
	in.awaitAll(t, "observations before the restart", func(ms []gotMsg) bool { return len(sensorsSeen(ms, sub)) == 2 })

	// Let observations queue up unread, then stop.
	h.awaitMetrics(t, "observations queued for the pull client", func(f map[string]*dto.MetricFamily) []string {
		for _, s := range samples(f["intermw_delivery_queue_depth"]) {
			if s.labels["client"] == client && s.value >= 3 {
				return nil
			}
		}
		return []string{"fewer than 3 messages queued for " + client}
	})
	before := h.snapshot(t, client)
	stopped := time.Now()
	h = h.restart()
	in.h = h

	sameSnapshot(t, "the restart", before, h.snapshot(t, client))

	// The queued observations were kept, and new ones come.
	ms := in.awaitAll(t, "observations queued before the restart and made after it", func(ms []gotMsg) bool {
		var old, fresh bool
		for _, m := range ms {
			if m.is("OBSERVATION") && m.conv == sub {
				old = old || m.stamp.Before(stopped)
				fresh = fresh || m.stamp.After(stopped)
			}
		}
		return old && fresh
	})
	for _, m := range ms {
		if m.is("SYS_INIT") || (m.is("PLATFORM_REGISTER") && m.stamp.After(stopped)) {
			t.Errorf("the client received the Sys_init replay: %s", m)
		}
		if m.is("OBSERVATION") && m.conv != sub {
			t.Errorf("observation on an unknown conversation: %s", m)
		}
	}
	in.awaitAll(t, "both subscribed devices observed after the restart", func(ms []gotMsg) bool {
		after := map[string]bool{}
		for _, m := range ms {
			if m.is("OBSERVATION") && m.conv == sub && m.stamp.After(stopped) {
				for _, s := range m.sensors {
					after[s] = true
				}
			}
		}
		return after[devs[0]] && after[devs[1]]
	})
	checkStatistics(t, getPlatform(t, h, client, platform), 3, 2, 1)

	// The subscription still ends normally.
	un := h.accepted(t, req{method: http.MethodDelete, path: api + "/subscriptions/" + esc(sub), client: client})
	in.await(t, "Unsubscribe answer after the restart", reply(un, "UNSUBSCRIBE"))
	for in.pullOnce(t) {
	}
	in.quiet(t, 10*emulatorInterval, "an observation after unsubscribing", func(m gotMsg) bool { return m.is("OBSERVATION") })
	in.checkClean(t)
	h.awaitMetrics(t, "after the restart", healthyMetrics)
	h.stop()
}
