package test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"
)

// needRabbitMQ makes sure RabbitMQ answers on 127.0.0.1:5672, starting it
// when it is down; it fails under CI=true and skips elsewhere when it
// cannot.
func needRabbitMQ(t *testing.T) {
	t.Helper()
	const addr = "127.0.0.1:5672"
	up := func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	if up() {
		return
	}
	err := exec.Command("rabbitmq-server", "-detached").Run()
	deadline := time.Now().Add(60 * time.Second)
	for err == nil && !up() {
		if time.Now().After(deadline) {
			err = fmt.Errorf("RabbitMQ did not start listening on %s", addr)
			break
		}
		<-time.After(200 * time.Millisecond) // polling a server's port; bounded by the deadline
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("RabbitMQ is needed at %s (CI=true): %v", addr, err)
		}
		t.Skipf("RabbitMQ is needed at %s and could not be started: %v", addr, err)
	}
}

// TestDistributedComponents runs the hub as the design's distributed mode:
// Services, PRM+IPSMRM, the bridges and ARM each in their own process over
// RabbitMQ, with the registries in an external SPARQL endpoint (the
// standalone `intermw triplestore serve`), and drives a client's lifecycle
// through the ARM process over HTTP.
func TestDistributedComponents(t *testing.T) {
	needRabbitMQ(t)
	storeAddr := freeAddr(t)
	startStore(t, t.TempDir(), storeAddr)
	endpoint := "http://" + storeAddr + "/sparql"
	shared := []string{"--broker", "amqp://guest:guest@127.0.0.1:5672/", "--sparql", endpoint, "--sparql-update", endpoint}
	run := func(components string) *hubProc {
		return startHub(t, hubOptions{args: append([]string{"--components", components}, shared...)})
	}
	services := run("services")
	defer services.stop()
	bridges := run("bridges")
	defer bridges.stop()
	managers := run("prm,ipsmrm")
	defer managers.stop()
	arm := run("arm")
	defer arm.stop()

	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	client := "dist-" + suffix
	platform := e2eTestNS + "dist/" + suffix + "/platform"
	in := registerPullClient(t, arm, client, "JSON_LD")
	registerPlatform(t, arm, in, platformBody{PlatformID: platform, Name: "distributed"})
	devs := []device{
		{DeviceID: e2eTestNS + "dist/" + suffix + "/d1", HostedBy: platform, DeviceTypes: []string{"SENSOR"}},
		{DeviceID: e2eTestNS + "dist/" + suffix + "/d2", HostedBy: platform, DeviceTypes: []string{"SENSOR"}},
	}
	createDevices(t, arm, in, devs)
	if got := listDevices(t, arm, client, platform); len(got) != len(devs) {
		t.Fatalf("the registry in the external store lists %d devices, want %d", len(got), len(devs))
	}
	sub := arm.accepted(t, req{method: http.MethodPost, path: api + "/subscriptions", client: client,
		body: map[string]any{"deviceIds": []string{devs[0].DeviceID}}})
	obs := in.await(t, "an observation through the distributed hub", func(m gotMsg) bool {
		return m.is("OBSERVATION") && m.conv == sub
	})
	if obs.sender != platform {
		t.Errorf("observation from %q, want %q", obs.sender, platform)
	}
	unsub := arm.accepted(t, req{method: http.MethodDelete, path: api + "/subscriptions/" + esc(sub), client: client})
	in.await(t, "the Unsubscribe answer", reply(unsub, "UNSUBSCRIBE"))
	gone := arm.accepted(t, req{method: http.MethodDelete, path: api + "/platforms/" + esc(platform), client: client})
	in.await(t, "the Platform_unregister answer", reply(gone, "PLATFORM_UNREGISTER"))
	arm.must(t, http.StatusNoContent, req{method: http.MethodDelete, path: api + "/clients/" + esc(client), client: client})
}
