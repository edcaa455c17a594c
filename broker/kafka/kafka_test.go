package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/goleak"

	"github.com/intermw/intermw/broker"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fastTimings makes consumer groups settle in tests within a second or so.
func fastTimings(cfg Config) Config {
	cfg.HeartbeatInterval = 100 * time.Millisecond
	cfg.SessionTimeout = 2 * time.Second
	cfg.RebalanceTimeout = 2 * time.Second
	cfg.JoinGroupBackoff = 100 * time.Millisecond
	cfg.MaxWait = 100 * time.Millisecond
	cfg.DialTimeout = 2 * time.Second
	return cfg
}

func newCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append([]kfake.Opt{
		kfake.NumBrokers(1),
		kfake.AllowAutoTopicCreation(),
		kfake.GroupMinSessionTimeout(100 * time.Millisecond),
		kfake.DefaultNumPartitions(4),
	}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func testLogger(t testing.TB) logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(os.Stderr)
	if testing.Verbose() && os.Getenv("KAFKA_DEBUG") != "" {
		l.SetLevel(logrus.DebugLevel)
	} else {
		l.SetLevel(logrus.ErrorLevel)
	}
	return l
}

func newTestBroker(t testing.TB, addrs []string, opts broker.Options) *Broker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := New(ctx, fastTimings(Config{Brokers: addrs, Options: opts}), testLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

var nameSeq atomic.Int64

func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e6, nameSeq.Add(1))
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// collector records delivered messages.
type collector struct {
	mu   sync.Mutex
	msgs []broker.Message
}

func (c *collector) handle(_ context.Context, m *broker.Message) error {
	c.mu.Lock()
	c.msgs = append(c.msgs, *m)
	c.mu.Unlock()
	return nil
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

func (c *collector) snapshot() []broker.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]broker.Message(nil), c.msgs...)
}

func publishN(t testing.TB, b *Broker, topic, key string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range n {
		m := broker.Message{Key: key, Body: []byte(strconv.Itoa(i)), Headers: map[string]string{"n": strconv.Itoa(i)}}
		if err := b.Publish(ctx, topic, m); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"a config with one broker is valid", Config{Brokers: []string{"localhost:9092"}}, false},
		{"a config without brokers is invalid", Config{}, true},
		{"a broker address without a port is invalid", Config{Brokers: []string{"localhost"}}, true},
		{"negative partitions are invalid", Config{Brokers: []string{"h:1"}, Partitions: -1}, true},
		{"negative options are invalid", Config{Brokers: []string{"h:1"}, Options: broker.Options{MaxDeliveries: -1}}, true},
		{"a heartbeat slower than the session timeout is invalid", Config{Brokers: []string{"h:1"}, HeartbeatInterval: time.Minute, SessionTimeout: time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}

func TestConfigFromURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		check   func(Config) bool
		wantErr error
	}{
		{"several hosts become several brokers", "kafka://a:1,b:2", func(c Config) bool { return len(c.Brokers) == 2 && c.Brokers[1] == "b:2" }, nil},
		{"query parameters set fields", "kafka://a:1?partitions=8&session_timeout=3s&client_id=hub&create_topics=false",
			func(c Config) bool {
				return c.Partitions == 8 && c.SessionTimeout == 3*time.Second && c.ClientID == "hub" && c.DisableTopicCreation
			}, nil},
		{"another scheme is refused", "amqp://a:1", nil, broker.ErrUnknownScheme},
		{"an unknown parameter is refused", "kafka://a:1?bogus=1", nil, errors.New("any")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := ConfigFromURL(u, broker.Options{})
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("ConfigFromURL(%s) succeeded, want an error", tt.url)
				}
				if errors.Is(tt.wantErr, broker.ErrUnknownScheme) && !errors.Is(err, broker.ErrUnknownScheme) {
					t.Fatalf("error %v does not wrap ErrUnknownScheme", err)
				}
				return
			}
			if err != nil || !tt.check(cfg) {
				t.Fatalf("ConfigFromURL(%s) = %+v, %v", tt.url, cfg, err)
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
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = New(ctx, Config{Brokers: []string{addr}, DialTimeout: 500 * time.Millisecond}, nil)
	if !errors.Is(err, broker.ErrUnreachable) {
		t.Fatalf("New against a closed port = %v, want ErrUnreachable", err)
	}
}

func TestPublishSubscribe(t *testing.T) {
	c := newCluster(t)
	b := newTestBroker(t, c.ListenAddrs(), broker.Options{})
	ctx := context.Background()

	t.Run("a group receives what is published after it subscribed, with key and headers", func(t *testing.T) {
		topic, group := unique("t"), unique("g")
		publishN(t, b, topic, "before", 3) // must not be seen
		var got collector
		sub, err := b.Subscribe(ctx, topic, group, got.handle)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		publishN(t, b, topic, "conv1", 5)
		eventually(t, 20*time.Second, "5 messages", func() bool { return got.len() >= 5 })
		for i, m := range got.snapshot() {
			if m.Key != "conv1" || string(m.Body) != strconv.Itoa(i) || m.Headers["n"] != strconv.Itoa(i) || m.Topic != topic || m.Attempt != 1 {
				t.Fatalf("message %d = %+v", i, m)
			}
		}
	})

	t.Run("every group receives every message", func(t *testing.T) {
		topic := unique("t")
		var a, bb collector
		s1, err := b.Subscribe(ctx, topic, unique("g"), a.handle)
		if err != nil {
			t.Fatal(err)
		}
		defer s1.Close()
		s2, err := b.Subscribe(ctx, topic, unique("g"), bb.handle)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		publishN(t, b, topic, "k", 10)
		eventually(t, 20*time.Second, "both groups to get 10", func() bool { return a.len() == 10 && bb.len() == 10 })
	})

	t.Run("a failing message is retried in place and then dead-lettered", func(t *testing.T) {
		b := newTestBroker(t, c.ListenAddrs(), broker.Options{MaxDeliveries: 3, RedeliveryDelay: 10 * time.Millisecond})
		topic, group := unique("t"), unique("g")
		var dlq, errs collector
		for _, s := range []struct {
			topic string
			c     *collector
		}{{broker.DeadLetterTopic(topic), &dlq}, {broker.ErrorTopic, &errs}} {
			sub, err := b.Subscribe(ctx, s.topic, unique("watch"), s.c.handle)
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
		}
		var mu sync.Mutex
		var attempts []int
		var after collector
		sub, err := b.Subscribe(ctx, topic, group, func(ctx context.Context, m *broker.Message) error {
			if string(m.Body) == "0" {
				mu.Lock()
				attempts = append(attempts, m.Attempt)
				mu.Unlock()
				return errors.New("boom")
			}
			return after.handle(ctx, m)
		})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		publishN(t, b, topic, "k", 2)
		eventually(t, 20*time.Second, "the dead letter and the next message", func() bool {
			return dlq.len() == 1 && after.len() == 1 && errs.len() >= 1
		})
		mu.Lock()
		if fmt.Sprint(attempts) != "[1 2 3]" {
			t.Errorf("attempts = %v, want [1 2 3]", attempts)
		}
		mu.Unlock()
		d := dlq.snapshot()[0]
		if d.Headers[broker.HeaderOriginalTopic] != topic || d.Headers[broker.HeaderGroup] != group ||
			d.Headers[broker.HeaderAttempts] != "3" || d.Headers[broker.HeaderLastError] != "boom" || d.Headers["n"] != "0" {
			t.Errorf("dead letter headers = %v", d.Headers)
		}
	})
}

func TestCloseRacingSubscribe(t *testing.T) {
	c := newCluster(t)
	for i := range 5 {
		b := newTestBroker(t, c.ListenAddrs(), broker.Options{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			s, err := b.Subscribe(context.Background(), unique("race"), "g", func(context.Context, *broker.Message) error { return nil })
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
