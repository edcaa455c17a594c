package nats

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/intermw/intermw/broker"
)

// The tests run against the NATS server with JetStream on 127.0.0.1:4222,
// starting it when it is down, and fail under CI=true when they cannot.

const (
	testURL    = "nats://127.0.0.1:4222"
	testPrefix = "intermwtest"
	serverBin  = "/usr/sbin/nats-server"
)

// serverStart is the command that starts the server, as the project's
// brief gives it.
var serverStart = []string{"start-stop-daemon", "--start", "--oknodo", "--background",
	"--exec", serverBin, "--", "-a", "127.0.0.1", "-p", "4222", "-js",
	"-sd", "/var/lib/nats-server", "-l", "/var/log/nats-server.log"}

var serverOnce struct {
	sync.Once
	err error
}

// needServer makes sure the server is up, or skips (fails under CI) t.
func needServer(t testing.TB) {
	t.Helper()
	serverOnce.Do(func() {
		if jetStreamReady() {
			return
		}
		if err := startServer(); err != nil {
			serverOnce.err = err
			return
		}
		if !waitReady(30 * time.Second) {
			serverOnce.err = errors.New("NATS JetStream did not answer on 127.0.0.1:4222 within 30s of starting it")
		}
	})
	if serverOnce.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("NATS JetStream is needed: %v", serverOnce.err)
		}
		t.Skipf("NATS JetStream is not available (%v); set CI=true to make this a failure", serverOnce.err)
	}
}

func startServer() error {
	out, err := exec.Command(serverStart[0], serverStart[1:]...).CombinedOutput()
	if err != nil {
		return errors.New(strings.Join(serverStart, " ") + ": " + err.Error() + ": " + string(out))
	}
	return nil
}

// jetStreamReady reports whether the server answers JetStream requests.
func jetStreamReady() bool {
	nc, err := nats.Connect(testURL, nats.Timeout(2*time.Second), nats.NoReconnect())
	if err != nil {
		return false
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err == nil
}

func waitReady(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for wait := 20 * time.Millisecond; time.Now().Before(deadline); wait = min(wait*2, 500*time.Millisecond) {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:4222", time.Second); err == nil {
			c.Close()
			if jetStreamReady() {
				return true
			}
		}
		time.Sleep(wait)
	}
	return false
}

// serverPID finds the nats-server serving 127.0.0.1:4222: the process
// whose command line is the brief's.
func serverPID() (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	want := strings.Join(append([]string{serverBin}, serverStart[7:]...), "\x00")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		if strings.TrimRight(string(cmdline), "\x00") == want {
			return pid, nil
		}
	}
	return 0, errors.New("no nats-server process started with the brief's command line")
}

// restartServer stops the server (SIGTERM to its pid), starts it again
// with the brief's command and waits until JetStream answers.
func restartServer(t testing.TB) {
	t.Helper()
	pid, err := serverPID()
	if err != nil {
		t.Fatalf("restart NATS: %v", err)
	}
	if err := killAndWait(pid); err != nil {
		t.Fatalf("restart NATS: %v", err)
	}
	if err := startServer(); err != nil {
		t.Fatalf("restart NATS: %v", err)
	}
	if !waitReady(30 * time.Second) {
		t.Fatal("restart NATS: JetStream did not answer within 30s")
	}
}

// testBroker is a Broker that remembers the streams and consumers its
// tests used, and deletes them when the test ends, so that runs leave
// nothing behind on the shared server.
type testBroker struct {
	*Broker
	mu     sync.Mutex
	topics map[string]bool
	groups map[string]bool // groups of the error topic
}

func (tb *testBroker) note(topic, group string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if broker.ValidateTopic(topic) != nil {
		return
	}
	tb.topics[topic] = true
	tb.topics[broker.DeadLetterTopic(topic)] = true
	if topic == broker.ErrorTopic && group != "" {
		tb.groups[group] = true
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

// cleanup closes the broker then deletes the streams it used (and its
// consumers of the shared error stream).
func (tb *testBroker) cleanup(t testing.TB) {
	tb.Broker.Close()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var streams []string
	var consumers [][2]string
	for topic := range tb.topics {
		if topic != broker.ErrorTopic {
			streams = append(streams, StreamName(tb.cfg.Prefix, topic))
			continue
		}
		for g := range tb.groups {
			for p := -1; p < tb.cfg.Partitions; p++ {
				consumers = append(consumers, [2]string{StreamName(tb.cfg.Prefix, topic), ConsumerName(g, p)})
			}
		}
	}
	deleteStreams(t, streams, consumers)
}

// deleteStreams deletes streams and consumers ({stream, consumer}),
// retrying for a while if the server is away (another test may be
// restarting it).
func deleteStreams(t testing.TB, streams []string, consumers [][2]string) {
	if len(streams)+len(consumers) == 0 {
		return
	}
	nc, err := nats.Connect(testURL, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		t.Logf("cleanup: %v", err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Logf("cleanup: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	retry := func(what string, del func() error) {
		for {
			err := del()
			if err == nil || errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerNotFound) {
				return
			}
			if ctx.Err() != nil {
				t.Logf("cleanup: delete %s: %v", what, err)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, s := range streams {
		retry("stream "+s, func() error { return js.DeleteStream(ctx, s) })
	}
	for _, c := range consumers {
		retry("consumer "+c[1]+" of "+c[0], func() error { return js.DeleteConsumer(ctx, c[0], c[1]) })
	}
}

// newTestBroker connects a broker for t and cleans up after it.
func newTestBroker(t testing.TB, cfg Config) *testBroker {
	t.Helper()
	needServer(t)
	if cfg.URL == "" {
		cfg.URL = testURL
	}
	if cfg.Prefix == "" {
		cfg.Prefix = testPrefix
	}
	if cfg.ReconnectWait == 0 {
		cfg.ReconnectWait = 100 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := New(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tb := &testBroker{Broker: b, topics: map[string]bool{}, groups: map[string]bool{}}
	t.Cleanup(func() { tb.cleanup(t) })
	return tb
}

// killAndWait stops process pid with SIGTERM and waits until it is gone.
func killAndWait(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("kill %d: %w", pid, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("process %d still running 20s after SIGTERM", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
