package emulator

import (
	"context"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/messages"
)

// sensorsEmitter records which device each emitted observation is made by,
// per Emit call.
type sensorsEmitter struct {
	mu      sync.Mutex
	batches [][]string
}

func (e *sensorsEmitter) Emit(_ context.Context, msgs ...*messages.Message) error {
	var batch []string
	for _, m := range msgs {
		for _, t := range m.Payload {
			if t.P.Value == bridges.PropMadeBySensor {
				batch = append(batch, t.O.Value)
			}
		}
	}
	e.mu.Lock()
	e.batches = append(e.batches, batch)
	e.mu.Unlock()
	return nil
}

func TestSlots(t *testing.T) {
	cases := []struct {
		name      string
		interval  time.Duration
		slot      time.Duration
		wantSlots int
		wantStep  time.Duration
	}{
		{"a second in 5ms slots is 200 slots", time.Second, 5 * time.Millisecond, 200, 5 * time.Millisecond},
		{"an interval at the slot length is one slot", 5 * time.Millisecond, 5 * time.Millisecond, 1, 5 * time.Millisecond},
		{"an interval below the slot length is one slot of the interval", time.Millisecond, 5 * time.Millisecond, 1, time.Millisecond},
		{"an interval that is no multiple of the slot is cut evenly", 12 * time.Millisecond, 5 * time.Millisecond, 2, 6 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, step := Config{ObservationInterval: c.interval, EmitSlot: c.slot}.slots()
			if n != c.wantSlots || step != c.wantStep {
				t.Errorf("slots() = %d, %v; want %d, %v", n, step, c.wantSlots, c.wantStep)
			}
		})
	}
}

// TestTickSpreadsDevicesOverSlots checks that the ticks of one interval
// observe every subscribed device exactly once, in batches of a slot's
// share.
func TestTickSpreadsDevicesOverSlots(t *testing.T) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	em := &sensorsEmitter{}
	cfg := Config{NoDevices: true, ObservationInterval: time.Hour, EmitSlot: time.Hour}.withDefaults()
	b := newBridge(cfg, bridges.Setup{Platform: bridges.Platform{ID: "http://t/p", Type: PlatformType}, Emitter: em, Log: log})
	defer b.Close()
	ctx := context.Background()
	var want []string
	for s, n := range []int{7, 3, 12} {
		var ids []string
		for i := range n {
			ids = append(ids, "http://t/p/s"+strconv.Itoa(s)+"/d"+strconv.Itoa(i))
		}
		want = append(want, ids...)
		if err := b.Subscribe(ctx, bridges.Subscription{ID: "conv" + strconv.Itoa(s), DeviceIDs: ids}); err != nil {
			t.Fatal(err)
		}
	}
	const slots = 5
	for slot := range slots {
		b.tick(slot, slots)
	}
	seen := map[string]int{}
	em.mu.Lock()
	defer em.mu.Unlock()
	for _, batch := range em.batches {
		if len(batch) > (len(want)+slots-1)/slots {
			t.Errorf("a batch of %d observations for %d devices in %d slots", len(batch), len(want), slots)
		}
		for _, d := range batch {
			seen[d]++
		}
	}
	for _, d := range want {
		if seen[d] != 1 {
			t.Errorf("device %s observed %d times in one interval", d, seen[d])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d devices observed, %d subscribed", len(seen), len(want))
	}
}
