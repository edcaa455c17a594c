package registry

import (
	"context"
	"testing"
)

// hostileTexts are identifiers that try to end a literal or an IRI and run
// SPARQL of their own. Stored as literals, each must come back exactly.
var hostileTexts = []struct{ name, text string }{
	{"a double quote", `a"b`},
	{"a quote closing the literal and a new statement", `x" } ; DROP ALL ; INSERT DATA { <a> <b> "c`},
	{"a closing angle bracket", `a>b`},
	{"spaces", `with  two spaces`},
	{"a brace and a DROP", `} ; DROP ALL`},
	{"single quotes", `'single'`},
	{"a backslash and an escape", `back\slash \" \u0022`},
	{"newlines and tabs", "new\nline\ttab\r"},
	{"a comment start", `# not a comment`},
	{"non-ASCII text", `Zürich → 東京`},
	{"an IRI-looking text", `<http://inter-iot.eu/platforms>`},
	{"percent escapes", `%22%3E%7D`},
}

func TestHostileTextIsStoredExactly(t *testing.T) {
	ctx := context.Background()
	for _, h := range hostileTexts {
		t.Run("a clientId with "+h.name+" round-trips", func(t *testing.T) {
			r, st := newRegistry(t)
			must(t, r.RegisterClient(ctx, Client{ClientID: "bystander"}))
			before := quadCount(t, st)
			must(t, r.RegisterClient(ctx, Client{ClientID: h.text}))
			got, err := r.GetClient(ctx, h.text)
			must(t, err)
			if got.ClientID != h.text {
				t.Fatalf("clientId came back as %q, want %q", got.ClientID, h.text)
			}
			list, err := r.ListClients(ctx)
			must(t, err)
			if len(list) != 2 {
				t.Fatalf("ListClients = %+v, want the bystander and the hostile client", list)
			}
			must(t, r.DeleteClient(ctx, h.text))
			if n := quadCount(t, st); n != before {
				t.Fatalf("after deleting the hostile client the store holds %d quads, want %d", n, before)
			}
			if _, err := r.GetClient(ctx, "bystander"); err != nil {
				t.Fatalf("the bystander is gone: %v", err)
			}
		})
		t.Run("a conversationId and clientId with "+h.name+" round-trip in a subscription", func(t *testing.T) {
			r, _ := newRegistry(t)
			s := Subscription{ConversationID: h.text, ClientID: h.text, DeviceIDs: []string{"http://d/1"}}
			must(t, r.AddSubscription(ctx, s))
			got, err := r.GetSubscription(ctx, h.text)
			must(t, err)
			if got.ConversationID != h.text || got.ClientID != h.text {
				t.Fatalf("subscription came back as %+v", got)
			}
			list, err := r.ListSubscriptions(ctx, h.text)
			must(t, err)
			if len(list) != 1 {
				t.Fatalf("ListSubscriptions(hostile) = %+v", list)
			}
			must(t, r.RemoveSubscription(ctx, h.text))
		})
		t.Run("a device name and platform type with "+h.name+" round-trip", func(t *testing.T) {
			r, _ := newRegistry(t)
			must(t, r.RegisterPlatform(ctx, Platform{PlatformID: "http://p/1", Type: h.text, Name: h.text}))
			must(t, r.AddDevices(ctx, []IoTDevice{{DeviceID: "http://d/1", HostedBy: "http://p/1", Name: h.text}}))
			p, err := r.GetPlatform(ctx, "http://p/1")
			must(t, err)
			d, err := r.GetDevice(ctx, "http://d/1")
			must(t, err)
			if p.Type != h.text || p.Name != h.text || d.Name != h.text {
				t.Fatalf("came back as type %q name %q device name %q", p.Type, p.Name, d.Name)
			}
			found, err := r.QueryDevices(ctx, DeviceFilter{Name: h.text})
			must(t, err)
			if len(found) != 1 {
				t.Fatalf("filter by the hostile name found %d devices", len(found))
			}
		})
	}
}

func TestIdentifiersThatCannotBeIRIsAreRefused(t *testing.T) {
	ctx := context.Background()
	bad := []struct{ name, id string }{
		{"a quote", `http://x/a"b`},
		{"a closing angle bracket", `http://x/a>b`},
		{"a space", `http://x/a b`},
		{"a brace and a DROP", `http://x/a} ; DROP ALL ; #`},
		{"a backslash", `http://x/a\b`},
		{"a newline", "http://x/a\nb"},
		{"no scheme", `} ; DROP ALL`},
		{"a relative reference", `devices/1`},
		{"nothing", ``},
		{"a registry graph", GraphDevices},
		{"a client IRI", ClientIRI("c")},
	}
	for _, b := range bad {
		t.Run("a platformId with "+b.name+" is invalid and writes nothing", func(t *testing.T) {
			r, st := newRegistry(t)
			wantErr(t, r.RegisterPlatform(ctx, Platform{PlatformID: b.id, Type: "t"}), ErrInvalid)
			wantErr(t, r.PutPlatform(ctx, Platform{PlatformID: b.id, Type: "t"}), ErrInvalid)
			if n := quadCount(t, st); n != 0 {
				t.Fatalf("the store holds %d quads", n)
			}
		})
		t.Run("a deviceId with "+b.name+" is invalid", func(t *testing.T) {
			r, _ := newRegistry(t)
			wantErr(t, r.AddDevices(ctx, []IoTDevice{{DeviceID: b.id, HostedBy: "http://p/1"}}), ErrInvalid)
			wantErr(t, r.ReplaceDevices(ctx, "http://p/1", []IoTDevice{{DeviceID: b.id}}), ErrInvalid)
		})
		t.Run("a hostedBy, location or filter value with "+b.name+" is invalid", func(t *testing.T) {
			r, _ := newRegistry(t)
			wantErr(t, r.AddDevices(ctx, []IoTDevice{{DeviceID: "http://d/1", HostedBy: b.id}}), ErrInvalid)
			if b.id != "" && !reservedIRI(b.id) {
				wantErr(t, r.AddDevices(ctx, []IoTDevice{{DeviceID: "http://d/1", HostedBy: "http://p/1", Location: b.id}}), ErrInvalid)
				_, err := r.QueryDevices(ctx, DeviceFilter{Location: b.id})
				wantErr(t, err, ErrInvalid)
				_, err = r.QueryDevices(ctx, DeviceFilter{HostedBy: b.id})
				wantErr(t, err, ErrInvalid)
				_, err = r.ListDevices(ctx, b.id)
				wantErr(t, err, ErrInvalid)
				_, err = r.GetPlatform(ctx, b.id)
				wantErr(t, err, ErrInvalid)
				wantErr(t, r.RemovePlatform(ctx, b.id), ErrInvalid)
			}
		})
		t.Run("a locationId with "+b.name+" is invalid", func(t *testing.T) {
			r, _ := newRegistry(t)
			if reservedIRI(b.id) {
				t.Skip("registry graph names are valid location ids")
			}
			wantErr(t, r.AddLocationPoint(ctx, LocationPoint{LocationID: b.id, WKTPoint: "POINT(1 2)"}), ErrInvalid)
			_, err := r.GetLocationArea(ctx, b.id)
			wantErr(t, err, ErrInvalid)
		})
	}
}

func TestIRIsWithSlashesAndFragmentsAreAccepted(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t)
	for _, id := range []string{
		"http://test.inter-iot.eu/test-platform1",
		"http://inter-iot.eu/platforms/a/b#frag",
		"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
		"http://example.org/p?x=1&y=%20",
		"http://例え.jp/プラットフォーム",
	} {
		t.Run(id+" registers", func(t *testing.T) {
			must(t, r.RegisterPlatform(ctx, Platform{PlatformID: id, Type: "t"}))
			p, err := r.GetPlatform(ctx, id)
			must(t, err)
			if p.PlatformID != id {
				t.Fatalf("platformId came back as %q", p.PlatformID)
			}
		})
	}
}
