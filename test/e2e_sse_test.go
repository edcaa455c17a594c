package test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intermw/intermw/swagger"
)

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	id   uint64
	data string
}

// sseStream is an open GET /responses/stream.
type sseStream struct {
	cancel context.CancelFunc
	events chan sseEvent
	done   chan struct{}
}

// openStream opens the client's event stream, resuming after lastEventID
// when it is not empty, and checks the answer against the spec.
func openStream(t *testing.T, h *hubProc, client, lastEventID string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+api+"/responses/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Client-ID", client)
	hr.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		hr.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := h.http.Do(hr)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("GET /responses/stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	checkAgainstSpec(t, http.MethodGet, api+"/responses/stream", answer{status: resp.StatusCode, header: resp.Header})
	s := &sseStream{cancel: cancel, events: make(chan sseEvent, 1024), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		var ev sseEvent
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if data != nil {
					ev.data = strings.Join(data, "\n")
					s.events <- ev
				}
				ev, data = sseEvent{}, nil
			case strings.HasPrefix(line, "id:"):
				ev.id, _ = strconv.ParseUint(strings.TrimSpace(line[3:]), 10, 64)
			case strings.HasPrefix(line, "data:"):
				data = append(data, strings.TrimPrefix(line[5:], " "))
			}
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *sseStream) close() {
	s.cancel()
	<-s.done
}

// next returns the next n events (bounded wait).
func (s *sseStream) next(t *testing.T, n int) []sseEvent {
	t.Helper()
	var out []sseEvent
	deadline := time.After(asyncWait)
	for len(out) < n {
		select {
		case e := <-s.events:
			out = append(out, e)
		case <-deadline:
			t.Fatalf("got %d of %d events within %s", len(out), n, asyncWait)
		}
	}
	return out
}

// TestE2EServerSentEventsResumeWithoutLossOrDuplicates streams a JSON
// client's observations, drops the connection, and resumes with
// Last-Event-ID in the middle of what was sent: the stream goes on from
// the next event, with nothing lost or repeated, and what was acknowledged
// is no longer pulled.
func TestE2EServerSentEventsResumeWithoutLossOrDuplicates(t *testing.T) {
	checkLeaks(t)
	h := startHub(t, hubOptions{})
	const client = "e2e-sse"
	in := registerPullClient(t, h, client, "JSON")
	platform := e2eTestNS + "sse/platforms/p"
	devs := []string{e2eTestNS + "sse/devices#1", e2eTestNS + "sse/devices#2"}
	registerPlatform(t, h, in, platformBody{PlatformID: platform, Name: "SSE"})
	createDevices(t, h, in, []device{
		{DeviceID: devs[0], HostedBy: platform, DeviceTypes: []string{"SENSOR"}},
		{DeviceID: devs[1], HostedBy: platform, DeviceTypes: []string{"SENSOR"}},
	})
	for in.pullOnce(t) {
	}
	sub := h.accepted(t, req{method: http.MethodPost, path: api + "/subscriptions", client: client, body: map[string]any{"deviceIds": devs}})

	first := openStream(t, h, client, "")
	seen := first.next(t, 10)
	first.close()
	for i, e := range seen {
		checkEvent(t, h, e, sub)
		if i > 0 && e.id != seen[i-1].id+1 {
			t.Errorf("event ids %d then %d: not consecutive", seen[i-1].id, e.id)
		}
	}

	// Resume after the fifth: the sixth comes again (it was never
	// acknowledged), then new ones, consecutively.
	ack := seen[4]
	second := openStream(t, h, client, strconv.FormatUint(ack.id, 10))
	resumed := second.next(t, 10)
	second.close()
	for i, e := range resumed {
		if want := ack.id + 1 + uint64(i); e.id != want {
			t.Fatalf("after Last-Event-ID %d event %d has id %d, want %d", ack.id, i, e.id, want)
		}
		if i < 5 && e.data != seen[5+i].data {
			t.Errorf("event %d resent with other data:\n%s\nwas\n%s", e.id, e.data, seen[5+i].data)
		}
		checkEvent(t, h, e, sub)
	}

	// What Last-Event-ID acknowledged is gone from the queue: a pull
	// starts at the first event not acknowledged.
	from := len(in.snapshot())
	in.pullOnce(t)
	pulled := in.snapshot()[from:]
	if len(pulled) == 0 {
		t.Fatalf("nothing left to pull after the stream")
	}
	if string(pulled[0].raw) != seen[5].data {
		t.Errorf("the first message pulled after acknowledging event %d is\n%s\nwant event %d\n%s", ack.id, pulled[0].raw, seen[5].id, seen[5].data)
	}
	for _, m := range pulled {
		for _, e := range seen[:5] {
			if string(m.raw) == e.data {
				t.Errorf("acknowledged event %d was pulled again", e.id)
			}
		}
	}

	a := h.do(t, req{method: http.MethodGet, path: api + "/responses/stream", client: client, header: map[string]string{"Last-Event-ID": "not-a-number"}})
	if a.status != http.StatusBadRequest {
		t.Errorf("a malformed Last-Event-ID: %s, want 400", a)
	}

	un := h.accepted(t, req{method: http.MethodDelete, path: api + "/subscriptions/" + esc(sub), client: client})
	in.await(t, "Unsubscribe answer", reply(un, "UNSUBSCRIBE"))
	in.checkClean(t)
	h.stop()
}

// checkEvent checks that an event carries one message of the client's
// format, fitting the spec, observed on the subscription.
func checkEvent(t *testing.T, h *hubProc, e sseEvent, sub string) {
	t.Helper()
	if err := swagger.CheckResponse(http.MethodPost, api+"/responses", http.StatusOK, []byte("["+e.data+"]")); err != nil {
		t.Errorf("event %d does not fit the Message schema: %v", e.id, err)
	}
	m, err := h.parseMsg("JSON", json.RawMessage(e.data))
	if err != nil {
		t.Errorf("event %d: %v", e.id, err)
		return
	}
	if m.conv != sub || !(m.is("OBSERVATION") || m.is("SUBSCRIBE", "RESPONSE")) {
		t.Errorf("event %d: %s, want the Subscribe answer or an observation of %s", e.id, m, sub)
	}
}
