package test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/swagger"
)

// This file holds the end-to-end tests' harness: an `intermw serve`
// process (hubProc) and an HTTP caller that checks every answer against
// the Swagger spec. e2e_inbox_test.go holds what clients receive,
// e2e_fixtures_test.go the /metrics reader, snapshots and shared bodies.

const (
	api = "/api/mw2mw"
	// mwTestPlatform is the emulated platform type every hub hosts.
	mwTestPlatform = "http://inter-iot.eu/MWTestPlatform"
	// emulatorInterval keeps observations coming quickly.
	emulatorInterval = 100 * time.Millisecond
	// asyncWait bounds every wait for something the hub does on its own.
	asyncWait = 20 * time.Second
	// pollEvery is the pause between two polls of a bounded wait.
	pollEvery = 20 * time.Millisecond

	nsSOSA    = "http://www.w3.org/ns/sosa/"
	nsMW      = "http://inter-iot.eu/INTERMW#"
	nsRS      = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
	madeBy    = nsSOSA + "madeBySensor"
	e2eTestNS = "http://test.inter-iot.eu/e2e/"
)

// e2eLog is a goroutine-safe buffer for a process's stderr.
type e2eLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *e2eLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *e2eLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tail returns the last n bytes of the log.
func (l *e2eLog) tail(n int) string {
	s := l.String()
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// checkLeaks fails the test if it leaves goroutines behind (webhook
// servers, HTTP connections, process waiters). Call it first: its check
// runs after every other cleanup, subtests included.
func checkLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// hubOptions configures one `intermw serve`.
type hubOptions struct {
	// data is the data directory; empty means a fresh temporary one.
	data string
	// webhookAllow is INTERMW_WEBHOOK_ALLOW (empty: not set, so loopback
	// callbacks are refused).
	webhookAllow string
	// emulatorDevices is --emulator-devices (0 keeps the default).
	emulatorDevices int
	// args are further flags.
	args []string
}

// hubProc is one running `intermw serve`, driven over HTTP only.
type hubProc struct {
	t      *testing.T
	opts   hubOptions
	addr   string
	base   string
	cmd    *exec.Cmd
	stderr *e2eLog
	done   chan error
	http   *http.Client
	codec  *messages.Codec
}

// startHub starts `intermw serve` on a free loopback port and waits until
// /readyz answers 200. Its stderr goes to the test log when the test fails.
func startHub(t *testing.T, o hubOptions) *hubProc {
	t.Helper()
	if o.data == "" {
		o.data = t.TempDir()
	}
	codec, err := messages.New(messages.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := &hubProc{t: t, opts: o, addr: freeAddr(t), stderr: &e2eLog{}, done: make(chan error, 1), codec: codec,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}}
	h.base = "http://" + h.addr
	args := []string{"serve", "--listen", h.addr, "--data", o.data, "--broker", "memory://",
		"--emulator-interval", emulatorInterval.String(), "--log-level", "info"}
	if o.emulatorDevices > 0 {
		args = append(args, "--emulator-devices", fmt.Sprint(o.emulatorDevices))
	}
	args = append(args, o.args...)
	h.cmd = exec.Command(intermwBin, args...)
	h.cmd.Stderr = h.stderr
	h.cmd.Stdout = h.stderr
	h.cmd.Env = os.Environ()
	if o.webhookAllow != "" {
		h.cmd.Env = append(h.cmd.Env, "INTERMW_WEBHOOK_ALLOW="+o.webhookAllow)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.done <- h.cmd.Wait() }()
	t.Cleanup(func() {
		if h.cmd.ProcessState == nil {
			_ = h.cmd.Process.Kill()
			<-h.done
		}
		h.http.CloseIdleConnections()
		if t.Failed() {
			t.Logf("intermw serve (%s) stderr:\n%s", h.addr, h.stderr.tail(48<<10))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := h.http.Get(h.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return h
			}
		}
		select {
		case err := <-h.done:
			h.done <- err
			t.Fatalf("intermw serve exited before it was ready: %v\n%s", err, h.stderr.tail(16<<10))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("intermw serve not ready within 30s\n%s", h.stderr.tail(16<<10))
		}
		<-time.After(pollEvery)
	}
}

// stop sends SIGTERM and expects the process to exit with status 0 within
// the grace period, having logged no error, fatal or panic.
func (h *hubProc) stop() {
	h.t.Helper()
	h.terminate()
	checkLogClean(h.t, h)
}

func (h *hubProc) terminate() {
	h.t.Helper()
	if h.cmd.ProcessState != nil {
		return
	}
	h.http.CloseIdleConnections()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		h.t.Fatal(err)
	}
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("intermw serve did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		h.t.Errorf("intermw serve did not stop within 30s of SIGTERM")
		_ = h.cmd.Process.Kill()
		<-h.done
	}
}

// restart stops the hub and starts a new one on the same data directory.
func (h *hubProc) restart() *hubProc {
	h.t.Helper()
	h.stop()
	return startHub(h.t, h.opts)
}

// req is one HTTP request of a test.
type req struct {
	method, path string
	// client is the Client-ID header (auth mode none); empty sends none.
	client string
	// body is marshalled as JSON unless it is a []byte or a string, which
	// are sent as they are.
	body any
	// contentType defaults to application/json when there is a body.
	contentType string
	accept      string
	header      map[string]string
}

// answer is an HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) String() string {
	b := a.body
	if len(b) > 600 {
		b = append(b[:600:600], "…"...)
	}
	return fmt.Sprintf("%d %s", a.status, bytes.TrimSpace(b))
}

// into decodes the body into v, failing the test when it cannot.
func (a answer) into(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decoding %T from %s: %v", v, a, err)
	}
}

// do sends r and checks the answer against the Swagger spec: every API
// answer must be documented (operation and status) and fit its schema; an
// answer the spec cannot name (an unknown route, a method the path lacks)
// must still be a JSON Error body.
func (h *hubProc) do(t *testing.T, r req) answer {
	t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	hr, err := http.NewRequest(r.method, h.base+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	if r.client != "" {
		hr.Header.Set("Client-ID", r.client)
	}
	if r.accept != "" {
		hr.Header.Set("Accept", r.accept)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := h.http.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", r.method, r.path, err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: b}
	if strings.HasPrefix(r.path, api) {
		checkAgainstSpec(t, r.method, r.path, a)
	}
	return a
}

// checkAgainstSpec validates an API answer with the API engineer's
// swagger.ValidateResponse.
func checkAgainstSpec(t *testing.T, method, path string, a answer) {
	t.Helper()
	err := swagger.CheckResponse(method, path, a.status, a.body)
	if errors.Is(err, swagger.ErrUnknownOperation) && a.status >= 400 {
		// Not in the spec by design (no such route or method): the answer
		// must still be a JSON Error.
		var e struct{ Error, Message string }
		if json.Unmarshal(a.body, &e) != nil || e.Error == "" || e.Message == "" {
			t.Errorf("%s %s → %s: not a JSON Error body", method, path, a)
		}
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s → %d: Content-Type %q, want application/json", method, path, a.status, ct)
		}
		return
	}
	swagger.ValidateResponse(t, method, path, a.status, a.body)
	if a.status >= 400 {
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s → %d: error Content-Type %q, want application/json", method, path, a.status, ct)
		}
	}
}

// must sends r and fails the test unless the status is want.
func (h *hubProc) must(t *testing.T, want int, r req) answer {
	t.Helper()
	a := h.do(t, r)
	if a.status != want {
		t.Fatalf("%s %s: got %s, want %d", r.method, r.path, a, want)
	}
	return a
}

// expect sends r and reports (without stopping) a status other than want.
func (h *hubProc) expect(t *testing.T, want int, r req) answer {
	t.Helper()
	a := h.do(t, r)
	if a.status != want {
		t.Errorf("%s %s: got %s, want %d", r.method, r.path, a, want)
	}
	return a
}

// accepted sends r, expects 202 and returns the conversationId.
func (h *hubProc) accepted(t *testing.T, r req) string {
	t.Helper()
	a := h.must(t, http.StatusAccepted, r)
	var v struct {
		ConversationID string `json:"conversationId"`
	}
	a.into(t, &v)
	if !strings.HasPrefix(v.ConversationID, "conv") {
		t.Fatalf("%s %s: conversationId %q", r.method, r.path, v.ConversationID)
	}
	return v.ConversationID
}

// esc escapes an identifier for a path segment (/ as %2F, # as %23).
func esc(id string) string { return url.PathEscape(id) }
