package memory_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/brokertest"
	"github.com/intermw/intermw/broker/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newBroker(cfg memory.Config) brokertest.NewBroker {
	return func(t testing.TB, opts broker.Options) broker.Broker {
		cfg := cfg
		cfg.Options = opts
		b, err := memory.New(context.Background(), cfg)
		if err != nil {
			t.Fatalf("memory.New: %v", err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
}

func TestConformance(t *testing.T) {
	brokertest.Run(t, newBroker(memory.Config{}), brokertest.Features{
		KeyOrderAcrossSubscriptions: true,
	})
}

func TestConformanceWithTinyQueues(t *testing.T) {
	// Two lanes and a queue just big enough for the suite's tests that hold
	// messages unacknowledged: publishers block on workers all the time,
	// which shakes out lost wake-ups and backpressure deadlocks.
	brokertest.Run(t, newBroker(memory.Config{QueueCapacity: 32, Lanes: 2}), brokertest.Features{
		KeyOrderAcrossSubscriptions: true,
		Messages:                    300,
	})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     memory.Config
		wantErr int // how many problems
	}{
		{"the zero config is valid", memory.Config{}, 0},
		{"explicit sizes are valid", memory.Config{QueueCapacity: 10, Lanes: 3}, 0},
		{"a negative capacity is reported", memory.Config{QueueCapacity: -1}, 1},
		{"every problem is reported at once", memory.Config{QueueCapacity: -1, Lanes: -2, Options: broker.Options{MaxDeliveries: -1, Concurrency: -1}}, 4},
		{"too many lanes are reported", memory.Config{Lanes: 1 << 20}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			n := 0
			if err != nil {
				n = 1
				if j, ok := err.(interface{ Unwrap() []error }); ok {
					n = 0
					for _, e := range j.Unwrap() {
						if jj, ok := e.(interface{ Unwrap() []error }); ok {
							n += len(jj.Unwrap())
						} else {
							n++
						}
					}
				}
			}
			if n != tc.wantErr {
				t.Errorf("Validate() = %v: %d problems, want %d", err, n, tc.wantErr)
			}
			if _, err := memory.New(context.Background(), tc.cfg); (err != nil) != (tc.wantErr > 0) {
				t.Errorf("New error = %v, want error: %v", err, tc.wantErr > 0)
			}
		})
	}
}

func TestFromURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		wantErr bool
	}{
		{"a bare memory URL works", "memory://", false},
		{"capacity and lanes are read from the query", "memory://?capacity=10&lanes=2", false},
		{"a non-numeric capacity is an error", "memory://?capacity=lots", true},
		{"an unknown parameter is an error", "memory://?colour=blue", true},
		{"a negative capacity fails validation", "memory://?capacity=-3", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			b, err := memory.FromURL(context.Background(), u, broker.Options{}, nil)
			if (err != nil) != tc.wantErr {
				t.Fatalf("FromURL(%s) error = %v, want error: %v", tc.url, err, tc.wantErr)
			}
			if b != nil {
				b.Close()
			}
		})
	}
}

func TestPublishBlocksWhenAGroupIsFull(t *testing.T) {
	b, err := memory.New(context.Background(), memory.Config{QueueCapacity: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	release := make(chan struct{})
	s, err := b.Subscribe(ctx, "full", "g", func(ctx context.Context, m *broker.Message) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 {
		if err := b.Publish(ctx, "full", broker.Message{Key: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	// The context is checked before the queue: use one that ends while
	// waiting instead.
	if err := b.Publish(cctx, "full", broker.Message{Key: "k"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Publish with a cancelled context = %v", err)
	}
	wctx, wcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Publish(wctx, "full", broker.Message{Key: "k"}) }()
	wcancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Publish to a full group whose context ends = %v, want context.Canceled", err)
	}
	close(release)
	if err := b.Publish(ctx, "full", broker.Message{Key: "k"}); err != nil {
		t.Errorf("Publish once the handler drains the group: %v", err)
	}
}
