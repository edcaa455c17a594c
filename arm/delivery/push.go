package delivery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"
)

// pushWorker is one client's SERVER_PUSH loop: a goroutine and an HTTP
// connection pool of its own, so a slow endpoint delays only its client.
type pushWorker struct {
	cancel context.CancelFunc
	// soft asks the worker to stop after the batch in flight (Drain).
	soft chan struct{}
	done chan struct{}
}

func (w *pushWorker) stop() {
	w.cancel()
	<-w.done
}

func (w *pushWorker) drain(ctx context.Context) {
	close(w.soft)
	select {
	case <-w.done:
	case <-ctx.Done():
		w.stop()
	}
}

func (d *Deliverer) startPush(parent context.Context, cs *clientState) *pushWorker {
	ctx, cancel := context.WithCancel(parent)
	w := &pushWorker{cancel: cancel, soft: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		d.pushLoop(ctx, w, cs)
	}()
	return w
}

func (d *Deliverer) pushLoop(ctx context.Context, w *pushWorker, cs *clientState) {
	hc := newPushClient(d.cfg.WebhookAllow, d.cfg.Push.Timeout)
	defer hc.CloseIdleConnections()
	log := d.log.WithField("clientId", cs.id)
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.soft:
			return
		default:
		}
		wait := cs.mb.waitChan()
		items, err := cs.mb.take(d.capacity(cs.client.Load()))
		if err != nil {
			return // mailbox closed
		}
		if len(items) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-w.soft:
				return
			case <-wait:
				continue
			}
		}
		d.pushBatch(ctx, hc, log, cs, items)
	}
}

// pushBatch posts one batch until a 2xx, backing off between attempts; after
// MaxAttempts the batch goes to the dead-letter list. If ctx ends first the
// batch goes back to the queue.
func (d *Deliverer) pushBatch(ctx context.Context, hc *http.Client, log logrus.FieldLogger, cs *clientState, items []stored) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		c := cs.client.Load()
		entries, seqs := d.renderItems(cs, c.Format, items)
		if len(seqs) == 0 {
			return
		}
		items = keep(items, seqs)
		body := batchBody(entries)
		lastErr = post(ctx, hc, c.CallbackURL, c.Format.ContentType(), body)
		d.cfg.Metrics.PushAttempt(cs.id, lastErr == nil)
		if lastErr == nil {
			if err := cs.mb.commit(seqs); err != nil {
				log.WithError(err).Error("cannot remove pushed messages")
			}
			now := time.Now()
			for _, e := range entries {
				d.cfg.Metrics.Delivered(cs.id, ViaPush, latency(now, e.DateTimeStamp))
			}
			return
		}
		if ctx.Err() != nil {
			cs.mb.release(seqs)
			return
		}
		log.WithError(lastErr).WithField("attempt", attempt).Debug("push failed")
		if attempt >= d.cfg.Push.MaxAttempts {
			dls := make([]DeadLetter, len(items))
			for i, it := range items {
				dls[i] = DeadLetter{Seq: it.seq, Reason: ReasonPushFailed, Detail: lastErr.Error(),
					Attempts: attempt, Stamp: it.stamp, Body: it.body}
			}
			d.deadLetter(cs, dls)
			return
		}
		t := time.NewTimer(backoff(d.cfg.Push.InitialBackoff, d.cfg.Push.MaxBackoff, attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			cs.mb.release(seqs)
			return
		case <-t.C:
		}
	}
}

// keep returns the items whose seq is in seqs (both ascending).
func keep(items []stored, seqs []uint64) []stored {
	if len(items) == len(seqs) {
		return items
	}
	out := items[:0:0]
	j := 0
	for _, it := range items {
		if j < len(seqs) && it.seq == seqs[j] {
			out = append(out, it)
			j++
		}
	}
	return out
}

// backoff is the pause after failed attempt n (1-based): initial·2^(n-1),
// capped at max, with ±50% jitter (still capped).
func backoff(initial, max time.Duration, n int) time.Duration {
	d := initial
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	j := d/2 + time.Duration(rand.Int64N(int64(d)+1))
	if j > max {
		j = max
	}
	return j
}

// batchBody renders entries as one JSON array.
func batchBody(entries []Entry) []byte {
	n := 2
	for _, e := range entries {
		n += len(e.Data) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.Data...)
	}
	return append(b, ']')
}

// post sends one batch; only a 2xx counts as delivered.
func post(ctx context.Context, hc *http.Client, url, contentType string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "intermw-delivery")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("callback answered %s", resp.Status)
	}
	return nil
}
