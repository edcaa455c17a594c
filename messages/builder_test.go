package messages

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

func fixedBuilder() Builder {
	n := 0
	return Builder{
		Now: func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.FixedZone("", 2*3600)) },
		NewUUID: func() string {
			n++
			return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
		},
	}
}

func TestBuildersFollowINTERMWRules(t *testing.T) {
	uuidRE := `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	t.Run("a new request gets msg and conv identifiers and a timestamp", func(t *testing.T) {
		m := NewRequest(PlatformRegister)
		md := m.Metadata
		if !regexp.MustCompile(`^msg`+uuidRE+`$`).MatchString(md.MessageID) ||
			!regexp.MustCompile(`^conv`+uuidRE+`$`).MatchString(md.ConversationID) ||
			md.Node.Value != MetaNodeBase+md.MessageID[3:] || md.DateTimeStamp.IsZero() {
			t.Fatalf("got %+v", md)
		}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		if NewRequest(Query).Metadata.ConversationID == md.ConversationID {
			t.Fatal("two requests share a conversation")
		}
	})

	b := fixedBuilder()
	req := b.Request(DeviceDiscoveryQuery)
	req.Metadata.SenderPlatformID = "http://example.org/platforms/p1"
	req.Metadata.ClientID = "client-1"
	req.Metadata.UnknownTypes = []string{NS + "Thing_register"}

	t.Run("the timestamp is written as INTER-MW writes it", func(t *testing.T) {
		out, err := AppendEncode(nil, req)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`"InterIoTMsg:dateTimeStamp":"2024-05-06T07:08:09.123\+02:00"`).Match(out) {
			t.Fatalf("got %s", out)
		}
	})

	t.Run("a reply copies the conversation and types and adds Response", func(t *testing.T) {
		r := b.Reply(req)
		md := r.Metadata
		if md.ConversationID != req.Metadata.ConversationID || md.MessageID == req.Metadata.MessageID || md.ClientID != "client-1" {
			t.Fatalf("got %+v", md)
		}
		if !slices.Equal(md.Types, []Type{DeviceDiscoveryQuery, Response}) || !slices.Equal(md.UnknownTypes, req.Metadata.UnknownTypes) {
			t.Fatalf("types %v %v", md.Types, md.UnknownTypes)
		}
		if !slices.Equal(md.ReceiverPlatformIDs, []string{"http://example.org/platforms/p1"}) || md.SenderPlatformID != "" {
			t.Fatalf("receivers %v sender %q", md.ReceiverPlatformIDs, md.SenderPlatformID)
		}
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("an error reply adds Response and Error and the err fields", func(t *testing.T) {
		e := b.ErrorReply(req, ErrorDetails{Category: "PLATFORM_ERROR", Description: "timeout", OriginalMsg: "{}"})
		md := e.Metadata
		if !md.Is(Response) || !md.Is(Error) || !md.Is(DeviceDiscoveryQuery) || md.Kind() != DeviceDiscoveryQuery {
			t.Fatalf("types %v", md.Types)
		}
		if md.ErrCategory != "PLATFORM_ERROR" || md.ErrDesc != "timeout" || md.ErrOriginalMsg != "{}" {
			t.Fatalf("got %+v", md)
		}
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		c := newTestCodec(t, Config{})
		out, err := c.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.Decode(out)
		if err != nil {
			t.Fatal(err)
		}
		if !rdf.IsomorphicDatasets(back.Quads(), e.Quads()) {
			t.Fatalf("error reply changed on the wire:\n%s", out)
		}
	})

	t.Run("Clone copies deeply", func(t *testing.T) {
		c := req.Clone()
		c.Metadata.Types[0] = Observation
		c.Metadata.UnknownTypes[0] = "x"
		if req.Metadata.Types[0] != DeviceDiscoveryQuery || req.Metadata.UnknownTypes[0] == "x" {
			t.Fatal("Clone shares slices")
		}
	})
}
