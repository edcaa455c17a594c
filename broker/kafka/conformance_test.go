package kafka

import (
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/goleak"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/brokertest"
)

// restartableCluster is a kfake cluster that can be stopped and started
// again on the same port with the same data directory, like a real Kafka
// server restarting.
type restartableCluster struct {
	t    testing.TB
	dir  string
	port int
	mu   sync.Mutex
	c    *kfake.Cluster
}

func newRestartableCluster(t testing.TB) *restartableCluster {
	rc := &restartableCluster{t: t, dir: t.TempDir()}
	rc.start()
	t.Cleanup(func() {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.c.Close()
	})
	return rc
}

func (rc *restartableCluster) start() {
	opts := []kfake.Opt{kfake.DataDir(rc.dir)}
	if rc.port != 0 {
		opts = append(opts, kfake.Ports(rc.port))
	}
	c := newCluster(rc.t, opts...)
	_, port, _ := net.SplitHostPort(c.ListenAddrs()[0])
	rc.port, _ = strconv.Atoi(port)
	rc.c = c
}

func (rc *restartableCluster) addrs() []string {
	return []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(rc.port))}
}

// restart closes the cluster and starts a new one on the same port from the
// same data directory.
func (rc *restartableCluster) restart(t testing.TB) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(),
			kfake.GroupMinSessionTimeout(100*time.Millisecond), kfake.DefaultNumPartitions(4),
			kfake.DataDir(rc.dir), kfake.Ports(rc.port))
		if err == nil {
			rc.c = c
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("restart kfake on port %d: %v", rc.port, err)
		}
		time.Sleep(50 * time.Millisecond) // the port may linger briefly
	}
}

func TestConformance(t *testing.T) {
	rc := newRestartableCluster(t)
	newBroker := func(t testing.TB, opts broker.Options) broker.Broker {
		return newTestBroker(t, rc.addrs(), opts)
	}
	brokertest.Run(t, newBroker, brokertest.Features{
		Persistent:                  true,
		KeyOrderAcrossSubscriptions: true,
		RestartServer:               rc.restart,
		// The restarted kfake cluster is the test's server, not a leak of
		// the backend: it lives until the test function's cleanup.
		LeakIgnores: []goleak.Option{
			goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*Cluster).run"),
			goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*broker).listen"),
			goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read"),
			goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).write"),
		},
	})
}
