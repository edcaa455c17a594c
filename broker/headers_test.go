package broker_test

import (
	"testing"

	"github.com/intermw/intermw/broker"
)

func TestRouteHeaders(t *testing.T) {
	body := []byte(`{"@graph":[]}`)
	good := broker.Route{
		Types:         []string{"Observation"},
		Conversation:  "conv1",
		Client:        "client one",
		Sender:        "http://t/p",
		Receivers:     []string{"http://t/a", "http://t/b"},
		DateTimeStamp: "2026-01-02T03:04:05.123Z",
	}
	t.Run("a route written for a body reads back from a message keyed by its conversation", func(t *testing.T) {
		m := broker.Message{Key: "conv1", Body: body, Headers: broker.RouteHeaders(good, body)}
		got, ok := broker.ReadRoute(&m)
		if !ok {
			t.Fatalf("ReadRoute refused %v", m.Headers)
		}
		if !broker.SameRoute(got, good) || got.DateTimeStamp != good.DateTimeStamp {
			t.Errorf("read %+v, wrote %+v", got, good)
		}
		if !got.Has("Observation") || got.Has("Response") {
			t.Errorf("Has: %v", got.Types)
		}
	})
	t.Run("empty lists and fields read back empty", func(t *testing.T) {
		r := broker.Route{Conversation: "c"}
		m := broker.Message{Key: "c", Body: body, Headers: broker.RouteHeaders(r, body)}
		got, ok := broker.ReadRoute(&m)
		if !ok || len(got.Types) != 0 || len(got.Receivers) != 0 || got.Client != "" || got.Sender != "" {
			t.Errorf("ReadRoute = %+v, %v", got, ok)
		}
	})
	unfit := []struct {
		name string
		r    broker.Route
	}{
		{"no conversation", broker.Route{Types: []string{"Observation"}}},
		{"a receiver with a space", broker.Route{Conversation: "c", Receivers: []string{"http://t/a b"}}},
		{"an empty receiver", broker.Route{Conversation: "c", Receivers: []string{""}}},
		{"a line break in the client", broker.Route{Conversation: "c", Client: "a\nb"}},
		{"a control character in the conversation", broker.Route{Conversation: "c\x00"}},
	}
	for _, c := range unfit {
		t.Run("a route with "+c.name+" is not written", func(t *testing.T) {
			h := map[string]string{"other": "kept"}
			if broker.SetRouteHeaders(h, c.r, body) {
				t.Fatalf("SetRouteHeaders wrote %v", h)
			}
			if len(h) != 1 || broker.RouteHeaders(c.r, body) != nil {
				t.Errorf("headers changed: %v", h)
			}
		})
	}
	refused := []struct {
		name   string
		change func(m *broker.Message)
	}{
		{"the key is another conversation", func(m *broker.Message) { m.Key = "conv2" }},
		{"the body changed", func(m *broker.Message) { m.Body = []byte(`{"@graph":[1]}`) }},
		{"a header is missing", func(m *broker.Message) { delete(m.Headers, broker.HeaderReceivers) }},
		{"the checksum is missing", func(m *broker.Message) { delete(m.Headers, broker.HeaderBodyCRC) }},
		{"a list has an empty entry", func(m *broker.Message) { m.Headers[broker.HeaderTypes] = "Observation  Response" }},
		{"there are no headers", func(m *broker.Message) { m.Headers = nil }},
	}
	for _, c := range refused {
		t.Run("headers are not trusted when "+c.name, func(t *testing.T) {
			m := broker.Message{Key: "conv1", Body: body, Headers: broker.RouteHeaders(good, body)}
			c.change(&m)
			if r, ok := broker.ReadRoute(&m); ok {
				t.Errorf("ReadRoute trusted %+v", r)
			}
		})
	}
	t.Run("routes listing the same types and receivers in another order are the same", func(t *testing.T) {
		a := broker.Route{Conversation: "c", Types: []string{"Subscribe", "Response"}, Receivers: []string{"http://t/a", "http://t/b"}}
		b := broker.Route{Conversation: "c", Types: []string{"Response", "Subscribe"}, Receivers: []string{"http://t/b", "http://t/a"}}
		if !broker.SameRoute(a, b) {
			t.Error("SameRoute is order-sensitive")
		}
	})
	t.Run("routes differing in any checked field are not the same", func(t *testing.T) {
		for _, change := range []func(r *broker.Route){
			func(r *broker.Route) { r.Types = []string{"Response"} },
			func(r *broker.Route) { r.Conversation = "x" },
			func(r *broker.Route) { r.Client = "x" },
			func(r *broker.Route) { r.Sender = "x" },
			func(r *broker.Route) { r.Receivers = r.Receivers[:1] },
			func(r *broker.Route) { r.Types = append(r.Types, "Response") },
		} {
			r := good
			r.Types = append([]string(nil), good.Types...)
			change(&r)
			if broker.SameRoute(r, good) {
				t.Errorf("SameRoute(%+v, %+v)", r, good)
			}
		}
	})
}

func BenchmarkReadRoute(b *testing.B) {
	body := make([]byte, 1400)
	r := broker.Route{Types: []string{"Observation"}, Conversation: "conv1", Client: "c", Sender: "http://t/p"}
	m := broker.Message{Key: "conv1", Body: body, Headers: broker.RouteHeaders(r, body)}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := broker.ReadRoute(&m); !ok {
			b.Fatal("refused")
		}
	}
}
