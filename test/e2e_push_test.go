package test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// TestE2EPushRetriesKeepsOrderAndIsolatesClients pushes one device's
// observations to three clients: one whose webhook fails its first
// answers (push retries, and what is accepted arrives once and in order),
// one healthy, and one whose webhook hangs (it must not hold up the
// others). Switching the first client to pull takes effect at once.
func TestE2EPushRetriesKeepsOrderAndIsolatesClients(t *testing.T) {
	checkLeaks(t)
	h := startHub(t, hubOptions{webhookAllow: "127.0.0.0/8"})
	platform := e2eTestNS + "push/platforms/p"
	sensor := e2eTestNS + "push/devices#1"

	flaky := newInbox(h, "e2e-push-flaky", "JSON_LD", true)
	var calls atomic.Int32
	flakySrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			http.Error(w, "not now", http.StatusInternalServerError)
			return
		}
		flaky.webhook(t).ServeHTTP(w, r)
	}))
	healthy := newInbox(h, "e2e-push-healthy", "JSON", true)
	healthySrv := httptest.NewServer(healthy.webhook(t))
	release := make(chan struct{})
	var hung atomic.Int32
	hangingSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	var once sync.Once
	stopServers := func() {
		once.Do(func() {
			close(release)
			flakySrv.Close()
			healthySrv.Close()
			hangingSrv.Close()
		})
	}
	t.Cleanup(stopServers)

	for _, c := range []struct {
		in  *inbox
		url string
	}{{flaky, flakySrv.URL}, {healthy, healthySrv.URL}, {newInbox(h, "e2e-push-hanging", "JSON_LD", true), hangingSrv.URL}} {
		h.must(t, http.StatusCreated, req{method: http.MethodPost, path: api + "/clients", client: c.in.client,
			body: clientBody{ClientID: c.in.client, CallbackURL: c.url + "/cb", ReceivingCapacity: 5, ResponseFormat: c.in.format, ResponseDelivery: "SERVER_PUSH"}})
	}
	registerPlatform(t, h, healthy, platformBody{PlatformID: platform, Name: "Push"})
	createDevices(t, h, healthy, []device{{DeviceID: sensor, HostedBy: platform, DeviceTypes: []string{"SENSOR"}}})

	subs := map[string]string{}
	for _, client := range []string{flaky.client, healthy.client, "e2e-push-hanging"} {
		subs[client] = h.accepted(t, req{method: http.MethodPost, path: api + "/subscriptions", client: client, body: map[string]any{"deviceIds": []string{sensor}}})
	}

	// The healthy client is served while the hanging one holds its push.
	healthy.awaitAll(t, "20 observations while another client's webhook hangs", func(ms []gotMsg) bool {
		return hung.Load() > 0 && sensorsSeen(ms, subs[healthy.client])[sensor] >= 20
	})
	// The flaky client gets everything it accepted once and in order.
	flaky.awaitAll(t, "observations after the webhook recovered", func(ms []gotMsg) bool {
		return calls.Load() > 3 && sensorsSeen(ms, subs[flaky.client])[sensor] >= 10
	})
	for _, in := range []*inbox{flaky, healthy} {
		checkOrder(t, in)
	}

	// Switching to pull takes effect at once: observations are pulled, and
	// once one was, the webhook gets nothing more.
	h.must(t, http.StatusOK, req{method: http.MethodPut, path: api + "/clients/" + esc(flaky.client), client: flaky.client,
		body: map[string]any{"responseDelivery": "CLIENT_PULL"}})
	pushed := len(flaky.snapshot())
	flaky.push = false
	flaky.awaitAll(t, "observations pulled after switching to pull", func(ms []gotMsg) bool {
		return len(ms) > pushed+3
	})
	afterSwitch := calls.Load()
	flaky.quiet(t, 5*emulatorInterval, "nothing", func(gotMsg) bool { return false })
	if n := calls.Load(); n != afterSwitch {
		t.Errorf("the webhook was called %d times after the client switched to pull", n-afterSwitch)
	}
	checkOrder(t, flaky)

	for client, sub := range subs {
		h.accepted(t, req{method: http.MethodDelete, path: api + "/subscriptions/" + esc(sub), client: client})
	}
	for _, client := range []string{flaky.client, healthy.client, "e2e-push-hanging"} {
		h.must(t, http.StatusNoContent, req{method: http.MethodDelete, path: api + "/clients/" + esc(client), client: client})
	}
	flaky.checkClean(t)
	healthy.checkClean(t)
	stopServers()
	h.awaitMetrics(t, "after push", healthyMetrics)
	h.awaitMetrics(t, "with every client deleted", noOpenConversations)
	h.stop()
}

// checkOrder fails when a client received an observation twice, or one
// older than the one before it.
func checkOrder(t *testing.T, in *inbox) {
	t.Helper()
	seen := map[string]gotMsg{}
	var last gotMsg
	for _, m := range in.snapshot() {
		if !m.is("OBSERVATION") {
			continue
		}
		key := m.conv + "|" + m.stamp.String() + "|" + string(m.raw)
		if first, ok := seen[key]; ok {
			t.Errorf("%s received an observation twice: %s, then %s", in.client, first, m)
		}
		seen[key] = m
		if !last.stamp.IsZero() && m.stamp.Before(last.stamp) {
			t.Errorf("%s received observations out of order: %s (%s) after %s (%s)", in.client, m, m.stamp, last, last.stamp)
		}
		last = m
	}
}
