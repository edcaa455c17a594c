package metered_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/broker/metered"
)

func TestFamily(t *testing.T) {
	for topic, want := range map[string]string{
		"arm_prm":                             "arm_prm",
		"rest_api_app1":                       "rest_api",
		"bridge_ipsmrm_http___p_1_abcd":       "bridge_ipsmrm",
		"dlq_rest_api_app1":                   "dlq_rest_api",
		"mw-ipsm-interiot-format-http___type": "mw-ipsm-interiot-format",
		"error":                               "error",
	} {
		if got := metered.Family(topic); got != want {
			t.Errorf("Family(%q) = %q, want %q", topic, got, want)
		}
	}
}

func TestMetersTraffic(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mb, err := memory.New(ctx, memory.Config{Options: broker.Options{MaxDeliveries: 1}})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	b, err := metered.New(mb, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	done := make(chan struct{}, 2)
	_, err = b.Subscribe(ctx, "rest_api_c1", "g", func(ctx context.Context, m *broker.Message) error {
		defer func() { done <- struct{}{} }()
		if string(m.Body) == "bad" {
			return errors.New("refused")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"good", "bad"} {
		if err := b.Publish(ctx, "rest_api_c1", broker.Message{Key: body, Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("deliveries did not happen")
		}
	}
	if got := value(t, reg, "intermw_broker_published_total", map[string]string{"topic": "rest_api"}); got != 2 {
		t.Errorf("published %v, want 2", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok := value(t, reg, "intermw_broker_handled_total", map[string]string{"topic": "rest_api", "group": "g", "result": "ok"})
		bad := value(t, reg, "intermw_broker_handled_total", map[string]string{"topic": "rest_api", "group": "g", "result": "error"})
		if ok == 1 && bad == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handled ok=%v error=%v", ok, bad)
		}
		<-time.After(time.Millisecond) // bounded poll
	}
	if got := value(t, reg, "intermw_broker_queue_depth", map[string]string{"topic": "rest_api", "group": "g"}); got < 0 {
		t.Error("no depth gauge for the group")
	}
}

// value gathers reg and returns the sample of family name with labels, or
// -1 when there is none.
func value(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue metrics
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}
