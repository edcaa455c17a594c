package delivery

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// dirClients is a ClientDirectory over a fixed list.
type dirClients struct {
	mu      sync.Mutex
	clients []Client
}

func (d *dirClients) List(context.Context) ([]Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Client(nil), d.clients...), nil
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

func testConfig(t testing.TB, dir string, b broker.Subscriber, clients ...Client) Config {
	return Config{
		Dir: dir, Broker: b, Directory: &dirClients{clients: clients}, Sync: SyncNone,
		WebhookAllow: loopback,
		Push:         PushConfig{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 3, Timeout: 2 * time.Second},
	}
}

func newMemoryBroker(t testing.TB) *memory.Broker {
	b, err := memory.New(context.Background(), memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newDeliverer(t testing.TB, cfg Config) *Deliverer {
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// running starts Run and stops it at cleanup.
func running(t testing.TB, d *Deliverer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return")
		}
	})
	// Ready means every directory client's queue is consumed.
	select {
	case <-d.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not become ready")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, cs := range d.clients {
		if cs.sub == nil {
			t.Fatalf("ready while client %s's queue is not consumed", id)
		}
	}
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// msgBody returns a small canonical-looking JSON-LD body numbered n.
func msgBody(n int) []byte {
	return fmt.Appendf(nil, `{"@graph":[{"@id":"InterIoTMsg:metadata","@graph":[{"@id":"_:m","InterIoTMsg:dateTimeStamp":"%s","n":1%03d}]}]}`,
		time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z07:00"), n)
}

func pullClient(id string) Client {
	return Client{ID: id, Format: FormatJSONLD, Mode: ModePull, ReceivingCapacity: 10}
}

func dirSize(t testing.TB, dir string) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
