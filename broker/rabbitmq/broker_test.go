package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
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
		{name: "a full config is valid", cfg: Config{URL: "amqps://u:p@host:5671/vh", Prefetch: 10, ReconnectMin: time.Second, ReconnectMax: time.Minute}},
		{name: "every problem is reported at once", cfg: Config{
			URL:          "http://nope",
			Prefetch:     -1,
			Options:      broker.Options{MaxDeliveries: -1},
			ReconnectMin: time.Minute, ReconnectMax: time.Second,
		}, wants: []string{"URL", "Prefetch", "MaxDeliveries", "ReconnectMin must not exceed"}},
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

func TestQueueNamesAreDistinctAndShortEnough(t *testing.T) {
	long := strings.Repeat("t", broker.MaxNameLen)
	pairs := [][2]string{{"a.b", "c"}, {"a", "b.c"}, {long, long}, {long, long[1:]}}
	seen := map[string][2]string{}
	for _, p := range pairs {
		q := QueueName(p[0], p[1])
		if len(q) > 255 {
			t.Errorf("QueueName(%d bytes, %d bytes) has %d bytes, more than AMQP's 255", len(p[0]), len(p[1]), len(q))
		}
		if other, dup := seen[q]; dup {
			t.Errorf("QueueName gives %q for both %v and %v", q, other, p)
		}
		seen[q] = p
	}
}

func TestNewReportsAnUnreachableServer(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := New(ctx, Config{URL: "amqp://guest:secret@127.0.0.1:1/"}, nil)
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
	u, _ := url.Parse(testURL + "?prefetch=7&single_active_consumer=true")
	b, err := FromURL(ctx, u, broker.Options{Concurrency: 3}, nil)
	if err != nil {
		t.Fatalf("FromURL: %v", err)
	}
	defer b.Close()
	cfg := b.(*Broker).cfg
	if cfg.Prefetch != 7 || !cfg.SingleActiveConsumer || cfg.Options.Concurrency != 3 || strings.Contains(cfg.URL, "prefetch") {
		t.Errorf("FromURL made config %+v", cfg)
	}
	u, _ = url.Parse(testURL + "?prefetch=lots")
	if _, err := FromURL(ctx, u, broker.Options{}, nil); err == nil {
		t.Error("FromURL accepted prefetch=lots")
	}
}

// With SingleActiveConsumer, one subscription of a group gets everything,
// in order, and another takes over when it closes.
func TestSingleActiveConsumerKeepsOrderAcrossSubscriptions(t *testing.T) {
	defer goleak.VerifyNone(t)
	b := newTestBroker(t, Config{SingleActiveConsumer: true, Options: broker.Options{Concurrency: 4}})
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	suffix := fmt.Sprint(time.Now().UnixNano())
	topic, group := "sac_t_"+suffix, "sac_g_"+suffix

	var mu sync.Mutex
	next := map[string]int{}
	got := map[int]int{} // subscription → messages
	var bad []string
	handler := func(id int) broker.Handler {
		return func(_ context.Context, m *broker.Message) error {
			var seq int
			fmt.Sscan(string(m.Body), &seq)
			mu.Lock()
			defer mu.Unlock()
			if seq != next[m.Key] && seq > next[m.Key] {
				bad = append(bad, fmt.Sprintf("key %s: got %d, want %d", m.Key, seq, next[m.Key]))
			}
			if seq >= next[m.Key] {
				next[m.Key] = seq + 1
			}
			got[id]++
			return nil
		}
	}
	subs := make([]broker.Subscription, 2)
	for i := range subs {
		s, err := b.Subscribe(ctx, topic, group, handler(i))
		if err != nil {
			t.Fatalf("Subscribe: %v", err)
		}
		subs[i] = s
		defer s.Close()
	}
	publish := func(from, to int) {
		for seq := from; seq < to; seq++ {
			for k := range 8 {
				if err := b.Publish(ctx, topic, broker.Message{Key: fmt.Sprint("k", k), Body: fmt.Append(nil, seq)}); err != nil {
					t.Fatalf("Publish: %v", err)
				}
			}
		}
	}
	waitAll := func(n int) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			mu.Lock()
			total := got[0] + got[1]
			mu.Unlock()
			if total >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("received %d of %d messages", total, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	publish(0, 20)
	waitAll(160)
	mu.Lock()
	if got[0] != 0 && got[1] != 0 {
		t.Errorf("both subscriptions received messages (%d and %d): not single active", got[0], got[1])
	}
	active := 0
	if got[1] > 0 {
		active = 1
	}
	mu.Unlock()
	subs[active].Close()
	publish(20, 30)
	waitAll(240)
	mu.Lock()
	defer mu.Unlock()
	if got[1-active] == 0 {
		t.Error("the standby subscription did not take over")
	}
	for _, v := range bad {
		t.Error(v)
	}
}

// While the server is down Publish waits, and when its context ends it
// reports ErrUnreachable; afterwards it works again.
func TestPublishWaitsForTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: stops the RabbitMQ application")
	}
	defer goleak.VerifyNone(t)
	b := newTestBroker(t, Config{})
	defer b.Close()
	topic := fmt.Sprint("down_t_", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Publish(ctx, topic, broker.Message{Key: "k", Body: []byte("up")}); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if out, err := exec.Command("rabbitmqctl", "stop_app").CombinedOutput(); err != nil {
		t.Fatalf("rabbitmqctl stop_app: %v\n%s", err, out)
	}
	started := false
	defer func() {
		if !started {
			exec.Command("rabbitmqctl", "start_app").Run()
		}
	}()
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	err := b.Publish(short, topic, broker.Message{Key: "k", Body: []byte("down")})
	cancelShort()
	if !errors.Is(err, broker.ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Publish while the server is down = %v, want ErrUnreachable and DeadlineExceeded", err)
	}
	if out, err := exec.Command("rabbitmqctl", "start_app").CombinedOutput(); err != nil {
		t.Fatalf("rabbitmqctl start_app: %v\n%s", err, out)
	}
	started = true
	if err := b.Publish(ctx, topic, broker.Message{Key: "k", Body: []byte("up again")}); err != nil {
		t.Errorf("Publish after the server came back: %v", err)
	}
}

// A restart in the middle of a stream of publishes loses nothing: every
// message whose Publish returned nil is delivered.
func TestNothingIsLostWhenTheServerRestartsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: restarts the RabbitMQ application")
	}
	defer goleak.VerifyNone(t)
	b := newTestBroker(t, Config{})
	defer b.Close()
	suffix := fmt.Sprint(time.Now().UnixNano())
	topic := "load_t_" + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
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
					continue // not confirmed: nothing promised
				}
				sentMu.Lock()
				sent = append(sent, body)
				sentMu.Unlock()
			}
		})
	}
	waitSent := func(n int) bool {
		deadline := time.Now().Add(30 * time.Second)
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
	waitSent(100)
	restartServer(t)
	sentMu.Lock()
	k := len(sent)
	sentMu.Unlock()
	resumed := waitSent(k + 100)
	close(stop)
	cancel() // unblocks publishers stuck in a retry
	wg.Wait()
	if !resumed {
		t.Fatal("publishing did not resume within 30s of the restart")
	}

	deadline := time.Now().Add(30 * time.Second)
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
			t.Fatalf("%d of %d confirmed messages never arrived (first: %v)", len(missing), len(sent), missing[:min(5, len(missing))])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
