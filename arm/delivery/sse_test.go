package delivery

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// readEvents reads n SSE events from a stream and returns their ids.
func readEvents(t *testing.T, r *bufio.Reader, n int) []uint64 {
	t.Helper()
	var ids []uint64
	var id uint64
	for len(ids) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d events: %v", len(ids), err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "id: "):
			id, _ = strconv.ParseUint(line[4:], 10, 64)
		case line == "" && id != 0:
			ids = append(ids, id)
			id = 0
		}
	}
	return ids
}

func TestSSE(t *testing.T) {
	ctx := context.Background()
	d := newDeliverer(t, testConfig(t, t.TempDir(), newMemoryBroker(t)))
	d.Upsert(ctx, Client{ID: "sse", Format: FormatJSON, Mode: ModePull})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.ServeSSE(w, r, r.URL.Query().Get("client"))
	}))
	defer srv.Close()
	obs := realObservation(t)
	for range 5 {
		d.Append(ctx, "sse", obs)
	}

	open := func(last string) (*http.Response, *bufio.Reader) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"?client=sse", nil)
		if last != "" {
			req.Header.Set("Last-Event-ID", last)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("status %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return resp, bufio.NewReader(resp.Body)
	}

	t.Run("a stream sends the queued messages then new ones as they come", func(t *testing.T) {
		resp, r := open("")
		defer resp.Body.Close()
		if ids := readEvents(t, r, 5); ids[0] != 1 || ids[4] != 5 {
			t.Fatalf("%v", ids)
		}
		d.Append(ctx, "sse", obs)
		if ids := readEvents(t, r, 1); ids[0] != 6 {
			t.Fatalf("%v", ids)
		}
	})

	t.Run("resuming after Last-Event-ID loses and repeats nothing", func(t *testing.T) {
		resp, r := open("3")
		defer resp.Body.Close()
		d.Append(ctx, "sse", obs)
		if ids := readEvents(t, r, 4); ids[0] != 4 || ids[3] != 7 {
			t.Fatalf("%v", ids)
		}
		// Everything up to 3 was acknowledged by the resume.
		es, _, _ := d.Pull(ctx, "sse", 100)
		if len(es) != 4 || es[0].Seq != 4 {
			t.Fatalf("left in the mailbox: %v", seqsOf(es))
		}
	})

	t.Run("an unknown client gets 404 and a bad Last-Event-ID 400", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "?client=nobody")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Fatal(resp.StatusCode)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"?client=sse", nil)
		req.Header.Set("Last-Event-ID", "x")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatal(resp.StatusCode)
		}
	})
}

func TestRunConsumesTheClientTopic(t *testing.T) {
	ctx := context.Background()
	b := newMemoryBroker(t)
	dir := t.TempDir()
	d := newDeliverer(t, testConfig(t, dir, b, pullClient("alice")))
	running(t, d)
	publishN(t, b, "alice", 0, 30)
	var got []Entry
	eventually(t, func() bool {
		es, commit, _ := d.Pull(ctx, "alice", 10)
		commit()
		got = append(got, es...)
		return len(got) == 30
	})
	for i, e := range got {
		if e.Seq != uint64(i+1) || e.DateTimeStamp.IsZero() {
			t.Fatalf("entry %d: seq %d stamp %v", i, e.Seq, e.DateTimeStamp)
		}
	}
	// A client registered while running is consumed too.
	if err := d.Upsert(ctx, pullClient("bob")); err != nil {
		t.Fatal(err)
	}
	publishN(t, b, "bob", 0, 1)
	eventually(t, func() bool {
		es, commit, _ := d.Pull(ctx, "bob", 10)
		commit()
		return len(es) == 1
	})
}
