package arm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval of a bounded wait
	}
}

// reply builds a platform's reply to req and returns it as a broker message.
func (e *env) reply(req *messages.Message, sender string, errorReply bool) *broker.Message {
	e.t.Helper()
	var r *messages.Message
	if errorReply {
		r = messages.NewErrorReply(req, messages.ErrorDetails{Category: "PLATFORM_ERROR", Description: "boom"})
	} else {
		r = messages.NewReply(req)
	}
	r.Metadata.SenderPlatformID = sender
	b, err := e.codec.Encode(r)
	must(e.t, err)
	return &broker.Message{Key: r.Metadata.ConversationID, Body: b, Topic: broker.PRMToARM}
}

// withHeaders gives m the routing headers PRM writes.
func withHeaders(t *testing.T, e *env, m *broker.Message) *broker.Message {
	t.Helper()
	dm, err := e.codec.Decode(m.Body)
	must(t, err)
	c := *m
	c.Headers = routeHeaders(&dm.Metadata, m.Body)
	if c.Headers == nil {
		t.Fatal("no routing headers")
	}
	return &c
}

func (e *env) open(conv string, kind conversation.Kind, platforms ...string) *messages.Message {
	e.t.Helper()
	m := messages.NewRequest(messages.Subscribe)
	m.Metadata.ConversationID = conv
	m.Metadata.ClientID = "app1"
	must(e.t, e.conv.Open(context.Background(), conversation.Record{
		ConversationID: conv, ClientID: "app1", Kind: kind, ExpectedReplies: max(1, len(platforms)),
		PlatformIDs: platforms, Deadline: e.now.Add(time.Minute),
	}))
	return m
}

func TestHandleRoutesEveryReplyOfAFanOutToTheClient(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	req := e.open("conv-fan", conversation.KindRequest, platformA, platformB)
	must(t, e.s.Handle(ctx, e.reply(req, platformA, false)))
	if _, err := e.conv.Get(ctx, "conv-fan"); err != nil {
		t.Fatal("the conversation ended at its first reply")
	}
	must(t, e.s.Handle(ctx, e.reply(req, platformB, true)))
	if _, err := e.conv.Get(ctx, "conv-fan"); err == nil {
		t.Fatal("the conversation is still open after its last reply")
	}
	got := e.sentMessages(broker.RESTAPI("app1"))
	if len(got) != 2 {
		t.Fatalf("%d messages reached the client, want 2", len(got))
	}
	// A late reply of an ended conversation is dropped, not an error.
	must(t, e.s.Handle(ctx, e.reply(req, platformA, false)))
	if n := len(e.sentMessages(broker.RESTAPI("app1"))); n != 2 {
		t.Fatalf("a late reply was routed (%d)", n)
	}
	// An undecodable message is dropped too.
	must(t, e.s.Handle(ctx, &broker.Message{Key: "x", Body: []byte("{")}))
}

func TestHandleRoutesByTrustedHeadersAndIgnoresStaleOnes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	req := e.open("conv-h", conversation.KindRequest, platformA, platformB)
	// Trusted headers name platform A as the sender.
	must(t, e.s.Handle(ctx, withHeaders(t, e, e.reply(req, platformA, false))))
	// Headers of A's reply on B's body are stale (checksum): the body is
	// decoded and B counted, which ends the conversation.
	stale := withHeaders(t, e, e.reply(req, platformA, false))
	stale.Body = e.reply(req, platformB, false).Body
	must(t, e.s.Handle(ctx, stale))
	if _, err := e.conv.Get(ctx, "conv-h"); err == nil {
		t.Fatal("the stale headers were trusted: the conversation is still open")
	}
	for _, p := range e.pub.all() {
		if _, ok := broker.ReadRoute(&p.msg); !ok {
			t.Fatalf("routed to %s without valid routing headers", p.topic)
		}
	}
}

func TestHandleKeepsSubscriptionsOpen(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	req := e.open("conv-obs", conversation.KindSubscription, platformA)
	for range 3 {
		must(t, e.s.Handle(ctx, e.reply(req, platformA, false)))
	}
	if n := len(e.sentMessages(broker.RESTAPI("app1"))); n != 3 {
		t.Fatalf("%d observations routed", n)
	}
	if _, err := e.conv.Get(ctx, "conv-obs"); err != nil {
		t.Fatal("the subscription ended")
	}
}

func TestHandleAsksForRedeliveryWhenPublishingFails(t *testing.T) {
	e := newEnv(t)
	req := e.open("conv-x", conversation.KindSubscription, platformA)
	e.pub.fail = broker.ErrClosed
	if err := e.s.Handle(context.Background(), e.reply(req, platformA, false)); err == nil {
		t.Fatal("a failed publish was acknowledged")
	}
}

func TestExpiredConversationsAnswerTheClientWithAnError(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.open("conv-slow", conversation.KindRequest, platformA, platformB)
	e.s.ExpireConversations(ctx)
	if n := len(e.sentMessages(broker.RESTAPI("app1"))); n != 0 {
		t.Fatal("expired before the deadline")
	}
	e.now = e.now.Add(2 * time.Minute)
	e.s.ExpireConversations(ctx)
	got := e.sentMessages(broker.RESTAPI("app1"))
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	md := got[0].Metadata
	if !md.Is(messages.Error) || !md.Is(messages.Response) || md.ConversationID != "conv-slow" || md.ClientID != "app1" || !strings.Contains(md.ErrDesc, platformB) {
		t.Fatalf("%+v", md)
	}
	if len(e.sentMessages(broker.ErrorTopic)) != 1 {
		t.Fatal("no copy on the error topic")
	}
	if _, err := e.conv.Get(ctx, "conv-slow"); err == nil {
		t.Fatal("the conversation is still open")
	}
}

func TestCurrentDataAnswersThePlatformsReply(t *testing.T) {
	for _, tc := range []struct {
		name   string
		path   string
		reply  bool
		status int
	}{
		{"a platform's data is answered synchronously", api + "/devices/data?platformId=" + esc(platformA), true, 200},
		{"a device's data is answered synchronously", api + "/devices/data/" + esc(deviceA1), true, 200},
		{"a platform that does not answer gives 504", api + "/devices/data/" + esc(deviceA1), false, 504},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.QueryTimeout = 50 * time.Millisecond })
			if tc.reply {
				e.s.cfg.QueryTimeout = 5 * time.Second
			}
			done := make(chan resp, 1)
			r := req{method: "GET", path: tc.path, client: "app1"}
			go func() { done <- e.do(r) }()
			if tc.reply {
				waitFor(t, "the Query", func() bool { return len(e.sentMessages(broker.ARMToPRM)) == 1 })
				q := e.sentMessages(broker.ARMToPRM)[0]
				if !q.Metadata.Is(messages.Query) {
					t.Fatalf("sent %v", q.Metadata.Types)
				}
				must(t, e.s.Handle(context.Background(), e.reply(q, platformA, false)))
			}
			got := <-done
			if got.status != tc.status {
				t.Fatalf("%d %s", got.status, got.body)
			}
			checkSpec(t, r, got)
			if len(e.sentMessages(broker.RESTAPI("app1"))) != 0 {
				t.Fatal("the reply also went to the client's queue")
			}
			if e.conv.Len() != 0 {
				t.Fatal("the Query's conversation is still open")
			}
		})
	}
}

func TestRunConsumesPRMToARM(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := memory.New(ctx, memory.Config{})
	must(t, err)
	defer b.Close()
	e := newEnv(t, func(c *Config) { c.Broker, c.Subscriber, c.ExpiryInterval = b, b, time.Hour })

	// The client's queue, as delivery would consume it.
	got := make(chan *broker.Message, 1)
	sub, err := b.Subscribe(ctx, broker.RESTAPI("app1"), "test", func(_ context.Context, m *broker.Message) error {
		got <- m
		return nil
	})
	must(t, err)
	defer sub.Close()

	if code := e.do(req{method: "GET", path: "/readyz"}).status; code != 503 {
		t.Fatalf("ready before Run: %d", code)
	}
	runDone := make(chan error, 1)
	go func() { runDone <- e.s.Run(ctx) }()
	waitFor(t, "readiness", func() bool { return e.do(req{method: "GET", path: "/readyz"}).status == 200 })

	req := e.open("conv-run", conversation.KindRequest, platformA)
	r := e.reply(req, platformA, false)
	must(t, b.Publish(ctx, broker.PRMToARM, broker.Message{Key: r.Key, Body: r.Body}))
	select {
	case m := <-got:
		if m.Key != "conv-run" {
			t.Fatalf("key %q", m.Key)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the reply never reached the client's queue")
	}
	cancel()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	e := newEnv(t)
	e.del.add("app1", `{}`)
	e.do(req{method: "GET", path: api + "/platforms"})
	e.do(req{method: "GET", path: api + "/platform-types", client: "app1"})
	for _, tc := range []struct {
		path, want string
	}{
		{"/healthz", `"ok"`},
		{"/readyz", `"ready"`},
		{"/metrics", `intermw_http_request_duration_seconds_bucket{route="GET /api/mw2mw/platforms",status="200"`},
		{"/metrics", `intermw_messages_total{direction="out",topic="arm_prm"} 1`},
		{"/metrics", `intermw_delivery_queue_depth{client="app1"} 1`},
		{"/metrics", `intermw_conversations_open 1`},
		{"/api/swagger.json", `"/mw2mw/clients/{clientId}"`},
		{"/api/docs", `swagger-ui`},
	} {
		rr := httptest.NewRecorder()
		e.h.ServeHTTP(rr, httptest.NewRequest("GET", tc.path, nil))
		body, _ := io.ReadAll(rr.Body)
		if rr.Code != http.StatusOK || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: %d, want %s in %.400s", tc.path, rr.Code, tc.want, body)
		}
	}
}
