package registry

import (
	"context"
	"reflect"
	"testing"
)

func TestSubscriptions(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t)
	must(t, r.AddDevices(ctx, []IoTDevice{{DeviceID: "http://d/1", HostedBy: "http://p/1"}, {DeviceID: "http://d/2", HostedBy: "http://p/1"}}))
	s1 := Subscription{ConversationID: "conv1", ClientID: "alice", DeviceIDs: []string{"http://d/2", "http://d/1"}}
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"adding a subscription succeeds", func() error { return r.AddSubscription(ctx, s1) }, nil},
		{"adding it again conflicts", func() error { return r.AddSubscription(ctx, s1) }, ErrConflict},
		{"putting it again is fine", func() error { return r.PutSubscription(ctx, s1) }, nil},
		{"a subscription without devices is invalid", func() error {
			return r.AddSubscription(ctx, Subscription{ConversationID: "c", ClientID: "alice"})
		}, ErrInvalid},
		{"a subscription without a client is invalid", func() error {
			return r.AddSubscription(ctx, Subscription{ConversationID: "c", DeviceIDs: []string{"http://d/1"}})
		}, ErrInvalid},
		{"bob subscribes too", func() error {
			return r.AddSubscription(ctx, Subscription{ConversationID: "conv2", ClientID: "bob", DeviceIDs: []string{"http://d/2"}})
		}, nil},
		{"removing a missing subscription is not found", func() error { return r.RemoveSubscription(ctx, "ghost") }, ErrNotFound},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { wantErr(t, s.do(), s.want) })
	}
	t.Run("get returns the devices sorted", func(t *testing.T) {
		got, err := r.GetSubscription(ctx, "conv1")
		must(t, err)
		want := Subscription{ConversationID: "conv1", ClientID: "alice", DeviceIDs: []string{"http://d/1", "http://d/2"}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("GetSubscription = %+v", got)
		}
	})
	t.Run("list by client sees only the client's", func(t *testing.T) {
		got, err := r.ListSubscriptions(ctx, "bob")
		must(t, err)
		if len(got) != 1 || got[0].ConversationID != "conv2" {
			t.Fatalf("ListSubscriptions(bob) = %+v", got)
		}
		all, err := r.ListSubscriptions(ctx, "")
		must(t, err)
		if len(all) != 2 {
			t.Fatalf("ListSubscriptions() = %+v", all)
		}
	})
	t.Run("lookup by device finds both", func(t *testing.T) {
		got, err := r.SubscriptionsByDevice(ctx, "http://d/2")
		must(t, err)
		if len(got) != 2 {
			t.Fatalf("SubscriptionsByDevice = %+v", got)
		}
	})
	t.Run("remove deletes it", func(t *testing.T) {
		must(t, r.RemoveSubscription(ctx, "conv1"))
		_, err := r.GetSubscription(ctx, "conv1")
		wantErr(t, err, ErrNotFound)
	})
}

func TestPlatformToPlatformSubscriptions(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t)
	must(t, r.AddDevices(ctx, []IoTDevice{{DeviceID: "http://d/src", HostedBy: "http://p/a"}, {DeviceID: "http://d/dst", HostedBy: "http://p/b"}}))
	t.Run("adding fills the platforms from the devices", func(t *testing.T) {
		s, err := r.AddP2PSubscription(ctx, PlatformToPlatformSubscription{ConversationID: "v1", ClientID: "c", SourceDeviceID: "http://d/src", TargetDeviceID: "http://d/dst"})
		must(t, err)
		want := PlatformToPlatformSubscription{"v1", "c", "http://d/src", "http://d/dst", "http://p/a", "http://p/b"}
		if s != want {
			t.Fatalf("AddP2PSubscription = %+v", s)
		}
		got, err := r.GetP2PSubscription(ctx, "v1")
		must(t, err)
		if got != want {
			t.Fatalf("GetP2PSubscription = %+v", got)
		}
	})
	t.Run("adding it again conflicts", func(t *testing.T) {
		_, err := r.AddP2PSubscription(ctx, PlatformToPlatformSubscription{ConversationID: "v1", ClientID: "c", SourceDeviceID: "http://d/src", TargetDeviceID: "http://d/dst"})
		wantErr(t, err, ErrConflict)
	})
	t.Run("an unknown device without platforms is not found", func(t *testing.T) {
		_, err := r.AddP2PSubscription(ctx, PlatformToPlatformSubscription{ConversationID: "v2", ClientID: "c", SourceDeviceID: "http://d/ghost", TargetDeviceID: "http://d/dst"})
		wantErr(t, err, ErrNotFound)
	})
	t.Run("a source device that cannot be an IRI is invalid", func(t *testing.T) {
		_, err := r.AddP2PSubscription(ctx, PlatformToPlatformSubscription{ConversationID: "v2", ClientID: "c", SourceDeviceID: "x> }", TargetDeviceID: "http://d/dst"})
		wantErr(t, err, ErrInvalid)
	})
	t.Run("lookups by client and source device find it", func(t *testing.T) {
		byClient, err := r.ListP2PSubscriptions(ctx, "c")
		must(t, err)
		bySource, err := r.P2PSubscriptionsBySourceDevice(ctx, "http://d/src")
		must(t, err)
		none, err := r.ListP2PSubscriptions(ctx, "other")
		must(t, err)
		if len(byClient) != 1 || len(bySource) != 1 || len(none) != 0 {
			t.Fatalf("by client %+v, by source %+v, other client %+v", byClient, bySource, none)
		}
	})
	t.Run("the payload form round-trips", func(t *testing.T) {
		s := PlatformToPlatformSubscription{SourceDeviceID: "http://d/src", TargetDeviceID: "http://d/dst", SourcePlatformID: "http://p/a", TargetPlatformID: "http://p/b"}
		got, ok := P2PFromPayload(P2PPayload(s))
		if !ok || got != s {
			t.Fatalf("P2PFromPayload = %+v, %v", got, ok)
		}
		if _, ok := P2PFromPayload(nil); ok {
			t.Fatal("an empty payload held a subscription")
		}
	})
	t.Run("remove deletes it", func(t *testing.T) {
		must(t, r.RemoveP2PSubscription(ctx, "v1"))
		wantErr(t, r.RemoveP2PSubscription(ctx, "v1"), ErrNotFound)
	})
}
