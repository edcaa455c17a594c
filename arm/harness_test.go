package arm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/arm/delivery"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/messages/routing"
	"github.com/intermw/intermw/services/registry"
	"github.com/intermw/intermw/services/triplestore/engine"
	"github.com/intermw/intermw/swagger"
)

// fakePublisher records what the ARM publishes.
type fakePublisher struct {
	mu   sync.Mutex
	sent []published
	fail error
}

type published struct {
	topic string
	msg   broker.Message
}

func (p *fakePublisher) Publish(_ context.Context, topic string, m broker.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.sent = append(p.sent, published{topic, m})
	return nil
}

func (p *fakePublisher) all() []published {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]published(nil), p.sent...)
}

// fakeDelivery is an in-memory Delivery.
type fakeDelivery struct {
	mu        sync.Mutex
	clients   map[string]delivery.Client
	queues    map[string][]delivery.Entry
	dead      map[string][]delivery.DeadLetter
	commits   int
	calls     int // mutations: Upsert, Remove, Replay
	streamed  []string
	nextSeq   uint64
	upsertErr error
}

func newFakeDelivery() *fakeDelivery {
	return &fakeDelivery{clients: map[string]delivery.Client{}, queues: map[string][]delivery.Entry{}, dead: map[string][]delivery.DeadLetter{}}
}

func (d *fakeDelivery) Upsert(_ context.Context, c delivery.Client) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.upsertErr != nil {
		return d.upsertErr
	}
	d.calls++
	d.clients[c.ID] = c
	return nil
}

func (d *fakeDelivery) Remove(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	delete(d.clients, id)
	delete(d.queues, id)
	return nil
}

func (d *fakeDelivery) add(client string, data string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nextSeq++
	d.queues[client] = append(d.queues[client], delivery.Entry{Seq: d.nextSeq, Data: json.RawMessage(data)})
}

func (d *fakeDelivery) Pull(_ context.Context, client string, max int) ([]delivery.Entry, func() error, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.clients[client]; !ok {
		return nil, nil, delivery.ErrUnknownClient
	}
	if max < 1 {
		max = 100
	}
	q := d.queues[client]
	n := min(max, len(q))
	out := append([]delivery.Entry(nil), q[:n]...)
	return out, func() error {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.commits++
		d.queues[client] = d.queues[client][n:]
		return nil
	}, nil
}

func (d *fakeDelivery) ServeSSE(w http.ResponseWriter, r *http.Request, client string) {
	d.mu.Lock()
	d.streamed = append(d.streamed, client+"@"+r.Header.Get("Last-Event-ID"))
	d.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	_, _ = fmt.Fprintf(w, "id: 1\ndata: {}\n\n")
}

func (d *fakeDelivery) ListDeadLetters(_ context.Context, client string) ([]delivery.DeadLetter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dead[client], nil
}

func (d *fakeDelivery) Replay(_ context.Context, client string, ids []uint64) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	n := len(d.dead[client])
	if ids != nil {
		n = len(ids)
	}
	return n, nil
}

func (d *fakeDelivery) QueueStats() []delivery.QueueStat {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []delivery.QueueStat
	for c, q := range d.queues {
		out = append(out, delivery.QueueStat{ClientID: c, Depth: len(q)})
	}
	return out
}

func (d *fakeDelivery) mutations() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls + d.commits
}

// env is an ARM over a real in-memory registry and conversation table,
// with a fake broker and delivery.
type env struct {
	t     *testing.T
	s     *Server
	reg   *registry.Registry
	conv  *conversation.Table
	pub   *fakePublisher
	del   *fakeDelivery
	codec *messages.Codec
	now   time.Time
	h     http.Handler
	cfg   Config
}

const (
	platformA = "http://test.inter-iot.eu/platforms/A"
	platformB = "http://test.inter-iot.eu/platforms#B"
	deviceA1  = "http://test.inter-iot.eu/devices/A/1"
	deviceA2  = "http://test.inter-iot.eu/devices/A#2"
	deviceB1  = "http://test.inter-iot.eu/devices/B/1"
	areaID    = "http://test.inter-iot.eu/areas/port"
	pointID   = "http://test.inter-iot.eu/points/crane#7"
	typeMW    = "http://inter-iot.eu/MWTestPlatform"
)

type envOption func(*Config)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	st := engine.NewMemory()
	t.Cleanup(func() { st.Close() })
	reg, err := registry.New(registry.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := conversation.OpenFile(conversation.FileConfig{Dir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	ctx := context.Background()
	table, err := conversation.New(ctx, conversation.Config{Store: fs})
	if err != nil {
		t.Fatal(err)
	}
	codec, err := messages.New(messages.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, reg: reg, conv: table, pub: &fakePublisher{}, del: newFakeDelivery(), codec: codec,
		now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	seq := 0
	cfg := Config{
		Broker: e.pub, Codec: codec,
		Builder: messages.Builder{NewUUID: func() string {
			seq++
			return uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(seq))).String()
		}},
		Clients: reg, Platforms: reg, Devices: reg, Subscriptions: reg, Locations: reg, Discovery: reg,
		Conversations: table, Delivery: e.del,
		Now: func() time.Time { return e.now },
	}
	for _, o := range opts {
		o(&cfg)
	}
	e.cfg = cfg
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.s, e.h = s, s
	e.seed()
	return e
}

// seed registers a client, two platforms, three devices, a subscription
// and locations, as Services would have.
func (e *env) seed() {
	ctx := context.Background()
	must(e.t, e.reg.RegisterClient(ctx, registry.Client{ClientID: "app1", ResponseFormat: registry.FormatJSONLD, ResponseDelivery: registry.DeliveryClientPull, ReceivingCapacity: 2}))
	must(e.t, e.reg.RegisterClient(ctx, registry.Client{ClientID: "app2", ResponseFormat: registry.FormatJSON, ResponseDelivery: registry.DeliveryClientPull}))
	e.del.clients["app1"] = delivery.Client{ID: "app1"}
	e.del.clients["app2"] = delivery.Client{ID: "app2"}
	must(e.t, e.reg.PutPlatform(ctx, registry.Platform{PlatformID: platformA, Type: typeMW, Name: "A", ClientID: "app1", BaseEndpoint: "http://a.example/"}))
	must(e.t, e.reg.PutPlatform(ctx, registry.Platform{PlatformID: platformB, Type: typeMW, Name: "B", ClientID: "app1"}))
	must(e.t, e.reg.PutDevices(ctx, []registry.IoTDevice{
		{DeviceID: deviceA1, HostedBy: platformA, Name: "a1", DeviceTypes: []registry.DeviceType{registry.DeviceTypeSensor}},
		{DeviceID: deviceA2, HostedBy: platformA, Name: "a2", DeviceTypes: []registry.DeviceType{registry.DeviceTypeActuator}},
		{DeviceID: deviceB1, HostedBy: platformB, Name: "b1", DeviceTypes: []registry.DeviceType{registry.DeviceTypeSensor}},
	}))
	must(e.t, e.reg.PutSubscription(ctx, registry.Subscription{ConversationID: "conv-sub-app1", ClientID: "app1", DeviceIDs: []string{deviceA1}, PlatformIDs: []string{platformA}}))
	must(e.t, e.reg.PutSubscription(ctx, registry.Subscription{ConversationID: "conv-sub-app2", ClientID: "app2", DeviceIDs: []string{deviceB1}, PlatformIDs: []string{platformB}}))
	must(e.t, e.reg.AddLocationArea(ctx, registry.LocationArea{LocationID: areaID, PlatformID: platformA, WKTPolygon: "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))"}))
	must(e.t, e.reg.AddLocationPoint(ctx, registry.LocationPoint{LocationID: pointID, PlatformID: platformA, WKTPoint: "POINT(5 5)"}))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// req is one HTTP request of a test.
type req struct {
	method, path string
	body         string
	client       string // Client-ID header ("" none)
	headers      map[string]string
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(r req) resp {
	e.t.Helper()
	var body *bytes.Reader
	if r.body != "" {
		body = bytes.NewReader([]byte(r.body))
	} else {
		body = bytes.NewReader(nil)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.client != "" {
		hr.Header.Set(auth.ClientIDHeader, r.client)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	rr := httptest.NewRecorder()
	e.h.ServeHTTP(rr, hr)
	return resp{status: rr.Code, header: rr.Header(), body: rr.Body.Bytes()}
}

// state is a snapshot of everything a request could change.
type state struct {
	registry  string
	published int
	convs     int
	delivery  int
}

func (e *env) state() state {
	e.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	dump := func(v any, err error) {
		must(e.t, err)
		j, _ := json.Marshal(v)
		b.Write(j)
		b.WriteByte('\n')
	}
	dump(e.reg.ListClients(ctx))
	dump(e.reg.ListPlatforms(ctx))
	dump(e.reg.ListDevices(ctx, ""))
	dump(e.reg.ListSubscriptions(ctx, ""))
	dump(e.reg.ListP2PSubscriptions(ctx, ""))
	dump(e.reg.ListLocationAreas(ctx, ""))
	dump(e.reg.ListLocationPoints(ctx, ""))
	return state{registry: b.String(), published: len(e.pub.all()), convs: e.conv.Len(), delivery: e.del.mutations()}
}

// sentMessages decodes what was published on topic.
func (e *env) sentMessages(topic string) []*messages.Message {
	e.t.Helper()
	var out []*messages.Message
	for _, p := range e.pub.all() {
		if p.topic != topic {
			continue
		}
		m, err := e.codec.Decode(p.msg.Body)
		if err != nil {
			e.t.Fatalf("published an undecodable message: %v", err)
		}
		if p.msg.Key != m.Metadata.ConversationID {
			e.t.Fatalf("message keyed %q, conversation %q", p.msg.Key, m.Metadata.ConversationID)
		}
		if p.msg.Headers != nil || topic == broker.ARMToPRM {
			rt, ok := broker.ReadRoute(&p.msg)
			if !ok || !broker.SameRoute(rt, routing.Route(&m.Metadata)) {
				e.t.Fatalf("published on %s with routing headers %v that do not describe the body (%+v)", topic, p.msg.Headers, routing.Route(&m.Metadata))
			}
		}
		out = append(out, m)
	}
	return out
}

func receivers(msgs []*messages.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Metadata.ReceiverPlatformIDs...)
	}
	sort.Strings(out)
	return out
}

// esc URL-encodes an id for a path segment, / and # included.
func esc(id string) string {
	r := strings.NewReplacer("%", "%25", "/", "%2F", "#", "%23", "?", "%3F", " ", "%20", "\"", "%22", "<", "%3C", ">", "%3E", "{", "%7B", "}", "%7D", "\n", "%0A", "\\", "%5C", "'", "%27", "|", "%7C", "^", "%5E", "`", "%60")
	return r.Replace(id)
}

// checkSpec validates a response against the spec.
func checkSpec(t *testing.T, r req, got resp) {
	t.Helper()
	if strings.Contains(got.header.Get("Content-Type"), "event-stream") {
		return
	}
	if err := swagger.CheckResponse(r.method, r.path, got.status, got.body); err != nil {
		t.Errorf("response does not fit the spec: %v\nbody: %.300s", err, got.body)
	}
}
