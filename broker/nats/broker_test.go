package nats

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/broker"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		wants []string // substrings of the error; none means valid
	}{
		{name: "the zero config is valid", cfg: Config{}},
		{name: "a full config is valid", cfg: Config{URL: "nats://a:4222", Prefix: "hub-1", Partitions: 4, OrderedGroups: true, AckWait: time.Minute}},
		{name: "every problem is reported at once", cfg: Config{
			Prefix:     "a.b",
			Partitions: -2,
			AckWait:    10 * time.Millisecond,
			Options:    broker.Options{Concurrency: -1},
			RetryMin:   time.Minute, RetryMax: time.Second,
		}, wants: []string{"Prefix", "Partitions", "AckWait", "Concurrency", "RetryMin must not exceed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.wants) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestNamesAreValidAndDistinct(t *testing.T) {
	long := strings.Repeat("x.", broker.MaxNameLen/2)
	names := []string{"a", "a.b", "a_b", "a_Db", "a._b", "a_.b", "a__b", "a_D", "a.D", "x-y", long, long[1:], long[:len(long)-1] + "_"}
	streams := map[string]string{}
	consumers := map[string]string{}
	for _, n := range names {
		s := StreamName("intermw", n)
		if strings.ContainsAny(s, ".*> ") || len(s) > 200 {
			t.Errorf("StreamName(%q) = %q: not a valid stream name", n, s)
		}
		if other, dup := streams[s]; dup {
			t.Errorf("topics %q and %q share stream %q", other, n, s)
		}
		streams[s] = n
		for p := -1; p < 3; p++ {
			c := ConsumerName(n, p)
			if other, dup := consumers[c]; dup {
				t.Errorf("%q and %s share consumer %q", other, fmt.Sprint(n, "/", p), c)
			}
			consumers[c] = fmt.Sprint(n, "/", p)
		}
	}
}

func TestNewReportsAnUnreachableServer(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := New(ctx, Config{URL: "nats://user:secret@127.0.0.1:1"}, nil)
	if !errors.Is(err, broker.ErrUnreachable) {
		t.Fatalf("New against a closed port = %v, want an error wrapping ErrUnreachable", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestFromURLReadsTheQuery(t *testing.T) {
	needServer(t)
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u, _ := url.Parse(testURL + "?prefix=hubtest&partitions=4&ordered_groups=true&ack_wait=5s")
	b, err := FromURL(ctx, u, broker.Options{Concurrency: 3}, nil)
	if err != nil {
		t.Fatalf("FromURL: %v", err)
	}
	defer b.Close()
	cfg := b.(*Broker).cfg
	if cfg.Prefix != "hubtest" || cfg.Partitions != 4 || !cfg.OrderedGroups || cfg.AckWait != 5*time.Second || cfg.Options.Concurrency != 3 || strings.Contains(cfg.URL, "?") {
		t.Errorf("FromURL made config %+v", cfg)
	}
	u, _ = url.Parse(testURL + "?partitions=many")
	if _, err := FromURL(ctx, u, broker.Options{}, nil); err == nil {
		t.Error("FromURL accepted partitions=many")
	}
}

// While the server is down Publish waits, and when its context ends it
// reports ErrUnreachable; once the server is back, publishing and
// consuming resume on the same subscription.
func TestPublishWaitsForTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: restarts the NATS server")
	}
	defer goleak.VerifyNone(t)
	b := newTestBroker(t, Config{})
	defer b.Close()
	suffix := fmt.Sprint(time.Now().UnixNano())
	topic := "down_t_" + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := make(chan string, 10)
	sub, err := b.Subscribe(ctx, topic, "down_g_"+suffix, func(_ context.Context, m *broker.Message) error {
		got <- string(m.Body)
		return nil
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()

	pid, err := serverPID()
	if err != nil {
		t.Fatal(err)
	}
	if err := killAndWait(pid); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			startServer()
		}
	}()
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	err = b.Publish(short, topic, broker.Message{Key: "k", Body: []byte("down")})
	cancelShort()
	if !errors.Is(err, broker.ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Publish while the server is down = %v, want ErrUnreachable and DeadlineExceeded", err)
	}
	if err := startServer(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	if !waitReady(30 * time.Second) {
		t.Fatal("the server did not come back")
	}
	if err := b.Publish(ctx, topic, broker.Message{Key: "k", Body: []byte("up again")}); err != nil {
		t.Fatalf("Publish after the server came back: %v", err)
	}
	for {
		select {
		case body := <-got:
			if body == "up again" {
				return
			}
		case <-ctx.Done():
			t.Fatal("the subscription did not resume after the restart")
		}
	}
}

// A restart in the middle of a stream of publishes loses nothing: every
// message whose Publish returned nil is delivered.
func TestNothingIsLostWhenTheServerRestartsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: restarts the NATS server")
	}
	defer goleak.VerifyNone(t)
	// Messages in flight when the server stopped come back after AckWait.
	b := newTestBroker(t, Config{AckWait: 3 * time.Second})
	defer b.Close()
	suffix := fmt.Sprint(time.Now().UnixNano())
	topic := "load_t_" + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	got := map[string]bool{}
	sub, err := b.Subscribe(ctx, topic, "load_g_"+suffix, func(_ context.Context, m *broker.Message) error {
		mu.Lock()
		got[string(m.Body)] = true
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()

	var sent []string
	var sentMu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf("w%d-%d", w, i)
				if err := b.Publish(ctx, topic, broker.Message{Key: body, Body: []byte(body)}); err != nil {
					continue // not taken: nothing promised
				}
				sentMu.Lock()
				sent = append(sent, body)
				sentMu.Unlock()
			}
		})
	}
	waitSent := func(n int) bool {
		deadline := time.Now().Add(20 * time.Second)
		for {
			sentMu.Lock()
			k := len(sent)
			sentMu.Unlock()
			if k >= n {
				return true
			}
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitSent(200)
	restartServer(t)
	sentMu.Lock()
	k := len(sent)
	sentMu.Unlock()
	resumed := waitSent(k + 200)
	close(stop)
	cancel() // unblocks publishers stuck in a retry
	wg.Wait()
	if !resumed {
		t.Fatal("publishing did not resume within 20s of the restart")
	}

	deadline := time.Now().Add(45 * time.Second)
	for {
		mu.Lock()
		var missing []string
		for _, s := range sent {
			if !got[s] {
				missing = append(missing, s)
			}
		}
		mu.Unlock()
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d published messages never arrived (first: %v)", len(missing), len(sent), missing[:min(5, len(missing))])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestKeysTravelInTheSubjectWhenTheyCan(t *testing.T) {
	tests := []struct {
		name, key string
		inSubject bool
	}{
		{"a conversation id travels in the subject", "conv3f1c9a2e-7b1d-4c55-9a0e-2b8f1d6c7e90", true},
		{"underscores and dashes travel in the subject", "a_b-c", true},
		{"an empty key travels nowhere", "", false},
		{"a key with a dot goes in a header", "a.b", false},
		{"a key with spaces or colons goes in a header", "conv:x y", false},
		{"a key past the limit goes in a header", strings.Repeat("k", maxSubjectKey+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, in := keyToken(tt.key)
			if in != tt.inSubject {
				t.Fatalf("keyToken(%q) in subject = %v, want %v", tt.key, in, tt.inSubject)
			}
			got, ok := keyFromSubject("intermw.topic.3." + tok)
			if ok != in || (in && got != tt.key) {
				t.Errorf("keyFromSubject of %q = %q, %v; want %q, %v", tok, got, ok, tt.key, in)
			}
		})
	}
}
