package test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// storeProcess is a running `intermw triplestore serve`.
type storeProcess struct {
	cmd    *exec.Cmd
	client *triplestore.Remote
}

func startStore(t *testing.T, dataDir, addr string) *storeProcess {
	t.Helper()
	cmd := exec.Command(intermwBin, "triplestore", "serve", "--data", dataDir, "--listen", addr, "--log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &storeProcess{cmd: cmd}
	t.Cleanup(func() { p.kill() })
	client, err := triplestore.NewRemote(triplestore.RemoteConfig{QueryURL: "http://" + addr + "/sparql", Timeout: 5 * time.Second, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	p.client = client
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not start on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a child process's port; bounded by the deadline
	}
}

func (p *storeProcess) kill() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

// TestTriplestoreSurvivesSIGKILL streams acknowledged updates into the
// standalone store, kills it with SIGKILL mid-stream, restarts it on the same
// data directory and checks that every acknowledged update is there and no
// partial update is visible.
func TestTriplestoreSurvivesSIGKILL(t *testing.T) {
	dataDir := t.TempDir()
	addr := freeAddr(t)
	p := startStore(t, dataDir, addr)
	const perUpdate = 5
	acked := make(chan int, 100000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			var b string
			for k := 0; k < perUpdate; k++ {
				b += fmt.Sprintf("<http://ex/d%d> <http://ex/p%d> %q . ", i, k, "v"+strconv.Itoa(k))
			}
			u := triplestore.MustBind(`INSERT DATA { GRAPH %{g} { `+b+` } }`, map[string]any{"g": rdf.IRI(fmt.Sprintf("http://ex/g%d", i))})
			if err := p.client.Update(context.Background(), u); err != nil {
				return // the server is gone
			}
			acked <- i
		}
	}()
	// Kill it once a good number of updates were acknowledged.
	deadline := time.After(60 * time.Second)
	for n := 0; n < 300; n++ {
		select {
		case <-acked:
		case <-deadline:
			t.Fatal("updates were not acknowledged in time")
		}
	}
	p.kill()
	<-done
	close(acked)
	last := 299
	for i := range acked {
		last = i
	}
	p2 := startStore(t, dataDir, addr)
	res, err := p2.client.Query(context.Background(), `SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g`)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := triplestore.Collect(res.Rows)
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, r := range rows {
		if r["n"].Value != strconv.Itoa(perUpdate) {
			t.Errorf("graph %v has %s triples: a partial update is visible", r["g"].Value, r["n"].Value)
		}
		present[r["g"].Value] = true
	}
	for i := 0; i <= last; i++ {
		if !present[fmt.Sprintf("http://ex/g%d", i)] {
			t.Fatalf("acknowledged update %d is missing after the restart (%d of %d graphs present)", i, len(present), last+1)
		}
	}
	t.Logf("%d updates acknowledged before SIGKILL, %d graphs present after restart", last+1, len(present))
}
