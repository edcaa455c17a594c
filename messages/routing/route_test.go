package routing

import (
	"testing"
	"time"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
)

func TestRouteRoundTrip(t *testing.T) {
	md := messages.Metadata{
		Types:               []messages.Type{messages.Observation},
		ConversationID:      "conv1",
		ClientID:            "app",
		SenderPlatformID:    "http://p/1",
		ReceiverPlatformIDs: []string{"http://p/2", "http://p/3"},
		DateTimeStamp:       time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
	}
	body := []byte(`{"x":1}`)
	h := Headers(map[string]string{"keep": "me"}, &md, body)
	if h["keep"] != "me" {
		t.Fatal("base headers were dropped")
	}
	r, ok := broker.ReadRoute(&broker.Message{Key: "conv1", Body: body, Headers: h})
	if !ok {
		t.Fatalf("headers %v are not a trusted route", h)
	}
	back, ok := Metadata(r)
	if !ok || back.ConversationID != "conv1" || back.ClientID != "app" || back.SenderPlatformID != "http://p/1" ||
		len(back.ReceiverPlatformIDs) != 2 || !back.Is(messages.Observation) {
		t.Fatalf("round trip gave %+v", back)
	}
	t.Run("an unknown type IRI routes as Unrecognized", func(t *testing.T) {
		md := messages.Metadata{ConversationID: "c", UnknownTypes: []string{"http://x/Other"}}
		if r := Route(&md); len(r.Types) != 1 || r.Types[0] != messages.Unrecognized.String() {
			t.Fatalf("types %v", r.Types)
		}
	})
	t.Run("a type outside the vocabulary is refused", func(t *testing.T) {
		if _, ok := Metadata(broker.Route{Conversation: "c", Types: []string{"Nope"}}); ok {
			t.Fatal("accepted")
		}
	})
	t.Run("headers that cannot be written are removed", func(t *testing.T) {
		md := messages.Metadata{ConversationID: ""}
		h := Headers(map[string]string{broker.HeaderConversation: "stale"}, &md, body)
		if _, ok := h[broker.HeaderConversation]; ok {
			t.Fatalf("stale routing header kept: %v", h)
		}
	})
}
