package arm

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/intermw/intermw/arm/conversation"
	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/registry"
)

// observation returns a typical observation of a subscription as it
// arrives on prm_arm.
func observation(b *testing.B, e *env, conv string) *broker.Message {
	req := e.open(conv, conversation.KindSubscription, platformA)
	r := messages.NewReply(req)
	r.Metadata.Types = []messages.Type{messages.Observation}
	r.Metadata.SenderPlatformID = platformA
	obs := rdf.Blank("obs")
	r.Payload = []rdf.Triple{
		{S: obs, P: rdf.IRI(rdf.RDFType), O: rdf.IRI(nsSOSA + "Observation")},
		{S: obs, P: rdf.IRI(nsSOSA + "madeBySensor"), O: rdf.IRI(deviceA1)},
		{S: obs, P: rdf.IRI(nsSOSA + "resultTime"), O: rdf.Literal("2026-03-04T05:06:07Z", rdf.XSD+"dateTime")},
		{S: obs, P: rdf.IRI(nsSOSA + "hasResult"), O: rdf.Blank("res")},
		{S: rdf.Blank("res"), P: rdf.IRI(nsGOIoTP + "hasResultValue"), O: rdf.Literal("21.5", rdf.XSD+"double")},
	}
	body, err := e.codec.Encode(r)
	if err != nil {
		b.Fatal(err)
	}
	return &broker.Message{Key: conv, Body: body}
}

// BenchmarkHandleObservation measures the ARM's per-observation routing
// (decode, conversation lookup, publish to a no-op broker) against its
// baseline, the decode alone.
func BenchmarkHandleObservation(b *testing.B) {
	t := &testing.T{}
	e := newEnv(t)
	e.pub = nil
	e.s.cfg.Broker = nopPublisher{}
	m := observation(b, e, "conv-bench")
	b.Run("baseline=decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.codec.Decode(m.Body); err != nil {
				b.Fatal(err)
			}
		}
	})
	req := e.open("conv-req", conversation.KindRequest, platformA, platformB)
	reply := withHeaders(t, e, e.reply(req, platformB, false))
	b.Run("handle-reply-with-headers", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			// A request whose first expected reply never comes: every
			// reply is a duplicate of B's, routed by its headers.
			if err := e.s.Handle(ctx, reply); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handle-subscription", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			if err := e.s.Handle(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, string, broker.Message) error { return nil }

// BenchmarkListPlatforms measures GET /platforms through the whole handler
// (auth, metrics, JSON) against its baseline, the registry call alone.
func BenchmarkListPlatforms(b *testing.B) {
	e := newEnv(&testing.T{})
	ctx := context.Background()
	b.Run("baseline=registry", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.reg.ListPlatforms(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rr := httptest.NewRecorder()
			e.h.ServeHTTP(rr, httptest.NewRequest("GET", api+"/platforms", nil))
			if rr.Code != 200 {
				b.Fatal(rr.Code)
			}
		}
	})
}

// BenchmarkRegisterClient measures POST /clients (validation against the
// spec included) against its baseline, the registry write alone.
func BenchmarkRegisterClient(b *testing.B) {
	e := newEnv(&testing.T{})
	ctx := context.Background()
	n := 0
	b.Run("baseline=registry", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n++
			if err := e.reg.RegisterClient(ctx, registry.Client{ClientID: "b" + strconv.Itoa(n)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n++
			rr := httptest.NewRecorder()
			r := httptest.NewRequest("POST", api+"/clients", strings.NewReader(`{"clientId":"r`+strconv.Itoa(n)+`","responseFormat":"JSON"}`))
			r.Header.Set("Content-Type", "application/json")
			e.h.ServeHTTP(rr, r)
			if rr.Code != 201 {
				b.Fatal(rr.Code, rr.Body.String())
			}
		}
	})
}
