package emulator_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/intermw/intermw/bridges/bridgetest"
	"github.com/intermw/intermw/bridges/emulator"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	f, err := emulator.NewFactory(emulator.Config{ObservationInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bridgetest.Run(t, bridgetest.Config{Factory: f, PlatformType: emulator.PlatformType})
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name    string
		cfg     emulator.Config
		wantErr bool
	}{
		{"the zero config is valid", emulator.Config{}, false},
		{"a high rate is valid", emulator.Config{DeviceCount: 500, ObservationInterval: time.Millisecond}, false},
		{"a negative device count is refused", emulator.Config{DeviceCount: -1}, true},
		{"an empty inventory with a device count is refused", emulator.Config{DeviceCount: 3, NoDevices: true}, true},
		{"a negative interval is refused", emulator.Config{ObservationInterval: -time.Second}, true},
		{"an interval below the minimum is refused", emulator.Config{ObservationInterval: time.Microsecond}, true},
		{"a negative emission slot is refused", emulator.Config{EmitSlot: -time.Millisecond}, true},
		{"an emission slot below the minimum is refused", emulator.Config{EmitSlot: time.Microsecond}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if (err != nil) != c.wantErr {
				t.Fatalf("Validate() = %v, want error %v", err, c.wantErr)
			}
			if _, ferr := emulator.NewFactory(c.cfg); (ferr != nil) != c.wantErr {
				t.Fatalf("NewFactory() = %v, want error %v", ferr, c.wantErr)
			}
		})
	}
}
