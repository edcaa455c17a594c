package delivery

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Stream returns a channel of a client's messages after lastEventID, as
// they arrive, until ctx ends (the channel is then closed).
//
// SSE reads do not consume: a message stays in the mailbox (and is still
// pulled or pushed) until committed. Reconnecting with a Last-Event-ID is
// the client's acknowledgement: every message up to it is committed (removed)
// when Stream starts, and the stream resumes with the next one, so a
// client that always resumes with its last id sees every message once.
// Messages committed by a Pull or a push in the meantime are not streamed.
func (d *Deliverer) Stream(ctx context.Context, clientID string, lastEventID uint64) (<-chan Entry, error) {
	cs, err := d.get(clientID)
	if err != nil {
		return nil, err
	}
	if lastEventID > 0 {
		if err := cs.mb.ackUpTo(lastEventID); err != nil {
			return nil, err
		}
	}
	ch := make(chan Entry, 16)
	go func() {
		defer close(ch)
		cursor := lastEventID
		for {
			items, wait, err := cs.mb.peekAfter(cursor, 64)
			if err != nil {
				return
			}
			f := cs.client.Load().Format
			for _, it := range items {
				cursor = it.seq
				data, err := render(d.cfg.Codec, f, it.body)
				if err != nil {
					continue // pull or push dead-letters it
				}
				select {
				case ch <- Entry{Seq: it.seq, Data: data, DateTimeStamp: stampTime(it.stamp)}:
					d.cfg.Metrics.Delivered(clientID, ViaSSE, latency(time.Now(), stampTime(it.stamp)))
				case <-ctx.Done():
					return
				case <-d.closed:
					return
				}
			}
			if len(items) > 0 {
				continue
			}
			select {
			case <-wait:
			case <-ctx.Done():
				return
			case <-d.closed:
				return
			}
		}
	}()
	return ch, nil
}

// ServeSSE streams a client's messages as Server-Sent Events: one event per
// message, "id: <seq>" and its data (the message in the client's format,
// one "data:" line per line of it), resuming after the request's
// Last-Event-ID header (or lastEventId query parameter), with a keepalive
// comment every SSEKeepAlive. It returns when the client disconnects or the
// Deliverer closes. The caller has authenticated the client; an unknown
// client gets 404.
func (d *Deliverer) ServeSSE(w http.ResponseWriter, r *http.Request, clientID string) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, `{"error":"internal","message":"streaming unsupported"}`, http.StatusInternalServerError)
		return
	}
	var last uint64
	raw := r.Header.Get("Last-Event-ID")
	if raw == "" {
		raw = r.URL.Query().Get("lastEventId")
	}
	if raw != "" {
		v, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"bad_request","message":"Last-Event-ID must be a decimal event id"}`))
			return
		}
		last = v
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ch, err := d.Stream(ctx, clientID, last)
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		if errors.Is(err, ErrUnknownClient) {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"not_found","message":"unknown client"}`))
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":"unavailable","message":"delivery unavailable"}`))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n\n")); err != nil {
		return
	}
	fl.Flush()
	tick := time.NewTicker(d.cfg.SSEKeepAlive)
	defer tick.Stop()
	var buf bytes.Buffer
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := w.Write([]byte(": keepalive\n\n")); err != nil {
				return
			}
			fl.Flush()
		case e, ok := <-ch:
			if !ok {
				return
			}
			buf.Reset()
			writeEvent(&buf, e)
			// Drain what else is ready, to flush once per burst.
		more:
			for buf.Len() < 64<<10 {
				select {
				case e2, ok := <-ch:
					if !ok {
						break more
					}
					writeEvent(&buf, e2)
				default:
					break more
				}
			}
			if _, err := w.Write(buf.Bytes()); err != nil {
				return
			}
			fl.Flush()
		}
	}
}

func writeEvent(b *bytes.Buffer, e Entry) {
	b.WriteString("id: ")
	b.WriteString(strconv.FormatUint(e.Seq, 10))
	b.WriteByte('\n')
	data := e.Data
	for {
		i := bytes.IndexByte(data, '\n')
		line := data
		if i >= 0 {
			line = data[:i]
		}
		b.WriteString("data: ")
		b.Write(bytes.TrimSuffix(line, []byte("\r")))
		b.WriteByte('\n')
		if i < 0 {
			break
		}
		data = data[i+1:]
	}
	b.WriteByte('\n')
}
