package delivery

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkMailboxAppendPull measures a mailbox end to end: concurrent
// durable appends (as broker handlers do them) while one consumer pulls
// batches of 100 and commits them. Reported as msgs/s.
func BenchmarkMailboxAppendPull(b *testing.B) {
	for _, tc := range []struct {
		sync      SyncPolicy
		appenders int
	}{
		{SyncBatch, 1}, {SyncBatch, 16}, {SyncBatch, 64}, {SyncInterval, 1}, {SyncInterval, 16}, {SyncNone, 16},
	} {
		b.Run(fmt.Sprintf("sync=%s/appenders=%d", tc.sync, tc.appenders), func(b *testing.B) {
			ctx := context.Background()
			cfg := testConfig(b, b.TempDir(), newMemoryBroker(b))
			cfg.Sync = tc.sync
			d := newDeliverer(b, cfg)
			d.Upsert(ctx, pullClient("bench"))
			cs := d.clients["bench"]
			body := realObservation(b)
			b.SetBytes(int64(len(body)))
			var appended atomic.Int64
			stop := make(chan struct{})
			var syncer sync.WaitGroup
			if tc.sync == SyncInterval {
				syncer.Add(1)
				go func() {
					defer syncer.Done()
					t := time.NewTicker(d.cfg.SyncInterval)
					defer t.Stop()
					for {
						select {
						case <-stop:
							return
						case <-t.C:
							cs.mb.syncIfDirty()
						}
					}
				}()
			}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			per := b.N / tc.appenders
			for a := range tc.appenders {
				n := per
				if a == 0 {
					n += b.N % tc.appenders
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range n {
						_, gen, err := cs.mb.append(body, 1)
						if err == nil {
							err = cs.mb.waitDurable(gen)
						}
						if err != nil {
							b.Error(err)
							return
						}
						appended.Add(1)
					}
				}()
			}
			pulled := 0
			for pulled < b.N {
				es, commit, err := d.Pull(ctx, "bench", 100)
				if err != nil {
					b.Fatal(err)
				}
				if len(es) == 0 {
					<-cs.mb.waitChan()
					continue
				}
				if err := commit(); err != nil {
					b.Fatal(err)
				}
				pulled += len(es)
			}
			wg.Wait()
			el := time.Since(start)
			close(stop)
			syncer.Wait()
			b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
		})
	}
}

// BenchmarkPush measures push throughput to a local endpoint, batches of
// 100. Reported as msgs/s.
func BenchmarkPush(b *testing.B) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := 0
		depth := 0
		for _, c := range body { // count top-level array elements
			switch c {
			case '{', '[':
				depth++
				if depth == 2 && c == '{' {
					n++
				}
			case '}', ']':
				depth--
			}
		}
		got.Add(int64(n))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	ctx := context.Background()
	c := Client{ID: "push", CallbackURL: srv.URL, Format: FormatJSONLD, Mode: ModePush, ReceivingCapacity: 100}
	cfg := testConfig(b, b.TempDir(), newMemoryBroker(b), c)
	d := newDeliverer(b, cfg)
	running(b, d)
	body := realObservation(b)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := d.Append(ctx, "push", body); err != nil {
			b.Fatal(err)
		}
	}
	for got.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
