package channels

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

// startServer runs a Server over b with lib until the test ends.
func startServer(t *testing.T, b PubSub, lib Alignments, static ...StaticChannel) {
	t.Helper()
	s, err := NewServer(ServerConfig{Broker: b, Codec: newCodec(t), Alignments: lib,
		PlatformTypes: []string{ptype}, Channels: static})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	select {
	case <-s.Ready():
	case err := <-done:
		t.Fatal(err)
	case <-time.After(waitTime):
		t.Fatal("server not ready")
	}
}

func newExternalManager(t *testing.T, b PubSub, timeout time.Duration, lib Alignments) *Manager {
	t.Helper()
	m, err := New(Config{Alignments: lib, External: &ExternalConfig{Broker: b, Codec: newCodec(t), Timeout: timeout}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestExternalRoundTrips(t *testing.T) {
	b := newMemory(t)
	startServer(t, b, testLibrary(t))
	m := newExternalManager(t, b, waitTime, nil)
	ctx := context.Background()
	info := platformInfo(pid, fields{
		"upstreamInputAlignmentName": "Up", "upstreamInputAlignmentVersion": "1",
		"downstreamOutputAlignmentName": "Down", "downstreamOutputAlignmentVersion": "1",
	})
	if err := m.PlatformChanged(ctx, info); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		dir  ipsmrm.Direction
		want string // the renamed predicate
	}{
		{"an upstream observation comes back in the central ontology", ipsmrm.Upstream, "mass"},
		{"a downstream actuation comes back in the platform's ontology", ipsmrm.Downstream, "cmd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := observation()
			got, err := m.Translate(ctx, in.Clone(), c.dir, info)
			if err != nil {
				t.Fatal(err)
			}
			if !predicates(got)[c.want] {
				t.Errorf("predicates %v, want %s", predicates(got), c.want)
			}
			if got.Metadata.MessageID != in.Metadata.MessageID || got.Metadata.ConversationID != in.Metadata.ConversationID {
				t.Errorf("metadata changed: %+v", got.Metadata)
			}
		})
	}
	t.Run("many translations in flight each get their own answer", func(t *testing.T) {
		const n = 64
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				msg := observation()
				if i%2 == 0 {
					// Same messageID for two requests: only the
					// correlation id tells them apart.
					msg.Metadata.MessageID = "msg-shared"
				}
				subj := rdf.IRI(fmt.Sprintf("%sobs-%d", ex, i))
				msg.Payload = []rdf.Triple{{S: subj, P: rdf.IRI(ex + "weight"), O: rdf.String(fmt.Sprint(i))}}
				got, err := m.Translate(ctx, msg, ipsmrm.Upstream, info)
				if err != nil {
					errs <- err
					return
				}
				if len(got.Payload) != 1 || got.Payload[0].S != subj || got.Payload[0].P.Value != ex+"mass" || got.Payload[0].O.Value != fmt.Sprint(i) {
					errs <- fmt.Errorf("request %d got %v", i, got.Payload)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestExternalTimeoutLosesNothingSilently(t *testing.T) {
	b := newMemory(t)
	errTopic := listen(t, b, broker.ErrorTopic)
	m := newExternalManager(t, b, 150*time.Millisecond, nil)
	ctx := context.Background()
	info := platformInfo(pid, upstream("Up", "1"))
	requests := listen(t, b, broker.MWToIPSMPlatform(ptype))
	msg := observation()
	_, err := m.Translate(ctx, msg.Clone(), ipsmrm.Upstream, info)
	t.Run("the translation fails with ErrTimeout", func(t *testing.T) {
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a copy of the message goes to the error topic", func(t *testing.T) {
		got := errTopic.await(t, 1)[0]
		if got.Headers[broker.HeaderOriginalTopic] != broker.MWToIPSMPlatform(ptype) || got.Key != msg.Metadata.ConversationID {
			t.Errorf("headers %v key %s", got.Headers, got.Key)
		}
		back, err := newCodec(t).Decode(got.Body)
		if err != nil || back.Metadata.MessageID != msg.Metadata.MessageID || len(back.Payload) != len(msg.Payload) {
			t.Errorf("error copy %+v, %v", back, err)
		}
	})
	t.Run("a late answer is dropped without harm", func(t *testing.T) {
		req := requests.await(t, 1)[0]
		if err := b.Publish(ctx, broker.IPSMToMWInterIoT(ptype), broker.Message{Key: req.Key, Body: req.Body,
			Headers: map[string]string{HeaderCorrelation: req.Headers[HeaderCorrelation]}}); err != nil {
			t.Fatal(err)
		}
		// The error topic holds only the copy: the late answer is not an
		// undecodable stray.
		next := observation()
		_, err := m.Translate(ctx, next, ipsmrm.Upstream, info)
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v", err)
		}
		if n := errTopic.await(t, 2); len(n) != 2 {
			t.Errorf("error topic holds %d", len(n))
		}
	})
}

func TestExternalErrorsAreAnsweredAtOnce(t *testing.T) {
	b := newMemory(t)
	startServer(t, b, &Library{}) // knows no alignment
	m := newExternalManager(t, b, waitTime, nil)
	start := time.Now()
	_, err := m.Translate(context.Background(), observation(), ipsmrm.Upstream, platformInfo(pid, upstream("Up", "1")))
	if !errors.Is(err, ErrTranslation) || !contains(err.Error(), "Up") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) >= waitTime {
		t.Error("the error waited for the timeout")
	}
}

func TestAnswersWithoutHeadersAreMatchedByMessageID(t *testing.T) {
	b := newMemory(t)
	codec := newCodec(t)
	// An ipsm-core: reads the record value, answers without headers.
	sub, err := b.Subscribe(context.Background(), broker.MWToIPSMPlatform(ptype), "core", func(ctx context.Context, bm *broker.Message) error {
		msg, err := codec.Decode(bm.Body)
		if err != nil {
			return err
		}
		for i := range msg.Payload {
			msg.Payload[i].P = rdf.IRI(ex + "fromCore")
		}
		body, _ := codec.Encode(msg)
		return b.Publish(ctx, broker.IPSMToMWInterIoT(ptype), broker.Message{Key: bm.Key, Body: body})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	m := newExternalManager(t, b, waitTime, nil)
	got, err := m.Translate(context.Background(), observation(), ipsmrm.Upstream, platformInfo(pid, upstream("Up", "1")))
	if err != nil {
		t.Fatal(err)
	}
	if !predicates(got)["fromCore"] {
		t.Errorf("payload %v", got.Payload)
	}
}

func TestExternalChannelsPerPlatformType(t *testing.T) {
	b := newMemory(t)
	lib := testLibrary(t)
	m := newExternalManager(t, b, waitTime, lib)
	ctx := context.Background()
	cases := []struct {
		name    string
		info    ipsmrm.PlatformInfo
		wantErr error
	}{
		{"the first platform of a type claims its topics", platformInfo(pid, upstream("Up", "1")), nil},
		{"a second platform of the type with the same alignments shares them", platformInfo(pid+"2", upstream("Up", "1")), nil},
		{"a third with other alignments is refused", platformInfo(pid+"3", upstream("Up", "2")), ErrChannelConflict},
		{"a missing alignment is refused at registration when the store is known", platformInfo(pid+"4", upstream("Up", "9")), ErrNoAlignment},
		{"a platform without a type cannot have external channels",
			func() ipsmrm.PlatformInfo {
				i := platformInfo(pid+"5", upstream("Up", "1"))
				i.Type = ""
				i.Description = i.Description[2:]
				return i
			}(),
			ErrNoPlatformType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := m.PlatformChanged(ctx, c.info)
			if !errors.Is(err, c.wantErr) || (err != nil && c.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
		})
	}
	t.Run("once the others leave, a platform may change the type's alignments", func(t *testing.T) {
		m.PlatformRemoved(ctx, pid+"2")
		if err := m.PlatformChanged(ctx, platformInfo(pid, upstream("Up", "2"))); err != nil {
			t.Fatal(err)
		}
	})
}

func TestServerStaticChannelsServeRequestsWithoutAChain(t *testing.T) {
	b := newMemory(t)
	codec := newCodec(t)
	startServer(t, b, testLibrary(t), StaticChannel{PlatformType: ptype, Direction: ipsmrm.Upstream,
		Chain: Chain{Input: idOf("Up", "2")}})
	answers := listen(t, b, broker.IPSMToMWInterIoT(ptype))
	cases := []struct {
		name    string
		headers map[string]string
		want    string
	}{
		{"a request without a chain header uses the static channel", nil, "massV2"},
		{"a request naming its chain uses that", map[string]string{HeaderChain: encodeChain(Chain{Input: idOf("Up", "1")})}, "mass"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := observation()
			body, _ := codec.Encode(msg)
			if err := b.Publish(context.Background(), broker.MWToIPSMPlatform(ptype), broker.Message{Key: msg.Metadata.ConversationID, Body: body, Headers: c.headers}); err != nil {
				t.Fatal(err)
			}
			got, err := codec.Decode(answers.await(t, i+1)[i].Body)
			if err != nil {
				t.Fatal(err)
			}
			if got.Metadata.Is(messages.Error) || !predicates(got)[c.want] {
				t.Errorf("answer %+v", got)
			}
		})
	}
}
