package registry

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkRegisterPlatformWithDevices measures the write path a platform
// confirmation takes: register a platform and put 10 devices.
func BenchmarkRegisterPlatformWithDevices(b *testing.B) {
	ctx := context.Background()
	r, _ := newRegistry(b)
	i := 0
	for b.Loop() {
		id := "http://bench/p" + strconv.Itoa(i)
		must(b, r.RegisterPlatform(ctx, Platform{PlatformID: id, Type: "http://inter-iot.eu/MWTestPlatform", Name: "p"}))
		devs := make([]IoTDevice, 10)
		for j := range devs {
			devs[j] = IoTDevice{DeviceID: id + "/d" + strconv.Itoa(j), HostedBy: id, Name: "d", DeviceTypes: []DeviceType{DeviceTypeSensor}}
		}
		must(b, r.PutDevices(ctx, devs))
		i++
	}
}

// BenchmarkRegisterClient measures a client registration (check + write).
func BenchmarkRegisterClient(b *testing.B) {
	ctx := context.Background()
	r, _ := newRegistry(b)
	i := 0
	for b.Loop() {
		must(b, r.RegisterClient(ctx, Client{ClientID: "client-" + strconv.Itoa(i)}))
		i++
	}
}

// BenchmarkList measures the synchronous reads of the REST API over a
// registry of 10 platforms and the 56 discovered devices plus 100 more.
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	r, platform := discoveredDevices(b)
	for i := 0; i < 10; i++ {
		id := "http://bench/p" + strconv.Itoa(i)
		must(b, r.RegisterPlatform(ctx, Platform{PlatformID: id, Type: "t"}))
		devs := make([]IoTDevice, 10)
		for j := range devs {
			devs[j] = IoTDevice{DeviceID: id + "/d" + strconv.Itoa(j), HostedBy: id}
		}
		must(b, r.PutDevices(ctx, devs))
		must(b, r.PutSubscription(ctx, Subscription{ConversationID: "s" + strconv.Itoa(i), ClientID: "c", DeviceIDs: []string{devs[0].DeviceID}}))
	}
	for i := 0; i < 20; i++ {
		must(b, r.RegisterClient(ctx, Client{ClientID: "c" + strconv.Itoa(i)}))
	}
	b.Run("platforms with statistics", func(b *testing.B) {
		for b.Loop() {
			ps, err := r.ListPlatforms(ctx)
			if err != nil || len(ps) != 11 {
				b.Fatal(len(ps), err)
			}
		}
	})
	b.Run("devices of the 56-device platform", func(b *testing.B) {
		for b.Loop() {
			ds, err := r.ListDevices(ctx, platform)
			if err != nil || len(ds) != 56 {
				b.Fatal(len(ds), err)
			}
		}
	})
	b.Run("device filter by type", func(b *testing.B) {
		for b.Loop() {
			ds, err := r.QueryDevices(ctx, DeviceFilter{DeviceTypes: []DeviceType{DeviceTypeSensor}, HostedBy: platform})
			if err != nil || len(ds) != 28 {
				b.Fatal(len(ds), err)
			}
		}
	})
	b.Run("clients", func(b *testing.B) {
		for b.Loop() {
			cs, err := r.ListClients(ctx)
			if err != nil || len(cs) != 20 {
				b.Fatal(len(cs), err)
			}
		}
	})
	b.Run("get platform", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.GetPlatform(ctx, platform); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("discovery SPARQL with regex", func(b *testing.B) {
		q := `SELECT ?d ?n WHERE { GRAPH ?d { ?d iiot:hasName ?n FILTER regex(?n, "cabina", "i") } }`
		for b.Loop() {
			res, err := r.Discovery(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			res.Close()
		}
	})
	b.Run("subscription lookup by conversation", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.GetSubscription(ctx, "s3"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
