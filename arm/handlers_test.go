package arm

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/services/registry"
)

const api = "/api/mw2mw"

func asyncConv(t *testing.T, body []byte) string {
	t.Helper()
	var a AsyncResponse
	if err := json.Unmarshal(body, &a); err != nil || !strings.HasPrefix(a.ConversationID, "conv") {
		t.Fatalf("not an async answer: %s", body)
	}
	return a.ConversationID
}

// sentOne checks that exactly the messages of one conversation went to
// arm_prm with type typ, client and receivers, and that the conversation is
// open for the client with the right kind.
func sentOne(t *testing.T, e *env, conv string, typ messages.Type, client string, wantReceivers []string, kind conversation.Kind) []*messages.Message {
	t.Helper()
	msgs := e.sentMessages(broker.ARMToPRM)
	if len(msgs) == 0 {
		t.Fatal("nothing published on arm_prm")
	}
	for _, m := range msgs {
		if m.Metadata.ConversationID != conv || !m.Metadata.Is(typ) || m.Metadata.ClientID != client {
			t.Fatalf("published conv %s type %v client %q; want %s %v %q", m.Metadata.ConversationID, m.Metadata.Types, m.Metadata.ClientID, conv, typ, client)
		}
	}
	want := slices.Clone(wantReceivers)
	slices.Sort(want)
	if got := receivers(msgs); !slices.Equal(got, want) {
		t.Fatalf("receivers %v, want %v", got, wantReceivers)
	}
	rec, err := e.conv.Get(context.Background(), conv)
	if err != nil {
		t.Fatalf("conversation not open: %v", err)
	}
	if rec.ClientID != client || rec.Kind != kind || rec.ExpectedReplies != max(1, len(wantReceivers)) {
		t.Fatalf("conversation %+v", rec)
	}
	return msgs
}

func TestHandlersAnswerTheINTERMWSurface(t *testing.T) {
	tests := []struct {
		name   string
		req    req
		status int
		check  func(t *testing.T, e *env, r resp)
	}{
		{name: "registering a client answers 201 with its Location", req: req{method: "POST", path: api + "/clients", body: `{"clientId":"new/app#1","responseFormat":"JSON","responseDelivery":"CLIENT_PULL","receivingCapacity":3}`}, status: 201,
			check: func(t *testing.T, e *env, r resp) {
				if loc := r.header.Get("Location"); loc != api+"/clients/new%2Fapp%231" {
					t.Fatalf("Location %q", loc)
				}
				c, err := e.reg.GetClient(context.Background(), "new/app#1")
				if err != nil || c.ResponseFormat != registry.FormatJSON || c.ReceivingCapacity != 3 {
					t.Fatalf("%+v %v", c, err)
				}
				if _, ok := e.del.clients["new/app#1"]; !ok {
					t.Fatal("delivery not told of the client")
				}
			}},
		{name: "registering a client twice answers 409", req: req{method: "POST", path: api + "/clients", body: `{"clientId":"app1"}`}, status: 409},
		{name: "registering a push client needs a callback", req: req{method: "POST", path: api + "/clients", body: `{"clientId":"p","responseDelivery":"SERVER_PUSH"}`}, status: 400},
		{name: "a push client's callback must be http(s)", req: req{method: "POST", path: api + "/clients", body: `{"clientId":"p","responseDelivery":"SERVER_PUSH","callbackUrl":"ftp://example.org/x"}`}, status: 400},
		{name: "a loopback callback is refused unless allow-listed", req: req{method: "POST", path: api + "/clients", body: `{"clientId":"p","responseDelivery":"SERVER_PUSH","callbackUrl":"http://127.0.0.1:9/x"}`}, status: 400},
		{name: "listing clients answers them all", req: req{method: "GET", path: api + "/clients"}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				var cs []registry.Client
				_ = json.Unmarshal(r.body, &cs)
				if len(cs) != 2 {
					t.Fatalf("%s", r.body)
				}
			}},
		{name: "getting a client answers it", req: req{method: "GET", path: api + "/clients/app1", client: "app1"}, status: 200},
		{name: "getting a missing client answers 404", req: req{method: "GET", path: api + "/clients/nobody"}, status: 404},
		{name: "updating a client switches its delivery at once", req: req{method: "PUT", path: api + "/clients/app1", client: "app1", body: `{"responseFormat":"JSON","receivingCapacity":9}`}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				var c registry.Client
				_ = json.Unmarshal(r.body, &c)
				if c.ResponseFormat != registry.FormatJSON || c.ReceivingCapacity != 9 || c.ResponseDelivery != registry.DeliveryClientPull {
					t.Fatalf("%s", r.body)
				}
				if d := e.del.clients["app1"]; d.ReceivingCapacity != 9 {
					t.Fatalf("delivery has %+v", d)
				}
			}},
		{name: "deleting a client unsubscribes it and deletes its queue", req: req{method: "DELETE", path: api + "/clients/app1", client: "app1"}, status: 204,
			check: func(t *testing.T, e *env, r resp) {
				if _, err := e.reg.GetClient(context.Background(), "app1"); err == nil {
					t.Fatal("client still registered")
				}
				if _, ok := e.del.clients["app1"]; ok {
					t.Fatal("queue not removed")
				}
				msgs := e.sentMessages(broker.ARMToPRM)
				if len(msgs) != 1 || !msgs[0].Metadata.Is(messages.Unsubscribe) || msgs[0].Metadata.SubscriptionID != "conv-sub-app1" {
					t.Fatalf("sent %+v", msgs)
				}
			}},
		{name: "deleting a missing client answers 404", req: req{method: "DELETE", path: api + "/clients/nobody"}, status: 404},

		{name: "listing platform types answers 202 and asks PRM", req: req{method: "GET", path: api + "/platform-types", client: "app1"}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				sentOne(t, e, asyncConv(t, r.body), messages.ListSupportedPlatformTypes, "app1", nil, conversation.KindRequest)
			}},
		{name: "listing platforms answers them with statistics", req: req{method: "GET", path: api + "/platforms"}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				var ps []registry.Platform
				_ = json.Unmarshal(r.body, &ps)
				if len(ps) != 2 || ps[0].PlatformStatistics == nil {
					t.Fatalf("%s", r.body)
				}
			}},
		{name: "getting a platform by its URL-encoded IRI with / works", req: req{method: "GET", path: api + "/platforms/" + esc(platformA)}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				var p registry.Platform
				_ = json.Unmarshal(r.body, &p)
				if p.PlatformID != platformA || p.PlatformStatistics.DeviceCount != 2 || p.PlatformStatistics.SubscriptionCount != 1 {
					t.Fatalf("%s", r.body)
				}
			}},
		{name: "getting a platform by its URL-encoded IRI with # works", req: req{method: "GET", path: api + "/platforms/" + esc(platformB)}, status: 200},
		{name: "registering a platform answers 202 and sends Platform_register to it", req: req{method: "POST", path: api + "/platforms", client: "app1",
			body: `{"platformId":"http://new.example/p#1","type":"` + typeMW + `","name":"N","baseEndpoint":"http://n.example/","downstreamInputAlignmentName":"al","downstreamInputAlignmentVersion":"1.0"}`}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				msgs := sentOne(t, e, asyncConv(t, r.body), messages.PlatformRegister, "app1", []string{"http://new.example/p#1"}, conversation.KindRequest)
				ps := registry.PlatformsFromPayload(msgs[0].Payload)
				if len(ps) != 1 || ps[0].Type != typeMW || ps[0].DownstreamInputAlignmentName != "al" {
					t.Fatalf("payload platforms %+v", ps)
				}
				if _, err := e.reg.GetPlatform(context.Background(), "http://new.example/p#1"); err == nil {
					t.Fatal("the registry changed before the platform confirmed")
				}
			}},
		{name: "registering a registered platform answers 409", req: req{method: "POST", path: api + "/platforms", client: "app1", body: `{"platformId":"` + platformA + `","type":"` + typeMW + `"}`}, status: 409},
		{name: "updating a platform answers 202 with its merged description", req: req{method: "PUT", path: api + "/platforms/" + esc(platformA), client: "app1", body: `{"name":"renamed","location":"http://loc.example/x"}`}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				msgs := sentOne(t, e, asyncConv(t, r.body), messages.PlatformUpdate, "app1", []string{platformA}, conversation.KindRequest)
				ps := registry.PlatformsFromPayload(msgs[0].Payload)
				if len(ps) != 1 || ps[0].Name != "renamed" || ps[0].LocationID != "http://loc.example/x" || ps[0].BaseEndpoint != "http://a.example/" {
					t.Fatalf("payload %+v", ps)
				}
			}},
		{name: "unregistering a platform answers 202", req: req{method: "DELETE", path: api + "/platforms/" + esc(platformB), client: "app1"}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				sentOne(t, e, asyncConv(t, r.body), messages.PlatformUnregister, "app1", []string{platformB}, conversation.KindRequest)
			}},
		{name: "unregistering a missing platform answers 404", req: req{method: "DELETE", path: api + "/platforms/" + esc("http://nope.example/p"), client: "app1"}, status: 404},

		{name: "listing devices of a platform answers them", req: req{method: "GET", path: api + "/devices?platformId=" + esc(platformA)}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				var ds []registry.IoTDevice
				_ = json.Unmarshal(r.body, &ds)
				if len(ds) != 2 {
					t.Fatalf("%s", r.body)
				}
			}},
		{name: "creating devices on two platforms sends one message per platform in one conversation", req: req{method: "POST", path: api + "/devices", client: "app1",
			body: `{"devices":[{"deviceId":"http://d.example/x#1","hostedBy":"` + platformA + `","deviceTypes":["SENSOR"]},{"deviceId":"http://d.example/y","hostedBy":"` + platformB + `"}]}`}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				msgs := sentOne(t, e, asyncConv(t, r.body), messages.PlatformCreateDevice, "app1", []string{platformA, platformB}, conversation.KindRequest)
				for _, m := range msgs {
					ds := registry.DevicesFromPayload(m.Payload)
					if len(ds) != 1 || ds[0].HostedBy != m.Metadata.ReceiverPlatformIDs[0] {
						t.Fatalf("message to %v carries %+v", m.Metadata.ReceiverPlatformIDs, ds)
					}
				}
			}},
		{name: "creating a registered device answers 409", req: req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[{"deviceId":"` + deviceA1 + `","hostedBy":"` + platformA + `"}]}`}, status: 409},
		{name: "creating a device on an unknown platform answers 404", req: req{method: "POST", path: api + "/devices", client: "app1", body: `{"devices":[{"deviceId":"http://d.example/z","hostedBy":"http://nope.example/p"}]}`}, status: 404},
		{name: "updating a device answers 202", req: req{method: "PUT", path: api + "/devices/" + esc(deviceA2), client: "app1", body: `{"deviceId":"` + deviceA2 + `","name":"renamed","deviceTypes":["ACTUATOR"]}`}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				msgs := sentOne(t, e, asyncConv(t, r.body), messages.PlatformUpdateDevice, "app1", []string{platformA}, conversation.KindRequest)
				ds := registry.DevicesFromPayload(msgs[0].Payload)
				if len(ds) != 1 || ds[0].Name != "renamed" || ds[0].HostedBy != platformA {
					t.Fatalf("%+v", ds)
				}
			}},
		{name: "deleting a device answers 202", req: req{method: "DELETE", path: api + "/devices/" + esc(deviceB1), client: "app1"}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				msgs := sentOne(t, e, asyncConv(t, r.body), messages.PlatformDeleteDevice, "app1", []string{platformB}, conversation.KindRequest)
				if ids := registry.DeviceIDsFromPayload(msgs[0].Payload); !slices.Equal(ids, []string{deviceB1}) {
					t.Fatalf("%v", ids)
				}
			}},
		{name: "filtering devices by type answers the sensors", req: req{method: "POST", path: api + "/devices/query", body: `{"deviceTypes":["SENSOR"]}`}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				var ds []registry.IoTDevice
				_ = json.Unmarshal(r.body, &ds)
				if len(ds) != 2 {
					t.Fatalf("%s", r.body)
				}
			}},
		{name: "actuating answers 202 with an Actuation to the device's platform", req: req{method: "POST", path: api + "/devices/" + esc(deviceA2) + "/actuation", client: "app1",
			body: `{"actuatorLocalId":"l2","actuationResultSet":[{"actuatableProperty":"http://p.example/on","value":"true","unit":"http://u.example/bool"}]}`}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				msgs := sentOne(t, e, asyncConv(t, r.body), messages.Actuation, "app1", []string{platformA}, conversation.KindRequest)
				if len(msgs[0].Payload) < 5 {
					t.Fatalf("payload %v", msgs[0].Payload)
				}
			}},

		{name: "subscribing answers 202 whose conversation is the subscription", req: req{method: "POST", path: api + "/subscriptions", client: "app1", body: `{"deviceIds":["` + deviceA2 + `","` + deviceB1 + `"]}`}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				sentOne(t, e, asyncConv(t, r.body), messages.Subscribe, "app1", []string{platformA, platformB}, conversation.KindSubscription)
			}},
		{name: "subscribing again to the same devices answers 409", req: req{method: "POST", path: api + "/subscriptions", client: "app1", body: `{"deviceIds":["` + deviceA1 + `"]}`}, status: 409},
		{name: "subscribing to an unknown device answers 404", req: req{method: "POST", path: api + "/subscriptions", client: "app1", body: `{"deviceIds":["http://nope.example/d"]}`}, status: 404},
		{name: "a client lists only its own subscriptions", req: req{method: "GET", path: api + "/subscriptions", client: "app1"}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				var subs []registry.Subscription
				_ = json.Unmarshal(r.body, &subs)
				if len(subs) != 1 || subs[0].ConversationID != "conv-sub-app1" {
					t.Fatalf("%s", r.body)
				}
			}},
		{name: "unsubscribing answers a new conversation", req: req{method: "DELETE", path: api + "/subscriptions/conv-sub-app1", client: "app1"}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				conv := asyncConv(t, r.body)
				if conv == "conv-sub-app1" {
					t.Fatal("unsubscribe reused the subscription's conversation")
				}
				msgs := sentOne(t, e, conv, messages.Unsubscribe, "app1", []string{platformA}, conversation.KindRequest)
				if msgs[0].Metadata.SubscriptionID != "conv-sub-app1" {
					t.Fatalf("subscriptionID %q", msgs[0].Metadata.SubscriptionID)
				}
			}},
		{name: "a client cannot unsubscribe another's subscription", req: req{method: "DELETE", path: api + "/subscriptions/conv-sub-app2", client: "app1"}, status: 404},
		{name: "subscribing platform to platform answers 202", req: req{method: "POST", path: api + "/subscriptions-platform-to-platform", client: "app1", body: `{"sourceDeviceId":"` + deviceA1 + `","targetDeviceId":"` + deviceB1 + `"}`}, status: 202,
			check: func(t *testing.T, e *env, r resp) {
				msgs := sentOne(t, e, asyncConv(t, r.body), messages.VirtualSubscribe, "app1", []string{platformA}, conversation.KindVirtualSubscription)
				p, ok := registry.P2PFromPayload(msgs[0].Payload)
				if !ok || p.SourcePlatformID != platformA || p.TargetPlatformID != platformB {
					t.Fatalf("%+v", p)
				}
			}},
		{name: "listing platform-to-platform subscriptions answers a list", req: req{method: "GET", path: api + "/subscriptions-platform-to-platform", client: "app1"}, status: 200},
		{name: "cancelling a missing platform-to-platform subscription answers 404", req: req{method: "DELETE", path: api + "/subscriptions-platform-to-platform/conv-none", client: "app1"}, status: 404},

		{name: "listing areas answers them", req: req{method: "GET", path: api + "/location/areas"}, status: 200},
		{name: "getting an area by its encoded IRI works", req: req{method: "GET", path: api + "/location/areas/" + esc(areaID)}, status: 200},
		{name: "points in an area are listed by id", req: req{method: "GET", path: api + "/location/areas/" + esc(areaID) + "/points"}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				if string(r.body) != `["`+pointID+`"]`+"\n" {
					t.Fatalf("%s", r.body)
				}
			}},
		{name: "registering an area answers 200", req: req{method: "POST", path: api + "/location/areas", body: `{"locationId":"http://a.example/2","wktPolygon":"POLYGON((0 0, 1 0, 1 1, 0 0))"}`}, status: 200},
		{name: "registering a taken area answers 409", req: req{method: "POST", path: api + "/location/areas", body: `{"locationId":"` + areaID + `","wktPolygon":"POLYGON((0 0, 1 0, 1 1, 0 0))"}`}, status: 409},
		{name: "registering an area with bad WKT answers 400", req: req{method: "POST", path: api + "/location/areas", body: `{"locationId":"http://a.example/3","wktPolygon":"POLYGON((0 0, 1 0"}`}, status: 400},
		{name: "updating a point answers 200", req: req{method: "PUT", path: api + "/location/points/" + esc(pointID), body: `{"locationId":"` + pointID + `","wktPoint":"POINT(50 50)"}`}, status: 200},
		{name: "deleting a point answers 200", req: req{method: "DELETE", path: api + "/location/points/" + esc(pointID)}, status: 200},
		{name: "listing points answers them", req: req{method: "GET", path: api + "/location/points?platformId=" + esc(platformA)}, status: 200},
		{name: "getting a point answers it", req: req{method: "GET", path: api + "/location/points/" + esc(pointID)}, status: 200},
		{name: "deleting an area answers 200", req: req{method: "DELETE", path: api + "/location/areas/" + esc(areaID)}, status: 200},
		{name: "updating a missing area answers 404", req: req{method: "PUT", path: api + "/location/areas/" + esc("http://a.example/none"), body: `{"locationId":"http://a.example/none","wktPolygon":"POLYGON((0 0, 1 0, 1 1, 0 0))"}`}, status: 404},

		{name: "a SPARQL SELECT answers SPARQL JSON", req: req{method: "POST", path: api + "/query", body: `SELECT ?d WHERE { GRAPH ?g { ?d a sosa:Sensor } }`, headers: map[string]string{"Content-Type": "text/plain"}}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				var res struct {
					Results struct{ Bindings []map[string]any } `json:"results"`
				}
				if err := json.Unmarshal(r.body, &res); err != nil || len(res.Results.Bindings) != 2 {
					t.Fatalf("%v %s", err, r.body)
				}
			}},
		{name: "a SPARQL ASK answers a boolean", req: req{method: "POST", path: api + "/query", body: `ASK { GRAPH ?g { <` + deviceA1 + `> ?p ?o } }`, headers: map[string]string{"Content-Type": "text/plain"}}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				if !strings.Contains(string(r.body), `"boolean":true`) && !strings.Contains(string(r.body), `"boolean": true`) {
					t.Fatalf("%s", r.body)
				}
			}},
		{name: "a SPARQL CONSTRUCT answers JSON-LD", req: req{method: "POST", path: api + "/query", body: `CONSTRUCT { ?d a sosa:Sensor } WHERE { GRAPH ?g { ?d a sosa:Sensor } }`, headers: map[string]string{"Content-Type": "text/plain", "Accept": "application/ld+json"}}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "ld+json") {
					t.Fatalf("content type %q", ct)
				}
			}},
		{name: "a SPARQL update is refused with 400", req: req{method: "POST", path: api + "/query", body: `DELETE WHERE { GRAPH ?g { ?s ?p ?o } }`, headers: map[string]string{"Content-Type": "text/plain"}}, status: 400},
		{name: "a malformed query answers 400", req: req{method: "POST", path: api + "/query", body: `SELECT WHERE {`, headers: map[string]string{"Content-Type": "text/plain"}}, status: 400},

		{name: "pulling answers an empty array when nothing waits", req: req{method: "POST", path: api + "/responses", client: "app2"}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				if strings.TrimSpace(string(r.body)) != "[]" || r.header.Get("Content-Type") != "application/json" {
					t.Fatalf("%q %q", r.body, r.header.Get("Content-Type"))
				}
			}},
		{name: "pulling as an unregistered client answers 404", req: req{method: "POST", path: api + "/responses", client: "ghost"}, status: 404},
		{name: "streaming hands the request to delivery", req: req{method: "GET", path: api + "/responses/stream", client: "app1", headers: map[string]string{"Last-Event-ID": "7"}}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				if !slices.Equal(e.del.streamed, []string{"app1@7"}) {
					t.Fatalf("%v", e.del.streamed)
				}
			}},
		{name: "dead letters are listed", req: req{method: "GET", path: api + "/responses/dead-letters", client: "app1"}, status: 200},
		{name: "dead letters are replayed", req: req{method: "POST", path: api + "/responses/dead-letters/replay", client: "app1", body: `{"ids":[1,2]}`}, status: 200,
			check: func(t *testing.T, e *env, r resp) {
				if strings.TrimSpace(string(r.body)) != `{"replayed":2}` {
					t.Fatalf("%s", r.body)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			got := e.do(tc.req)
			if got.status != tc.status {
				t.Fatalf("status %d, want %d: %s", got.status, tc.status, got.body)
			}
			checkSpec(t, tc.req, got)
			if got.status >= 400 {
				var eb ErrorBody
				if err := json.Unmarshal(got.body, &eb); err != nil || eb.Error == "" || eb.Message == "" {
					t.Fatalf("error body %s", got.body)
				}
			}
			if tc.check != nil {
				tc.check(t, e, got)
			}
		})
	}
}

func TestPullCommitsOnlyWhatWasWritten(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.del.add("app1", `{"n":`+string(rune('0'+i))+`}`)
	}
	r := req{method: "POST", path: api + "/responses", client: "app1"}
	got := e.do(r)
	if got.status != 200 || strings.TrimSpace(string(got.body)) != `[{"n":0},{"n":1}]` {
		t.Fatalf("%d %s", got.status, got.body)
	}
	if got.header.Get("Content-Type") != "application/ld+json" {
		t.Fatalf("content type %q", got.header.Get("Content-Type"))
	}
	checkSpec(t, r, got)
	if e.del.commits != 1 || len(e.del.queues["app1"]) != 1 {
		t.Fatalf("commits %d, left %d", e.del.commits, len(e.del.queues["app1"]))
	}
	got = e.do(r)
	if strings.TrimSpace(string(got.body)) != `[{"n":2}]` {
		t.Fatalf("%s", got.body)
	}
}

func TestRequestsReplaceTheClientIDWithThePrincipal(t *testing.T) {
	e := newEnv(t)
	m := messages.NewRequest(messages.Query)
	m.Metadata.ClientID = "someone-else"
	m.Metadata.ReceiverPlatformIDs = []string{platformA}
	body, err := e.codec.Encode(m)
	must(t, err)
	r := req{method: "POST", path: api + "/requests", client: "app1", body: string(body)}
	got := e.do(r)
	if got.status != 202 {
		t.Fatalf("%d %s", got.status, got.body)
	}
	checkSpec(t, r, got)
	conv := asyncConv(t, got.body)
	if conv != m.Metadata.ConversationID {
		t.Fatalf("conversation %s, want the message's %s", conv, m.Metadata.ConversationID)
	}
	sentOne(t, e, conv, messages.Query, "app1", []string{platformA}, conversation.KindRequest)

	// The same conversation again is a conflict.
	if got := e.do(r); got.status != http.StatusConflict {
		t.Fatalf("replay: %d %s", got.status, got.body)
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	err := Config{RequestTimeout: -1}.Validate()
	if err == nil {
		t.Fatal("an empty config was accepted")
	}
	for _, want := range []string{"Broker", "Codec", "Clients", "Conversations", "Delivery", "RequestTimeout is negative"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q not reported in %v", want, err)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("New accepted an empty config")
	}
}
