package brokertest

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Loop is a publish→consume pipeline that Run drives for n messages, so
// that BenchPaired can alternate a raw client loop and ours.
type Loop interface {
	Run(b *testing.B, n, publishers int) time.Duration
}

// BenchPaired alternates raw and ours over 50 rounds (ABBA order) and
// reports both rates, the overhead of the totals (ours/raw - 1) and the
// median of the per-round overheads, which a burst of load on the machine
// moves less.
func BenchPaired(b *testing.B, publishers int, raw, ours Loop) {
	const rounds = 50
	per := max(b.N/rounds, 1)
	var tRaw, tOurs time.Duration
	ratios := make([]float64, 0, rounds)
	b.SetBytes(1024)
	b.ResetTimer()
	for r := range rounds {
		var dr, do time.Duration
		if r%2 == 0 {
			dr = raw.Run(b, per, publishers)
			do = ours.Run(b, per, publishers)
		} else {
			do = ours.Run(b, per, publishers)
			dr = raw.Run(b, per, publishers)
		}
		tRaw += dr
		tOurs += do
		ratios = append(ratios, do.Seconds()/dr.Seconds())
	}
	b.StopTimer()
	slices.Sort(ratios)
	n := float64(per * rounds)
	b.ReportMetric(n/tRaw.Seconds(), "raw-msgs/s")
	b.ReportMetric(n/tOurs.Seconds(), "intermw-msgs/s")
	b.ReportMetric(tOurs.Seconds()/tRaw.Seconds()-1, "overhead")
	b.ReportMetric(ratios[len(ratios)/2]-1, "median-overhead")
}

// Counter counts consumed messages and signals when a target is reached.
type Counter struct {
	n, target atomic.Int64
	reached   chan struct{}
}

// NewCounter returns a Counter.
func NewCounter() *Counter { return &Counter{reached: make(chan struct{}, 1)} }

// Add counts one consumed message.
func (c *Counter) Add() {
	if c.n.Add(1) == c.target.Load() {
		c.reached <- struct{}{}
	}
}

// Drive publishes n messages from publishers goroutines and waits until
// the counter has seen them all.
func (c *Counter) Drive(b *testing.B, n, publishers int, publish func(i int) error) time.Duration {
	c.target.Store(c.n.Load() + int64(n))
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range publishers {
		wg.Go(func() {
			for i := w; i < n; i += publishers {
				if err := publish(i); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	select {
	case <-c.reached:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d consumed", c.n.Load(), c.target.Load())
	}
	return time.Since(start)
}
