package test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestE2ELifecycle is the issue's acceptance test: a running `intermw
// serve`, driven over HTTP only, through the INTER-MW lifecycle in both
// response formats and both delivery modes. Each case runs its own hub, so
// that the end-of-run checks (no Error anywhere, the error topic and every
// queue empty) see only that case.
func TestE2ELifecycle(t *testing.T) {
	checkLeaks(t)
	for _, tc := range []struct {
		format string
		push   bool
	}{
		{"JSON_LD", false},
		{"JSON_LD", true},
		{"JSON", false},
		{"JSON", true},
	} {
		delivery := "CLIENT_PULL"
		if tc.push {
			delivery = "SERVER_PUSH"
		}
		t.Run(fmt.Sprintf("a %s client with %s goes through the whole lifecycle", tc.format, delivery), func(t *testing.T) {
			t.Parallel()
			runLifecycle(t, tc.format, tc.push)
		})
	}
}

func runLifecycle(t *testing.T, format string, push bool) {
	opts := hubOptions{}
	if push {
		// Loopback webhooks are refused unless allow-listed.
		opts.webhookAllow = "127.0.0.0/8"
	}
	h := startHub(t, opts)
	name := strings.ToLower(strings.ReplaceAll(format, "_", "")) + map[bool]string{false: "-pull", true: "-push"}[push]
	clientID := "e2e-client-" + name
	platformID := e2eTestNS + name + "/platforms/emulator#1"
	deviceID := func(i int) string { return fmt.Sprintf("%s%s/devices/sensor#%02d", e2eTestNS, name, i) }

	in := newInbox(h, clientID, format, push)
	delivery := "CLIENT_PULL"
	callback := ""
	if push {
		srv := httptest.NewServer(in.webhook(t))
		t.Cleanup(srv.Close)
		delivery, callback = "SERVER_PUSH", srv.URL+"/callback"
	}

	// 1. Register the client (twice: 409), get, update, list.
	reg := clientBody{ClientID: clientID, CallbackURL: callback, ReceivingCapacity: 20, ResponseFormat: format, ResponseDelivery: delivery}
	a := h.must(t, http.StatusCreated, req{method: http.MethodPost, path: api + "/clients", client: clientID, body: reg})
	if loc := a.header.Get("Location"); loc != api+"/clients/"+esc(clientID) {
		t.Errorf("register: Location %q, want %q", loc, api+"/clients/"+esc(clientID))
	}
	h.expect(t, http.StatusConflict, req{method: http.MethodPost, path: api + "/clients", client: clientID, body: reg})
	var got clientBody
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/clients/" + esc(clientID), client: clientID}).into(t, &got)
	if got != reg {
		t.Errorf("GET client: %+v, want %+v", got, reg)
	}
	h.must(t, http.StatusOK, req{method: http.MethodPut, path: api + "/clients/" + esc(clientID), client: clientID,
		body: map[string]any{"receivingCapacity": 50}}).into(t, &got)
	reg.ReceivingCapacity = 50
	if got != reg {
		t.Errorf("PUT client: %+v, want %+v", got, reg)
	}
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/clients/" + esc(clientID), client: clientID}).into(t, &got)
	if got != reg {
		t.Errorf("GET client after the update: %+v, want %+v", got, reg)
	}
	var clients []clientBody
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/clients", client: clientID}).into(t, &clients)
	if !slices.Contains(clients, reg) {
		t.Errorf("GET clients: %+v lacks %+v", clients, reg)
	}

	// 2. Platform types: 202, then a Response listing MWTestPlatform.
	conv := h.accepted(t, req{method: http.MethodGet, path: api + "/platform-types", client: clientID})
	m := in.await(t, "List_supported_platform_types answer", reply(conv, "LIST_SUPPORTED_PLATFORM_TYPES"))
	if !slices.Contains(m.platformTypes, mwTestPlatform) {
		t.Errorf("platform types answer lists %v, want %s in it", m.platformTypes, mwTestPlatform)
	}

	// 3. Register the platform (the answer comes from it), get, update.
	p := platformBody{PlatformID: platformID, Type: mwTestPlatform, Name: "Emulator " + name, BaseEndpoint: "http://localhost:4568/",
		LocationID: e2eTestNS + "locations/lab"}
	registerPlatform(t, h, in, p)
	gp := getPlatform(t, h, clientID, platformID)
	p.ClientID = clientID
	checkPlatform(t, "registered", gp, p)
	if gp.TimeCreated == 0 {
		t.Errorf("registered platform has no timeCreated")
	}
	h.expect(t, http.StatusConflict, req{method: http.MethodPost, path: api + "/platforms", client: clientID, body: p})
	conv = h.accepted(t, req{method: http.MethodPut, path: api + "/platforms/" + esc(platformID), client: clientID,
		body: map[string]any{"name": "Renamed " + name, "baseEndpoint": "http://localhost:4569/"}})
	m = in.await(t, "Platform_update answer", reply(conv, "PLATFORM_UPDATE"))
	if m.sender != platformID {
		t.Errorf("Platform_update answer from %q, want %q", m.sender, platformID)
	}
	p.Name, p.BaseEndpoint = "Renamed "+name, "http://localhost:4569/"
	checkPlatform(t, "updated", getPlatform(t, h, clientID, platformID), p)
	var platforms []platformBody
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/platforms", client: clientID}).into(t, &platforms)
	if !slices.ContainsFunc(platforms, func(x platformBody) bool { return x.PlatformID == platformID }) {
		t.Errorf("GET platforms lacks %s: %+v", platformID, platforms)
	}

	// The 8 alignment fields are kept and updated, on a platform of their
	// own whose alignments are uploaded to the embedded IPSM first.
	for _, a := range [][2]string{{"din", "1.0.0"}, {"dout", "1.0.1"}, {"uin", "2.0.0"}, {"uout", "2.0.1"}, {"uout", "2.1.0"}} {
		uploadAlignment(t, h, a[0], a[1])
	}
	aligned := platformBody{PlatformID: e2eTestNS + name + "/platforms/aligned", Type: mwTestPlatform, Name: "Aligned",
		DownstreamInputAlignmentName: "din", DownstreamInputAlignmentVersion: "1.0.0",
		DownstreamOutputAlignmentName: "dout", DownstreamOutputAlignmentVersion: "1.0.1",
		UpstreamInputAlignmentName: "uin", UpstreamInputAlignmentVersion: "2.0.0",
		UpstreamOutputAlignmentName: "uout", UpstreamOutputAlignmentVersion: "2.0.1"}
	registerPlatform(t, h, in, aligned)
	aligned.ClientID = clientID
	checkPlatform(t, "registered with alignments", getPlatform(t, h, clientID, aligned.PlatformID), aligned)
	conv = h.accepted(t, req{method: http.MethodPut, path: api + "/platforms/" + esc(aligned.PlatformID), client: clientID,
		body: map[string]any{"upstreamOutputAlignmentVersion": "2.1.0"}})
	in.await(t, "Platform_update answer", reply(conv, "PLATFORM_UPDATE"))
	aligned.UpstreamOutputAlignmentVersion = "2.1.0"
	checkPlatform(t, "with an updated alignment", getPlatform(t, h, clientID, aligned.PlatformID), aligned)
	conv = h.accepted(t, req{method: http.MethodDelete, path: api + "/platforms/" + esc(aligned.PlatformID), client: clientID})
	in.await(t, "Platform_unregister answer", reply(conv, "PLATFORM_UNREGISTER"))

	// 4. Create 12 devices, recreate some (409), update one, delete one,
	// list 11.
	var ds []device
	for i := 1; i <= 12; i++ {
		types := []string{"DEVICE", "SENSOR"}
		if i%4 == 0 {
			types = []string{"DEVICE", "ACTUATOR"}
		}
		ds = append(ds, device{DeviceID: deviceID(i), HostedBy: platformID, Name: fmt.Sprintf("Sensor %02d", i),
			Location: e2eTestNS + "locations/lab", DeviceTypes: types})
	}
	createDevices(t, h, in, ds)
	if got := listDevices(t, h, clientID, platformID); len(got) != 12 {
		t.Fatalf("after creating 12 devices the platform lists %d", len(got))
	}
	h.expect(t, http.StatusConflict, req{method: http.MethodPost, path: api + "/devices", client: clientID,
		body: map[string]any{"devices": ds[2:5]}})
	upd := ds[0]
	upd.Name = "Renamed sensor"
	conv = h.accepted(t, req{method: http.MethodPut, path: api + "/devices/" + esc(upd.DeviceID), client: clientID, body: upd})
	in.await(t, "Platform_update_Device answer", reply(conv, "PLATFORM_UPDATE_DEVICE"))
	conv = h.accepted(t, req{method: http.MethodDelete, path: api + "/devices/" + esc(deviceID(12)), client: clientID})
	in.await(t, "Platform_delete_Device answer", reply(conv, "PLATFORM_DELETE_DEVICE"))
	listed := listDevices(t, h, clientID, platformID)
	if len(listed) != 11 {
		t.Errorf("after deleting one device the platform lists %d, want 11", len(listed))
	}
	for _, d := range listed {
		if d.DeviceID == deviceID(12) {
			t.Errorf("deleted device %s is still listed", d.DeviceID)
		}
		if d.DeviceID == upd.DeviceID && d.Name != upd.Name {
			t.Errorf("updated device %s is named %q, want %q", d.DeviceID, d.Name, upd.Name)
		}
	}
	h.expect(t, http.StatusNotFound, req{method: http.MethodDelete, path: api + "/devices/" + esc(deviceID(12)), client: clientID})

	// 5. Subscribe to 3 devices; the statistics count them.
	subscribed := []string{deviceID(1), deviceID(2), deviceID(3)}
	sub := h.accepted(t, req{method: http.MethodPost, path: api + "/subscriptions", client: clientID, body: map[string]any{"deviceIds": subscribed}})
	in.await(t, "Subscribe answer", reply(sub, "SUBSCRIBE"))
	var subs []subscriptionBody
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/subscriptions", client: clientID}).into(t, &subs)
	if len(subs) != 1 || subs[0].ConversationID != sub || subs[0].ClientID != clientID || !sameSet(subs[0].DeviceIDs, subscribed) {
		t.Errorf("GET subscriptions: %+v, want one %s of %s on %v", subs, sub, clientID, subscribed)
	}
	h.expect(t, http.StatusConflict, req{method: http.MethodPost, path: api + "/subscriptions", client: clientID, body: map[string]any{"deviceIds": subscribed}})
	checkStatistics(t, getPlatform(t, h, clientID, platformID), 11, 3, 1)

	// 6. Observations carry the subscription id and the platform as sender.
	in.awaitAll(t, "observations of the 3 subscribed devices", func(ms []gotMsg) bool {
		return len(sensorsSeen(ms, sub)) >= 3
	})
	for _, m := range in.snapshot() {
		if !m.is("OBSERVATION") {
			continue
		}
		if m.conv != sub {
			t.Errorf("observation on conversation %q, want the subscription's %q", m.conv, sub)
		}
		if m.sender != platformID {
			t.Errorf("observation from %q, want %q", m.sender, platformID)
		}
		for _, s := range m.sensors {
			if !slices.Contains(subscribed, s) {
				t.Errorf("observation of unsubscribed device %s", s)
			}
		}
	}

	// Current data, answered synchronously within the query timeout.
	a = h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/devices/data/" + esc(deviceID(5)), client: clientID})
	if cur, err := h.parseMsg("JSON_LD", a.body); err != nil {
		t.Errorf("current data is not an INTER-IoT message: %v", err)
	} else if !cur.is("QUERY", "RESPONSE") || !slices.Contains(cur.sensors, deviceID(5)) {
		t.Errorf("current data of %s: %s (sensors %v)", deviceID(5), cur, cur.sensors)
	}

	// 7. Unsubscribe: a new conversation, its Unsubscribe answer, and no
	// more observations.
	unsub := h.accepted(t, req{method: http.MethodDelete, path: api + "/subscriptions/" + esc(sub), client: clientID})
	if unsub == sub {
		t.Errorf("unsubscribe answered the subscription's own conversation %s", sub)
	}
	um := in.await(t, "Unsubscribe answer", reply(unsub, "UNSUBSCRIBE"))
	for _, m := range in.snapshot() {
		if m.seq > um.seq && m.is("OBSERVATION") && m.conv == sub {
			t.Errorf("observation after the Unsubscribe answer: %s", m)
		}
	}
	in.quiet(t, 10*emulatorInterval, "an observation after unsubscribing", func(m gotMsg) bool { return m.is("OBSERVATION") })
	h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/subscriptions", client: clientID}).into(t, &subs)
	if len(subs) != 0 {
		t.Errorf("subscriptions after unsubscribing: %+v", subs)
	}
	checkStatistics(t, getPlatform(t, h, clientID, platformID), 11, 0, 0)
	h.expect(t, http.StatusNotFound, req{method: http.MethodDelete, path: api + "/subscriptions/" + esc(sub), client: clientID})

	// 8. Actuate; unregister the platform (a second DELETE is 404).
	conv = h.accepted(t, req{method: http.MethodPost, path: api + "/devices/" + esc(deviceID(4)) + "/actuation", client: clientID,
		body: map[string]any{"actuatorId": deviceID(4), "actuatorLocalId": "valve-4", "actuationResultSet": []map[string]string{
			{"actuatableProperty": e2eTestNS + "properties/opening", "value": "75", "unit": "http://qudt.org/vocab/unit/PERCENT"}}}})
	m = in.await(t, "Actuation answer", reply(conv, "ACTUATION"))
	if m.sender != platformID {
		t.Errorf("Actuation answer from %q, want %q", m.sender, platformID)
	}
	conv = h.accepted(t, req{method: http.MethodDelete, path: api + "/platforms/" + esc(platformID), client: clientID})
	in.await(t, "Platform_unregister answer", reply(conv, "PLATFORM_UNREGISTER"))
	h.expect(t, http.StatusNotFound, req{method: http.MethodGet, path: api + "/platforms/" + esc(platformID), client: clientID})
	h.expect(t, http.StatusNotFound, req{method: http.MethodDelete, path: api + "/platforms/" + esc(platformID), client: clientID})
	if left := listDevices(t, h, clientID, platformID); len(left) != 0 {
		t.Errorf("the unregistered platform's devices are still listed: %d", len(left))
	}

	// Everything the client was sent has arrived; nothing was an Error.
	if !push {
		for in.pullOnce(t) {
		}
	}
	in.checkClean(t)

	// 9. Delete the client (then 404).
	h.must(t, http.StatusNoContent, req{method: http.MethodDelete, path: api + "/clients/" + esc(clientID), client: clientID})
	h.expect(t, http.StatusNotFound, req{method: http.MethodGet, path: api + "/clients/" + esc(clientID), client: clientID})
	h.expect(t, http.StatusNotFound, req{method: http.MethodDelete, path: api + "/clients/" + esc(clientID), client: clientID})

	// At the end: the error topic is empty and every queue drained.
	h.awaitMetrics(t, "at the end of the lifecycle", healthyMetrics)
	h.awaitMetrics(t, "with every client deleted", noOpenConversations)
	h.stop()
}

// checkPlatform compares the registered fields of a platform.
func checkPlatform(t *testing.T, what string, got, want platformBody) {
	t.Helper()
	got.TimeCreated, got.PlatformStatistics = 0, nil
	want.TimeCreated, want.PlatformStatistics = 0, nil
	if got != want {
		t.Errorf("%s platform:\n got  %+v\n want %+v", what, got, want)
	}
}

func checkStatistics(t *testing.T, p platformBody, devices, subscribedDevices, subscriptions int) {
	t.Helper()
	s := p.PlatformStatistics
	if s == nil {
		t.Errorf("platform %s has no platformStatistics", p.PlatformID)
		return
	}
	if s.DeviceCount != devices || s.SubscribedDeviceCount != subscribedDevices || s.SubscriptionCount != subscriptions {
		t.Errorf("platform %s statistics: %+v, want deviceCount %d, subscribedDeviceCount %d, subscriptionCount %d",
			p.PlatformID, *s, devices, subscribedDevices, subscriptions)
	}
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// checkLogClean fails on error-level log lines and panics: a healthy run
// logs none.
func checkLogClean(t *testing.T, h *hubProc) {
	t.Helper()
	for _, line := range strings.Split(h.stderr.String(), "\n") {
		if strings.Contains(line, "level=error") || strings.Contains(line, "level=fatal") || strings.Contains(line, "level=panic") ||
			strings.HasPrefix(line, "panic:") || strings.Contains(line, "DATA RACE") {
			t.Errorf("intermw logged: %s", line)
		}
	}
}

// uploadAlignment gives the hub's embedded IPSM a no-op alignment of that
// name and version (testdata/e2e-noop-alignment.rdf).
func uploadAlignment(t *testing.T, h *hubProc, name, version string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "e2e-noop-alignment.rdf"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.NewReplacer(">NAME<", ">"+name+"<", ">VERSION<", ">"+version+"<").Replace(string(src))
	h.must(t, http.StatusCreated, req{method: http.MethodPost, path: "/ipsm/alignments", body: doc, contentType: "application/xml"})
}
