package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
)

// sink is a callback endpoint that records the batches it accepts.
type sink struct {
	mu      sync.Mutex
	batches [][]json.RawMessage
	ctypes  []string
	fail    bool // answer 500
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(body, &batch); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.batches = append(s.batches, batch)
	s.ctypes = append(s.ctypes, r.Header.Get("Content-Type"))
	w.WriteHeader(http.StatusNoContent)
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, b := range s.batches {
		n += len(b)
	}
	return n
}

func (s *sink) setFail(v bool) {
	s.mu.Lock()
	s.fail = v
	s.mu.Unlock()
}

func publishN(t *testing.T, b broker.Publisher, client string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if err := b.Publish(context.Background(), broker.RESTAPI(client), broker.Message{Key: "conv1", Body: msgBody(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPush(t *testing.T) {
	ctx := context.Background()

	t.Run("a hanging endpoint never delays another client, and order is kept", func(t *testing.T) {
		release := make(chan struct{})
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer hang.Close()
		defer close(release)
		good := &sink{}
		gs := httptest.NewServer(good)
		defer gs.Close()

		b := newMemoryBroker(t)
		slow := Client{ID: "slow", CallbackURL: hang.URL, Format: FormatJSONLD, Mode: ModePush, ReceivingCapacity: 5}
		fast := Client{ID: "fast", CallbackURL: gs.URL, Format: FormatJSONLD, Mode: ModePush, ReceivingCapacity: 5}
		cfg := testConfig(t, t.TempDir(), b, slow, fast)
		cfg.Push.Timeout = time.Minute
		d := newDeliverer(t, cfg)
		running(t, d)
		publishN(t, b, "slow", 0, 20)
		publishN(t, b, "fast", 0, 100)
		eventually(t, func() bool { return good.count() == 100 })

		good.mu.Lock()
		defer good.mu.Unlock()
		n := 0
		for i, batch := range good.batches {
			if len(batch) > 5 {
				t.Fatalf("batch %d has %d entries, capacity 5", i, len(batch))
			}
			if good.ctypes[i] != "application/ld+json" {
				t.Fatalf("content type %q", good.ctypes[i])
			}
			for _, e := range batch {
				var v struct {
					Graph []struct {
						Graph []struct{ N int } `json:"@graph"`
					} `json:"@graph"`
				}
				json.Unmarshal(e, &v)
				if got := v.Graph[0].Graph[0].N - 1000; got != n {
					t.Fatalf("entry %d is message %d: order broken", n, got)
				}
				n++
			}
		}
	})

	t.Run("a failing endpoint's batch is dead-lettered after the attempts and replayable", func(t *testing.T) {
		s := &sink{fail: true}
		srv := httptest.NewServer(s)
		defer srv.Close()
		b := newMemoryBroker(t)
		c := Client{ID: "flaky", CallbackURL: srv.URL, Format: FormatJSONLD, Mode: ModePush, ReceivingCapacity: 10}
		d := newDeliverer(t, testConfig(t, t.TempDir(), b, c))
		running(t, d)
		publishN(t, b, "flaky", 0, 3)
		var dls []DeadLetter
		eventually(t, func() bool {
			dls, _ = d.ListDeadLetters(ctx, "flaky")
			return len(dls) == 3
		})
		if dls[0].Reason != ReasonPushFailed || dls[0].Attempts != 3 {
			t.Fatalf("%+v", dls[0])
		}
		s.setFail(false)
		if n, err := d.Replay(ctx, "flaky", nil); err != nil || n != 3 {
			t.Fatal(n, err)
		}
		eventually(t, func() bool { return s.count() == 3 })
	})

	t.Run("switching to pull stops pushing at once", func(t *testing.T) {
		s := &sink{fail: true}
		srv := httptest.NewServer(s)
		defer srv.Close()
		b := newMemoryBroker(t)
		c := Client{ID: "switch", CallbackURL: srv.URL, Format: FormatJSON, Mode: ModePush, ReceivingCapacity: 10}
		cfg := testConfig(t, t.TempDir(), b, c)
		cfg.Push.MaxAttempts = 1000
		d := newDeliverer(t, cfg)
		running(t, d)
		if _, err := d.Append(ctx, "switch", realObservation(t)); err != nil {
			t.Fatal(err)
		}
		c.Mode = ModePull
		if err := d.Upsert(ctx, c); err != nil {
			t.Fatal(err)
		}
		es, commit, err := d.Pull(ctx, "switch", 10)
		if err != nil || len(es) != 1 {
			t.Fatalf("%d %v", len(es), err)
		}
		if err := commit(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWebhookSafety(t *testing.T) {
	cases := []struct {
		name  string
		url   string
		allow []netip.Prefix
		ok    bool
	}{
		{"a public https URL is accepted", "https://example.org/cb", nil, true},
		{"a host name is accepted until dial time", "http://callback.example.com:8080/x", nil, true},
		{"ftp is refused", "ftp://example.org/cb", nil, false},
		{"a URL without a host is refused", "http:///cb", nil, false},
		{"loopback is refused", "http://127.0.0.1:9/cb", nil, false},
		{"localhost is refused", "http://localhost:9/cb", nil, false},
		{"IPv6 loopback is refused", "http://[::1]:9/cb", nil, false},
		{"a private address is refused", "http://10.1.2.3/cb", nil, false},
		{"link-local metadata addresses are refused", "http://169.254.169.254/latest", nil, false},
		{"an IPv4-mapped loopback is refused", "http://[::ffff:127.0.0.1]/cb", nil, false},
		{"loopback is accepted when allow-listed", "http://127.0.0.1:9/cb", loopback, true},
		{"credentials in the URL are refused", "https://u:p@example.org/cb", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateCallbackURL(c.url, c.allow)
			if (err == nil) != c.ok {
				t.Fatalf("got %v", err)
			}
			if err != nil && !errors.Is(err, ErrWebhookRefused) {
				t.Fatalf("not ErrWebhookRefused: %v", err)
			}
		})
	}

	t.Run("the resolved address is checked at dial time", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		defer srv.Close()
		hc := newPushClient(nil, time.Second)
		defer hc.CloseIdleConnections()
		err := post(context.Background(), hc, srv.URL, "application/json", []byte("[]"))
		if !errors.Is(err, ErrWebhookRefused) {
			t.Fatalf("got %v", err)
		}
		hc2 := newPushClient(loopback, time.Second)
		defer hc2.CloseIdleConnections()
		if err := post(context.Background(), hc2, srv.URL, "application/json", []byte("[]")); err != nil {
			t.Fatalf("allow-listed: %v", err)
		}
	})

	t.Run("a push client refused by the dial check never registers", func(t *testing.T) {
		d := newDeliverer(t, Config{Dir: t.TempDir(), Broker: newMemoryBroker(t), Directory: &dirClients{}})
		err := d.Upsert(context.Background(), Client{ID: "x", CallbackURL: "http://127.0.0.1:1/", Format: FormatJSON, Mode: ModePush})
		if !errors.Is(err, ErrWebhookRefused) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	for n := 1; n < 40; n++ {
		d := backoff(100*time.Millisecond, time.Second, n)
		if d < 50*time.Millisecond || d > time.Second {
			t.Fatalf("attempt %d: %v", n, d)
		}
	}
}
