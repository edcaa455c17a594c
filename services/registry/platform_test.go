package registry

import (
	"context"
	"reflect"
	"testing"
)

func fullPlatform(id string) Platform {
	return Platform{
		PlatformID: id, Type: "http://inter-iot.eu/MWTestPlatform", BaseEndpoint: "http://localhost:4568/",
		LocationID: "http://test.inter-iot.eu/TestLocation", Name: "Test platform", ClientID: "myclient",
		Username: "user", EncryptedPassword: "secret", EncryptionAlgorithm: "SHA-256", TimeCreated: 1536150000000,
		DownstreamInputAlignmentName: "din", DownstreamInputAlignmentVersion: "1.0",
		DownstreamOutputAlignmentName: "dout", DownstreamOutputAlignmentVersion: "1.1",
		UpstreamInputAlignmentName: "uin", UpstreamInputAlignmentVersion: "2.0",
		UpstreamOutputAlignmentName: "uout", UpstreamOutputAlignmentVersion: "2.1",
	}
}

func TestPlatformLifecycle(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t)
	p := fullPlatform("http://test.inter-iot.eu/test-platform1")

	t.Run("registering stores every field", func(t *testing.T) {
		must(t, r.RegisterPlatform(ctx, p))
		got, err := r.GetPlatform(ctx, p.PlatformID)
		must(t, err)
		want := p
		want.PlatformStatistics = &PlatformStatistics{}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("GetPlatform =\n%+v\nwant\n%+v", got, want)
		}
	})
	t.Run("registering twice conflicts", func(t *testing.T) {
		wantErr(t, r.RegisterPlatform(ctx, p), ErrConflict)
	})
	t.Run("a platform without a type is invalid", func(t *testing.T) {
		wantErr(t, r.RegisterPlatform(ctx, Platform{PlatformID: "http://p/x"}), ErrInvalid)
	})
	t.Run("updating keeps timeCreated and replaces the rest", func(t *testing.T) {
		u := Platform{PlatformID: p.PlatformID, Type: p.Type, Name: "renamed"}
		must(t, r.UpdatePlatform(ctx, u))
		got, err := r.GetPlatform(ctx, p.PlatformID)
		must(t, err)
		if got.Name != "renamed" || got.TimeCreated != p.TimeCreated || got.Username != "" {
			t.Fatalf("after update: %+v", got)
		}
	})
	t.Run("updating a missing platform is not found", func(t *testing.T) {
		wantErr(t, r.UpdatePlatform(ctx, Platform{PlatformID: "http://p/ghost", Type: "t"}), ErrNotFound)
	})
	t.Run("put registers and is idempotent", func(t *testing.T) {
		q := fullPlatform("http://p/2")
		must(t, r.PutPlatform(ctx, q))
		must(t, r.PutPlatform(ctx, q))
		list, err := r.ListPlatforms(ctx)
		must(t, err)
		if len(list) != 2 || list[0].PlatformID != "http://p/2" {
			t.Fatalf("ListPlatforms = %+v", list)
		}
	})
	t.Run("a device cannot take a platform's id", func(t *testing.T) {
		wantErr(t, r.PutDevices(ctx, []IoTDevice{{DeviceID: "http://p/2", HostedBy: "http://p/2"}}), ErrConflict)
	})
	t.Run("getting a missing platform is not found", func(t *testing.T) {
		_, err := r.GetPlatform(ctx, "http://p/ghost")
		wantErr(t, err, ErrNotFound)
		_, err = r.Statistics(ctx, "http://p/ghost")
		wantErr(t, err, ErrNotFound)
		wantErr(t, r.RemovePlatform(ctx, "http://p/ghost"), ErrNotFound)
	})
}

func TestStatisticsAndRemovalCascade(t *testing.T) {
	ctx := context.Background()
	r, st := newRegistry(t)
	must(t, r.RegisterClient(ctx, Client{ClientID: "c"}))
	baseline := quadCount(t, st)
	must(t, r.RegisterPlatform(ctx, Platform{PlatformID: "http://p/a", Type: "t"}))
	must(t, r.RegisterPlatform(ctx, Platform{PlatformID: "http://p/b", Type: "t"}))
	var devs []IoTDevice
	for _, id := range []string{"a1", "a2", "a3", "a4"} {
		devs = append(devs, IoTDevice{DeviceID: "http://d/" + id, HostedBy: "http://p/a"})
	}
	devs = append(devs, IoTDevice{DeviceID: "http://d/b1", HostedBy: "http://p/b"})
	must(t, r.AddDevices(ctx, devs))
	must(t, r.AddSubscription(ctx, Subscription{ConversationID: "s1", ClientID: "c", DeviceIDs: []string{"http://d/a1", "http://d/a2"}}))
	must(t, r.AddSubscription(ctx, Subscription{ConversationID: "s2", ClientID: "c", DeviceIDs: []string{"http://d/a2", "http://d/a3"}}))
	must(t, r.AddSubscription(ctx, Subscription{ConversationID: "s3", ClientID: "c", DeviceIDs: []string{"http://d/b1"}}))
	must(t, r.AddSubscription(ctx, Subscription{ConversationID: "s4", ClientID: "c", DeviceIDs: []string{"http://d/unknown"}, PlatformIDs: []string{"http://p/a"}}))
	_, err := r.AddP2PSubscription(ctx, PlatformToPlatformSubscription{ConversationID: "v1", ClientID: "c", SourceDeviceID: "http://d/b1", TargetDeviceID: "http://d/a4"})
	must(t, err)

	tests := []struct {
		platform string
		want     PlatformStatistics
	}{
		{"http://p/a", PlatformStatistics{DeviceCount: 4, SubscribedDeviceCount: 3, SubscriptionCount: 2}},
		{"http://p/b", PlatformStatistics{DeviceCount: 1, SubscribedDeviceCount: 1, SubscriptionCount: 1}},
	}
	for _, tt := range tests {
		t.Run("statistics of "+tt.platform+" count devices, subscribed devices and subscriptions", func(t *testing.T) {
			got, err := r.Statistics(ctx, tt.platform)
			must(t, err)
			if got != tt.want {
				t.Fatalf("Statistics = %+v, want %+v", got, tt.want)
			}
			list, err := r.ListPlatforms(ctx)
			must(t, err)
			for _, p := range list {
				if p.PlatformID == tt.platform && *p.PlatformStatistics != tt.want {
					t.Fatalf("ListPlatforms statistics = %+v, want %+v", *p.PlatformStatistics, tt.want)
				}
			}
		})
	}

	t.Run("removing a platform removes its devices, subscriptions and p2p subscriptions", func(t *testing.T) {
		must(t, r.RemovePlatform(ctx, "http://p/a"))
		ds, err := r.ListDevices(ctx, "")
		must(t, err)
		if len(ds) != 1 || ds[0].DeviceID != "http://d/b1" {
			t.Fatalf("devices left: %+v", ds)
		}
		subs, err := r.ListSubscriptions(ctx, "")
		must(t, err)
		if len(subs) != 1 || subs[0].ConversationID != "s3" {
			t.Fatalf("subscriptions left: %+v", subs)
		}
		p2p, err := r.ListP2PSubscriptions(ctx, "")
		must(t, err)
		if len(p2p) != 0 {
			t.Fatalf("p2p subscriptions left: %+v", p2p)
		}
		_, err = r.GetDevice(ctx, "http://d/a1")
		wantErr(t, err, ErrNotFound)
	})
	t.Run("removing the last platform leaves only the client", func(t *testing.T) {
		must(t, r.RemovePlatform(ctx, "http://p/b"))
		if n := quadCount(t, st); n != baseline {
			t.Fatalf("store holds %d quads, want the client's %d", n, baseline)
		}
	})
}
