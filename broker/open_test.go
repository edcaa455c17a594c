package broker_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// fakeBroker is what the fake factories return.
type fakeBroker struct {
	broker.Broker
	url  *url.URL
	opts broker.Options
}

func fakeBackends() broker.Backends {
	ok := func(ctx context.Context, u *url.URL, opts broker.Options, log logrus.FieldLogger) (broker.Broker, error) {
		if log == nil {
			return nil, errors.New("factory got a nil logger")
		}
		return &fakeBroker{url: u, opts: opts}, nil
	}
	down := func(ctx context.Context, u *url.URL, opts broker.Options, log logrus.FieldLogger) (broker.Broker, error) {
		return nil, fmt.Errorf("%w: dial tcp %s: connection refused", broker.ErrUnreachable, u.Host)
	}
	return broker.Backends{"memory": ok, "amqp": down, "amqps": down, "kafka": ok, "nats": ok}
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name       string
		url        string
		opts       broker.Options
		wantErr    error  // nil: success
		wantInErr  string // must appear in the error text
		notInErr   string // must not appear in the error text
		wantHost   string
		wantScheme string
	}{
		{name: "a memory URL opens the memory backend", url: "memory://", wantScheme: "memory"},
		{name: "the scheme is case-insensitive", url: "MEMORY://", wantScheme: "memory"},
		{name: "a Kafka URL keeps its broker list", url: "kafka://h1:9092,h2:9092", wantScheme: "kafka", wantHost: "h1:9092,h2:9092"},
		{name: "an unknown scheme lists the known ones", url: "redis://localhost", wantErr: broker.ErrUnknownScheme,
			wantInErr: "amqp, amqps, kafka, memory, nats"},
		{name: "a URL without a scheme is an unknown scheme", url: "localhost:5672", wantErr: broker.ErrUnknownScheme},
		{name: "an empty URL is an unknown scheme", url: "", wantErr: broker.ErrUnknownScheme},
		{name: "an unreachable server's error is kept", url: "amqp://guest:secret@127.0.0.1:1/", wantErr: broker.ErrUnreachable,
			notInErr: "secret"},
		{name: "an unknown scheme's error hides the password", url: "redis://u:secret@h/", wantErr: broker.ErrUnknownScheme, notInErr: "secret"},
		{name: "an unparsable URL's error hides the password", url: "amqp://u:secret@h:port/", wantInErr: "broker URL", notInErr: "secret"},
		{name: "invalid options are refused", url: "memory://", opts: broker.Options{Concurrency: -1}, wantInErr: "Concurrency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := broker.Open(context.Background(), tc.url, fakeBackends(), tc.opts, nil)
			if tc.wantErr == nil && tc.wantInErr == "" {
				if err != nil {
					t.Fatalf("Open(%q): %v", tc.url, err)
				}
				fb := b.(*fakeBroker)
				if fb.url.Scheme != tc.url[:len(tc.wantScheme)] && !strings.EqualFold(fb.url.Scheme, tc.wantScheme) {
					t.Errorf("factory got scheme %q", fb.url.Scheme)
				}
				if tc.wantHost != "" && fb.url.Host != tc.wantHost {
					t.Errorf("factory got host %q, want %q", fb.url.Host, tc.wantHost)
				}
				return
			}
			if err == nil {
				t.Fatalf("Open(%q) succeeded, want an error", tc.url)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Open(%q) = %v, want one wrapping %v", tc.url, err, tc.wantErr)
			}
			if tc.wantInErr != "" && !strings.Contains(err.Error(), tc.wantInErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantInErr)
			}
			if tc.notInErr != "" && strings.Contains(err.Error(), tc.notInErr) {
				t.Errorf("error %q reveals %q", err, tc.notInErr)
			}
		})
	}
}

func TestOpenWithCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := broker.Open(ctx, "memory://", fakeBackends(), broker.Options{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context = %v, want context.Canceled", err)
	}
}
