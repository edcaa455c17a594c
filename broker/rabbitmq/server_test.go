package rabbitmq

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/intermw/intermw/broker"
)

// The tests run against the RabbitMQ server on 127.0.0.1:5672 (guest/guest),
// starting it when it is down, and fail under CI=true when they cannot.

const testURL = "amqp://guest:guest@127.0.0.1:5672/"

var serverOnce struct {
	sync.Once
	err error
}

// needServer makes sure the server is up, or skips (fails under CI) t.
func needServer(t testing.TB) {
	t.Helper()
	serverOnce.Do(func() {
		if amqpReady() {
			return
		}
		out, err := exec.Command("rabbitmq-server", "-detached").CombinedOutput()
		if err != nil {
			serverOnce.err = errors.New("rabbitmq-server -detached: " + err.Error() + ": " + string(out))
			return
		}
		if !waitReady(90 * time.Second) {
			serverOnce.err = errors.New("RabbitMQ did not accept AMQP connections on 127.0.0.1:5672 within 90s of rabbitmq-server -detached")
		}
	})
	if serverOnce.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("RabbitMQ is needed: %v", serverOnce.err)
		}
		t.Skipf("RabbitMQ is not available (%v); set CI=true to make this a failure", serverOnce.err)
	}
}

// amqpReady reports whether an AMQP handshake with the server succeeds.
func amqpReady() bool {
	conn, err := amqp.DialConfig(testURL, amqp.Config{Dial: amqp.DefaultDial(2 * time.Second)})
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func waitReady(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for wait := 50 * time.Millisecond; time.Now().Before(deadline); wait = min(wait*2, time.Second) {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:5672", time.Second); err == nil {
			c.Close()
			if amqpReady() {
				return true
			}
		}
		time.Sleep(wait)
	}
	return false
}

// restartServer stops and starts the RabbitMQ application (much quicker
// than restarting the Erlang node), then waits until it accepts AMQP.
func restartServer(t testing.TB) {
	t.Helper()
	for _, args := range [][]string{{"stop_app"}, {"start_app"}} {
		if out, err := exec.Command("rabbitmqctl", args...).CombinedOutput(); err != nil {
			t.Fatalf("rabbitmqctl %s: %v\n%s", args[0], err, out)
		}
	}
	if !waitReady(60 * time.Second) {
		t.Fatal("RabbitMQ did not come back within 60s of rabbitmqctl start_app")
	}
}

// testBroker is a Broker that remembers the exchanges and queues its tests
// used, and deletes them when the test ends, so that runs leave nothing
// behind on the shared server.
type testBroker struct {
	*Broker
	mu     sync.Mutex
	topics map[string]bool
	queues map[string]bool
}

func (tb *testBroker) note(topic, group string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if broker.ValidateTopic(topic) != nil {
		return
	}
	tb.topics[topic] = true
	tb.topics[broker.DeadLetterTopic(topic)] = true
	if group != "" && broker.ValidateGroup(group) == nil {
		tb.queues[QueueName(topic, group)] = true
	}
}

func (tb *testBroker) Publish(ctx context.Context, topic string, m broker.Message) error {
	tb.note(topic, "")
	return tb.Broker.Publish(ctx, topic, m)
}

func (tb *testBroker) Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error) {
	tb.note(topic, group)
	return tb.Broker.Subscribe(ctx, topic, group, h)
}

// cleanup closes the broker then deletes what it used.
func (tb *testBroker) cleanup(t testing.TB) {
	tb.Broker.Close()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var queues, exchanges []string
	for q := range tb.queues {
		queues = append(queues, q)
	}
	for x := range tb.topics {
		if x != broker.ErrorTopic { // shared by everything on the server
			exchanges = append(exchanges, x)
		}
	}
	deleteTopology(t, queues, exchanges)
}

// deleteTopology deletes queues then exchanges, retrying for a while if
// the server is away (another test may be restarting it).
func deleteTopology(t testing.TB, queues, exchanges []string) {
	if len(queues)+len(exchanges) == 0 {
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := tryDeleteTopology(&queues, &exchanges)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Logf("cleanup: %v (left: queues %v, exchanges %v)", err, queues, exchanges)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// tryDeleteTopology deletes what it can, removing it from the lists.
func tryDeleteTopology(queues, exchanges *[]string) error {
	conn, err := amqp.Dial(testURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	for len(*queues) > 0 {
		if _, err := ch.QueueDelete((*queues)[0], false, false, false); err != nil {
			return err
		}
		*queues = (*queues)[1:]
	}
	for len(*exchanges) > 0 {
		if err := ch.ExchangeDelete((*exchanges)[0], false, false); err != nil {
			return err
		}
		*exchanges = (*exchanges)[1:]
	}
	return nil
}

// newTestBroker connects a broker for t with quick reconnects, and cleans
// up after it.
func newTestBroker(t testing.TB, cfg Config) *testBroker {
	t.Helper()
	needServer(t)
	if cfg.URL == "" {
		cfg.URL = testURL
	}
	if cfg.ReconnectMin == 0 {
		cfg.ReconnectMin = 50 * time.Millisecond
	}
	if cfg.ReconnectMax == 0 {
		cfg.ReconnectMax = 500 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := New(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tb := &testBroker{Broker: b, topics: map[string]bool{}, queues: map[string]bool{}}
	t.Cleanup(func() { tb.cleanup(t) })
	return tb
}
