package test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/intermw/intermw/messages"
)

// SPARQL injection attempts, put through every identifier the API takes.
var injections = []struct{ name, id string }{
	{"an IRI that closes itself and drops everything",
		"http://evil.example/a> } ; DROP ALL ; INSERT DATA { GRAPH <http://evil.example/g> { <http://evil.example/s> <http://evil.example/p> <http://evil.example/o> } } #"},
	{"a literal that closes itself and drops everything", `x" } ; DROP ALL ; INSERT DATA { <http://evil.example/s> <http://evil.example/p> "o" } #`},
	{"an IRI in angle brackets", "<http://evil.example/s>"},
	{"a triple pattern that matches everything", "http://evil.example/s> ?p ?o . ?s ?p2 ?o2 . FILTER(true) #"},
}

// TestE2EBadInputs sends each endpoint malformed JSON, wrong enum values,
// missing fields, unknown ids, URL-encoded IRIs with / and #, bodies past
// the 2 MiB limit and SPARQL injection attempts through every id; each
// gets its status and a JSON Error, and no list endpoint changes.
func TestE2EBadInputs(t *testing.T) {
	checkLeaks(t)
	// No webhook allow-list: loopback and private callbacks are refused.
	h := startHub(t, hubOptions{})
	const client = "e2e-bad"
	in := registerPullClient(t, h, client, "JSON_LD")
	platform := e2eTestNS + "bad/platforms/p#1"
	sensor := e2eTestNS + "bad/devices/sensor#1"
	valve := e2eTestNS + "bad/devices/valve#2"
	registerPlatform(t, h, in, platformBody{PlatformID: platform, Name: "Bad inputs"})
	createDevices(t, h, in, []device{
		{DeviceID: sensor, HostedBy: platform, Name: "Sensor", DeviceTypes: []string{"DEVICE", "SENSOR"}},
		{DeviceID: valve, HostedBy: platform, Name: "Valve", DeviceTypes: []string{"DEVICE", "ACTUATOR"}},
	})
	sub := h.accepted(t, req{method: http.MethodPost, path: api + "/subscriptions", client: client, body: map[string]any{"deviceIds": []string{sensor}}})
	in.await(t, "Subscribe answer", reply(sub, "SUBSCRIBE"))
	area := e2eTestNS + "bad/areas#harbour"
	point := e2eTestNS + "bad/points#crane"
	h.must(t, http.StatusOK, req{method: http.MethodPost, path: api + "/location/areas", client: client,
		body: map[string]any{"locationId": area, "platformId": platform, "wktPolygon": "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))"}})
	h.must(t, http.StatusOK, req{method: http.MethodPost, path: api + "/location/points", client: client,
		body: map[string]any{"locationId": point, "platformId": platform, "wktPoint": "POINT(5 5)"}})

	unknownPlatform := e2eTestNS + "bad/platforms/none#0"
	unknownDevice := e2eTestNS + "bad/devices/none#0"
	big := func(prefix, suffix string) string { return prefix + strings.Repeat("a", 2<<20) + suffix }
	badMessage, err := h.codec.Encode(func() *messages.Message {
		m := messages.NewRequest(messages.PlatformRegister)
		m.Metadata.AddType(messages.Response)
		return m
	}())
	if err != nil {
		t.Fatal(err)
	}

	type tc struct {
		name        string
		method      string
		path        string
		client      string
		body        any
		contentType string
		want        []int
	}
	const noClient = "\x00" // sends no Client-ID header
	status := func(s ...int) []int { return s }
	bad, notFound, conflict, tooLarge := status(400), status(404), status(409), status(413)
	cases := []tc{
		// clients
		{"a client with malformed JSON", "POST", "/clients", "", `{"clientId": "x",`, "", bad},
		{"a client with an unknown response format", "POST", "/clients", "", map[string]any{"clientId": "x1", "responseFormat": "XML"}, "", bad},
		{"a client with an unknown delivery mode", "POST", "/clients", "", map[string]any{"clientId": "x2", "responseDelivery": "PUSH"}, "", bad},
		{"a client without clientId", "POST", "/clients", "", map[string]any{"responseFormat": "JSON"}, "", bad},
		{"a client with an empty clientId", "POST", "/clients", "", map[string]any{"clientId": ""}, "", bad},
		{"a client whose receivingCapacity is a string", "POST", "/clients", "", map[string]any{"clientId": "x3", "receivingCapacity": "ten"}, "", bad},
		{"a client with a negative receivingCapacity", "POST", "/clients", "", map[string]any{"clientId": "x4", "receivingCapacity": -1}, "", bad},
		{"a push client without callbackUrl", "POST", "/clients", "", map[string]any{"clientId": "x5", "responseDelivery": "SERVER_PUSH"}, "", bad},
		{"a push client with an ftp callback", "POST", "/clients", "", map[string]any{"clientId": "x6", "responseDelivery": "SERVER_PUSH", "callbackUrl": "ftp://example.org/cb"}, "", bad},
		{"a push client with a loopback callback not allow-listed", "POST", "/clients", "", map[string]any{"clientId": "x7", "responseDelivery": "SERVER_PUSH", "callbackUrl": "http://127.0.0.1:9/cb"}, "", bad},
		{"a push client with a link-local metadata callback", "POST", "/clients", "", map[string]any{"clientId": "x8", "responseDelivery": "SERVER_PUSH", "callbackUrl": "http://169.254.169.254/latest"}, "", bad},
		{"a client of 2 MiB", "POST", "/clients", "", big(`{"clientId": "`, `"}`), "", tooLarge},
		{"a client registered twice", "POST", "/clients", client, map[string]any{"clientId": client}, "", conflict},
		{"a client body in XML", "POST", "/clients", "", `<client id="x9"/>`, "application/xml", status(415)},
		{"an unknown client", "GET", "/clients/" + esc("nobody"), "", nil, "", notFound},
		{"an update of an unknown client", "PUT", "/clients/" + esc("nobody"), "", map[string]any{"receivingCapacity": 5}, "", notFound},
		{"an update with an unknown format", "PUT", "/clients/" + esc(client), client, map[string]any{"responseFormat": "XML"}, "", bad},
		{"an update with malformed JSON", "PUT", "/clients/" + esc(client), client, `{`, "", bad},
		{"an update switching to push without callback", "PUT", "/clients/" + esc(client), client, map[string]any{"responseDelivery": "SERVER_PUSH"}, "", bad},
		{"an update of 2 MiB", "PUT", "/clients/" + esc(client), client, big(`{"callbackUrl": "http://example.org/`, `"}`), "", tooLarge},
		{"a delete of an unknown client", "DELETE", "/clients/" + esc("nobody"), "", nil, "", notFound},

		// platforms
		{"a platform with malformed JSON", "POST", "/platforms", client, `{"platformId": `, "", bad},
		{"a platform without type", "POST", "/platforms", client, map[string]any{"platformId": e2eTestNS + "bad/x"}, "", bad},
		{"a platform without platformId", "POST", "/platforms", client, map[string]any{"type": mwTestPlatform}, "", bad},
		{"a platform whose id is not an IRI", "POST", "/platforms", client, map[string]any{"platformId": "not an iri", "type": mwTestPlatform}, "", bad},
		{"a platform with a bad baseEndpoint", "POST", "/platforms", client, map[string]any{"platformId": e2eTestNS + "bad/y", "type": mwTestPlatform, "baseEndpoint": "::nowhere"}, "", bad},
		{"a platform whose name is a number", "POST", "/platforms", client, map[string]any{"platformId": e2eTestNS + "bad/z", "type": mwTestPlatform, "name": 7}, "", bad},
		{"a platform registered twice", "POST", "/platforms", client, map[string]any{"platformId": platform, "type": mwTestPlatform}, "", conflict},
		{"a platform of 2 MiB", "POST", "/platforms", client, big(`{"type": "`+mwTestPlatform+`", "platformId": "http://example.org/`, `"}`), "", tooLarge},
		{"a platform registered without Client-ID", "POST", "/platforms", noClient, map[string]any{"platformId": e2eTestNS + "bad/w", "type": mwTestPlatform}, "", status(401)},
		{"an unknown platform with / and #", "GET", "/platforms/" + esc(unknownPlatform), client, nil, "", notFound},
		{"an update of an unknown platform", "PUT", "/platforms/" + esc(unknownPlatform), client, map[string]any{"name": "x"}, "", notFound},
		{"a platform update with malformed JSON", "PUT", "/platforms/" + esc(platform), client, `{"name"`, "", bad},
		{"a platform update whose name is a number", "PUT", "/platforms/" + esc(platform), client, map[string]any{"name": 1}, "", bad},
		{"a delete of an unknown platform", "DELETE", "/platforms/" + esc(unknownPlatform), client, nil, "", notFound},
		{"the platform with an unescaped #", "GET", "/platforms/" + strings.ReplaceAll(esc(platform), "%23", "#"), client, nil, "", notFound},

		// devices
		{"devices with malformed JSON", "POST", "/devices", client, `{"devices": [`, "", bad},
		{"devices without the list", "POST", "/devices", client, map[string]any{}, "", bad},
		{"an empty device list", "POST", "/devices", client, map[string]any{"devices": []any{}}, "", bad},
		{"a device with an unknown type", "POST", "/devices", client, map[string]any{"devices": []device{{DeviceID: e2eTestNS + "bad/d1", HostedBy: platform, DeviceTypes: []string{"SENSORS"}}}}, "", bad},
		{"a device without deviceId", "POST", "/devices", client, map[string]any{"devices": []map[string]any{{"hostedBy": platform}}}, "", bad},
		{"a device without hostedBy", "POST", "/devices", client, map[string]any{"devices": []device{{DeviceID: e2eTestNS + "bad/d2"}}}, "", bad},
		{"a device on an unknown platform", "POST", "/devices", client, map[string]any{"devices": []device{{DeviceID: e2eTestNS + "bad/d3", HostedBy: unknownPlatform}}}, "", notFound},
		{"a device created twice", "POST", "/devices", client, map[string]any{"devices": []device{{DeviceID: sensor, HostedBy: platform}}}, "", conflict},
		{"a device listed twice", "POST", "/devices", client, map[string]any{"devices": []device{{DeviceID: e2eTestNS + "bad/d4", HostedBy: platform}, {DeviceID: e2eTestNS + "bad/d4", HostedBy: platform}}}, "", bad},
		{"devices of 2 MiB", "POST", "/devices", client, big(`{"devices": [{"hostedBy": "`+platform+`", "deviceId": "http://example.org/`, `"}]}`), "", tooLarge},
		{"a device update whose id differs from the path", "PUT", "/devices/" + esc(sensor), client, device{DeviceID: valve, HostedBy: platform}, "", bad},
		{"a device update with an unknown type", "PUT", "/devices/" + esc(sensor), client, device{DeviceID: sensor, HostedBy: platform, DeviceTypes: []string{"THING"}}, "", bad},
		{"a device moving to another platform", "PUT", "/devices/" + esc(sensor), client, device{DeviceID: sensor, HostedBy: unknownPlatform}, "", bad},
		{"an update of an unknown device", "PUT", "/devices/" + esc(unknownDevice), client, device{DeviceID: unknownDevice, HostedBy: platform}, "", notFound},
		{"a delete of an unknown device", "DELETE", "/devices/" + esc(unknownDevice), client, nil, "", notFound},
		{"a device filter with an unknown type", "POST", "/devices/query", client, map[string]any{"deviceTypes": []string{"X"}}, "", bad},
		{"a device filter with malformed JSON", "POST", "/devices/query", client, `{"name": }`, "", bad},
		{"a device filter whose name is a list", "POST", "/devices/query", client, map[string]any{"name": []string{"a"}}, "", bad},
		{"an actuation without results", "POST", "/devices/" + esc(valve) + "/actuation", client, map[string]any{"actuatorId": valve}, "", bad},
		{"an actuation of another actuator", "POST", "/devices/" + esc(valve) + "/actuation", client, map[string]any{"actuatorId": sensor, "actuationResultSet": []map[string]string{{"value": "1"}}}, "", bad},
		{"an actuation of an unknown device", "POST", "/devices/" + esc(unknownDevice) + "/actuation", client, map[string]any{"actuationResultSet": []map[string]string{{"value": "1"}}}, "", notFound},
		{"an actuation with a unit that is not an IRI", "POST", "/devices/" + esc(valve) + "/actuation", client, map[string]any{"actuationResultSet": []map[string]string{{"value": "1", "unit": "per cent"}}}, "", bad},
		{"current data of an unknown device", "GET", "/devices/data/" + esc(unknownDevice), client, nil, "", notFound},
		{"current data without platformId", "GET", "/devices/data", client, nil, "", bad},
		{"current data of an unknown platform", "GET", "/devices/data?platformId=" + url.QueryEscape(unknownPlatform), client, nil, "", notFound},

		// subscriptions
		{"a subscription with malformed JSON", "POST", "/subscriptions", client, `{"deviceIds": [`, "", bad},
		{"a subscription without devices", "POST", "/subscriptions", client, map[string]any{}, "", bad},
		{"a subscription to no device", "POST", "/subscriptions", client, map[string]any{"deviceIds": []string{}}, "", bad},
		{"a subscription whose deviceIds is a string", "POST", "/subscriptions", client, map[string]any{"deviceIds": sensor}, "", bad},
		{"a subscription to an unknown device", "POST", "/subscriptions", client, map[string]any{"deviceIds": []string{unknownDevice}}, "", notFound},
		{"a subscription made twice", "POST", "/subscriptions", client, map[string]any{"deviceIds": []string{sensor}}, "", conflict},
		{"a subscription without Client-ID", "POST", "/subscriptions", noClient, map[string]any{"deviceIds": []string{sensor}}, "", status(401)},
		{"a subscription of 2 MiB", "POST", "/subscriptions", client, big(`{"deviceIds": ["http://example.org/`, `"]}`), "", tooLarge},
		{"an unknown subscription", "DELETE", "/subscriptions/" + esc("conv00000000-0000-4000-8000-000000000000"), client, nil, "", notFound},
		{"another client's subscription", "DELETE", "/subscriptions/" + esc(sub), "someone-else", nil, "", notFound},
		{"a platform-to-platform subscription with malformed JSON", "POST", "/subscriptions-platform-to-platform", client, `{`, "", bad},
		{"a platform-to-platform subscription without target", "POST", "/subscriptions-platform-to-platform", client, map[string]any{"sourceDeviceId": sensor}, "", bad},
		{"a device subscribed to itself", "POST", "/subscriptions-platform-to-platform", client, map[string]any{"sourceDeviceId": sensor, "targetDeviceId": sensor}, "", bad},
		{"a platform-to-platform subscription from an unknown device", "POST", "/subscriptions-platform-to-platform", client, map[string]any{"sourceDeviceId": unknownDevice, "targetDeviceId": valve}, "", notFound},
		{"an unknown platform-to-platform subscription", "DELETE", "/subscriptions-platform-to-platform/" + esc("conv00000000-0000-4000-8000-000000000000"), client, nil, "", notFound},

		// locations
		{"an area with malformed WKT", "POST", "/location/areas", client, map[string]any{"locationId": e2eTestNS + "bad/a1", "wktPolygon": "POLYGON((0 0, 1 1"}, "", bad},
		{"an area without polygon", "POST", "/location/areas", client, map[string]any{"locationId": e2eTestNS + "bad/a2"}, "", bad},
		{"an area whose polygon is a point", "POST", "/location/areas", client, map[string]any{"locationId": e2eTestNS + "bad/a3", "wktPolygon": "POINT(1 1)"}, "", bad},
		{"an area added twice", "POST", "/location/areas", client, map[string]any{"locationId": area, "wktPolygon": "POLYGON((0 0, 1 0, 1 1, 0 0))"}, "", conflict},
		{"a point with malformed WKT", "POST", "/location/points", client, map[string]any{"locationId": e2eTestNS + "bad/p1", "wktPoint": "POINT(a b)"}, "", bad},
		{"a point without its WKT", "POST", "/location/points", client, map[string]any{"locationId": e2eTestNS + "bad/p2"}, "", bad},
		{"an unknown area", "GET", "/location/areas/" + esc(e2eTestNS+"bad/areas#none"), client, nil, "", notFound},
		{"the points of an unknown area", "GET", "/location/areas/" + esc(e2eTestNS+"bad/areas#none") + "/points", client, nil, "", notFound},
		{"an unknown point", "GET", "/location/points/" + esc(e2eTestNS+"bad/points#none"), client, nil, "", notFound},
		{"an area update whose id differs from the path", "PUT", "/location/areas/" + esc(area), client, map[string]any{"locationId": point, "wktPolygon": "POLYGON((0 0, 1 0, 1 1, 0 0))"}, "", bad},
		{"a delete of an unknown area", "DELETE", "/location/areas/" + esc(e2eTestNS+"bad/areas#none"), client, nil, "", notFound},

		// raw SPARQL
		{"a SPARQL update", "POST", "/query", client, `INSERT DATA { <http://evil.example/s> <http://evil.example/p> <http://evil.example/o> }`, "application/sparql-query", bad},
		{"DROP ALL", "POST", "/query", client, `DROP ALL`, "application/sparql-query", bad},
		{"a query and an update", "POST", "/query", client, "SELECT * WHERE { ?s ?p ?o } ; DROP ALL", "application/sparql-query", bad},
		{"a SPARQL syntax error", "POST", "/query", client, `SELEC * WHERE { ?s ?p ?o }`, "application/sparql-query", bad},
		{"an empty query", "POST", "/query", client, ``, "application/sparql-query", bad},
		{"a query sent as JSON", "POST", "/query", client, `{"query": "SELECT * WHERE { ?s ?p ?o }"}`, "application/json", status(415)},
		{"a query of 2 MiB", "POST", "/query", client, big("SELECT * WHERE { ?s ?p ?o } # ", ""), "application/sparql-query", tooLarge},

		// messages
		{"a pull without Client-ID", "POST", "/responses", noClient, nil, "", status(401)},
		{"a pull by an unregistered client", "POST", "/responses", "nobody", nil, "", notFound},
		{"a raw message with malformed JSON", "POST", "/requests", client, `{"@graph": [`, "application/ld+json", bad},
		{"a raw message that is not JSON-LD", "POST", "/requests", client, `{"hello": "world"}`, "application/ld+json", bad},
		{"a raw Response message", "POST", "/requests", client, badMessage, "application/ld+json", bad},
		{"a raw message of 2 MiB", "POST", "/requests", client, big(`{"@id": "`, `"}`), "application/ld+json", tooLarge},
		{"a dead-letter replay with malformed JSON", "POST", "/responses/dead-letters/replay", client, `{"ids": [1,`, "", bad},

		{"platform types without Client-ID", "GET", "/platform-types", noClient, nil, "", status(401)},
		{"subscriptions listed without Client-ID", "GET", "/subscriptions", noClient, nil, "", status(401)},
		{"a raw message without Client-ID", "POST", "/requests", noClient, badMessage, "application/ld+json", status(401)},

		// routes
		{"an unknown route", "GET", "/no-such-thing", client, nil, "", notFound},
		{"a method the path lacks", "PATCH", "/clients/" + esc(client), client, `{}`, "", status(405)},
	}

	// Injections through every identifier: refused, or not found, but
	// never run.
	for _, inj := range injections {
		id, pid := inj.id, esc(inj.id)
		refused := status(400, 404)
		cases = append(cases,
			tc{"a clientId that is " + inj.name, "GET", "/clients/" + pid, "", nil, "", notFound},
			tc{"a client update through " + inj.name, "PUT", "/clients/" + pid, "", map[string]any{"receivingCapacity": 3}, "", notFound},
			tc{"a client delete through " + inj.name, "DELETE", "/clients/" + pid, "", nil, "", notFound},
			tc{"a platform registered as " + inj.name, "POST", "/platforms", client, map[string]any{"platformId": id, "type": mwTestPlatform}, "", bad},
			tc{"a platform of a type that is " + inj.name, "POST", "/platforms", client, map[string]any{"platformId": e2eTestNS + "bad/t", "type": id}, "", bad},
			tc{"a platformId that is " + inj.name, "GET", "/platforms/" + pid, client, nil, "", refused},
			tc{"a platform update through " + inj.name, "PUT", "/platforms/" + pid, client, map[string]any{"name": "x"}, "", refused},
			tc{"a platform delete through " + inj.name, "DELETE", "/platforms/" + pid, client, nil, "", refused},
			tc{"a device created as " + inj.name, "POST", "/devices", client, map[string]any{"devices": []device{{DeviceID: id, HostedBy: platform}}}, "", bad},
			tc{"a device hosted by " + inj.name, "POST", "/devices", client, map[string]any{"devices": []device{{DeviceID: e2eTestNS + "bad/h", HostedBy: id}}}, "", refused},
			tc{"a device located at " + inj.name, "POST", "/devices", client, map[string]any{"devices": []device{{DeviceID: e2eTestNS + "bad/l", HostedBy: platform, Location: id}}}, "", bad},
			tc{"a device update through " + inj.name, "PUT", "/devices/" + pid, client, device{DeviceID: id, HostedBy: platform}, "", refused},
			tc{"a device delete through " + inj.name, "DELETE", "/devices/" + pid, client, nil, "", refused},
			tc{"an actuation through " + inj.name, "POST", "/devices/" + pid + "/actuation", client, map[string]any{"actuationResultSet": []map[string]string{{"value": "1"}}}, "", refused},
			tc{"current data through " + inj.name, "GET", "/devices/data/" + pid, client, nil, "", refused},
			tc{"a device filter on a platform that is " + inj.name, "POST", "/devices/query", client, map[string]any{"hostedBy": id}, "", bad},
			tc{"a device filter on a location that is " + inj.name, "POST", "/devices/query", client, map[string]any{"location": id}, "", bad},
			tc{"a device filter on a type that is " + inj.name, "POST", "/devices/query", client, map[string]any{"type": id}, "", bad},
			tc{"a subscription to " + inj.name, "POST", "/subscriptions", client, map[string]any{"deviceIds": []string{id}}, "", refused},
			tc{"an unsubscription through " + inj.name, "DELETE", "/subscriptions/" + pid, client, nil, "", notFound},
			tc{"a platform-to-platform subscription from " + inj.name, "POST", "/subscriptions-platform-to-platform", client, map[string]any{"sourceDeviceId": id, "targetDeviceId": valve}, "", refused},
			tc{"a platform-to-platform unsubscription through " + inj.name, "DELETE", "/subscriptions-platform-to-platform/" + pid, client, nil, "", notFound},
			tc{"an area that is " + inj.name, "POST", "/location/areas", client, map[string]any{"locationId": id, "wktPolygon": "POLYGON((0 0, 1 0, 1 1, 0 0))"}, "", bad},
			tc{"an area id that is " + inj.name, "GET", "/location/areas/" + pid, client, nil, "", refused},
			tc{"the points of an area that is " + inj.name, "GET", "/location/areas/" + pid + "/points", client, nil, "", refused},
			tc{"a point that is " + inj.name, "POST", "/location/points", client, map[string]any{"locationId": id, "wktPoint": "POINT(1 1)"}, "", bad},
			tc{"a point delete through " + inj.name, "DELETE", "/location/points/" + pid, client, nil, "", refused},
			tc{"a list of the platform devices that is " + inj.name, "GET", "/devices?platformId=" + url.QueryEscape(id), client, nil, "", status(200, 400, 404)},
		)
	}

	before := h.snapshot(t, client)
	for _, c := range cases {
		t.Run(c.name+" is refused", func(t *testing.T) {
			r := req{method: c.method, path: api + c.path, client: c.client, body: c.body, contentType: c.contentType}
			if c.client == noClient {
				r.client = ""
			} else if c.client == "" {
				r.client = client
			}
			a := h.do(t, r)
			if !slices.Contains(c.want, a.status) {
				t.Errorf("%s %s: got %s, want %v", c.method, c.path, a, c.want)
			}
			if a.status < 400 {
				return
			}
			var e struct{ Error, Message string }
			if err := json.Unmarshal(a.body, &e); err != nil || e.Error == "" || e.Message == "" {
				t.Errorf("%s %s: not a JSON Error body: %s", c.method, c.path, a)
			}
			sameSnapshot(t, fmt.Sprintf("%s %s", c.method, c.path), before, h.snapshot(t, client))
		})
	}

	t.Run("a free-text clientId that looks like an injection is stored verbatim", func(t *testing.T) {
		for _, inj := range injections {
			id := inj.id
			h.must(t, http.StatusCreated, req{method: http.MethodPost, path: api + "/clients", client: id, body: clientBody{ClientID: id}})
			var got clientBody
			h.must(t, http.StatusOK, req{method: http.MethodGet, path: api + "/clients/" + esc(id), client: id}).into(t, &got)
			if got.ClientID != id {
				t.Errorf("client %q read back as %q", id, got.ClientID)
			}
			h.must(t, http.StatusNoContent, req{method: http.MethodDelete, path: api + "/clients/" + esc(id), client: id})
		}
		sameSnapshot(t, "registering and deleting injected clientIds", before, h.snapshot(t, client))
	})

	t.Run("a device filter on an injected name finds nothing and runs nothing", func(t *testing.T) {
		for _, inj := range injections {
			var got []device
			h.must(t, http.StatusOK, req{method: http.MethodPost, path: api + "/devices/query", client: client, body: map[string]any{"name": inj.id}}).into(t, &got)
			if len(got) != 0 {
				t.Errorf("name %q matched %v", inj.id, got)
			}
		}
		sameSnapshot(t, "filtering on injected names", before, h.snapshot(t, client))
	})

	t.Run("no injected triple reached the store", func(t *testing.T) {
		for _, q := range []string{
			`ASK { GRAPH ?g { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "http://evil.example/") || STRSTARTS(STR(?g), "http://evil.example/")) } }`,
			`ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "http://evil.example/")) }`,
		} {
			var res struct{ Boolean *bool }
			h.must(t, http.StatusOK, req{method: http.MethodPost, path: api + "/query", client: client, body: q, contentType: "application/sparql-query"}).into(t, &res)
			if res.Boolean == nil || *res.Boolean {
				t.Errorf("%s → %v", q, res.Boolean)
			}
		}
	})

	// What was accepted before the table is still answered, and nothing a
	// bad input did produced an Error.
	for in.pullOnce(t) {
	}
	in.checkClean(t)
	h.awaitMetrics(t, "after the bad inputs", func(f map[string]*dto.MetricFamily) []string {
		var out []string
		for _, p := range healthyMetrics(f) {
			if !strings.Contains(p, "queue") { // the subscription keeps streaming
				out = append(out, p)
			}
		}
		return out
	})
	h.stop()
}
