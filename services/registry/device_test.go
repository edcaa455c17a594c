package registry

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology/rdf"
)

func TestDeviceLifecycle(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t)
	must(t, r.RegisterPlatform(ctx, Platform{PlatformID: "http://p/1", Type: "t"}))
	full := IoTDevice{
		DeviceID: "http://d/full", HostedBy: "http://p/1", Location: "http://loc/1", Name: "Full device",
		DeviceTypes: []DeviceType{DeviceTypeSensor, DeviceTypeActuator},
		Hosts:       []string{"http://d/child"}, ForProperty: []string{"http://prop/temp"},
		Observes: []string{"http://prop/temp"}, MadeActuation: []string{"http://act/1"},
		MadeObservation: []string{"http://obs/1"}, ImplementsProcedure: []string{"http://proc/1"},
		Detects: []string{"http://stim/1"},
	}
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"adding devices succeeds", func() error {
			return r.AddDevices(ctx, []IoTDevice{full, {DeviceID: "http://d/2", HostedBy: "http://p/1", Name: "two"}})
		}, nil},
		{"adding one again conflicts and writes nothing", func() error {
			return r.AddDevices(ctx, []IoTDevice{{DeviceID: "http://d/3", HostedBy: "http://p/1"}, {DeviceID: "http://d/2", HostedBy: "http://p/1"}})
		}, ErrConflict},
		{"a device twice in one request is invalid", func() error {
			return r.AddDevices(ctx, []IoTDevice{{DeviceID: "http://d/4", HostedBy: "http://p/1"}, {DeviceID: "http://d/4", HostedBy: "http://p/1"}})
		}, ErrInvalid},
		{"a device without hostedBy is invalid", func() error { return r.AddDevices(ctx, []IoTDevice{{DeviceID: "http://d/5"}}) }, ErrInvalid},
		{"a wrong device type is invalid", func() error {
			return r.AddDevices(ctx, []IoTDevice{{DeviceID: "http://d/5", HostedBy: "http://p/1", DeviceTypes: []DeviceType{"ROBOT"}}})
		}, ErrInvalid},
		{"updating a missing device is not found", func() error {
			return r.UpdateDevices(ctx, []IoTDevice{{DeviceID: "http://d/ghost", HostedBy: "http://p/1"}})
		}, ErrNotFound},
		{"updating a device succeeds", func() error {
			return r.UpdateDevices(ctx, []IoTDevice{{DeviceID: "http://d/2", HostedBy: "http://p/1", Name: "two, renamed"}})
		}, nil},
		{"removing a missing device is not found", func() error { return r.RemoveDevices(ctx, []string{"http://d/ghost"}) }, ErrNotFound},
		{"forgetting a missing device is fine", func() error { return r.ForgetDevices(ctx, []string{"http://d/ghost"}) }, nil},
		{"a platform cannot take a device's id", func() error { return r.PutPlatform(ctx, Platform{PlatformID: "http://d/2", Type: "t"}) }, ErrConflict},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { wantErr(t, s.do(), s.want) })
	}
	t.Run("get returns every field", func(t *testing.T) {
		got, err := r.GetDevice(ctx, full.DeviceID)
		must(t, err)
		if !reflect.DeepEqual(got, full) {
			t.Fatalf("GetDevice =\n%+v\nwant\n%+v", got, full)
		}
	})
	t.Run("list by platform returns the two devices and the update", func(t *testing.T) {
		ds, err := r.ListDevices(ctx, "http://p/1")
		must(t, err)
		if len(ds) != 2 || ds[0].Name != "two, renamed" || ds[0].DeviceTypes[0] != DeviceTypeDevice {
			t.Fatalf("ListDevices = %+v", ds)
		}
	})
	t.Run("the device to platform mapping answers", func(t *testing.T) {
		p, err := r.DevicePlatform(ctx, "http://d/2")
		must(t, err)
		if p != "http://p/1" {
			t.Fatalf("DevicePlatform = %q", p)
		}
		_, err = r.DevicePlatform(ctx, "http://d/ghost")
		wantErr(t, err, ErrNotFound)
	})
	t.Run("remove deletes the device", func(t *testing.T) {
		must(t, r.RemoveDevices(ctx, []string{"http://d/2"}))
		_, err := r.GetDevice(ctx, "http://d/2")
		wantErr(t, err, ErrNotFound)
	})
}

func TestReplaceDevicesMakesTheSetExact(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t)
	must(t, r.AddDevices(ctx, []IoTDevice{
		{DeviceID: "http://d/old", HostedBy: "http://p/1"},
		{DeviceID: "http://d/kept", HostedBy: "http://p/1", Name: "before"},
		{DeviceID: "http://d/other", HostedBy: "http://p/2"},
	}))
	extra := []rdf.Triple{
		{S: rdf.IRI("http://d/new"), P: sosaObserves, O: rdf.Blank("b0")},
		{S: rdf.Blank("b0"), P: rdfType, O: rdf.IRI("http://prop/Temperature")},
		{S: rdf.IRI("http://d/new"), P: iiotexHasLocalID, O: lit("local-7")},
	}
	must(t, r.ReplaceDevices(ctx, "http://p/1", []IoTDevice{
		{DeviceID: "http://d/kept", HostedBy: "http://p/elsewhere", Name: "after"},
		{DeviceID: "http://d/new", Extra: extra},
	}))
	ds, err := r.ListDevices(ctx, "http://p/1")
	must(t, err)
	if len(ds) != 2 || ds[0].DeviceID != "http://d/kept" || ds[0].Name != "after" || ds[0].HostedBy != "http://p/1" || ds[1].DeviceID != "http://d/new" {
		t.Fatalf("after ReplaceDevices: %+v", ds)
	}
	if len(ds[1].Extra) != 3 {
		t.Fatalf("the new device's extra triples: %v", ds[1].Extra)
	}
	other, err := r.ListDevices(ctx, "http://p/2")
	must(t, err)
	if len(other) != 1 {
		t.Fatalf("another platform's devices changed: %+v", other)
	}
	found, err := r.QueryDevices(ctx, DeviceFilter{LocalID: "local-7"})
	must(t, err)
	if len(found) != 1 || found[0].DeviceID != "http://d/new" {
		t.Fatalf("filter by localId: %+v", found)
	}
}

// discoveredDevices loads the 56 devices of INTER-MW's device_init.json
// fixture into a registry, as a bridge's Device_Init would.
func discoveredDevices(t testing.TB) (*Registry, string) {
	t.Helper()
	path := filepath.Join(sharedDir(t, "fixtures/inter-iot/messages"), "device_init.json")
	data, err := os.ReadFile(path)
	must(t, err)
	codec, err := messages.New(messages.Config{})
	must(t, err)
	m, err := codec.Decode(data)
	must(t, err)
	devices := DevicesFromPayload(m.Payload)
	if len(devices) != 56 {
		t.Fatalf("device_init.json holds %d devices, want 56", len(devices))
	}
	r, _ := newRegistry(t)
	platform := m.Metadata.SenderPlatformID
	must(t, r.RegisterPlatform(context.Background(), Platform{PlatformID: platform, Type: "http://inter-iot.eu/MWTestPlatform"}))
	must(t, r.ReplaceDevices(context.Background(), platform, devices))
	return r, platform
}

func TestDeviceFiltersOverDiscoveredDevices(t *testing.T) {
	ctx := context.Background()
	r, platform := discoveredDevices(t)
	tests := []struct {
		name   string
		filter DeviceFilter
		want   int
	}{
		{"no condition finds every device", DeviceFilter{}, 56},
		{"the platform finds every device", DeviceFilter{HostedBy: platform}, 56},
		{"another platform finds none", DeviceFilter{HostedBy: "http://p/other"}, 0},
		{"SENSOR finds the sensors", DeviceFilter{DeviceTypes: []DeviceType{DeviceTypeSensor}}, 28},
		{"ACTUATOR finds the actuators", DeviceFilter{DeviceTypes: []DeviceType{DeviceTypeActuator}}, 28},
		{"SENSOR and ACTUATOR together find none", DeviceFilter{DeviceTypes: []DeviceType{DeviceTypeSensor, DeviceTypeActuator}}, 0},
		{"DEVICE and SENSOR find the sensors", DeviceFilter{DeviceTypes: []DeviceType{DeviceTypeDevice, DeviceTypeSensor}}, 28},
		{"a platform class finds its devices", DeviceFilter{Type: "http://inter-iot.eu/LogVPmod#MeteoCabin"}, 8},
		{"a name finds its device", DeviceFilter{Name: "Cabina VR-004"}, 1},
		{"a shared name finds every device with it", DeviceFilter{Name: "Noatum access road - APV managed"}, 14},
		{"a local id finds its device", DeviceFilter{LocalID: "http://test.inter-iot.eu/test-platform_discovery/emission/1"}, 1},
		{"a location no device has finds none", DeviceFilter{Location: "http://loc/nowhere"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.QueryDevices(ctx, tt.filter)
			must(t, err)
			if len(got) != tt.want {
				t.Fatalf("QueryDevices(%+v) found %d devices, want %d", tt.filter, len(got), tt.want)
			}
		})
	}
	t.Run("statistics count the 56 devices", func(t *testing.T) {
		s, err := r.Statistics(ctx, platform)
		must(t, err)
		if s.DeviceCount != 56 {
			t.Fatalf("DeviceCount = %d", s.DeviceCount)
		}
	})
}

func TestDevicesPayloadRoundTrips(t *testing.T) {
	devs := []IoTDevice{
		{DeviceID: "http://d/1", HostedBy: "http://p/1", Name: "one", DeviceTypes: []DeviceType{DeviceTypeVirtual}, Observes: []string{"http://prop/x"}},
		{DeviceID: "http://d/2", HostedBy: "http://p/1", Extra: []rdf.Triple{{S: rdf.IRI("http://d/2"), P: sosaObserves, O: rdf.Blank("x")}, {S: rdf.Blank("x"), P: rdfType, O: rdf.IRI("http://prop/Y")}}},
	}
	got := DevicesFromPayload(DevicesPayload(devs))
	if len(got) != 2 || !reflect.DeepEqual(got[0], devs[0]) || len(got[1].Extra) != 2 || got[1].DeviceTypes[0] != DeviceTypeDevice {
		t.Fatalf("round trip = %+v", got)
	}
	ids := DeviceIDsFromPayload([]rdf.Triple{{S: rdf.IRI("http://d/9"), P: iiotHasName, O: lit("x")}})
	if !reflect.DeepEqual(ids, []string{"http://d/9"}) {
		t.Fatalf("DeviceIDsFromPayload of bare ids = %v", ids)
	}
}
