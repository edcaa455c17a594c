package mqtt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/broker"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestConfigValidate(t *testing.T) {
	server := []*url.URL{{Scheme: "mqtt", Host: "localhost:1883"}}
	tests := []struct {
		name    string
		cfg     Config
		wantErr []string // substrings, one per expected problem
	}{
		{"a config with one server is valid", Config{Servers: server}, nil},
		{"a config without servers is invalid", Config{}, []string{"Servers is empty"}},
		{"an http server URL is invalid", Config{Servers: []*url.URL{{Scheme: "http", Host: "h:1"}}}, []string{"scheme"}},
		{"a wildcard in the topic prefix is invalid", Config{Servers: server, TopicPrefix: "a/#"}, []string{"TopicPrefix"}},
		{"every problem is reported at once", Config{ReceiveMaximum: 70000, KeepAlive: -1, ClientID: "a/b"},
			[]string{"Servers is empty", "ReceiveMaximum", "KeepAlive is negative", "ClientID"}},
		{"a minimum reconnect delay above the maximum is invalid", Config{Servers: server, ReconnectMin: time.Minute, ReconnectMax: time.Second}, []string{"ReconnectMin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors about %v", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestConfigFromURL(t *testing.T) {
	tests := []struct {
		name  string
		url   string
		check func(Config) bool
		isErr error // nil: any error is fine when check is nil
	}{
		{"an mqtt URL keeps scheme and host", "mqtt://h:1883", func(c Config) bool { return c.Servers[0].String() == "mqtt://h:1883" }, nil},
		{"a tcp URL is accepted", "tcp://h:1883", func(c Config) bool { return c.Servers[0].Scheme == "tcp" }, nil},
		{"user and password are taken from the URL", "mqtts://u:p@h:8883", func(c Config) bool { return c.Username == "u" && c.Password == "p" && c.Servers[0].User == nil }, nil},
		{"query parameters set fields", "mqtt://h:1?client_id=hub-1&topic_prefix=intermw/&session_expiry=10m&receive_maximum=5",
			func(c Config) bool {
				return c.ClientID == "hub-1" && c.TopicPrefix == "intermw/" && c.SessionExpiry == 10*time.Minute && c.ReceiveMaximum == 5
			}, nil},
		{"keep_sessions sets KeepSessions", "mqtt://h:1?keep_sessions=true", func(c Config) bool { return c.KeepSessions }, nil},
		{"another scheme is refused", "kafka://h:1", nil, broker.ErrUnknownScheme},
		{"an unknown parameter is refused", "mqtt://h:1?qos=2", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ConfigFromURL(mustURL(t, tt.url), broker.Options{})
			if tt.check == nil {
				if err == nil {
					t.Fatalf("ConfigFromURL(%s) succeeded, want an error", tt.url)
				}
				if tt.isErr != nil && !errors.Is(err, tt.isErr) {
					t.Fatalf("ConfigFromURL(%s) = %v, want it to wrap %v", tt.url, err, tt.isErr)
				}
				return
			}
			if err != nil || !tt.check(cfg) {
				t.Fatalf("ConfigFromURL(%s) = %+v, %v", tt.url, cfg, err)
			}
		})
	}
}

func TestPropertiesRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		headers map[string]string
	}{
		{"a plain key and headers travel as they are", "conv-1", map[string]string{"content-type": "application/ld+json"}},
		{"no key and no headers travel as nothing", "", nil},
		{"a key with invalid UTF-8 survives", "conv\xff\xfe", nil},
		{"a key with U+0000 survives", "a\x00b", nil},
		{"a header that is not a valid MQTT string survives", "k", map[string]string{"bad\xff": "v\x00", "good": "ok"}},
		{"a header named like the key property stays a header", "k", map[string]string{KeyProperty: "not the key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := encodeProperties(tt.key, tt.headers)
			for _, p := range props {
				if !mqttString(p.Key) || !mqttString(p.Value) {
					t.Fatalf("property %q=%q is not a valid MQTT string", p.Key, p.Value)
				}
			}
			key, headers := decodeProperties(props)
			if key != tt.key {
				t.Errorf("key = %q, want %q", key, tt.key)
			}
			if len(headers) != len(tt.headers) {
				t.Errorf("headers = %q, want %q", headers, tt.headers)
			}
			for k, v := range tt.headers {
				if headers[k] != v {
					t.Errorf("header %q = %q, want %q", k, headers[k], v)
				}
			}
		})
	}
}

func TestNewReportsAnUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := Config{Servers: []*url.URL{{Scheme: "mqtt", Host: addr}}, ConnectTimeout: 300 * time.Millisecond}
	_, err = New(context.Background(), cfg, nil)
	if !errors.Is(err, broker.ErrUnreachable) {
		t.Fatalf("New against a closed port = %v, want ErrUnreachable", err)
	}
}

func TestFromURLConnects(t *testing.T) {
	needMosquitto(t)
	u := mustURL(t, "mqtt://"+mosquittoAddr+"?client_id=it-"+runID+"-fromurl")
	b, err := FromURL(context.Background(), u, broker.Options{}, testLogger())
	if err != nil {
		t.Fatalf("FromURL: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// TestSessions checks what this backend adds to the conformance suite:
// the client IDs of persistent sessions and the topic prefix.
func TestSessions(t *testing.T) {
	needMosquitto(t)
	ctx := context.Background()

	t.Run("concurrent subscriptions of a group get distinct, reusable slots", func(t *testing.T) {
		b := newTestBroker(t, broker.Options{}).(identifiedBroker).Broker
		nop := func(context.Context, *broker.Message) error { return nil }
		topic, group := fmt.Sprintf("slots_%s", runID), "g"
		s1, err := b.Subscribe(ctx, topic, group, nop)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := b.Subscribe(ctx, topic, group, nop)
		if err != nil {
			t.Fatal(err)
		}
		id1, id2 := s1.(*subscription).clientID, s2.(*subscription).clientID
		if id1 == id2 || !strings.HasSuffix(id1, "-0") || !strings.HasSuffix(id2, "-1") {
			t.Fatalf("client IDs %q and %q, want distinct ones ending in -0 and -1", id1, id2)
		}
		s1.Close()
		s3, err := b.Subscribe(ctx, topic, group, nop)
		if err != nil {
			t.Fatal(err)
		}
		if id3 := s3.(*subscription).clientID; id3 != id1 {
			t.Errorf("a new subscription got %q, want the freed slot's %q", id3, id1)
		}
		s2.Close()
		s3.Close()
	})

	t.Run("the topic prefix keeps topics apart on the server", func(t *testing.T) {
		mk := func(prefix string) *Broker {
			cfg := testConfig(fmt.Sprintf("it-%s-prefix%q", runID, prefix), broker.Options{})
			cfg.ClientID = strings.NewReplacer(`"`, "", "/", "_").Replace(cfg.ClientID)
			cfg.TopicPrefix = prefix
			b, err := New(ctx, cfg, testLogger())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b
		}
		plain, prefixed := mk(""), mk("intermw-test/")
		topic := "prefix_" + runID
		var mu sync.Mutex
		var got []string
		record := func(who string) broker.Handler {
			return func(_ context.Context, m *broker.Message) error {
				mu.Lock()
				got = append(got, who+":"+string(m.Body))
				mu.Unlock()
				return nil
			}
		}
		for _, s := range []struct {
			b   *Broker
			who string
		}{{plain, "plain"}, {prefixed, "prefixed"}} {
			sub, err := s.b.Subscribe(ctx, topic, "g", record(s.who))
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
		}
		if err := prefixed.Publish(ctx, topic, broker.Message{Body: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Give a wrong delivery to the unprefixed subscriber a moment to
		// show up: publish a marker on the plain side and wait for it.
		if err := plain.Publish(ctx, topic, broker.Message{Body: []byte("marker")}); err != nil {
			t.Fatal(err)
		}
		deadline = time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			s := strings.Join(got, ",")
			mu.Unlock()
			if strings.Contains(s, "plain:marker") || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if strings.Join(got, ",") != "prefixed:x,plain:marker" {
			t.Errorf("deliveries = %v, want [prefixed:x plain:marker]", got)
		}
	})
}

func TestCloseRacingSubscribe(t *testing.T) {
	needMosquitto(t)
	for i := range 5 {
		b := newTestBroker(t, broker.Options{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			s, err := b.Subscribe(context.Background(), fmt.Sprintf("race_%s_%d", runID, i), "g", func(context.Context, *broker.Message) error { return nil })
			if err == nil {
				s.Close()
			}
		}()
		if i%2 == 0 {
			<-time.After(time.Duration(i) * time.Millisecond)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Subscribe did not return after Close")
		}
	}
}
