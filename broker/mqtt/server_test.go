package mqtt

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/broker"
)

// The Mosquitto the tests use, and how the brief says to start it.
const (
	mosquittoAddr = "127.0.0.1:1883"
	mosquittoConf = "/etc/mosquitto/mosquitto.conf"
	mosquittoPID  = "/run/mosquitto/mosquitto.pid"
)

// runID keeps this test process's client IDs apart from other runs'.
var runID = fmt.Sprintf("%06x", rand.Uint32()&0xffffff)

func serverURL() *url.URL { return &url.URL{Scheme: "mqtt", Host: mosquittoAddr} }

func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// waitPort polls until addr accepts connections (up) or refuses them.
func waitPort(addr string, up bool, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if listening(addr) == up {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return listening(addr) == up
}

func startMosquitto() error {
	out, err := exec.Command("mosquitto", "-d", "-c", mosquittoConf).CombinedOutput()
	if err != nil {
		return fmt.Errorf("mosquitto -d -c %s: %v: %s", mosquittoConf, err, out)
	}
	if !waitPort(mosquittoAddr, true, 10*time.Second) {
		return fmt.Errorf("mosquitto started but %s does not accept connections", mosquittoAddr)
	}
	return nil
}

// needMosquitto starts Mosquitto when it is down; it fails the test under
// CI=true when that does not work, and skips it otherwise.
func needMosquitto(t testing.TB) {
	t.Helper()
	if listening(mosquittoAddr) {
		return
	}
	if err := startMosquitto(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Mosquitto is needed at %s: %v", mosquittoAddr, err)
		}
		t.Skipf("Mosquitto is needed at %s and could not be started (CI would fail here): %v", mosquittoAddr, err)
	}
}

// restartMosquitto stops Mosquitto (it saves its sessions on SIGTERM) and
// starts it again.
func restartMosquitto(t testing.TB) {
	t.Helper()
	raw, err := os.ReadFile(mosquittoPID)
	if err != nil {
		t.Fatalf("read Mosquitto's pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("Mosquitto's pid file holds %q", raw)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("stop Mosquitto (pid %d): %v", pid, err)
	}
	if !waitPort(mosquittoAddr, false, 10*time.Second) {
		t.Fatalf("Mosquitto (pid %d) still listens 10s after SIGTERM", pid)
	}
	// The old process may still be writing its persistence file.
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := startMosquitto(); err != nil {
		t.Fatal(err)
	}
}

func testLogger() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(os.Stderr)
	l.SetLevel(logrus.ErrorLevel)
	if os.Getenv("MQTT_DEBUG") != "" {
		l.SetLevel(logrus.DebugLevel)
	}
	return l
}

// identities hands out client-ID identities per test the way a deployment
// does: two brokers open at once get different identities, and a broker
// made after another closed gets the closed one's identity back, as a
// restarted process would.
type identities struct {
	mu   sync.Mutex
	used map[string]map[int]bool
}

func (ids *identities) take(test string) (string, func()) {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	if ids.used == nil {
		ids.used = make(map[string]map[int]bool)
	}
	u := ids.used[test]
	if u == nil {
		u = make(map[int]bool)
		ids.used[test] = u
	}
	n := 0
	for u[n] {
		n++
	}
	u[n] = true
	sum := sha256.Sum256([]byte(test))
	id := fmt.Sprintf("it-%s-%s-%d", runID, hex.EncodeToString(sum[:4]), n)
	var once sync.Once
	return id, func() {
		once.Do(func() {
			ids.mu.Lock()
			delete(u, n)
			ids.mu.Unlock()
		})
	}
}

var testIdentities identities

// identifiedBroker gives its identity back when closed.
type identifiedBroker struct {
	*Broker
	release func()
}

func (b identifiedBroker) Close() error {
	err := b.Broker.Close()
	b.release()
	return err
}

func (b identifiedBroker) Drain(ctx context.Context) error {
	err := b.Broker.Drain(ctx)
	b.release()
	return err
}

func testConfig(clientID string, opts broker.Options) Config {
	return Config{
		Servers:        []*url.URL{serverURL()},
		ClientID:       clientID,
		Options:        opts,
		SessionExpiry:  5 * time.Minute,
		ConnectTimeout: 3 * time.Second,
		ReconnectMin:   50 * time.Millisecond,
		ReconnectMax:   500 * time.Millisecond,
	}
}

// newTestBroker is the brokertest.NewBroker of this backend, with the
// default Config (Close leaves the groups).
func newTestBroker(t testing.TB, opts broker.Options) broker.Broker {
	t.Helper()
	return newTestBrokerWith(t, opts, func(*Config) {})
}

// newKeepingBroker is newTestBroker with Config.KeepSessions.
func newKeepingBroker(t testing.TB, opts broker.Options) broker.Broker {
	t.Helper()
	return newTestBrokerWith(t, opts, func(c *Config) { c.KeepSessions = true })
}

func newTestBrokerWith(t testing.TB, opts broker.Options, adjust func(*Config)) broker.Broker {
	t.Helper()
	needMosquitto(t)
	id, release := testIdentities.take(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := testConfig(id, opts)
	adjust(&cfg)
	b, err := New(ctx, cfg, testLogger())
	if err != nil {
		release()
		t.Fatalf("New: %v", err)
	}
	live.add(b)
	ib := identifiedBroker{Broker: b, release: func() { live.remove(b); release() }}
	t.Cleanup(func() { _ = ib.Close() })
	return ib
}

// live tracks the open test brokers, for restartAndResubscribe.
var live liveBrokers

type liveBrokers struct {
	mu sync.Mutex
	bs map[*Broker]bool
}

func (l *liveBrokers) add(b *Broker) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bs == nil {
		l.bs = make(map[*Broker]bool)
	}
	l.bs[b] = true
}

func (l *liveBrokers) remove(b *Broker) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.bs, b)
}

// restartAndResubscribe restarts Mosquitto and returns once every open
// subscription has connected and subscribed again. Mosquitto 2.0 does not
// restore shared subscriptions from its persistence file, so a message
// published before a group's member has subscribed again reaches nobody;
// the suite's "loses nothing" holds from that point on.
func restartAndResubscribe(t testing.TB) {
	t.Helper()
	before := make(map[*subscription]int64)
	live.mu.Lock()
	for b := range live.bs {
		b.mu.Lock()
		for s := range b.subs {
			before[s] = s.ups.Load()
		}
		b.mu.Unlock()
	}
	live.mu.Unlock()
	restartMosquitto(t)
	deadline := time.Now().Add(20 * time.Second)
	for s, n := range before {
		for s.subUp.Load() <= n {
			select {
			case <-s.stopped:
			default:
				if time.Now().After(deadline) {
					t.Fatalf("subscription %s did not subscribe again within 20s of the restart", s.clientID)
				}
				time.Sleep(20 * time.Millisecond)
				continue
			}
			break
		}
	}
}
