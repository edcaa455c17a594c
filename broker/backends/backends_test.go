package backends_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/backends"
)

func TestAllKnowsEveryScheme(t *testing.T) {
	want := []string{"amqp", "amqps", "kafka", "memory", "mqtt", "mqtts", "nats", "tcp"}
	if got := backends.All().Schemes(); !slices.Equal(got, want) {
		t.Errorf("All().Schemes() = %v, want %v", got, want)
	}
}

func TestOpenMemoryThroughAll(t *testing.T) {
	b, err := broker.Open(context.Background(), "memory://?capacity=16", backends.All(), broker.Options{}, nil)
	if err != nil {
		t.Fatalf("Open(memory://): %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestOpenUnknownSchemeThroughAll(t *testing.T) {
	_, err := broker.Open(context.Background(), "redis://127.0.0.1:6379", backends.All(), broker.Options{}, nil)
	if !errors.Is(err, broker.ErrUnknownScheme) {
		t.Errorf("Open(redis://) = %v, want ErrUnknownScheme", err)
	}
}

func TestUnreachableServersAreReportedAsSuch(t *testing.T) {
	// Port 1 on the loopback refuses connections at once.
	for _, u := range []string{"amqp://guest:guest@127.0.0.1:1/", "mqtt://127.0.0.1:1", "nats://127.0.0.1:1", "kafka://127.0.0.1:1"} {
		t.Run(u, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			b, err := broker.Open(ctx, u, backends.All(), broker.Options{}, nil)
			if err == nil {
				b.Close()
				t.Fatalf("Open(%s) succeeded against a closed port", u)
			}
			if !errors.Is(err, broker.ErrUnreachable) {
				t.Errorf("Open(%s) = %v, want an error wrapping ErrUnreachable", u, err)
			}
		})
	}
}
