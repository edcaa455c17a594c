package test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// Vocabulary the mediation test reads in what clients receive.
const (
	medBC       = "http://inter-iot.eu/syntax/BodyCloud#"
	medIIoT     = "http://inter-iot.eu/GOIoTP#"
	medIIoTEx   = "http://inter-iot.eu/GOIoTPex#"
	medTime     = "http://www.w3.org/2006/time#"
	medXSD      = "http://www.w3.org/2001/XMLSchema#"
	medGeoRSS   = "http://www.georss.org/georss/"
	medWGS84    = "http://www.w3.org/2003/01/geo/wgs84_pos#"
	medMyPort   = "http://www.myport.com/geo/my_port#"
	medWeighing = "http://ontology.universAAL.org/PersonalHealthDevice.owl#WeighingScale"
)

// TestE2ESemanticMediation is issue 5's acceptance test, through the REST
// API only: an emulated BodyCloud platform's observations reach a client
// as GOIoTP/SOSA through the BodyCloud_CO upstream alignment, and raw once
// the platform is updated to the identity alignment; an actuation reaches
// an emulated platform rewritten by the INTER-MW test downstream
// alignment, and untouched once that platform is updated to the identity
// alignment (the emulator echoes what it received, see bridges/emulator).
func TestE2ESemanticMediation(t *testing.T) {
	checkLeaks(t)
	corpus := sharedInterIoT(t)
	h := startHub(t, hubOptions{})
	const client = "e2e-mediation"
	in := registerPullClient(t, h, client, "JSON_LD")

	t.Run("BodyCloud observations arrive as SOSA, then raw with the identity alignment", func(t *testing.T) {
		upstreamBodyCloud(t, h, in, filepath.Join(corpus, "alignments", "BodyCloud_CO.rdf"))
	})
	t.Run("an actuation reaches the platform aligned, then untouched with the identity alignment", func(t *testing.T) {
		downstreamActuation(t, h, in, filepath.Join(corpus, "alignments", "test-downstream-alignment.rdf"))
	})

	for in.pullOnce(t) {
	}
	in.checkClean(t)
	h.awaitMetrics(t, "at the end of the mediation test", healthyMetrics)
	h.stop()
}

// alignmentInfo is the part of an uploaded alignment's info the test uses.
type alignmentInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ipsm sends r to the embedded IPSM's REST API and checks the answer
// against the Swagger spec (h.do checks only /api paths).
func (h *hubProc) ipsm(t *testing.T, want int, r req) answer {
	t.Helper()
	a := h.do(t, r)
	checkAgainstSpec(t, r.method, r.path, a)
	if a.status != want {
		t.Fatalf("%s %s: got %s, want %d", r.method, r.path, a, want)
	}
	return a
}

// uploadFixtureAlignment uploads an IPSM-AF document (created, then
// already reported for the identical one) and returns its name and
// version as the IPSM reports them.
func uploadFixtureAlignment(t *testing.T, h *hubProc, src []byte) alignmentInfo {
	t.Helper()
	var up struct {
		Message   string        `json:"message"`
		Alignment alignmentInfo `json:"alignment"`
	}
	h.ipsm(t, http.StatusCreated, req{method: http.MethodPost, path: "/ipsm/alignments", body: src, contentType: "application/xml"}).into(t, &up)
	if up.Alignment.Name == "" || up.Alignment.Version == "" {
		t.Fatalf("uploaded alignment info lacks a name or version: %+v", up)
	}
	h.ipsm(t, http.StatusAlreadyReported, req{method: http.MethodPost, path: "/ipsm/alignments",
		body: map[string]string{"xmlSource": string(src)}})
	var list []alignmentInfo
	h.ipsm(t, http.StatusOK, req{method: http.MethodGet, path: "/ipsm/alignments"}).into(t, &list)
	if !slices.Contains(list, up.Alignment) {
		t.Errorf("GET /ipsm/alignments %+v lacks %+v", list, up.Alignment)
	}
	return up.Alignment
}

// cellText returns the XML of the alignment cell whose IRI ends in #name.
func cellText(t *testing.T, doc, name string) string {
	t.Helper()
	loc := regexp.MustCompile(`<align:Cell\s+rdf:about="[^"]*#` + regexp.QuoteMeta(name) + `"`).FindStringIndex(doc)
	if loc == nil {
		t.Fatalf("the alignment has no cell %s", name)
	}
	i := loc[0]
	j := strings.Index(doc[i:], "</align:Cell>")
	if j < 0 {
		t.Fatalf("cell %s is not closed", name)
	}
	return doc[i : i+j]
}

// prefixIRI resolves a prefix the alignment declares (xmlns:p="…").
func prefixIRI(t *testing.T, doc, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(`xmlns:` + regexp.QuoteMeta(prefix) + `="([^"]+)"`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatalf("the alignment declares no prefix %s", prefix)
	}
	return m[1]
}

// payloadGraph helps reading a received payload.
type payloadGraph []rdf.Triple

func (g payloadGraph) objects(s rdf.Term, p string) []rdf.Term {
	var out []rdf.Term
	for _, tr := range g {
		if tr.S == s && tr.P.Value == p {
			out = append(out, tr.O)
		}
	}
	return out
}

func (g payloadGraph) one(t *testing.T, s rdf.Term, p string) rdf.Term {
	t.Helper()
	objs := g.objects(s, p)
	if len(objs) != 1 {
		t.Fatalf("%v has %d %s, want 1; payload:\n%s", s, len(objs), p, g)
	}
	return objs[0]
}

func (g payloadGraph) typed(class string) []rdf.Term {
	var out []rdf.Term
	for _, tr := range g {
		if tr.P.Value == rdf.RDFType && tr.O.Value == class {
			out = append(out, tr.S)
		}
	}
	return out
}

func (g payloadGraph) hasType(s rdf.Term, class string) bool {
	return slices.ContainsFunc(g.objects(s, rdf.RDFType), func(o rdf.Term) bool { return o.Value == class })
}

func (g payloadGraph) String() string {
	var b strings.Builder
	_ = rdf.WriteNTriples(&b, g)
	return b.String()
}

// sameTerms reports whether a and b hold the same terms, in any order.
func sameTerms(a, b []rdf.Term) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// upstreamBodyCloud is steps 1 to 4 of the acceptance.
func upstreamBodyCloud(t *testing.T, h *hubProc, in *inbox, alignmentPath string) {
	src, err := os.ReadFile(alignmentPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	// What the alignment promises: the weight cell gives the result a unit
	// (iiot:hasUnit prefix:local), the time cell types the timestamp.
	unitM := regexp.MustCompile(`iiot:hasUnit\s+(\w+):(\w+)`).FindStringSubmatch(cellText(t, doc, "2_res_weight"))
	if unitM == nil {
		t.Fatal("BodyCloud_CO's cell 2_res_weight sets no iiot:hasUnit")
	}
	wantUnit := prefixIRI(t, doc, unitM[1]) + unitM[2]
	timeM := regexp.MustCompile(`node_time"\s+sripas:datatype="&xsd;(\w+)"`).FindStringSubmatch(cellText(t, doc, "5_time"))
	if timeM == nil {
		t.Fatal("BodyCloud_CO's cell 5_time types no node_time")
	}
	wantTimeType := medXSD + timeM[1]

	// 1. Upload BodyCloud_CO.
	al := uploadFixtureAlignment(t, h, src)

	// 2. A BodyCloud platform whose upstream input alignment is it.
	platform := e2eTestNS + "mediation/platforms/bodycloud#1"
	sensor := e2eTestNS + "mediation/devices/scale-1"
	p := platformBody{PlatformID: platform, Name: "Emulated BodyCloud", BaseEndpoint: "http://localhost:4568/bodycloud?profile=bodycloud",
		UpstreamInputAlignmentName: al.Name, UpstreamInputAlignmentVersion: al.Version}
	registerPlatform(t, h, in, p)
	p.Type, p.ClientID = mwTestPlatform, in.client
	checkPlatform(t, "BodyCloud", getPlatform(t, h, in.client, platform), p)
	createDevices(t, h, in, []device{{DeviceID: sensor, HostedBy: platform, Name: "Scale", DeviceTypes: []string{"DEVICE", "SENSOR"}}})

	// 3. Subscribe: observations arrive in GOIoTP/SOSA.
	sub := h.accepted(t, req{method: http.MethodPost, path: api + "/subscriptions", client: in.client, body: map[string]any{"deviceIds": []string{sensor}}})
	in.await(t, "Subscribe answer", reply(sub, "SUBSCRIBE"))
	obs := in.await(t, "an observation", func(m gotMsg) bool { return m.conv == sub && m.is("OBSERVATION") })
	if obs.sender != platform {
		t.Errorf("observation from %q, want %q", obs.sender, platform)
	}
	t.Logf("translated observation:\n%s", payloadGraph(obs.payload))
	checkSOSAWeight(t, payloadGraph(obs.payload), wantUnit, wantTimeType)

	// 4. The identity alignment: raw BodyCloud payloads flow through.
	conv := h.accepted(t, req{method: http.MethodPut, path: api + "/platforms/" + esc(platform), client: in.client,
		body: map[string]any{"upstreamInputAlignmentName": "", "upstreamInputAlignmentVersion": ""}})
	updated := in.await(t, "Platform_update answer", reply(conv, "PLATFORM_UPDATE"))
	p.UpstreamInputAlignmentName, p.UpstreamInputAlignmentVersion = "", ""
	checkPlatform(t, "BodyCloud with the identity alignment", getPlatform(t, h, in.client, platform), p)
	raw := in.await(t, "a raw BodyCloud observation", func(m gotMsg) bool {
		return m.seq > updated.seq && m.conv == sub && m.is("OBSERVATION") && len(payloadGraph(m.payload).typed(medBC+"BodyCloudObject")) > 0
	})
	checkBodyCloudWeight(t, payloadGraph(raw.payload), sensor)

	unsub := h.accepted(t, req{method: http.MethodDelete, path: api + "/subscriptions/" + esc(sub), client: in.client})
	in.await(t, "Unsubscribe answer", reply(unsub, "UNSUBSCRIBE"))
	conv = h.accepted(t, req{method: http.MethodDelete, path: api + "/platforms/" + esc(platform), client: in.client})
	in.await(t, "Platform_unregister answer", reply(conv, "PLATFORM_UNREGISTER"))
}

// checkSOSAWeight checks a BodyCloud weight message translated by
// BodyCloud_CO: a sosa:Observation made by a weighing scale of a user,
// with a PersonWeight result in wantUnit and a time:Instant phenomenon
// time whose numeric position has type wantTimeType; nothing of the
// BodyCloud vocabulary is left.
func checkSOSAWeight(t *testing.T, g payloadGraph, wantUnit, wantTimeType string) {
	t.Helper()
	for _, tr := range g {
		for _, term := range []rdf.Term{tr.P, tr.O} {
			if strings.HasPrefix(term.Value, medBC) {
				t.Errorf("BodyCloud term left after translation: %v", tr)
			}
		}
	}
	obsNodes := g.typed(nsSOSA + "Observation")
	if len(obsNodes) != 1 {
		t.Fatalf("%d sosa:Observations in the payload, want 1:\n%s", len(obsNodes), g)
	}
	o := obsNodes[0]
	r := g.one(t, o, nsSOSA+"hasResult")
	if !g.hasType(r, nsSOSA+"Result") || !g.hasType(r, "http://ontology.universaal.org/HealthMeasurement.owl#PersonWeight") {
		t.Errorf("the result is not a sosa:Result and PersonWeight:\n%s", g)
	}
	if v := g.one(t, r, medIIoT+"hasValue"); v.Datatype != medXSD+"float" {
		t.Errorf("the weight %v is not an xsd:float", v)
	} else if f, err := strconv.ParseFloat(v.Value, 64); err != nil || f < 50 || f >= 100 {
		t.Errorf("the weight %q is not the emulated 50 to 99.9 kg", v.Value)
	}
	if u := g.one(t, r, medIIoT+"hasUnit"); u.Value != wantUnit {
		t.Errorf("unit %v, want %s (BodyCloud_CO's cell 2_res_weight)", u, wantUnit)
	}
	s := g.one(t, o, nsSOSA+"madeBySensor")
	if !g.hasType(s, nsSOSA+"Sensor") || !g.hasType(s, medWeighing) {
		t.Errorf("the sensor is not a sosa:Sensor and WeighingScale:\n%s", g)
	}
	user := g.one(t, s, medIIoT+"hasUser")
	if !user.IsIRI() || !g.hasType(user, medIIoT+"User") {
		t.Errorf("the sensor's user %v is not an iiot:User IRI", user)
	} else if id := g.one(t, user, medIIoTEx+"hasLocalId"); id.Value != user.Value {
		t.Errorf("the user's local id %v, want the BodyCloud user id %s", id, user.Value)
	}
	inst := g.one(t, o, nsSOSA+"phenomenonTime")
	if !g.hasType(inst, medTime+"Instant") {
		t.Errorf("phenomenonTime %v is not a time:Instant:\n%s", inst, g)
	}
	pos := g.one(t, inst, medTime+"numericPosition")
	if pos.Datatype != wantTimeType {
		t.Errorf("numericPosition %v, want type %s (BodyCloud_CO's cell 5_time)", pos, wantTimeType)
	}
	if sec, err := strconv.ParseInt(pos.Value, 10, 64); err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Hour {
		t.Errorf("numericPosition %q is not the emulator's unix time now", pos.Value)
	}
}

// checkBodyCloudWeight checks an untranslated BodyCloud weight message of
// device.
func checkBodyCloudWeight(t *testing.T, g payloadGraph, device string) {
	t.Helper()
	o := g.typed(medBC + "BodyCloudObject")[0]
	if v := g.one(t, o, medBC+"hasTypeMessage"); v.Value != "weight_scale" {
		t.Errorf("bc:hasTypeMessage %v, want weight_scale", v)
	}
	if v := g.one(t, o, medBC+"hasDeviceId"); v.Value != device {
		t.Errorf("bc:hasDeviceId %v, want %s", v, device)
	}
	g.one(t, o, medBC+"hasTimestamp")
	g.one(t, o, medBC+"hasUserId")
	d := g.one(t, o, medBC+"hasData")
	if w := g.one(t, d, medBC+"hasWeight"); w.Datatype != medXSD+"float" {
		t.Errorf("bc:hasWeight %v is not an xsd:float", w)
	}
	if len(g.typed(nsSOSA+"Observation")) != 0 {
		t.Errorf("a raw BodyCloud payload holds a sosa:Observation:\n%s", g)
	}
}

// downstreamActuation is the acceptance in the downstream direction, with
// the INTER-MW test downstream alignment: its cell1 turns a georss:point
// string into wgs84_pos:lat and :long, cell2 a my_port:hasGPSlatitude
// integer into wgs84_pos:lat, and cell3 any integer-valued property into
// wgs84_pos:lat. The actuation is a raw INTER-IoT message (POST
// /requests), as the REST actuation body only carries strings.
func downstreamActuation(t *testing.T, h *hubProc, in *inbox, alignmentPath string) {
	src, err := os.ReadFile(alignmentPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	for cell, want := range map[string][]string{
		"cell1": {"georss:point", "wgs84_pos:lat", "wgs84_pos:long", `about="replace"`},
		"cell2": {"my_port:hasGPSlatitude", "wgs84_pos:lat", "XMLSchema#integer"},
		"cell3": {"sripas:pred_P", "wgs84_pos:lat", "XMLSchema#integer"},
	} {
		text := cellText(t, doc, cell)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Fatalf("the test downstream alignment's %s no longer mentions %s: the expectations below need a review", cell, w)
			}
		}
	}
	al := uploadFixtureAlignment(t, h, src)

	platform := e2eTestNS + "mediation/platforms/port#1"
	actuator := e2eTestNS + "mediation/devices/crane-1"
	p := platformBody{PlatformID: platform, Name: "Emulated port", BaseEndpoint: "http://localhost:4568/port?actuation=echo",
		DownstreamInputAlignmentName: al.Name, DownstreamInputAlignmentVersion: al.Version}
	registerPlatform(t, h, in, p)

	sent := func() gotMsg {
		t.Helper()
		m := messages.NewRequest(messages.Actuation)
		m.Metadata.ReceiverPlatformIDs = []string{platform}
		act := rdf.Blank("actuation")
		m.Payload = []rdf.Triple{
			{S: act, P: rdf.IRI(rdf.RDFType), O: rdf.IRI(nsSOSA + "Actuation")},
			{S: act, P: rdf.IRI(nsSOSA + "madeByActuator"), O: rdf.IRI(actuator)},
			{S: act, P: rdf.IRI(medGeoRSS + "point"), O: rdf.String("45 , 13")},
			{S: act, P: rdf.IRI(medMyPort + "hasGPSlatitude"), O: rdf.Literal("44", rdf.XSDInteger)},
		}
		body, err := h.codec.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		conv := h.accepted(t, req{method: http.MethodPost, path: api + "/requests", client: in.client, body: body, contentType: "application/ld+json"})
		return in.await(t, "Actuation answer", reply(conv, "ACTUATION"))
	}

	// Aligned: the platform received WGS84 coordinates only.
	m := sent()
	if m.sender != platform {
		t.Errorf("Actuation answer from %q, want %q", m.sender, platform)
	}
	g := payloadGraph(m.payload)
	t.Logf("the platform received:\n%s", g)
	acts := g.typed(nsSOSA + "Actuation")
	if len(acts) != 1 {
		t.Fatalf("the platform echoed %d sosa:Actuations, want 1:\n%s", len(acts), g)
	}
	act := acts[0]
	if len(g.objects(act, medGeoRSS+"point")) != 0 || len(g.objects(act, medMyPort+"hasGPSlatitude")) != 0 {
		t.Errorf("the platform received the untranslated properties:\n%s", g)
	}
	// cell1 binds lat and long with SPARQL REPLACE, which substitutes the
	// matched part only: "45 , 13" becomes "45, 13" (^\s*(\d+)\s → $1)
	// and "45 13" (,\s*(\d+)\s*$ → $1), as IPSM gives. cell2 and cell3
	// turn the integer latitude into wgs84_pos:lat (one triple).
	wantLats := []rdf.Term{rdf.String("45, 13"), rdf.Literal("44", rdf.XSDInteger)}
	if lats := g.objects(act, medWGS84+"lat"); !sameTerms(lats, wantLats) {
		t.Errorf("wgs84_pos:lat %v, want %v (cells 1 to 3):\n%s", lats, wantLats, g)
	}
	if longs := g.objects(act, medWGS84+"long"); !sameTerms(longs, []rdf.Term{rdf.String("45 13")}) {
		t.Errorf("wgs84_pos:long %v, want \"45 13\" (cell1):\n%s", longs, g)
	}
	if got := g.objects(act, nsSOSA+"madeByActuator"); len(got) != 1 || got[0].Value != actuator {
		t.Errorf("sosa:madeByActuator %v, want %s (no cell touches it)", got, actuator)
	}

	// The identity alignment: the payload reaches the platform untouched.
	conv := h.accepted(t, req{method: http.MethodPut, path: api + "/platforms/" + esc(platform), client: in.client,
		body: map[string]any{"downstreamInputAlignmentName": "", "downstreamInputAlignmentVersion": ""}})
	in.await(t, "Platform_update answer", reply(conv, "PLATFORM_UPDATE"))
	m = sent()
	g = payloadGraph(m.payload)
	want := payloadGraph{
		{S: rdf.Blank("a"), P: rdf.IRI(rdf.RDFType), O: rdf.IRI(nsSOSA + "Actuation")},
		{S: rdf.Blank("a"), P: rdf.IRI(nsSOSA + "madeByActuator"), O: rdf.IRI(actuator)},
		{S: rdf.Blank("a"), P: rdf.IRI(medGeoRSS + "point"), O: rdf.String("45 , 13")},
		{S: rdf.Blank("a"), P: rdf.IRI(medMyPort + "hasGPSlatitude"), O: rdf.Literal("44", rdf.XSDInteger)},
	}
	if !rdf.IsomorphicGraphs(g, want) {
		t.Errorf("with the identity alignment the platform received:\n%s\nwant:\n%s", g, want)
	}

	// The alignment is free again once no channel uses it.
	conv = h.accepted(t, req{method: http.MethodDelete, path: api + "/platforms/" + esc(platform), client: in.client})
	in.await(t, "Platform_unregister answer", reply(conv, "PLATFORM_UNREGISTER"))
	var listed []json.RawMessage
	h.ipsm(t, http.StatusOK, req{method: http.MethodGet, path: "/ipsm/channels"}).into(t, &listed)
}
