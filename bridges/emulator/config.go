package emulator

import (
	"errors"
	"fmt"
	"time"
)

// PlatformType is the INTER-MW test platform type the emulator serves.
const PlatformType = "http://inter-iot.eu/MWTestPlatform"

// Defaults of Config.
const (
	DefaultDeviceCount         = 5
	DefaultObservationInterval = time.Second
	// MinObservationInterval is the shortest interval Validate accepts.
	MinObservationInterval = 100 * time.Microsecond
	// DefaultEmitSlot is the default of Config.EmitSlot.
	DefaultEmitSlot = 5 * time.Millisecond
)

// Config configures the emulated platforms. The zero Config gives
// INTER-MW's test platform: a small inventory and one observation per
// subscribed device per second.
type Config struct {
	// DeviceCount is how many devices each emulated platform reports on
	// Discovery_List (besides those created through it). Zero means the
	// default, 5; set NoDevices for an empty inventory.
	DeviceCount int
	// NoDevices makes the inventory start empty.
	NoDevices bool
	// ObservationInterval is the time between two observations of one
	// subscribed device. All of a platform's subscriptions share one
	// ticker: every tick emits one observation per subscribed device, as
	// one batch, so a small interval with many devices gives a high rate
	// without a goroutine per device. Default 1s; at least 100µs.
	ObservationInterval time.Duration
	// EmitSlot is the time between two batches of observations: the
	// interval is cut into ObservationInterval/EmitSlot slots (at least
	// one) and each subscribed device is observed in one of them, so that
	// 10k devices at 1s give 50 observations every 5ms rather than 10k
	// at once, and observations do not queue up behind a burst. Default
	// 5ms; an EmitSlot at or above the interval emits everything at each
	// interval.
	EmitSlot time.Duration
	// Now is the clock stamped on observations and messages. Default
	// time.Now.
	Now func() time.Time
	// NewUUID makes message ids. Default: random UUIDs.
	NewUUID func() string
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.DeviceCount < 0 {
		errs = append(errs, fmt.Errorf("emulator: DeviceCount %d is negative", c.DeviceCount))
	}
	if c.NoDevices && c.DeviceCount > 0 {
		errs = append(errs, fmt.Errorf("emulator: NoDevices contradicts DeviceCount %d", c.DeviceCount))
	}
	if c.ObservationInterval < 0 {
		errs = append(errs, fmt.Errorf("emulator: ObservationInterval %v is negative", c.ObservationInterval))
	} else if c.ObservationInterval > 0 && c.ObservationInterval < MinObservationInterval {
		errs = append(errs, fmt.Errorf("emulator: ObservationInterval %v is below %v", c.ObservationInterval, MinObservationInterval))
	}
	if c.EmitSlot < 0 {
		errs = append(errs, fmt.Errorf("emulator: EmitSlot %v is negative", c.EmitSlot))
	} else if c.EmitSlot > 0 && c.EmitSlot < MinObservationInterval {
		errs = append(errs, fmt.Errorf("emulator: EmitSlot %v is below %v", c.EmitSlot, MinObservationInterval))
	}
	return errors.Join(errs...)
}

// slots returns how many slots the interval is cut into and the time
// between two of them.
func (c Config) slots() (int, time.Duration) {
	n := int(c.ObservationInterval / c.EmitSlot)
	if n < 1 {
		return 1, c.ObservationInterval
	}
	return n, c.ObservationInterval / time.Duration(n)
}

func (c Config) withDefaults() Config {
	if c.DeviceCount == 0 && !c.NoDevices {
		c.DeviceCount = DefaultDeviceCount
	}
	if c.ObservationInterval == 0 {
		c.ObservationInterval = DefaultObservationInterval
	}
	if c.EmitSlot == 0 {
		c.EmitSlot = DefaultEmitSlot
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
