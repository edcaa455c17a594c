package arm

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// injections are identifiers that try to end a SPARQL term and run their
// own update; they must never reach the store as SPARQL.
var injections = []string{
	`http://x.example/a> } ; DROP ALL ; INSERT DATA { <http://x.example/b`,
	`http://x.example/a"} ; CLEAR ALL #`,
	`app1" } } ; DROP ALL ; #`,
	"http://x.example/a>\n} ; DELETE WHERE { ?s ?p ?o } #",
	`http://x.example/a\u003e`,
}

func TestBadInputsAreRefusedWithoutSideEffects(t *testing.T) {
	big := `{"clientId":"` + strings.Repeat("x", 2<<20) + `"}`
	type tc struct {
		name   string
		req    req
		status int
	}
	tests := []tc{
		// Clients.
		{"malformed JSON registering a client answers 400", req{method: "POST", path: api + "/clients", body: `{"clientId":`}, 400},
		{"a wrong format enum registering a client answers 400", req{method: "POST", path: api + "/clients", body: `{"clientId":"c9","responseFormat":"XML"}`}, 400},
		{"a wrong delivery enum registering a client answers 400", req{method: "POST", path: api + "/clients", body: `{"clientId":"c9","responseDelivery":"PIGEON"}`}, 400},
		{"a missing clientId answers 400", req{method: "POST", path: api + "/clients", body: `{"responseFormat":"JSON"}`}, 400},
		{"a capacity of the wrong type answers 400", req{method: "POST", path: api + "/clients", body: `{"clientId":"c9","receivingCapacity":"ten"}`}, 400},
		{"a 2 MiB client body answers 413", req{method: "POST", path: api + "/clients", body: big}, 413},
		{"two JSON values answer 400", req{method: "POST", path: api + "/clients", body: `{"clientId":"c9"} {"clientId":"c10"}`}, 400},
		{"an empty body answers 400", req{method: "POST", path: api + "/clients", body: ` `}, 400},
		{"a wrong enum updating a client answers 400", req{method: "PUT", path: api + "/clients/app1", client: "app1", body: `{"responseDelivery":"NOPE"}`}, 400},
		{"switching to push without callback answers 400", req{method: "PUT", path: api + "/clients/app1", client: "app1", body: `{"responseDelivery":"SERVER_PUSH"}`}, 400},
		{"updating an unknown client answers 404", req{method: "PUT", path: api + "/clients/ghost", body: `{"receivingCapacity":3}`}, 404},
		{"a 2 MiB client update answers 413", req{method: "PUT", path: api + "/clients/app1", client: "app1", body: big}, 413},
		{"a form body answers 415", req{method: "POST", path: api + "/clients", body: `{"clientId":"c9"}`, headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415},

		// Platforms.
		{"malformed JSON registering a platform answers 400", req{method: "POST", path: api + "/platforms", client: "app1", body: `{"platformId":"http://p.example/x",`}, 400},
		{"a platform without type answers 400", req{method: "POST", path: api + "/platforms", client: "app1", body: `{"platformId":"http://p.example/x"}`}, 400},
		{"a platform without id answers 400", req{method: "POST", path: api + "/platforms", client: "app1", body: `{"type":"` + typeMW + `"}`}, 400},
		{"a relative platform id answers 400", req{method: "POST", path: api + "/platforms", client: "app1", body: `{"platformId":"not an iri","type":"` + typeMW + `"}`}, 400},
		{"a bad baseEndpoint answers 400", req{method: "POST", path: api + "/platforms", client: "app1", body: `{"platformId":"http://p.example/x","type":"` + typeMW + `","baseEndpoint":"::nope"}`}, 400},
		{"a 2 MiB platform answers 413", req{method: "POST", path: api + "/platforms", client: "app1", body: `{"platformId":"http://p.example/x","type":"` + typeMW + `","name":"` + strings.Repeat("n", 2<<20) + `"}`}, 413},
		{"updating an unknown platform answers 404", req{method: "PUT", path: api + "/platforms/" + esc("http://p.example/none#x"), client: "app1", body: `{"name":"x"}`}, 404},
		{"a malformed platform update answers 400", req{method: "PUT", path: api + "/platforms/" + esc(platformA), client: "app1", body: `{"name":`}, 400},
		{"a platform update of the wrong type answers 400", req{method: "PUT", path: api + "/platforms/" + esc(platformA), client: "app1", body: `{"name":7}`}, 400},
		{"getting an unknown platform with / and # answers 404", req{method: "GET", path: api + "/platforms/" + esc("http://p.example/a/b#c")}, 404},

		// Devices.
		{"malformed JSON creating devices answers 400", req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[`}, 400},
		{"no devices answers 400", req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[]}`}, 400},
		{"a wrong device type answers 400", req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[{"deviceId":"http://d.example/1","hostedBy":"` + platformA + `","deviceTypes":["TOASTER"]}]}`}, 400},
		{"a device without id answers 400", req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[{"hostedBy":"` + platformA + `"}]}`}, 400},
		{"a device without platform answers 400", req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[{"deviceId":"http://d.example/1"}]}`}, 400},
		{"a device listed twice answers 400", req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[{"deviceId":"http://d.example/1","hostedBy":"` + platformA + `"},{"deviceId":"http://d.example/1","hostedBy":"` + platformA + `"}]}`}, 400},
		{"a batch with one registered device answers 409 and sends none", req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[{"deviceId":"http://d.example/new","hostedBy":"` + platformA + `"},{"deviceId":"` + deviceA1 + `","hostedBy":"` + platformA + `"}]}`}, 409},
		{"updating a device with another id in the body answers 400", req{method: "PUT", path: api + "/devices/" + esc(deviceA1), client: "app1", body: `{"deviceId":"` + deviceA2 + `"}`}, 400},
		{"updating an unknown device answers 404", req{method: "PUT", path: api + "/devices/" + esc("http://d.example/x#1"), client: "app1", body: `{"deviceId":"http://d.example/x#1"}`}, 404},
		{"moving a device to another platform answers 400", req{method: "PUT", path: api + "/devices/" + esc(deviceA1), client: "app1", body: `{"deviceId":"` + deviceA1 + `","hostedBy":"` + platformB + `"}`}, 400},
		{"deleting an unknown device answers 404", req{method: "DELETE", path: api + "/devices/" + esc("http://d.example/x/1"), client: "app1"}, 404},
		{"a wrong type in a device filter answers 400", req{method: "POST", path: api + "/devices/query", body: `{"deviceTypes":["SENSORS"]}`}, 400},
		{"a malformed device filter answers 400", req{method: "POST", path: api + "/devices/query", body: `[`}, 400},
		{"an actuation without values answers 400", req{method: "POST", path: api + "/devices/" + esc(deviceA2) + "/actuation", client: "app1", body: `{"actuationResultSet":[]}`}, 400},
		{"an actuation naming another actuator answers 400", req{method: "POST", path: api + "/devices/" + esc(deviceA2) + "/actuation", client: "app1", body: `{"actuatorId":"` + deviceA1 + `","actuationResultSet":[{"value":"1"}]}`}, 400},
		{"an actuation of an unknown device answers 404", req{method: "POST", path: api + "/devices/" + esc("http://d.example/none") + "/actuation", client: "app1", body: `{"actuationResultSet":[{"value":"1"}]}`}, 404},
		{"an actuation with a bad property IRI answers 400", req{method: "POST", path: api + "/devices/" + esc(deviceA2) + "/actuation", client: "app1", body: `{"actuationResultSet":[{"value":"1","actuatableProperty":"a b"}]}`}, 400},
		{"current data without platform answers 400", req{method: "GET", path: api + "/devices/data", client: "app1"}, 400},
		{"current data of an unknown platform answers 404", req{method: "GET", path: api + "/devices/data?platformId=" + esc("http://p.example/none"), client: "app1"}, 404},
		{"current data of an unknown device answers 404", req{method: "GET", path: api + "/devices/data/" + esc("http://d.example/none#1"), client: "app1"}, 404},

		// Subscriptions.
		{"malformed JSON subscribing answers 400", req{method: "POST", path: api + "/subscriptions", client: "app1", body: `{"deviceIds":`}, 400},
		{"subscribing to nothing answers 400", req{method: "POST", path: api + "/subscriptions", client: "app1", body: `{"deviceIds":[]}`}, 400},
		{"subscribing without deviceIds answers 400", req{method: "POST", path: api + "/subscriptions", client: "app1", body: `{}`}, 400},
		{"subscribing to a number answers 400", req{method: "POST", path: api + "/subscriptions", client: "app1", body: `{"deviceIds":[5]}`}, 400},
		{"subscribing to one unknown device among known answers 404 and sends none", req{method: "POST", path: api + "/subscriptions", client: "app1", body: `{"deviceIds":["` + deviceB1 + `","http://d.example/a#none"]}`}, 404},
		{"unsubscribing an unknown subscription answers 404", req{method: "DELETE", path: api + "/subscriptions/conv-none", client: "app1"}, 404},
		{"a platform-to-platform subscription without target answers 400", req{method: "POST", path: api + "/subscriptions-platform-to-platform", client: "app1", body: `{"sourceDeviceId":"` + deviceA1 + `"}`}, 400},
		{"a platform-to-platform subscription of a device to itself answers 400", req{method: "POST", path: api + "/subscriptions-platform-to-platform", client: "app1", body: `{"sourceDeviceId":"` + deviceA1 + `","targetDeviceId":"` + deviceA1 + `"}`}, 400},
		{"a platform-to-platform subscription of an unknown device answers 404", req{method: "POST", path: api + "/subscriptions-platform-to-platform", client: "app1", body: `{"sourceDeviceId":"` + deviceA1 + `","targetDeviceId":"http://d.example/none"}`}, 404},
		{"listing another client's subscriptions in none mode (every caller is admin) answers them", req{method: "GET", path: api + "/subscriptions?clientId=app2", client: "app1"}, 200},

		// Locations.
		{"an area without polygon answers 400", req{method: "POST", path: api + "/location/areas", body: `{"locationId":"http://l.example/1"}`}, 400},
		{"an area with a point answers 400", req{method: "POST", path: api + "/location/areas", body: `{"locationId":"http://l.example/1","wktPolygon":"POINT(1 1)"}`}, 400},
		{"a point with bad WKT answers 400", req{method: "POST", path: api + "/location/points", body: `{"locationId":"http://l.example/1","wktPoint":"POINT(x y)"}`}, 400},
		{"a point update with another id answers 400", req{method: "PUT", path: api + "/location/points/" + esc(pointID), body: `{"locationId":"http://l.example/2","wktPoint":"POINT(1 1)"}`}, 400},
		{"points in an unknown area answer 404", req{method: "GET", path: api + "/location/areas/" + esc("http://l.example/a/none#1") + "/points"}, 404},
		{"deleting an unknown point answers 404", req{method: "DELETE", path: api + "/location/points/" + esc("http://l.example/none")}, 404},
		{"a 2 MiB area answers 413", req{method: "POST", path: api + "/location/areas", body: `{"locationId":"http://l.example/1","wktPolygon":"` + strings.Repeat("0", 2<<20) + `"}`}, 413},

		// Query, messages.
		{"an empty query answers 400", req{method: "POST", path: api + "/query", body: " ", headers: map[string]string{"Content-Type": "text/plain"}}, 400},
		{"an INSERT through query answers 400", req{method: "POST", path: api + "/query", body: `INSERT DATA { GRAPH <http://inter-iot.eu/clients> { <http://x> <http://y> "z" } }`, headers: map[string]string{"Content-Type": "text/plain"}}, 400},
		{"a query with an update smuggled after it answers 400", req{method: "POST", path: api + "/query", body: `SELECT * WHERE { ?s ?p ?o } ; DROP ALL`, headers: map[string]string{"Content-Type": "text/plain"}}, 400},
		{"a SELECT asked as Turtle answers 406", req{method: "POST", path: api + "/query", body: `SELECT * WHERE { ?s ?p ?o } LIMIT 1`, headers: map[string]string{"Content-Type": "text/plain", "Accept": "text/turtle"}}, 406},
		{"a 2 MiB query answers 413", req{method: "POST", path: api + "/query", body: "SELECT * WHERE { ?s ?p ?o } #" + strings.Repeat("x", 2<<20), headers: map[string]string{"Content-Type": "text/plain"}}, 413},
		{"a raw message that is not JSON-LD answers 400", req{method: "POST", path: api + "/requests", client: "app1", body: `{"@graph":`}, 400},
		{"a raw message without metadata answers 400", req{method: "POST", path: api + "/requests", client: "app1", body: `{"@id":"http://x","http://y":"z"}`}, 400},
		{"a raw message naming a remote context answers 400", req{method: "POST", path: api + "/requests", client: "app1", body: `{"@context":"http://evil.example/ctx.jsonld","@id":"x"}`}, 400},
		{"a 2 MiB raw message answers 413", req{method: "POST", path: api + "/requests", client: "app1", body: `{"x":"` + strings.Repeat("x", 2<<20) + `"}`}, 413},
		{"a malformed replay answers 400", req{method: "POST", path: api + "/responses/dead-letters/replay", client: "app1", body: `{"ids":["a"]}`}, 400},

		// Identity.
		{"platform types without a client answer 401", req{method: "GET", path: api + "/platform-types"}, 401},
		{"pulling without a client answers 401", req{method: "POST", path: api + "/responses"}, 401},
		{"subscribing without a client answers 401", req{method: "POST", path: api + "/subscriptions", body: `{"deviceIds":["` + deviceA1 + `"]}`}, 401},
		{"registering a platform without a client answers 401", req{method: "POST", path: api + "/platforms", body: `{"platformId":"http://p.example/x","type":"` + typeMW + `"}`}, 401},
		{"a raw message without a client answers 401", req{method: "POST", path: api + "/requests", body: `{}`}, 401},
		{"an unknown API path answers a JSON 404", req{method: "GET", path: api + "/nothing-here"}, 404},
		{"a wrong method answers a JSON 405", req{method: "PATCH", path: api + "/clients"}, 405},
	}
	// SPARQL injection through every id: paths and bodies.
	for i, inj := range injections {
		tests = append(tests,
			tc{fmt.Sprintf("injection %d through a client id path answers 404", i), req{method: "GET", path: api + "/clients/" + esc(inj)}, 404},
			tc{fmt.Sprintf("injection %d through a client delete path answers 404", i), req{method: "DELETE", path: api + "/clients/" + esc(inj)}, 404},
			tc{fmt.Sprintf("injection %d through a platform path answers 404", i), req{method: "GET", path: api + "/platforms/" + esc(inj)}, 404},
			tc{fmt.Sprintf("injection %d through a platform update path answers 404", i), req{method: "PUT", path: api + "/platforms/" + esc(inj), client: "app1", body: `{"name":"x"}`}, 404},
			tc{fmt.Sprintf("injection %d through a platform delete path answers 404", i), req{method: "DELETE", path: api + "/platforms/" + esc(inj), client: "app1"}, 404},
			tc{fmt.Sprintf("injection %d through a platform id body answers 400", i), req{method: "POST", path: api + "/platforms", client: "app1", body: jsonObj("platformId", inj, "type", typeMW)}, 400},
			tc{fmt.Sprintf("injection %d through a platform type answers 400", i), req{method: "POST", path: api + "/platforms", client: "app1", body: jsonObj("platformId", "http://p.example/ok", "type", inj)}, 400},
			tc{fmt.Sprintf("injection %d through a device list filter answers 400 or an empty list", i), req{method: "GET", path: api + "/devices?platformId=" + esc(inj)}, 400},
			tc{fmt.Sprintf("injection %d through a device id body answers 400", i), req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[` + jsonObj("deviceId", inj, "hostedBy", platformA) + `]}`}, 400},
			tc{fmt.Sprintf("injection %d through hostedBy answers 400", i), req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[` + jsonObj("deviceId", "http://d.example/ok", "hostedBy", inj) + `]}`}, 400},
			tc{fmt.Sprintf("injection %d through a device path answers 404", i), req{method: "DELETE", path: api + "/devices/" + esc(inj), client: "app1"}, 404},
			tc{fmt.Sprintf("injection %d through an actuation path answers 404", i), req{method: "POST", path: api + "/devices/" + esc(inj) + "/actuation", client: "app1", body: `{"actuationResultSet":[{"value":"1"}]}`}, 404},
			tc{fmt.Sprintf("injection %d through a device filter answers 400", i), req{method: "POST", path: api + "/devices/query", body: jsonObj("hostedBy", inj)}, 400},
			tc{fmt.Sprintf("injection %d through subscribed device ids answers 400", i), req{method: "POST", path: api + "/subscriptions", client: "app1", body: `{"deviceIds":[` + jsonStr(inj) + `]}`}, 400},
			tc{fmt.Sprintf("injection %d through a subscription path answers 404", i), req{method: "DELETE", path: api + "/subscriptions/" + esc(inj), client: "app1"}, 404},
			tc{fmt.Sprintf("injection %d through a p2p path answers 404", i), req{method: "DELETE", path: api + "/subscriptions-platform-to-platform/" + esc(inj), client: "app1"}, 404},
			tc{fmt.Sprintf("injection %d through an area path answers 404", i), req{method: "GET", path: api + "/location/areas/" + esc(inj)}, 404},
			tc{fmt.Sprintf("injection %d through a points-in-area path answers 404", i), req{method: "GET", path: api + "/location/areas/" + esc(inj) + "/points"}, 404},
			tc{fmt.Sprintf("injection %d through a point delete path answers 404", i), req{method: "DELETE", path: api + "/location/points/" + esc(inj)}, 404},
			tc{fmt.Sprintf("injection %d through an area id body answers 400", i), req{method: "POST", path: api + "/location/areas", body: jsonObj("locationId", inj, "wktPolygon", "POLYGON((0 0, 1 0, 1 1, 0 0))")}, 400},
			tc{fmt.Sprintf("injection %d through subscriptions' clientId answers an empty list", i), req{method: "GET", path: api + "/subscriptions?clientId=" + esc(inj), client: "app1"}, 200},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			before := e.state()
			got := e.do(tc.req)
			if got.status != tc.status {
				// The registry may refuse an injected id as invalid (400)
				// rather than report it missing (404): both leave no trace.
				if !(tc.status == 404 && got.status == 400 && strings.Contains(tc.name, "injection")) &&
					!(tc.status == 400 && got.status == 200 && strings.Contains(tc.name, "device list filter")) {
					t.Fatalf("status %d, want %d: %.300s", got.status, tc.status, got.body)
				}
			}
			var eb ErrorBody
			if got.status >= 400 {
				if err := json.Unmarshal(got.body, &eb); err != nil || eb.Error == "" || eb.Message == "" {
					t.Fatalf("error body %.300s", got.body)
				}
			}
			if tc.req.method != "PATCH" && !strings.Contains(tc.req.path, "nothing-here") {
				checkSpec(t, tc.req, got)
			}
			if after := e.state(); after != before {
				t.Fatalf("side effect: before %+v\nafter %+v", before, after)
			}
		})
	}
}

func jsonStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func jsonObj(kv ...string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}
