package test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/intermw/intermw/messages"
)

// discoveryFleet is 56 devices on two platforms: sensors and actuators,
// four rooms, names that a regex can pick from.
type discoveryFleet struct {
	platforms [2]string
	rooms     [4]string
	devices   []device
}

func newDiscoveryFleet() discoveryFleet {
	var f discoveryFleet
	for i := range f.platforms {
		f.platforms[i] = fmt.Sprintf("%sdiscovery/platforms/site-%c", e2eTestNS, 'a'+i)
	}
	for i := range f.rooms {
		f.rooms[i] = fmt.Sprintf("%sdiscovery/rooms#%d", e2eTestNS, i+1)
	}
	for i := range 56 {
		d := device{
			DeviceID: fmt.Sprintf("%sdiscovery/devices/dev-%02d", e2eTestNS, i),
			HostedBy: f.platforms[i%2],
			Location: f.rooms[(i/2)%4],
		}
		if i%4 < 2 {
			d.Name, d.DeviceTypes = fmt.Sprintf("Thermometer %02d", i), []string{"DEVICE", "SENSOR"}
		} else {
			d.Name, d.DeviceTypes = fmt.Sprintf("Valve %02d", i), []string{"DEVICE", "ACTUATOR"}
		}
		f.devices = append(f.devices, d)
	}
	return f
}

// match returns the ids of the fleet's devices that pred accepts.
func (f discoveryFleet) match(pred func(device) bool) []string {
	var out []string
	for _, d := range f.devices {
		if pred(d) {
			out = append(out, d.DeviceID)
		}
	}
	slices.Sort(out)
	return out
}

// TestE2EDeviceDiscovery creates 56 devices on two platforms in one
// request (one answer per platform) and finds them again by filter
// queries on type, platform, name and location, and by SPARQL with a regex
// through POST /query and a Device_discovery_query message.
func TestE2EDeviceDiscovery(t *testing.T) {
	checkLeaks(t)
	h := startHub(t, hubOptions{})
	const client = "e2e-discovery"
	in := registerPullClient(t, h, client, "JSON_LD")
	f := newDiscoveryFleet()
	for _, p := range f.platforms {
		registerPlatform(t, h, in, platformBody{PlatformID: p, Name: "Site " + p[len(p)-1:]})
	}
	createDevices(t, h, in, f.devices)

	all := listDevices(t, h, client, "")
	if len(all) != 56 {
		t.Fatalf("GET /devices lists %d devices, want 56", len(all))
	}
	for _, p := range f.platforms {
		if n := len(listDevices(t, h, client, p)); n != 28 {
			t.Errorf("GET /devices?platformId=%s lists %d, want 28", p, n)
		}
	}

	has := func(d device, typ string) bool { return slices.Contains(d.DeviceTypes, typ) }
	for _, tc := range []struct {
		name   string
		filter map[string]any
		want   []string
	}{
		{"sensors are found by device type", map[string]any{"deviceTypes": []string{"SENSOR"}},
			f.match(func(d device) bool { return has(d, "SENSOR") })},
		{"actuators are found by device type", map[string]any{"deviceTypes": []string{"ACTUATOR"}},
			f.match(func(d device) bool { return has(d, "ACTUATOR") })},
		{"a platform's devices are found by hostedBy", map[string]any{"hostedBy": f.platforms[1]},
			f.match(func(d device) bool { return d.HostedBy == f.platforms[1] })},
		{"a platform's actuators are found by hostedBy and type", map[string]any{"hostedBy": f.platforms[0], "deviceTypes": []string{"ACTUATOR"}},
			f.match(func(d device) bool { return d.HostedBy == f.platforms[0] && has(d, "ACTUATOR") })},
		{"one device is found by its name", map[string]any{"name": "Thermometer 17"},
			f.match(func(d device) bool { return d.Name == "Thermometer 17" })},
		{"a room's devices are found by location", map[string]any{"location": f.rooms[2]},
			f.match(func(d device) bool { return d.Location == f.rooms[2] })},
		{"a room's sensors on one platform are found by location, platform and type",
			map[string]any{"location": f.rooms[0], "hostedBy": f.platforms[0], "deviceTypes": []string{"SENSOR"}},
			f.match(func(d device) bool {
				return d.Location == f.rooms[0] && d.HostedBy == f.platforms[0] && has(d, "SENSOR")
			})},
		{"sensors are found by their class IRI", map[string]any{"type": nsSOSA + "Sensor"},
			f.match(func(d device) bool { return has(d, "SENSOR") })},
		{"an unknown name finds nothing", map[string]any{"name": "No such device"}, nil},
		{"an empty filter finds every device", map[string]any{}, f.match(func(device) bool { return true })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []device
			h.must(t, http.StatusOK, req{method: http.MethodPost, path: api + "/devices/query", client: client, body: tc.filter}).into(t, &got)
			var ids []string
			for _, d := range got {
				ids = append(ids, d.DeviceID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tc.want) {
				t.Errorf("filter %v found %d devices %v, want %d %v", tc.filter, len(ids), ids, len(tc.want), tc.want)
			}
		})
	}

	// SPARQL with a regex over the device graphs.
	re := regexp.MustCompile(`^Thermometer [0-9]*[05]$`)
	wantRegex := f.match(func(d device) bool { return re.MatchString(d.Name) })
	if len(wantRegex) == 0 || len(wantRegex) == 28 {
		t.Fatalf("the regex should pick some sensors, not %d", len(wantRegex))
	}
	query := `SELECT ?d ?name WHERE { GRAPH ?d { ?d a sosa:Sensor ; iiot:hasName ?name . FILTER(regex(str(?name), "^Thermometer [0-9]*[05]$")) } } ORDER BY ?d`

	t.Run("POST /query finds devices by a regex on their names", func(t *testing.T) {
		a := h.must(t, http.StatusOK, req{method: http.MethodPost, path: api + "/query", client: client, body: query,
			contentType: "application/sparql-query", accept: "application/sparql-results+json"})
		var res struct {
			Head    struct{ Vars []string }
			Results struct {
				Bindings []map[string]struct{ Type, Value string }
			}
		}
		a.into(t, &res)
		var ids []string
		for _, b := range res.Results.Bindings {
			ids = append(ids, b["d"].Value)
		}
		if !slices.Equal(ids, wantRegex) {
			t.Errorf("regex query found %v, want %v", ids, wantRegex)
		}
	})

	t.Run("a Device_discovery_query message finds the same devices", func(t *testing.T) {
		msg := messages.NewRequest(messages.DeviceDiscoveryQuery)
		msg.Metadata.Query = query
		msg.Metadata.ClientID = "someone-else" // the principal wins
		body, err := h.codec.Encode(msg)
		if err != nil {
			t.Fatal(err)
		}
		conv := h.accepted(t, req{method: http.MethodPost, path: api + "/requests", client: client, body: body, contentType: "application/ld+json"})
		if conv != msg.Metadata.ConversationID {
			t.Errorf("POST /requests answered conversation %s, the message has %s", conv, msg.Metadata.ConversationID)
		}
		m := in.await(t, "Device_discovery_query answer", reply(conv, "DEVICE_DISCOVERY_QUERY"))
		ids := resultSetValues(m, "d")
		slices.Sort(ids)
		if !slices.Equal(ids, wantRegex) {
			t.Errorf("Device_discovery_query found %v, want %v", ids, wantRegex)
		}
		if m.clientID != "" && m.clientID != client {
			t.Errorf("discovery answer names client %q, want %q", m.clientID, client)
		}
	})

	t.Run("the points inside an L-shaped area are found geometrically", func(t *testing.T) {
		points := map[string]string{ // room → WKT point
			f.rooms[0]: "POINT(1 1)",   // in the L's corner
			f.rooms[1]: "POINT(5 5)",   // inside the bounding box, outside the L
			f.rooms[2]: "POINT(15 15)", // inside the bounding box, outside the L
			f.rooms[3]: "POINT(2 15)",  // in the L's upright
		}
		for room, wkt := range points {
			h.must(t, http.StatusOK, req{method: http.MethodPost, path: api + "/location/points", client: client,
				body: map[string]any{"locationId": room, "platformId": f.platforms[0], "wktPoint": wkt}})
		}
		area := e2eTestNS + "discovery/areas#l-wing"
		h.must(t, http.StatusOK, req{method: http.MethodPost, path: api + "/location/areas", client: client,
			body: map[string]any{"locationId": area, "platformId": f.platforms[0], "description": "L wing",
				"wktPolygon": "POLYGON((0 0, 20 0, 20 4, 4 4, 4 20, 0 20, 0 0))"}})
		var inside []string
		h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/location/areas/" + esc(area) + "/points", client: client}).into(t, &inside)
		slices.Sort(inside)
		want := []string{f.rooms[0], f.rooms[3]}
		slices.Sort(want)
		if !slices.Equal(inside, want) {
			t.Errorf("points inside the L: %v, want %v", inside, want)
		}
	})

	t.Run("the registry refuses a SPARQL update through POST /query", func(t *testing.T) {
		h.expect(t, http.StatusBadRequest, req{method: http.MethodPost, path: api + "/query", client: client,
			body: `DELETE WHERE { GRAPH ?g { ?s ?p ?o } }`, contentType: "application/sparql-query"})
		if n := len(listDevices(t, h, client, "")); n != 56 {
			t.Errorf("after a refused update the registry lists %d devices, want 56", n)
		}
	})

	for in.pullOnce(t) {
	}
	in.checkClean(t)
	h.awaitMetrics(t, "after discovery", healthyMetrics)
	h.stop()
}

// resultSetValues reads the values of variable v from a discovery answer
// written in the DAWG result-set vocabulary (rs:solution / rs:binding /
// rs:variable / rs:value).
func resultSetValues(m gotMsg, v string) []string {
	byBinding := map[string]map[string]string{} // binding node → property → value
	for _, tr := range m.payload {
		k := tr.S.Value
		if byBinding[k] == nil {
			byBinding[k] = map[string]string{}
		}
		byBinding[k][tr.P.Value] = tr.O.Value
	}
	var out []string
	for _, props := range byBinding {
		if props[nsRS+"variable"] == v {
			out = append(out, props[nsRS+"value"])
		}
	}
	return out
}
