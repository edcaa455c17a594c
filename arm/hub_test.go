package arm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/arm/auth"
	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/arm/delivery"
	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/bridges/emulator"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/prm"
	"github.com/intermw/intermw/services"
	"github.com/intermw/intermw/services/registry"
	"github.com/intermw/intermw/services/triplestore/engine"
	"github.com/intermw/intermw/swagger"
)

// hubP2P answers PRM's platform-to-platform lookups from the registry.
type hubP2P struct{ r *registry.Registry }

func (a hubP2P) P2PSubscription(ctx context.Context, conv string) (prm.P2PRoute, bool, error) {
	s, err := a.r.GetP2PSubscription(ctx, conv)
	if errors.Is(err, registry.ErrNotFound) || errors.Is(err, registry.ErrInvalid) {
		return prm.P2PRoute{}, false, nil
	}
	if err != nil {
		return prm.P2PRoute{}, false, err
	}
	return prm.P2PRoute{ConversationID: s.ConversationID, ClientID: s.ClientID,
		SourcePlatformID: s.SourcePlatformID, SourceDeviceID: s.SourceDeviceID,
		TargetPlatformID: s.TargetPlatformID, TargetDeviceID: s.TargetDeviceID}, true, nil
}

// hubClient drives the ARM over HTTP and checks every answer against the
// spec.
type hubClient struct {
	t   *testing.T
	url string
	id  string
}

func (c *hubClient) call(method, path, body string) (int, []byte) {
	c.t.Helper()
	r, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	must(c.t, err)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if c.id != "" {
		r.Header.Set(auth.ClientIDHeader, c.id)
	}
	resp, err := http.DefaultClient.Do(r)
	must(c.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	swagger.ValidateResponse(c.t, method, path, resp.StatusCode, b)
	return resp.StatusCode, b
}

func (c *hubClient) expect(method, path, body string, status int) []byte {
	c.t.Helper()
	got, b := c.call(method, path, body)
	if got != status {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, got, status, b)
	}
	return b
}

// pullUntil pulls until a message satisfying ok arrives.
func (c *hubClient) pullUntil(what string, ok func(m *messages.Message) bool, codec *messages.Codec) *messages.Message {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b := c.expect("POST", api+"/responses", "", 200)
		var batch []json.RawMessage
		must(c.t, json.Unmarshal(b, &batch))
		for _, raw := range batch {
			m, err := codec.Decode(raw)
			must(c.t, err)
			if m.Metadata.Is(messages.Error) {
				c.t.Fatalf("an Error message arrived: %s", m.Metadata.ErrDesc)
			}
			if ok(m) {
				return m
			}
		}
		if len(batch) == 0 {
			time.Sleep(5 * time.Millisecond) // polling interval of a bounded wait
		}
	}
	c.t.Fatalf("timed out waiting for %s", what)
	return nil
}

func TestTheHubLifecycleOverHTTP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	b, err := memory.New(ctx, memory.Config{})
	must(t, err)
	codec, err := messages.New(messages.Config{})
	must(t, err)
	st := engine.NewMemory()
	reg, err := registry.New(registry.Config{Store: st})
	must(t, err)
	convStore, err := conversation.OpenFile(conversation.FileConfig{Dir: t.TempDir(), NoSync: true})
	must(t, err)
	table, err := conversation.New(ctx, conversation.Config{Store: convStore})
	must(t, err)
	factory, err := emulator.NewFactory(emulator.Config{ObservationInterval: 5 * time.Millisecond, DeviceCount: 2})
	must(t, err)
	host, err := bridges.NewHost(bridges.Config{Broker: b, Codec: codec, Factories: map[string]bridges.Factory{emulator.PlatformType: factory}})
	must(t, err)
	ip, err := ipsmrm.New(ipsmrm.Config{Broker: b, Codec: codec})
	must(t, err)
	svc, err := services.New(services.Config{Broker: b, Registry: reg, Codec: codec})
	must(t, err)
	pr, err := prm.New(prm.Config{Broker: b, Codec: codec, PlatformTypes: host.PlatformTypes, P2P: hubP2P{reg}})
	must(t, err)
	del, err := delivery.New(delivery.Config{Dir: t.TempDir(), Broker: b, Directory: DeliveryDirectory{reg}, Codec: codec, Sync: delivery.SyncNone})
	must(t, err)
	s, err := New(Config{Broker: b, Subscriber: b, Codec: codec, Clients: reg, Platforms: reg, Devices: reg,
		Subscriptions: reg, Locations: reg, Discovery: reg, Conversations: table, Delivery: del})
	must(t, err)
	srv := httptest.NewServer(s)

	var wg sync.WaitGroup
	run := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	run("bridges", host.Run)
	run("ipsmrm", ip.Run)
	run("services", svc.Run)
	run("delivery", del.Run)
	for _, ch := range []<-chan struct{}{host.Ready(), ip.Ready(), del.Ready()} {
		<-ch
	}
	run("prm", pr.Run)
	run("arm", s.Run)
	<-pr.Ready()
	<-s.Ready()
	defer func() {
		srv.Close()
		cancel()
		wg.Wait()
		_ = del.Close()
		_ = b.Close()
		_ = convStore.Close()
		_ = st.Close()
	}()

	c := &hubClient{t: t, url: srv.URL}
	const platform = "http://test.inter-iot.eu/hub/platform#1"
	c.expect("POST", api+"/clients", `{"clientId":"hubapp","responseFormat":"JSON_LD","responseDelivery":"CLIENT_PULL","receivingCapacity":50}`, 201)
	c.expect("POST", api+"/clients", `{"clientId":"hubapp"}`, 409)
	c.id = "hubapp"

	conv := asyncConv(t, c.expect("GET", api+"/platform-types", "", 202))
	c.pullUntil("the platform types", func(m *messages.Message) bool { return m.Metadata.ConversationID == conv }, codec)

	conv = asyncConv(t, c.expect("POST", api+"/platforms", `{"platformId":"`+platform+`","type":"`+emulator.PlatformType+`","name":"hub"}`, 202))
	c.pullUntil("the Platform_register reply", func(m *messages.Message) bool {
		return m.Metadata.ConversationID == conv && m.Metadata.SenderPlatformID == platform
	}, codec)
	c.expect("GET", api+"/platforms/"+esc(platform), "", 200)

	devs := `{"devices":[{"deviceId":"http://test.inter-iot.eu/hub/dev/1","hostedBy":"` + platform + `","deviceTypes":["SENSOR"]},{"deviceId":"http://test.inter-iot.eu/hub/dev#2","hostedBy":"` + platform + `","deviceTypes":["SENSOR"]}]}`
	conv = asyncConv(t, c.expect("POST", api+"/devices", devs, 202))
	c.pullUntil("the Platform_create_Device reply", func(m *messages.Message) bool { return m.Metadata.ConversationID == conv }, codec)
	waitFor(t, "the devices in the registry", func() bool {
		ds, _ := reg.ListDevices(context.Background(), platform)
		return len(ds) == 2
	})

	sub := asyncConv(t, c.expect("POST", api+"/subscriptions", `{"deviceIds":["http://test.inter-iot.eu/hub/dev#2"]}`, 202))
	obs := c.pullUntil("an observation", func(m *messages.Message) bool {
		return m.Metadata.ConversationID == sub && m.Metadata.Is(messages.Observation)
	}, codec)
	if obs.Metadata.SenderPlatformID != platform {
		t.Fatalf("observation sent by %q", obs.Metadata.SenderPlatformID)
	}
	if id, data := c.readEvent(); id == "" || !strings.Contains(data, "conv") {
		t.Fatalf("SSE event %q: %.200s", id, data)
	}
	var subs []registry.Subscription
	must(t, json.Unmarshal(c.expect("GET", api+"/subscriptions", "", 200), &subs))
	if len(subs) != 1 || subs[0].ConversationID != sub {
		t.Fatalf("subscriptions %+v", subs)
	}

	unsub := asyncConv(t, c.expect("DELETE", api+"/subscriptions/"+sub, "", 202))
	c.pullUntil("the Unsubscribe reply", func(m *messages.Message) bool { return m.Metadata.ConversationID == unsub }, codec)

	conv = asyncConv(t, c.expect("POST", api+"/devices/"+esc("http://test.inter-iot.eu/hub/dev/1")+"/actuation", `{"actuationResultSet":[{"value":"on"}]}`, 202))
	c.pullUntil("the Actuation reply", func(m *messages.Message) bool { return m.Metadata.ConversationID == conv }, codec)

	_, data := c.call("GET", api+"/devices/data/"+esc("http://test.inter-iot.eu/hub/dev/1"), "")
	if !bytes.Contains(data, []byte("Query")) {
		t.Fatalf("current data: %s", data)
	}

	conv = asyncConv(t, c.expect("DELETE", api+"/platforms/"+esc(platform), "", 202))
	c.pullUntil("the Platform_unregister reply", func(m *messages.Message) bool { return m.Metadata.ConversationID == conv }, codec)
	waitFor(t, "the platform gone", func() bool {
		_, err := reg.GetPlatform(context.Background(), platform)
		return errors.Is(err, registry.ErrNotFound)
	})
	c.expect("DELETE", api+"/platforms/"+esc(platform), "", 404)
	c.expect("DELETE", api+"/clients/hubapp", "", 204)
	c.expect("GET", api+"/clients/hubapp", "", 404)
}

// readEvent opens the client's SSE stream and returns its first event.
func (c *hubClient) readEvent() (id, data string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, "GET", c.url+api+"/responses/stream", nil)
	must(c.t, err)
	r.Header.Set(auth.ClientIDHeader, c.id)
	resp, err := http.DefaultClient.Do(r)
	must(c.t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		c.t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id:"):
			id = strings.TrimSpace(line[3:])
		case strings.HasPrefix(line, "data:"):
			data += strings.TrimSpace(line[5:])
		case line == "" && data != "":
			return id, data
		}
	}
	c.t.Fatalf("the stream ended without an event: %v", sc.Err())
	return "", ""
}
